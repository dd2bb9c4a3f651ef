// `dnsplane up --plans s3://...`: planner, enactors and probe share plans through S3 (moto_server's S3 here,
// reached through the standard AWS_ENDPOINT_URL_S3 setting, as on a real deployment with real S3).
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { Manifest } from '../../src/deploy/processes.js';
import { createS3Client } from '../../src/plan/s3-client.js';
import { openS3PlanStore } from '../../src/plan/s3-store.js';
import { runDnsplane } from '../helpers/cli.js';
import { useMoto } from '../helpers/moto.js';
import { describeWithTools } from '../helpers/tools.js';
import { exited, FREE_PORTS, until, useRunDir, waitConverged } from './harness.js';

describeWithTools(['moto_server'], 'dnsplane up with plans on S3', () => {
  const moto = useMoto();
  const run = useRunDir('dnsplane-up-s3-');

  it('converges with every process reading and writing s3://bucket/prefix', async () => {
    const runDir = run.path;
    const s3 = createS3Client({ endpoint: moto.current.endpoint });
    await s3.send(new CreateBucketCommand({ Bucket: 'dnsplane-plans' }));
    const env = { AWS_ENDPOINT_URL_S3: moto.current.endpoint };
    const started = await runDnsplane(
      [
        'up',
        '--run-dir',
        runDir,
        ...FREE_PORTS,
        '--plans',
        's3://dnsplane-plans/up',
        '--no-unbound',
        '--no-dashboard',
        '--planner-interval',
        '500ms',
        '--enact-interval',
        '300ms',
      ],
      { cwd: runDir, env },
    );
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain('plans        s3://dnsplane-plans/up');
    const manifest = JSON.parse(await fs.readFile(path.join(runDir, 'up.json'), 'utf8')) as Manifest;
    expect(manifest.processes.map((p) => p.name).sort()).toEqual([
      'authority',
      'enactor-use1-az1',
      'enactor-use1-az2',
      'enactor-use1-az4',
      'fleet-sim',
      'planner',
      'probe',
    ]);

    const store = openS3PlanStore('s3://dnsplane-plans/up', { endpoint: moto.current.endpoint });
    const rows = await waitConverged(manifest.endpoints.api, 'example.test.', store, 3);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'dnsplane-plans', Prefix: 'up/plan-' }));
    expect(listed.KeyCount).toBeGreaterThan(0);
    expect(rows.every((row) => row.liveGeneration === rows[0].plannedGeneration)).toBe(true);
    s3.destroy();

    const stopped = await runDnsplane(['down', '--run-dir', runDir], { cwd: runDir });
    expect(stopped.code, stopped.stderr).toBe(0);
    await until('every started pid to have exited', 3000, async () =>
      manifest.processes.every((p) => exited(p.pid)) ? true : undefined,
    );
  }, 60_000);

  it('fails naming the part and its log line when the bucket does not exist, and leaves nothing running', async () => {
    const runDir = run.path;
    const env = { AWS_ENDPOINT_URL_S3: moto.current.endpoint };
    const started = await runDnsplane(
      [
        'up',
        '--run-dir',
        runDir,
        ...FREE_PORTS,
        '--plans',
        's3://no-such-bucket/x',
        '--no-unbound',
        '--no-dashboard',
        '--planner-interval',
        '500ms',
      ],
      { cwd: runDir, env },
    );
    expect(started.code).toBe(1);
    expect(started.stdout).not.toContain('processes running');
    expect(started.stderr).toContain('dnsplane: planner failed before it was ready: ');
    expect(started.stderr).toContain('bucket no-such-bucket does not exist');
    expect(started.stderr).toContain(`see its log ${path.join(runDir, 'logs', 'planner.log')}`);
    await expect(fs.access(path.join(runDir, 'up.json'))).rejects.toThrow();
  }, 60_000);
});
