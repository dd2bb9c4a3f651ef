// The probe against a real authority: records written through the SDK, DNS over real UDP and TCP.
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilePlanStore } from '../../src/plan/file-store.js';
import { Probe } from '../../src/probe/probe.js';
import { fixedTargets, latestPlanTargets } from '../../src/probe/targets.js';
import { registry } from '../../src/telemetry/metrics.js';
import { API, BIG, planFor, startProbeFixture, type ProbeFixture } from './fixture.js';
import { emptyAndRestore } from './wait.js';

describe('Probe straight at the authority', () => {
  let f: ProbeFixture;
  beforeAll(async () => {
    f = await startProbeFixture();
  });
  afterAll(async () => f?.close());

  it('answers every planned endpoint, the big one over TCP', async () => {
    const probe = new Probe({
      targets: latestPlanTargets(new FilePlanStore(f.planDir)),
      authority: f.authority,
      intervalMs: 50,
    });
    const round = await probe.runRound();
    expect(round.generation).toBe(1);
    const byName = new Map(round.observations.map((observation) => [observation.name, observation]));
    expect(byName.get(API)).toMatchObject({ result: 'answered', path: 'authority', generation: 1, transport: 'udp' });
    expect(byName.get(BIG)).toMatchObject({ result: 'answered', transport: 'tcp' });
    expect(byName.get(BIG)!.values).toHaveLength(120);
  });

  it('sees the emptied endpoint in the first round after the change, and its recovery', async () => {
    const probe = new Probe({
      targets: latestPlanTargets(new FilePlanStore(f.planDir)),
      authority: f.authority,
      intervalMs: 50,
    });
    const bad: string[] = [];
    probe.on('bad', (observation) => bad.push(observation.result));
    const { emptied, restored } = await emptyAndRestore(probe, f);
    expect(emptied).toMatchObject({ result: 'nodata', rcode: 'NOERROR', values: [] });
    expect(restored.result).toBe('answered');
    const health = probe.endpoints().find((entry) => entry.endpoint === `${API} A`)!;
    expect(bad).toEqual(['nodata']);
    expect(health.firstBadAt).toBeGreaterThan(0);
    expect(health.recoveredAt).toBeGreaterThan(health.firstBadAt!);
    expect(health.outages).toHaveLength(1);
    expect(health.availability).toBeLessThan(1);
    expect(probe.summary().byResult.nodata).toBeGreaterThan(0);
    expect(probe.summary()).toMatchObject({ emptyObservations: probe.summary().byResult.nodata, badNow: 0 });
    expect(probe.summary().firstEmptyAt).toBeGreaterThanOrEqual(emptied.at - 1);
    expect(probe.summary().firstEmptyAt).toBeLessThanOrEqual(emptied.at);
    expect(probe.observations().length).toBe(probe.summary().observations);
    const metrics = await registry.getSingleMetricAsString('dnsplane_probe_observations_total');
    expect(metrics).toMatch(/result="nodata"/);
  });

  it('calls values outside the plan wrong, and checks against the newest plan', async () => {
    const store = new FilePlanStore(f.planDir);
    const probe = new Probe({ targets: latestPlanTargets(store), authority: f.authority, intervalMs: 50 });
    const rogue = f
      .recordSets(API)
      .map((set) => ({ ...set, values: set.setIdentifier === 'lb-a' ? ['203.0.113.66'] : set.values }));
    await f.change('UPSERT', rogue);
    try {
      // lb-a now serves 203.0.113.66, lb-b is still right: weighted answers alternate, so ask until both show.
      const results = new Set<string>();
      for (let i = 0; i < 40 && results.size < 2; i += 1) {
        for (const observation of (await probe.runRound()).observations)
          if (observation.name === API) results.add(observation.result);
      }
      expect([...results].sort()).toEqual(['answered', 'wrong']);

      // A newer plan that includes the new value makes the same answer right.
      const next = planFor(2);
      next.endpoints[0].sets[0].values = ['203.0.113.66'];
      await store.write(next);
      const round = await probe.runRound();
      expect(round.generation).toBe(2);
      expect(round.observations.find((observation) => observation.name === API)!.result).toBe('answered');
    } finally {
      await f.change('UPSERT', f.recordSets(API));
    }
  });

  it('reports NXDOMAIN for a name that does not exist', async () => {
    const probe = new Probe({ targets: fixedTargets(['nothing-here.probe.test']), authority: f.authority });
    const [observation] = (await probe.runRound()).observations;
    expect(observation).toMatchObject({
      result: 'nxdomain',
      rcode: 'NXDOMAIN',
      endpoint: 'nothing-here.probe.test. A',
    });
  });

  it('reports a timeout when the target does not answer, within its own deadline', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const probe = new Probe({
        targets: fixedTargets([API]),
        authority: { host: '127.0.0.1', port: silent.address().port },
        timeoutMs: 100,
      });
      const [observation] = (await probe.runRound()).observations;
      expect(observation).toMatchObject({ result: 'timeout', values: [] });
      expect(observation.detail).toMatch(/within 100 ms/);
    } finally {
      silent.close();
    }
  });

  it('refuses an interval below 50 ms and a probe with nothing to ask', () => {
    expect(() => new Probe({ targets: fixedTargets([API]), authority: f.authority, intervalMs: 10 })).toThrow(
      /at least 50 ms/,
    );
    expect(() => new Probe({ targets: fixedTargets([API]) })).toThrow(/authority, a resolver or both/);
  });
});

describe('Probe scheduling', () => {
  it('runs the asked number of rounds at the interval, refuses a second loop, and can run again after', async () => {
    let asked = 0;
    const probe = new Probe({
      targets: async () => ((asked += 1), { targets: [] }),
      authority: { host: '127.0.0.1', port: 9 },
      intervalMs: 50,
    });
    const started = performance.now();
    const first = probe.run({ rounds: 3 });
    await expect(probe.run({ rounds: 1 })).rejects.toThrow(/already running/);
    await first;
    // Three rounds are two intervals apart at least (no timing upper bound: the machine may be busy).
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    expect(asked).toBe(3);
    await probe.run({ rounds: 1 });
    expect(probe.summary().rounds).toBe(4);
  });
});
