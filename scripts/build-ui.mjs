#!/usr/bin/env node
// Bundles a workspace's browser code with esbuild: every top-level `<workspace>/src/ui/client/*.ts` (helpers
// live in sub-folders) plus the shared kit's script (`ui.js`), stylesheet (`ui.css`) and icon, into
// `<workspace>/dist/ui/assets/` (minified, linked source maps). Usage: `node scripts/build-ui.mjs <workspace>`.
// The kit's asset route also calls bundleUi({ write: false }) when it runs from TypeScript sources (tests,
// tsx), so the two can never drift apart.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sharedAssets = join(root, 'shared', 'assets');
const sharedClient = join(root, 'shared', 'src', 'ui', 'client');

async function listEntries(dir) {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter(
        (e) =>
          e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts'),
      )
      .map((e) => join(dir, e.name));
  } catch (err) {
    if (err.code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * @param {{ workspaceDir: string, outdir?: string, write?: boolean, minify?: boolean, sourcemap?: boolean }} options
 * @returns {Promise<Map<string, Uint8Array>>} output file name → contents (also written when write !== false)
 */
export async function bundleUi({ workspaceDir, outdir, write = true, minify = true, sourcemap = true }) {
  const esbuild = await import('esbuild');
  const out = outdir ?? join(workspaceDir, 'dist', 'ui', 'assets');
  const entries = new Map([['ui', join(sharedClient, 'ui.ts')]]);
  for (const file of await listEntries(join(workspaceDir, 'src', 'ui', 'client'))) {
    const name = basename(file, '.ts');
    if (resolve(file) !== resolve(join(sharedClient, 'ui.ts'))) entries.set(name, file);
  }
  // Always built in memory, then written here, so callers get the same map either way.
  const common = {
    bundle: true,
    minify,
    sourcemap: sourcemap ? 'linked' : false,
    outdir: out,
    write: false,
    logLevel: 'warning',
  };
  const js = await esbuild.build({
    ...common,
    entryPoints: [...entries].map(([name, file]) => ({ in: file, out: name })),
    format: 'iife',
    target: ['chrome100', 'firefox100', 'safari15'],
    conditions: ['development'],
    loader: { '.svg': 'dataurl' },
  });
  const css = await esbuild.build({
    ...common,
    entryPoints: [{ in: join(sharedAssets, 'ui.css'), out: 'ui' }],
    loader: { '.svg': 'dataurl' },
    target: ['chrome100', 'firefox100', 'safari15'],
  });
  const files = new Map();
  for (const f of [...js.outputFiles, ...css.outputFiles]) files.set(basename(f.path), f.contents);
  files.set('favicon.svg', new Uint8Array(await readFile(join(sharedAssets, 'favicon.svg'))));
  if (write) {
    await mkdir(out, { recursive: true });
    for (const [name, contents] of files) await writeFile(join(out, name), contents);
  }
  return files;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const workspace = process.argv[2];
  if (!workspace) {
    console.error('usage: node scripts/build-ui.mjs <workspace>');
    process.exit(2);
  }
  const workspaceDir = resolve(root, workspace);
  const outdir = join(workspaceDir, 'dist', 'ui', 'assets');
  await rm(outdir, { recursive: true, force: true });
  const files = await bundleUi({ workspaceDir, outdir });
  console.log(`build-ui: ${files.size} files in ${outdir}`);
}
