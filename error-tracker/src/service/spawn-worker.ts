// Starts a worker thread from a module next to this one, from .ts sources (tests, bench: the
// worker registers tsx's loader itself, since the parent's `--import tsx` hooks do not reach
// worker threads on Node 20) or from the built .js.
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function spawnWorker(name: string, options: WorkerOptions = {}): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, import.meta.url);
  if (!fromSource) return new Worker(url, options);
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
