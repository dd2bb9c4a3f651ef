// Fast, visible failure and the parts' health endpoints: a Route53 endpoint that accepts and never answers is
// reported while the command waits and retries; /healthz and /readyz sit beside /metrics; logs read as text.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLogLine } from '../../src/telemetry/logger.js';
import { serveMetrics, setReady } from '../../src/telemetry/metrics-server.js';
import { spawnDnsplane } from '../helpers/cli.js';

let silent: net.Server;
const held: net.Socket[] = [];
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-visible-'));
  // Accepts every connection and never answers: the worst kind of endpoint, a hang rather than a refusal.
  silent = net.createServer((socket) => void held.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe('a Route53 endpoint that never answers', () => {
  it('is reported within seconds, then each retry says which attempt of how many and when the next one is', async () => {
    const endpoint = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const env = {
      ...process.env,
      DNSPLANE_CONFIG: '',
      DNSPLANE_LOG_LEVEL: 'silent',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    };
    const status = spawnDnsplane(
      [
        'status',
        '--zone',
        'hang.test.',
        '--endpoint-url',
        endpoint,
        '--request-timeout',
        '6s',
        '--plans',
        path.join(dir, 'plans'),
      ],
      { env },
    );
    try {
      await status.waitFor(
        new RegExp(
          `dnsplane: waiting for Route53 ListHostedZonesByName at ${endpoint} \\(2 s so far; --request-timeout 6 s\\)`,
        ),
        { stream: 'stderr', timeoutMs: 60_000 },
      );
      // Never silent while it waits: the notice comes again every couple of seconds, with the time so far.
      await status.waitFor(
        new RegExp(
          `dnsplane: waiting for Route53 ListHostedZonesByName at ${endpoint} \\(4 s so far; --request-timeout 6 s\\)`,
        ),
        { stream: 'stderr', timeoutMs: 60_000 },
      );
      await status.waitFor(
        new RegExp(
          `dnsplane: Route53 ListHostedZonesByName at ${endpoint} failed \\(.*\\): attempt 1 of 7, next in \\d+\\.\\d s`,
        ),
        { stream: 'stderr', timeoutMs: 60_000 },
      );
    } finally {
      status.child.kill('SIGTERM');
      await status.exited;
    }
  }, 120_000);
});

describe('health endpoints and logs', () => {
  it('serves /healthz always, /readyz once the part says it is ready, and the default process metrics', async () => {
    const metrics = await serveMetrics(0, '127.0.0.1');
    try {
      const get = (route: string) => fetch(`http://127.0.0.1:${metrics.port}${route}`);
      expect((await get('/healthz')).status).toBe(200);
      const starting = await get('/readyz');
      expect([starting.status, await starting.text()]).toEqual([503, 'starting\n']);
      setReady(true, 'first pass done');
      const ready = await get('/readyz');
      expect([ready.status, await ready.text()]).toEqual([200, 'first pass done\n']);
      expect(await (await get('/metrics')).text()).toContain('dnsplane_process_cpu_user_seconds_total');
      expect((await get('/nothing')).status).toBe(404);
    } finally {
      metrics.server.close();
      setReady(false, 'starting');
    }
  });

  it('formats a JSON log line as text for a terminal', () => {
    const line = JSON.stringify({
      level: 40,
      time: Date.UTC(2026, 11, 6, 20, 0, 1),
      pid: 1,
      hostname: 'h',
      name: 'dnsplane.planner',
      plans: 'file:x',
      err: { message: 'boom' },
      msg: 'pass failed',
    });
    expect(formatLogLine(line)).toBe('20:00:01 WARN  planner: pass failed  plans=file:x err=boom\n');
  });
});
