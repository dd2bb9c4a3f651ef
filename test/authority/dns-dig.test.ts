// What a user checks by hand: dig against the DNS face shows `aa` and the weighted answers.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDnsFace } from '../../src/authority/dns/server.js';
import type { DnsFace } from '../../src/authority/zones.js';
import { describeWithTools } from '../helpers/tools.js';
import { MemoryZoneSource, apexSets, zoneInfo } from './dns-fixture.js';

const run = promisify(execFile);

describeWithTools(['dig'], 'DNS face seen by dig', () => {
  let face: DnsFace;
  beforeAll(async () => {
    const source = new MemoryZoneSource();
    source.commit(zoneInfo('example.com.'), [
      ...apexSets('example.com.'),
      { name: 'api.example.com.', type: 'A', ttl: 30, setIdentifier: 'one', weight: 3, values: ['192.0.2.10'] },
      { name: 'api.example.com.', type: 'A', ttl: 30, setIdentifier: 'two', weight: 1, values: ['192.0.2.20'] },
      { name: 'mx.example.com.', type: 'MX', ttl: 30, values: ['10 mail.example.com.'] },
      { name: '_xmpp._tcp.example.com.', type: 'SRV', ttl: 30, values: ['5 10 5269 xmpp.example.com.'] },
      { name: 'example.com.', type: 'CAA', ttl: 30, values: ['0 issue "letsencrypt.org"'] },
      { name: '1.2.0.192.example.com.', type: 'PTR', ttl: 30, values: ['host.example.com.'] },
      { name: 'v6.example.com.', type: 'AAAA', ttl: 30, values: ['2001:db8:0:0:1::ff', '::ffff:192.0.2.7', '::'] },
      { name: 'esc.example.com.', type: 'TXT', ttl: 30, values: ['"tab\\011quote\\"end" bare'] },
      {
        name: 'many.example.com.',
        type: 'TXT',
        ttl: 30,
        values: Array.from({ length: 20 }, (_, i) => `"${i} ${'z'.repeat(80)}"`),
      },
    ]);
    face = await startDnsFace({ host: '127.0.0.1', port: 0, source });
  });
  afterAll(() => face.close());

  const dig = async (...args: string[]) =>
    (await run('dig', ['@127.0.0.1', '-p', String(face.port), '+time=3', '+tries=2', ...args])).stdout;

  it('shows the aa flag and one of the weighted answers', async () => {
    const out = await dig('api.example.com');
    expect(out).toMatch(/flags: qr aa/);
    expect(out).toMatch(/status: NOERROR/);
    expect(out).toMatch(/api\.example\.com\.\s+30\s+IN\s+A\s+192\.0\.2\.(10|20)/);
  });

  it('sees both weighted sets, the heavier one more often', async () => {
    // Ten at a time: sixty dig processes at once time out on a busy two-core machine.
    const answers: string[] = [];
    for (let batch = 0; batch < 6; batch++)
      answers.push(...(await Promise.all(Array.from({ length: 10 }, () => dig('+short', 'api.example.com')))));
    const heavy = answers.filter((a) => a.trim() === '192.0.2.10').length;
    const light = answers.filter((a) => a.trim() === '192.0.2.20').length;
    expect(heavy + light).toBe(60);
    expect(light).toBeGreaterThan(0);
    expect(heavy).toBeGreaterThan(light);
  });

  it('encodes every record type as dig decodes it', async () => {
    const short = async (name: string, type: string) => (await dig('+short', name, type)).trim().split('\n').sort();
    expect(await short('mx.example.com', 'MX')).toEqual(['10 mail.example.com.']);
    expect(await short('_xmpp._tcp.example.com', 'SRV')).toEqual(['5 10 5269 xmpp.example.com.']);
    expect(await short('example.com', 'CAA')).toEqual(['0 issue "letsencrypt.org"']);
    expect(await short('1.2.0.192.example.com', 'PTR')).toEqual(['host.example.com.']);
    expect(await short('v6.example.com', 'AAAA')).toEqual(['2001:db8::1:0:0:ff', '::', '::ffff:192.0.2.7'].sort());
    expect(await short('esc.example.com', 'TXT')).toEqual(['"tab\\009quote\\"end" "bare"']);
  });

  it('falls back to TCP on a truncated answer and gets all of it', async () => {
    const out = await dig('+ignore', 'many.example.com', 'TXT');
    expect(out).toMatch(/flags: qr aa tc/);
    const full = await dig('many.example.com', 'TXT');
    expect(full).toMatch(/ANSWER: 20/);
  });
});
