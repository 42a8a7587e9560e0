// Debian's prometheus binary on a loopback port, as the oracle of tests (oracle.test.ts compares
// PromQL results, api-odd-input.test.ts the answers to odd API input).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts, makeTempDir } from '@flowrent/shared/testing';

export const PROMETHEUS = '/usr/bin/prometheus';
export const prometheusAvailable = existsSync(PROMETHEUS);

export interface PrometheusProcess {
  base: string;
  stop(): void;
}

async function waitReady(base: string, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (proc.exitCode !== null) throw new Error(`prometheus exited with ${proc.exitCode}`);
    try {
      const r = await fetch(`${base}/-/ready`);
      if (r.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('prometheus did not become ready');
}

/** Starts Prometheus on 127.0.0.1 with an empty temp database and its remote-write receiver on
 * (`config`: the prometheus.yml text, e.g. with scrape_configs). */
export async function startPrometheus(
  extraArgs: string[] = [],
  config = 'global:\n  evaluation_interval: 1m\n',
): Promise<PrometheusProcess> {
  const dir = makeTempDir('prometheus-');
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const [port] = await freePorts(1);
  const base = `http://127.0.0.1:${port}`;
  const proc = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--log.level=warn',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (d) => {
    stderr += d;
  });
  await waitReady(base, proc).catch((e) => {
    proc.kill('SIGKILL');
    throw new Error(`${e.message}\n${stderr}`);
  });
  return { base, stop: () => proc.kill('SIGTERM') };
}
