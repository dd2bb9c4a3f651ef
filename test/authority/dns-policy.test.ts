// Routing policies, health and aliases in the DNS face's answers, seen by dig. Health is a test double of
// the HealthView (a map the test flips), read per query as the face reads the real one.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HealthView } from '../../src/authority/health/view.js';
import { startDnsFace } from '../../src/authority/dns/server.js';
import type { DnsFace } from '../../src/authority/zones.js';
import type { RecordSet } from '../../src/route53/recordset.js';
import { describeWithTools } from '../helpers/tools.js';
import { MemoryZoneSource, apexSets, zoneInfo } from './dns-fixture.js';

const run = promisify(execFile);
const ZONE = zoneInfo('pol.test.', 'ZPOL');
const OTHER = zoneInfo('other.test.', 'ZOTHER');
const a = (name: string, values: string[], extra: Partial<RecordSet> = {}): RecordSet => ({
  name,
  type: 'A',
  ttl: 30,
  values,
  ...extra,
});
const alias = (name: string, dnsName: string, extra: Partial<RecordSet> = {}, hostedZoneId = ZONE.id): RecordSet => ({
  name,
  type: 'A',
  ttl: 0,
  values: [],
  aliasTarget: { hostedZoneId, dnsName, evaluateTargetHealth: true },
  ...extra,
});

const SETS: RecordSet[] = [
  ...apexSets('pol.test.'),
  a('fo.pol.test.', ['192.0.2.1'], { setIdentifier: 'p', failover: 'PRIMARY', healthCheckId: 'hc-primary' }),
  a('fo.pol.test.', ['192.0.2.2'], { setIdentifier: 's', failover: 'SECONDARY', healthCheckId: 'hc-secondary' }),
  a('w.pol.test.', ['192.0.2.11'], { setIdentifier: 'one', weight: 1, healthCheckId: 'hc-w1' }),
  a('w.pol.test.', ['192.0.2.12'], { setIdentifier: 'two', weight: 1, healthCheckId: 'hc-w2' }),
  ...Array.from({ length: 10 }, (_, i) =>
    a('mv.pol.test.', [`192.0.2.${100 + i}`], {
      setIdentifier: `m${i}`,
      multiValueAnswer: true,
      healthCheckId: `hc-mv${i}`,
    }),
  ),
  a('target.pol.test.', ['192.0.2.50', '192.0.2.51'], { ttl: 77 }),
  { name: 'target.pol.test.', type: 'MX', ttl: 30, values: ['10 mail.pol.test.'] },
  alias('pol.test.', 'target.pol.test.'),
  { ...alias('pol.test.', 'target.pol.test.'), type: 'MX' },
  a('down.pol.test.', ['192.0.2.60'], { healthCheckId: 'hc-down' }),
  a('up.pol.test.', ['192.0.2.61']),
  alias('ev.pol.test.', 'down.pol.test.', { setIdentifier: 'down', weight: 1 }),
  alias('ev.pol.test.', 'up.pol.test.', { setIdentifier: 'up', weight: 1 }),
  alias('cross.pol.test.', 'www.other.test.', {}, OTHER.id),
  alias('lb.pol.test.', 'dualstack.lb-1.us-east-1.elb.amazonaws.com.', {}, 'Z35SXDOTRQ7X7K'),
  a('geo.pol.test.', ['192.0.2.70'], { setIdentifier: 'de', geoLocation: { countryCode: 'DE' } }),
  a('geo.pol.test.', ['192.0.2.71'], { setIdentifier: 'default', geoLocation: { countryCode: '*' } }),
  a('geo-nodefault.pol.test.', ['192.0.2.72'], { setIdentifier: 'eu', geoLocation: { continentCode: 'EU' } }),
  a('lat.pol.test.', ['192.0.2.80'], { setIdentifier: 'west', region: 'us-west-2' }),
  a('lat.pol.test.', ['192.0.2.81'], { setIdentifier: 'east', region: 'eu-west-1' }),
  a('prox.pol.test.', ['192.0.2.90'], {
    setIdentifier: 'p1',
    geoProximityLocation: { awsRegion: 'us-east-1', bias: 5 },
  }),
  a('prox.pol.test.', ['192.0.2.91'], {
    setIdentifier: 'p2',
    geoProximityLocation: { awsRegion: 'eu-west-1', bias: 20 },
  }),
  // Aliases that point at each other, and a chain of levels each holding 20 weighted aliases to the next one
  // (with EvaluateTargetHealth): evaluated naively, one query costs 20^8 health evaluations.
  alias('loop-a.pol.test.', 'loop-b.pol.test.'),
  alias('loop-b.pol.test.', 'loop-a.pol.test.'),
  ...Array.from({ length: 8 }, (_, level) =>
    Array.from({ length: 20 }, (_, i) =>
      alias(`l${level}.pol.test.`, `l${level + 1}.pol.test.`, {
        setIdentifier: `s${i}`,
        weight: 1,
        healthCheckId: `hc-fan${i}`,
      }),
    ),
  ).flat(),
  a('l8.pol.test.', ['192.0.2.99']),
];

describeWithTools(['dig'], 'DNS face: routing policies, health and aliases (dig)', () => {
  const unhealthy = new Set<string>();
  const health: HealthView = { isHealthy: (id) => (id.startsWith('hc-') ? !unhealthy.has(id) : undefined) };
  let face: DnsFace;
  beforeAll(async () => {
    const source = new MemoryZoneSource();
    source.commit(ZONE, SETS);
    source.commit(OTHER, [...apexSets('other.test.'), a('www.other.test.', ['198.51.100.7'])]);
    face = await startDnsFace({ host: '127.0.0.1', port: 0, source, health });
  });
  afterAll(() => face?.close());

  const dig = async (...args: string[]) =>
    (await run('dig', ['@127.0.0.1', '-p', String(face.port), '+norec', '+time=5', '+tries=3', ...args])).stdout;
  const short = async (name: string, type = 'A') =>
    (await dig('+short', name, type))
      .trim()
      .split('\n')
      .filter((line) => line && !line.startsWith(';'))
      .sort();
  /** The distinct answers of `n` queries, ten at a time. */
  const seen = async (name: string, n = 20) => {
    const answers = new Set<string>();
    for (let i = 0; i < n; i += 10)
      for (const out of await Promise.all(Array.from({ length: 10 }, () => short(name)))) answers.add(out.join(','));
    return [...answers].sort();
  };

  it('failover: PRIMARY while healthy, SECONDARY when it is not, PRIMARY again when both fail (fail open)', async () => {
    unhealthy.clear();
    expect(await seen('fo.pol.test', 10)).toEqual(['192.0.2.1']);
    unhealthy.add('hc-primary');
    expect(await seen('fo.pol.test', 10)).toEqual(['192.0.2.2']);
    unhealthy.add('hc-secondary');
    expect(await seen('fo.pol.test', 10)).toEqual(['192.0.2.1']);
  });

  it('weighted with health checks: an unhealthy set is never answered, unless all are (fail open)', async () => {
    unhealthy.clear();
    unhealthy.add('hc-w1');
    expect(await seen('w.pol.test', 20)).toEqual(['192.0.2.12']);
    unhealthy.add('hc-w2');
    expect(await seen('w.pol.test', 40)).toEqual(['192.0.2.11', '192.0.2.12']);
  });

  it('multivalue: up to 8 healthy values in random subsets; all unhealthy: up to 8 of them all', async () => {
    unhealthy.clear();
    unhealthy.add('hc-mv0').add('hc-mv1').add('hc-mv2');
    const subsets = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const values = await short('mv.pol.test');
      expect(values).toHaveLength(7);
      expect(values).not.toContain('192.0.2.100');
      subsets.add(values.join(','));
    }
    unhealthy.clear();
    for (let i = 0; i < 10; i++) {
      const values = await short('mv.pol.test');
      expect(values).toHaveLength(8);
      subsets.add(values.join(','));
    }
    expect(subsets.size).toBeGreaterThan(2);
    for (let i = 0; i < 10; i++) unhealthy.add(`hc-mv${i}`);
    expect(await short('mv.pol.test')).toHaveLength(8);
  });

  it('alias in the zone: answered as the target, owned by the question name, with the target TTL; only for its own type', async () => {
    unhealthy.clear();
    const out = await dig('pol.test', 'A');
    expect(out).toMatch(/flags: qr aa/);
    expect(out).toMatch(/^pol\.test\.\s+77\s+IN\s+A\s+192\.0\.2\.50$/m);
    expect(out).toMatch(/^pol\.test\.\s+77\s+IN\s+A\s+192\.0\.2\.51$/m);
    expect(await short('pol.test', 'MX')).toEqual(['10 mail.pol.test.']);
    const aaaa = await dig('pol.test', 'AAAA');
    expect(aaaa).toMatch(/status: NOERROR/);
    expect(aaaa).toMatch(/ANSWER: 0/);
  });

  it('alias with EvaluateTargetHealth: a set whose target is unhealthy is skipped', async () => {
    unhealthy.clear();
    expect(await seen('ev.pol.test', 40)).toEqual(['192.0.2.60', '192.0.2.61']);
    unhealthy.add('hc-down');
    expect(await seen('ev.pol.test', 20)).toEqual(['192.0.2.61']);
  });

  it('alias into another zone the face serves; an AWS service target it does not serve is NODATA', async () => {
    expect(await short('cross.pol.test')).toEqual(['198.51.100.7']);
    const lb = await dig('lb.pol.test', 'A');
    expect(lb).toMatch(/status: NOERROR/);
    expect(lb).toMatch(/ANSWER: 0, AUTHORITY: 1/);
  });

  it('alias loops answer NODATA, and a wide chain of aliases costs each set once per query', async () => {
    const loop = await dig('loop-a.pol.test', 'A');
    expect(loop).toMatch(/status: NOERROR/);
    expect(loop).toMatch(/ANSWER: 0/);
    unhealthy.clear();
    for (let i = 1; i < 20; i++) unhealthy.add(`hc-fan${i}`);
    expect(await seen('l0.pol.test', 10)).toEqual(['192.0.2.99']);
  });

  it('geolocation, latency, geoproximity: the documented answer for a client the face cannot place', async () => {
    expect(await seen('geo.pol.test', 10)).toEqual(['192.0.2.71']); // the default location, `*`
    const none = await dig('geo-nodefault.pol.test', 'A');
    expect(none).toMatch(/status: NOERROR/);
    expect(none).toMatch(/ANSWER: 0/);
    expect(await seen('lat.pol.test', 10)).toEqual(['192.0.2.81']); // eu-west-1 sorts before us-west-2
    expect(await seen('prox.pol.test', 10)).toEqual(['192.0.2.91']); // the highest bias
  });
});
