import { describe, expect, it } from 'vitest';
import { canonicalValue, classify } from '../../src/probe/classify.js';
import type { DnsReply } from '../../src/probe/query.js';

function reply(rcodeName: string, values: string[] = []): DnsReply {
  return { rcode: 0, rcodeName, authoritative: true, values, transport: 'udp', latencyMs: 1 };
}

const weighted = [['192.0.2.1', '192.0.2.2'], ['198.51.100.7']];

describe('classify', () => {
  it('accepts values that all come from one planned set, or a subset of it', () => {
    expect(classify(reply('NOERROR', ['192.0.2.2', '192.0.2.1']), weighted)).toBe('answered');
    expect(classify(reply('NOERROR', ['192.0.2.2']), weighted)).toBe('answered');
    expect(classify(reply('NOERROR', ['198.51.100.7']), weighted)).toBe('answered');
  });

  it('calls values outside the plan, or mixed from two sets, wrong', () => {
    expect(classify(reply('NOERROR', ['203.0.113.9']), weighted)).toBe('wrong');
    expect(classify(reply('NOERROR', ['192.0.2.1', '198.51.100.7']), weighted)).toBe('wrong');
  });

  it('names the empty record NODATA, whatever the plan says', () => {
    expect(classify(reply('NOERROR'), weighted)).toBe('nodata');
    expect(classify(reply('NOERROR'))).toBe('nodata');
  });

  it('maps RCODEs, timeouts and transport errors', () => {
    expect(classify(reply('NXDOMAIN'), weighted)).toBe('nxdomain');
    expect(classify(reply('SERVFAIL'), weighted)).toBe('servfail');
    expect(classify(reply('REFUSED'), weighted)).toBe('refused');
    expect(classify(reply('FORMERR'), weighted)).toBe('error');
    expect(classify('timeout', weighted)).toBe('timeout');
    expect(classify(new Error('ECONNREFUSED'), weighted)).toBe('error');
  });

  it('with no plan to compare, any address is an answer', () => {
    expect(classify(reply('NOERROR', ['203.0.113.9']))).toBe('answered');
  });

  it('compares IPv6 addresses in canonical form', () => {
    expect(canonicalValue('2001:DB8:0:0::0001')).toBe('2001:db8::1');
    expect(classify(reply('NOERROR', ['2001:db8::1']), [['2001:0DB8::0:1']])).toBe('answered');
  });
});
