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
      { name: 'many.example.com.', type: 'TXT', ttl: 30, values: Array.from({ length: 20 }, (_, i) => `"${i} ${'z'.repeat(80)}"`) },
    ]);
    face = await startDnsFace({ host: '127.0.0.1', port: 0, source });
  });
  afterAll(() => face.close());

  const dig = async (...args: string[]) => (await run('dig', ['@127.0.0.1', '-p', String(face.port), '+time=2', '+tries=1', ...args])).stdout;

  it('shows the aa flag and one of the weighted answers', async () => {
    const out = await dig('api.example.com');
    expect(out).toMatch(/flags: qr aa/);
    expect(out).toMatch(/status: NOERROR/);
    expect(out).toMatch(/api\.example\.com\.\s+30\s+IN\s+A\s+192\.0\.2\.(10|20)/);
  });

  it('sees both weighted sets, the heavier one more often', async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, () => dig('+short', 'api.example.com')));
    const heavy = answers.filter((a) => a.trim() === '192.0.2.10').length;
    const light = answers.filter((a) => a.trim() === '192.0.2.20').length;
    expect(heavy + light).toBe(60);
    expect(light).toBeGreaterThan(0);
    expect(heavy).toBeGreaterThan(light);
  });

  it('falls back to TCP on a truncated answer and gets all of it', async () => {
    const out = await dig('+ignore', 'many.example.com', 'TXT');
    expect(out).toMatch(/flags: qr aa tc/);
    const full = await dig('many.example.com', 'TXT');
    expect(full).toMatch(/ANSWER: 20/);
  });
});
