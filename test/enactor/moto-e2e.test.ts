// The LocalStack path without Docker: the dnsplane CLI against moto_server (LocalStack community's Route53 and
// S3 engine), with plans on moto's S3 and nothing but AWS_ENDPOINT_URL pointing the commands at it.
import { CreateHostedZoneCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createS3Client } from '../../src/plan/s3-client.js';
import { S3PlanStore } from '../../src/plan/s3-store.js';
import type { EndpointPlan, Plan } from '../../src/plan/schema.js';
import { createRoute53Client } from '../../src/route53/client.js';
import { sdkPort } from '../../src/route53/port.js';
import { listRecordSets } from '../../src/route53/paging.js';
import { runDnsplane } from '../helpers/cli.js';
import { useMoto } from '../helpers/moto.js';
import { describeWithTools } from '../helpers/tools.js';

const ZONE = 'example.test.';
const BUCKET = 'dnsplane-plans';
const PLANS = `s3://${BUCKET}/prod`;
// Every step spawns the CLI (tsx and the AWS SDK load each time); a few seconds each on two shared cores.
const E2E_TIMEOUT_MS = 90_000;

function endpoint(name: string, weights: number[], firstOctet = 10): EndpointPlan {
  return {
    name: `${name}.${ZONE}`,
    type: 'A',
    ttl: 60,
    sets: weights.map((weight, i) => ({
      setIdentifier: `lb-${i}`,
      weight,
      values: [`${firstOctet}.0.${i >> 8}.${i & 255}`],
    })),
  };
}

function plan(generation: number, endpoints: EndpointPlan[]): Plan {
  return {
    generation,
    createdAt: new Date(Date.UTC(2026, 10, 22, 0, generation)).toISOString(),
    createdBy: 'moto-e2e',
    zone: ZONE,
    endpoints,
  };
}

describeWithTools(['moto_server'], 'dnsplane CLI against moto_server (the LocalStack path)', () => {
  const moto = useMoto();
  let dir: string;
  let route53: Route53Client;
  let plans: S3PlanStore;
  let zoneId: string;
  const cli = (...args: string[]) =>
    runDnsplane(args, {
      cwd: dir,
      env: {
        AWS_ENDPOINT_URL: moto.current.endpoint,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: 'us-east-1',
      },
    });
  const enact = (...extra: string[]) =>
    cli(
      'enact',
      '--id',
      'use1-az1',
      '--plans',
      PLANS,
      '--zone',
      ZONE,
      '--once',
      '--audit',
      path.join(dir, 'audit.jsonl'),
      ...extra,
    );
  const status = () =>
    cli('status', '--json', '--plans', PLANS, '--zone', ZONE, '--probe-status', path.join(dir, 'probe.json'));

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dnsplane-moto-e2e-'));
    route53 = createRoute53Client({
      endpoint: moto.current.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const zone = await route53.send(
      new CreateHostedZoneCommand({ Name: ZONE, CallerReference: `moto-e2e-${Date.now()}` }),
    );
    zoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
    const s3 = createS3Client({ endpoint: moto.current.endpoint });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    plans = new S3PlanStore(s3, { bucket: BUCKET, prefix: 'prod/' });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const endpointSets = async (name: string) =>
    (await listRecordSets(sdkPort(route53), zoneId)).filter(
      (set) => set.name === `${name}.${ZONE}` && set.type === 'A',
    );

  it(
    'refuses multi-writer mode: the self-check fails on moto and nothing is written',
    { timeout: E2E_TIMEOUT_MS },
    async () => {
      await plans.write(plan(1, [endpoint('api', [1, 2])]));
      const refused = await enact();
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/dnsplane: [\s\S]*--single-writer/);
      expect(await endpointSets('api')).toEqual([]);
    },
  );

  it(
    'enacts as the single writer, reads the same records back in status, and cleans up old plans',
    { timeout: E2E_TIMEOUT_MS },
    async () => {
      await plans.write(plan(1, [endpoint('api', [1, 2]), endpoint('www', [5])]));
      const first = await enact('--single-writer');
      expect(first.stderr).not.toMatch(/dnsplane:/);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/generation 1: 2 applied/);
      expect((await endpointSets('api')).map((set) => [set.setIdentifier, set.weight, set.values])).toEqual([
        ['lb-0', 1, ['10.0.0.0']],
        ['lb-1', 2, ['10.0.0.1']],
      ]);

      const shown = await status();
      expect(shown.code).toBe(0);
      expect(JSON.parse(shown.stdout).endpoints).toEqual([
        expect.objectContaining({
          endpoint: `api.${ZONE} A`,
          liveGeneration: 1,
          plannedGeneration: 1,
          liveMatchesFence: true,
          liveMatchesLatest: true,
          fenceWriter: 'use1-az1',
        }),
        expect.objectContaining({
          endpoint: `www.${ZONE} A`,
          liveGeneration: 1,
          plannedGeneration: 1,
          liveMatchesFence: true,
          liveMatchesLatest: true,
        }),
      ]);

      await plans.write(plan(2, [endpoint('api', [3, 4]), endpoint('www', [5])]));
      await plans.write(plan(3, [endpoint('api', [7, 8]), endpoint('www', [5])]));
      const second = await enact('--single-writer');
      // Both endpoints move their fence to generation 3, www with unchanged records.
      expect(second.stdout).toMatch(/generation 3: 2 applied/);
      expect((await endpointSets('api')).map((set) => set.weight)).toEqual([7, 8]);

      const cleanup = await cli('cleanup', '--retention', '0', '--json', '--plans', PLANS, '--zone', ZONE);
      expect(cleanup.code).toBe(0);
      expect(JSON.parse(cleanup.stdout)).toMatchObject({ live: [3], deleted: [1, 2], kept: [3] });
      expect(await plans.list()).toEqual([3]);
    },
  );

  it(
    'stops with a paging error instead of hanging or double-counting once a weighted group spans pages',
    { timeout: E2E_TIMEOUT_MS },
    async () => {
      // Four groups of 100 sets: more than one 300-set page, with a page boundary inside a weighted group,
      // where moto ignores StartRecordIdentifier.
      const groups = ['a', 'b', 'c', 'd'].map((name, i) =>
        endpoint(
          name,
          Array.from({ length: 100 }, () => 1),
          10 + i,
        ),
      );
      await plans.write(plan(1, groups));
      const written = await enact('--single-writer', '--force');
      expect(written.code).toBe(0);
      const started = Date.now();
      const shown = await status();
      expect(shown.code).toBe(1);
      expect(shown.stderr).toMatch(/dnsplane: ListResourceRecordSets paging does not advance/);
      expect(Date.now() - started).toBeLessThan(30_000);
    },
  );
});
