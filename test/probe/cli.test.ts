// `dnsplane probe` and scripts/verify-dns.sh as a user runs them, against a real authority (and unbound).
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProbeStatus } from '../../src/probe/status-file.js';
import { startUnbound, type UnboundResolver } from '../../src/probe/unbound.js';
import { runDnsplane, spawnDnsplane, type CliResult } from '../helpers/cli.js';
import { describeWithTools } from '../helpers/tools.js';
import { API, BIG, startProbeFixture, ZONE, type ProbeFixture } from './fixture.js';

function run(command: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env: { ...process.env, DNSPLANE_LOG_LEVEL: 'silent' }, timeout: 25_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const dnsplane = (args: string[]) => runDnsplane(args, { cwd: path.resolve(import.meta.dirname, '../..') });

describe('dnsplane probe', () => {
  let f: ProbeFixture;
  let scratch: string;
  let authority: string;
  beforeAll(async () => {
    f = await startProbeFixture();
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-probe-cli-'));
    authority = `${f.authority.host}:${f.authority.port}`;
  });
  afterAll(async () => {
    await f?.close();
    await fs.rm(scratch, { recursive: true, force: true });
  });

  it('prints JSON lines and writes the status file', async () => {
    const statusFile = path.join(scratch, 'status.json');
    const out = await dnsplane([
      'probe',
      '--plans',
      f.planDir,
      '--authority',
      authority,
      '--count',
      '2',
      '--interval',
      '50ms',
      '--json',
      '--status-file',
      statusFile,
      '--fail-on',
      'bad',
    ]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const lines = out.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; result?: string; rounds?: number });
    expect(lines.filter((line) => line.kind === 'observation')).toHaveLength(4);
    expect(lines.filter((line) => line.kind === 'observation').every((line) => line.result === 'answered')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ kind: 'summary', rounds: 2 });
    const status = await readProbeStatus(statusFile);
    expect(status?.generation).toBe(1);
    expect(status?.endpoints.map((entry) => `${entry.endpoint} ${entry.path} ${entry.result}`).sort()).toEqual([
      `${API} A authority answered`,
      `${BIG} A authority answered`,
    ]);
  });

  it('exits 4 (EMPTY) with --fail-on empty when an endpoint is emptied, naming it', async () => {
    await f.change('DELETE', f.recordSets(API));
    try {
      const out = await dnsplane([
        'probe',
        '--plans',
        f.planDir,
        '--authority',
        authority,
        '--count',
        '5',
        '--interval',
        '50ms',
        '--fail-on',
        'empty',
        '--no-status-file',
      ]);
      expect(out.code).toBe(4);
      expect(out.stderr).toContain(`dnsplane: probe saw NODATA for ${API} A via authority`);
      expect(out.stdout).toMatch(/api\.probe\.test\. A\s+authority\s+NODATA/);
      expect(out.stdout).toContain('1 rounds');
    } finally {
      await f.change('CREATE', f.recordSets(API));
    }
  });

  it('--once fails by default: 4 for an emptied endpoint, 1 when the authority does not answer, 0 when all answer', async () => {
    const once = (...extra: string[]) =>
      dnsplane(['probe', '--plans', f.planDir, '--once', '--timeout', '200ms', '--no-status-file', ...extra]);
    expect((await once('--authority', authority)).code).toBe(0);
    await f.change('DELETE', f.recordSets(API));
    try {
      const emptied = await once('--authority', authority);
      expect(emptied.code).toBe(4);
      expect(emptied.stderr).toContain(`probe saw NODATA for ${API} A`);
      expect((await once('--authority', authority, '--fail-on', 'never')).code).toBe(0);
    } finally {
      await f.change('CREATE', f.recordSets(API));
    }
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const nobody = await once('--authority', `127.0.0.1:${silent.address().port}`);
      expect(nobody.code).toBe(1);
      expect(nobody.stderr).toMatch(/probe saw (TIMEOUT|ERROR) for/);
    } finally {
      silent.close();
    }
  }, 120_000);

  it('with --fail-on, an unreadable plan fails the run instead of passing a check that checked nothing', async () => {
    const planDir = await fs.mkdtemp(path.join(scratch, 'broken-plans-'));
    await fs.writeFile(
      path.join(planDir, 'plan-000000000001.json'),
      '{"generation": 1, "zone": "probe.test.", "endpoints": "none"}',
    );
    const out = await dnsplane([
      'probe',
      '--plans',
      planDir,
      '--authority',
      authority,
      '--count',
      '2',
      '--interval',
      '50ms',
      '--fail-on',
      'empty',
      '--no-status-file',
    ]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('plan-000000000001.json is not a valid plan');
    expect(out.stderr).toContain('probe made no observations, so --fail-on empty cannot pass');
    expect(out.stderr).not.toContain('no plan in');
  });

  it('serves Prometheus metrics while it runs, and stops cleanly on Ctrl-C', async () => {
    const probe = spawnDnsplane(
      [
        'probe',
        '--plans',
        f.planDir,
        '--authority',
        authority,
        '--interval',
        '50ms',
        '--metrics-port',
        '0',
        '--no-status-file',
      ],
      {
        env: { ...process.env, DNSPLANE_LOG_LEVEL: 'silent' },
      },
    );
    try {
      const [, url] = await probe.waitFor(/metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/, {
        stream: 'stderr',
        timeoutMs: 10_000,
      });
      let text = '';
      for (let i = 0; i < 100 && !text.includes('result="answered"'); i += 1) {
        text = await (await fetch(url)).text();
        if (!text.includes('result="answered"')) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(text).toContain(
        `dnsplane_probe_observations_total{endpoint="${API} A",path="authority",result="answered"}`,
      );
      expect(text).toContain('dnsplane_probe_latency_seconds_bucket');
      expect(text).toContain(`dnsplane_probe_endpoint_up{endpoint="${API} A",path="authority"} 1`);
    } finally {
      probe.child.kill('SIGINT');
    }
    expect(await probe.exited).toBe(0);
    expect(probe.stdout).toMatch(/\d+ rounds, \d+ observations: answered \d+/);
  });

  it('lists the plan as TSV for scripts, and rejects bad options by name', async () => {
    const out = await dnsplane(['probe', '--plans', f.planDir, '--list-targets']);
    expect(out.stdout.split('\n')[0]).toBe(`${API}\tA\t192.0.2.10,192.0.2.11\t198.51.100.20`);
    const bad = await dnsplane(['probe', '--plans', f.planDir, '--interval', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--interval "soon" is not a duration');
  });
});

describeWithTools(['dig', 'unbound'], 'scripts/verify-dns.sh', () => {
  let f: ProbeFixture;
  let unbound: UnboundResolver;
  let args: string[];
  beforeAll(async () => {
    f = await startProbeFixture();
    unbound = await startUnbound({ zones: [ZONE], authority: f.authority, noCache: true });
    args = [
      '--plans',
      f.planDir,
      '--authority',
      `${f.authority.host}:${f.authority.port}`,
      '--resolver',
      `${unbound.address.host}:${unbound.address.port}`,
    ];
  });
  afterAll(async () => {
    await unbound?.stop();
    await f?.close();
  });

  it('passes when every endpoint answers with planned values, both paths', async () => {
    const out = await run('scripts/verify-dns.sh', args);
    expect(out.code).toBe(0);
    expect(out.stdout.match(/ OK /g)).toHaveLength(4);
    expect(out.stdout).toContain('every endpoint answers with planned values');
  });

  it('fails on an endpoint emptied by hand, through the authority and the resolver', async () => {
    await f.change('DELETE', f.recordSets(API));
    try {
      const out = await run('scripts/verify-dns.sh', args);
      expect(out.code).toBe(1);
      expect(out.stdout).toMatch(/api\.probe\.test\.\s+A\s+authority.*NOERROR\s+EMPTY/);
      expect(out.stdout).toMatch(/api\.probe\.test\.\s+A\s+resolver.*NOERROR\s+EMPTY/);
      expect(out.stderr).toContain('2 answer(s) do not match the plan');
    } finally {
      await f.change('CREATE', f.recordSets(API));
    }
  });

  it('fails on values outside the plan', async () => {
    await f.change(
      'UPSERT',
      f.recordSets(BIG).map((set) => ({ ...set, values: ['203.0.113.1'] })),
    );
    try {
      const out = await run('scripts/verify-dns.sh', args);
      expect(out.code).toBe(1);
      expect(out.stdout).toMatch(/big\.probe\.test\.\s+A\s+authority.*WRONG\s+203\.0\.113\.1/);
    } finally {
      await f.change('UPSERT', f.recordSets(BIG));
    }
  });
});
