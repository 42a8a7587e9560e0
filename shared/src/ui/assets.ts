// /assets/<file>: the shared stylesheet and script plus the service's own bundles. In production (this file
// compiled to .js) they come from the directory `node scripts/build-ui.mjs <workspace>` filled; when running
// from TypeScript sources (tests, tsx) they are bundled in memory on first request, so tests never see a
// stale or missing build.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { NotFound } from '../errors.js';
import { toErrorResponse } from '../http/error-handler.js';
import { setSecurityHeaders } from './security.js';

export interface Asset {
  body: Buffer;
  /** Worth compressing (scripts and styles over 1 KiB; source maps are for devtools only). */
  compressible: boolean;
  /** Gzipped body, made on the first request that accepts gzip (the editor bundle shrinks about 3×). */
  gzip?: Buffer;
  etag: string;
  type: string;
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
};

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The served form of one file; undefined for a type we do not serve. */
function toAsset(name: string, contents: Uint8Array): Asset | undefined {
  const ext = name.slice(name.lastIndexOf('.') + 1);
  const type = TYPES[ext];
  if (!type) return undefined;
  const body = Buffer.from(contents);
  return {
    body,
    compressible: (ext === 'js' || ext === 'css') && body.length >= 1024,
    type,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

function toAssets(files: Map<string, Uint8Array>): Map<string, Asset> {
  const out = new Map<string, Asset>();
  for (const [name, contents] of files) {
    const asset = toAsset(name, contents);
    if (asset) out.set(name, asset);
  }
  return out;
}

type BundleUi = (o: {
  workspaceDir: string;
  write: boolean;
  sourcemap: boolean;
}) => Promise<Map<string, Uint8Array>>;

/** Bundles a workspace's client code in memory with the same esbuild settings as the build step. */
export async function bundleInMemory(workspaceDir: string): Promise<Map<string, Asset>> {
  const script = new URL('../../../scripts/build-ui.mjs', import.meta.url).href;
  const { bundleUi } = (await import(script)) as { bundleUi: BundleUi };
  // No source maps in memory: only tests run from sources, and maps double the bundling time.
  return toAssets(await bundleUi({ workspaceDir, write: false, sourcemap: false }));
}

type AssetLookup = (name: string) => Promise<Asset | undefined>;

/** A promise made once and kept, except a rejected one, which the next call makes again. */
function retryingOnce<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (!pending) {
      const p = make();
      pending = p;
      p.catch(() => {
        if (pending === p) pending = undefined;
      });
    }
    return pending;
  };
}

/**
 * Built files, each read on its first request and then kept: reading the whole directory on the
 * first page view held every bundle and source map (3.4 MB for the metrics collector, 2.8 MB of it
 * maps that only devtools fetch). Only names listed in the directory are read or cached.
 */
function builtAssets(dir: string): AssetLookup {
  const listing = retryingOnce(async () => new Set(await readdir(dir)));
  const files = new Map<string, () => Promise<Asset | undefined>>();
  return async (name) => {
    if (!(await listing()).has(name)) return undefined;
    let load = files.get(name);
    if (!load) {
      load = retryingOnce(async () => toAsset(name, await readFile(join(dir, name))));
      files.set(name, load);
    }
    return load();
  };
}

function bundledAssets(workspaceDir: string): AssetLookup {
  const bundle = retryingOnce(() => bundleInMemory(workspaceDir));
  return async (name) => (await bundle()).get(name);
}

export interface AssetRouteOptions {
  workspaceDir: string;
  /** Where built bundles live; default <workspaceDir>/dist/ui/assets. */
  clientBundleDir?: string;
  /** 'source' bundles in memory (default when running from .ts), 'built' reads clientBundleDir. */
  mode?: 'source' | 'built';
}

export function registerAssetRoute(app: FastifyInstance, options: AssetRouteOptions): void {
  const mode = options.mode ?? (RUNNING_FROM_SOURCE ? 'source' : 'built');
  const dir = resolve(options.clientBundleDir ?? join(options.workspaceDir, 'dist', 'ui', 'assets'));
  const lookup = mode === 'source' ? bundledAssets(options.workspaceDir) : builtAssets(dir);
  app.get<{ Params: { name: string } }>(
    '/assets/:name',
    { config: { auth: 'public' } },
    async (request, reply) => {
      setSecurityHeaders(reply);
      const asset = await lookup(request.params.name);
      if (!asset) {
        const { status, body } = toErrorResponse(new NotFound(`no asset ${request.params.name}`));
        return reply.code(status).send(body);
      }
      reply.header('cache-control', 'public, max-age=0, must-revalidate');
      reply.header('etag', asset.etag);
      reply.header('vary', 'accept-encoding');
      if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      if (asset.compressible && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
        asset.gzip ??= gzipSync(asset.body);
        return reply.type(asset.type).header('content-encoding', 'gzip').send(asset.gzip);
      }
      return reply.type(asset.type).send(asset.body);
    },
  );
}
