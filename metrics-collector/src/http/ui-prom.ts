// Server-rendered pages read the Prometheus API in-process (app.inject with the admin key), so they show
// exactly what /api/v1 answers and never duplicate the query engine, scraper or rule evaluator.
import type { FastifyInstance } from 'fastify';
import type { Target, VectorSample } from '../ui/prom-shapes.js';

export type PromAnswer<T> = { ok: true; data: T } | { ok: false; status: number; error: string };

export async function promGet<T>(
  app: FastifyInstance,
  apiKey: string,
  path: string,
  params: Record<string, string> = {},
): Promise<PromAnswer<T>> {
  const qs = new URLSearchParams(params).toString();
  const res = await app.inject({
    method: 'GET',
    url: qs ? `${path}?${qs}` : path,
    headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' },
  });
  let body: { status?: string; data?: T; error?: string | { message?: string } } = {};
  try {
    body = res.json();
  } catch {
    // not JSON: reported below with the status
  }
  if (res.statusCode === 200 && body.status === 'success') return { ok: true, data: body.data as T };
  const error =
    typeof body.error === 'string' ? body.error : (body.error?.message ?? `HTTP ${res.statusCode}`);
  return { ok: false, status: res.statusCode, error };
}

/**
 * Scrape targets: /api/v1/targets when the scraper provides it; otherwise rebuilt from the per-target series
 * every scrape writes (up, scrape_duration_seconds, scrape_samples_scraped), as Prometheus defines them.
 */
export async function loadTargets(
  app: FastifyInstance,
  apiKey: string,
): Promise<{ targets: Target[]; source: 'targets-api' | 'up-series'; error?: string }> {
  const api = await promGet<{ activeTargets: Target[] }>(app, apiKey, '/api/v1/targets');
  if (api.ok) return { targets: api.data.activeTargets ?? [], source: 'targets-api' };
  const up = await promGet<{ resultType: string; result: VectorSample[] }>(app, apiKey, '/api/v1/query', {
    query: 'up',
  });
  if (!up.ok) return { targets: [], source: 'up-series', error: up.error };
  const extra = async (metric: string) => {
    const r = await promGet<{ result: VectorSample[] }>(app, apiKey, '/api/v1/query', { query: metric });
    const byKey = new Map<string, VectorSample>();
    if (r.ok) for (const s of r.data.result) byKey.set(`${s.metric.job}\u0000${s.metric.instance}`, s);
    return byKey;
  };
  const [durations, samples] = await Promise.all([
    extra('scrape_duration_seconds'),
    extra('scrape_samples_scraped'),
  ]);
  const targets = up.data.result.map((s): Target => {
    const key = `${s.metric.job}\u0000${s.metric.instance}`;
    const { __name__: _name, ...labels } = s.metric;
    return {
      labels,
      scrapePool: s.metric.job ?? '',
      scrapeUrl: '',
      lastError: '',
      lastScrape: new Date(s.value[0] * 1000).toISOString(),
      lastScrapeDuration: Number(durations.get(key)?.value[1] ?? Number.NaN),
      health: s.value[1] === '1' ? 'up' : 'down',
      samplesScraped: samples.has(key) ? Number(samples.get(key)!.value[1]) : undefined,
    };
  });
  targets.sort(
    (a, b) =>
      a.scrapePool.localeCompare(b.scrapePool) ||
      (a.labels.instance ?? '').localeCompare(b.labels.instance ?? ''),
  );
  return { targets, source: 'up-series' };
}
