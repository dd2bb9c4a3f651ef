// The probe through a real unbound, stub-zoned to a real authority: what clients see.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilePlanStore } from '../../src/plan/file-store.js';
import { Probe } from '../../src/probe/probe.js';
import { fixedTargets, latestPlanTargets } from '../../src/probe/targets.js';
import {
  startUnbound,
  UnboundNotInstalledError,
  unboundConfig,
  type UnboundResolver,
} from '../../src/probe/unbound.js';
import { startTestAuthority } from '../helpers/authority.js';
import { describeWithTools } from '../helpers/tools.js';
import { API, startProbeFixture, ZONE, type ProbeFixture } from './fixture.js';
import { emptyAndRestore } from './wait.js';

describe('unbound config', () => {
  it('has the settings a private zone on loopback needs', () => {
    const config = unboundConfig({
      zones: ['probe.test'],
      authority: { host: '127.0.0.1', port: 8053 },
      port: 5353,
      workDir: '/w',
      noCache: true,
    });
    for (const line of [
      'interface: 127.0.0.1',
      'port: 5353',
      'do-not-query-localhost: no',
      'module-config: "iterator"',
      'discard-timeout: 0',
      'infra-cache-max-rtt: 1000',
      'local-zone: "probe.test." transparent',
      'control-interface: "/w/control.sock"',
      'name: "probe.test."',
      'stub-addr: 127.0.0.1@8053',
      'stub-no-cache: yes',
    ]) {
      expect(config).toContain(line);
    }
  });

  it('says clearly when unbound is not installed', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startUnbound({ zones: [ZONE], authority: { host: '127.0.0.1', port: 1 } })).rejects.toBeInstanceOf(
        UnboundNotInstalledError,
      );
    } finally {
      process.env.PATH = path;
    }
  });
});

describeWithTools(['unbound', 'unbound-control'], 'Probe through unbound', () => {
  let f: ProbeFixture;
  let unbound: UnboundResolver;
  beforeAll(async () => {
    f = await startProbeFixture();
    unbound = await startUnbound({ zones: [ZONE], authority: f.authority, noCache: true });
  });
  afterAll(async () => {
    await unbound?.stop();
    await f?.close();
  });

  it('answers through the resolver and straight at the authority alike', async () => {
    const probe = new Probe({
      targets: latestPlanTargets(new FilePlanStore(f.planDir)),
      authority: f.authority,
      resolver: unbound.address,
    });
    const round = await probe.runRound();
    const api = round.observations.filter((observation) => observation.name === API);
    expect(api.map((observation) => `${observation.path}:${observation.result}`).sort()).toEqual([
      'authority:answered',
      'resolver:answered',
    ]);
  });

  it('sees the emptied endpoint through the resolver in the first round after the change', async () => {
    const probe = new Probe({
      targets: latestPlanTargets(new FilePlanStore(f.planDir)),
      resolver: unbound.address,
      intervalMs: 50,
    });
    const { emptied, restored } = await emptyAndRestore(probe, f);
    expect(emptied).toMatchObject({ path: 'resolver', result: 'nodata', rcode: 'NOERROR' });
    expect(restored.result).toBe('answered');
    const health = probe.endpoints().find((entry) => entry.endpoint === `${API} A`)!;
    expect(health.outages).toEqual([expect.objectContaining({ result: 'nodata', to: health.recoveredAt })]);
  });

  it('reports NXDOMAIN through the resolver', async () => {
    const probe = new Probe({ targets: fixedTargets([`nothing.${ZONE}`]), resolver: unbound.address });
    expect((await probe.runRound()).observations[0]).toMatchObject({ result: 'nxdomain', path: 'resolver' });
  });

  it('reports SERVFAIL through the resolver once the authority is down', async () => {
    const doomed = await startTestAuthority();
    await doomed.createZone('down.test.');
    const resolver = await startUnbound({
      zones: ['down.test.'],
      authority: { host: doomed.authority.host, port: doomed.authority.dnsPort },
      noCache: true,
    });
    try {
      await doomed.close();
      // unbound gives up on the dead authority after about 2 s with the fail-fast settings.
      const probe = new Probe({
        targets: fixedTargets(['www.down.test']),
        resolver: resolver.address,
        timeoutMs: 6000,
      });
      expect((await probe.runRound()).observations[0]).toMatchObject({ result: 'servfail', rcode: 'SERVFAIL' });
      await resolver.flush();
    } finally {
      await resolver.stop();
    }
  });
});
