// TXT character-strings as the DNS face encodes them (and the store measures them): octets, not characters.
import { describe, expect, it } from 'vitest';
import { characterStrings } from '../../src/authority/dns/wire.js';

const octets = (value: string) => characterStrings(value).map((s) => [...s]);

describe('TXT character-strings', () => {
  it('splits quoted and bare strings on whitespace, keeping spaces inside quotes', () => {
    expect(characterStrings('"a b" c\t"d"').map(String)).toEqual(['a b', 'c', 'd']);
  });

  it('decodes Route53 octal escapes and drops the backslash of any other escape', () => {
    expect(octets('"\\101\\"x\\\\"')).toEqual([[65, 0x22, 0x78, 0x5c]]);
  });

  it('encodes non-ASCII as UTF-8, a character outside the BMP as its four octets', () => {
    expect(octets('"é漢😀"')).toEqual([[0xc3, 0xa9, 0xe6, 0xbc, 0xa2, 0xf0, 0x9f, 0x98, 0x80]]);
  });

  it('treats a non-ASCII space (U+00A0) between bare strings as a separator, as before', () => {
    expect(characterStrings('a\u00a0b').map(String)).toEqual(['a', 'b']);
  });

  it('refuses a string over 255 octets, counting octets: 128 × é is 256', () => {
    expect(() => characterStrings(`"${'é'.repeat(128)}"`)).toThrow(/longer than 255 octets/);
    expect(characterStrings(`"${'é'.repeat(127)}"`)[0]).toHaveLength(254);
  });
});
