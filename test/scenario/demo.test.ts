// npm start as a newcomer runs it: the demo end to end in a child process (bin/dnsplane.js demo, which is what
// `npm start` runs), with the verdict printed and both charts written; and Ctrl-C stopping it cleanly.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEndpointSets } from '../../src/route53/listing.js';
import { createRoute53Client } from '../../src/route53/client.js';
import { sdkPort } from '../../src/route53/port.js';
import { toSdkRecordSet } from '../../src/route53/recordset.js';
import { spawnDnsplane } from '../helpers/cli.js';
import { describeWithTools } from '../helpers/tools.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/dnsplane.js');
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-demo-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('dnsplane demo (npm start)', () => {
  it('runs the legacy and the safe race and prints a verdict with the charts', async () => {
    const { stdout, stderr } = await run('node', [BIN, 'demo', '--chart-dir', dir], { timeout: 120_000 });
    expect(stdout).toMatch(/\[1\/2\] LEGACY design/);
    expect(stdout).toMatch(/\[2\/2\] SAFE design/);
    expect(stdout).toMatch(/enactor B applied generation \d+ and started cleanup/);
    expect(stdout).toMatch(/legacy: FAILED +dynamodb\.us-east-1\.dnsplane\.test\. went EMPTY at t\+\d+ ms/);
    expect(stdout).toMatch(
      /safe: +HELD +dynamodb\.us-east-1\.dnsplane\.test\. answered every probe .* converged to plan \d+/,
    );
    const legacyChart = path.join(dir, 'race-legacy.html');
    const safeChart = path.join(dir, 'race-safe.html');
    expect(stdout).toContain(`charts: ${legacyChart}  ${safeChart}`);
    expect(await fs.readFile(legacyChart, 'utf8')).toContain('class="mark probe nodata"');
    expect(await fs.readFile(safeChart, 'utf8')).not.toContain('class="mark probe nodata"');
    // Quiet by default: no pino JSON lines and no SDK warning in the middle of the narration.
    expect(stderr).not.toMatch(/"level":/);
    expect(stderr).not.toMatch(/NodeVersionSupportWarning/);
  }, 150_000);

  it('stops cleanly on Ctrl-C (SIGINT): exit 130, no child process left behind', async () => {
    const demo = spawnDnsplane(['demo', '--chart-dir', dir]);
    // Interrupt in the middle of the first race, while enactor A's write is held.
    await demo.waitFor(/enactor A picked up/);
    const children = await childPids(demo.child.pid!);
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(130);
    expect(demo.stderr).toMatch(/stopping: closing the authority, the probe and unbound/);
    for (const pid of children) expect(alive(pid), `child ${pid} still running`).toBe(false);
  }, 45_000);
});

describeWithTools(['dig'], 'dnsplane demo --stay', () => {
  it('keeps the safe environment up: verify-dns.sh passes against it, and fails once the endpoint is emptied by hand', async () => {
    const demo = spawnDnsplane(['demo', '--stay', '--chart-dir', dir]);
    try {
      await demo.waitFor(/^verify: (.+)$/m);
      const [, verify] = /^verify: scripts\/verify-dns\.sh (.+)$/m.exec(demo.stdout)!;
      const args = verify.split(' ');
      const passed = await run('bash', ['scripts/verify-dns.sh', ...args], { timeout: 20_000 });
      expect(passed.stdout).toMatch(/every endpoint answers with planned values/);

      // Empty the regional endpoint by hand, through the kept authority's Route53 API.
      const [, endpoint, zoneId] = /Route53 API (\S+) .*\((Z\w+)\)/.exec(demo.stdout)!;
      const client = createRoute53Client({
        endpoint: endpoint,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      });
      const name = 'dynamodb.us-east-1.dnsplane.test.';
      const sets = await readEndpointSets(sdkPort(client), zoneId, name, 'A');
      expect(sets.length).toBeGreaterThan(0);
      await client.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: { Changes: sets.map((set) => ({ Action: 'DELETE', ResourceRecordSet: toSdkRecordSet(set) })) },
        }),
      );
      client.destroy();
      const failed = await run('bash', ['scripts/verify-dns.sh', ...args], { timeout: 20_000 }).then(
        () => undefined,
        (error: { code: number; stdout: string }) => error,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stdout).toMatch(new RegExp(`${name.replace(/\./g, '\\.')}\\s+A\\s+authority.*EMPTY`));
    } finally {
      demo.child.kill('SIGINT');
      await demo.exited;
    }
  }, 60_000);
});

async function childPids(pid: number): Promise<number[]> {
  try {
    const text = await fs.readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text.trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
