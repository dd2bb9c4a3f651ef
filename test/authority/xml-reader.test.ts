// The request reader (saxes) must give exactly the shape fast-xml-parser gave the routes before it, for any
// request the SDK or a user can send, and must refuse what is not well-formed XML.
import fc from 'fast-check';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { NAMESPACE, parseChangeBatch, readXml } from '../../src/authority/api/xml.js';

// fast-xml-parser configured as the routes used it: the oracle.
const oracle = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  isArray: (name) => name === 'Change' || name === 'ResourceRecord',
});
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: false });

// Text a value may hold: XML's specials, quotes and backslashes (TXT), non-ASCII, inner spaces.
const text = fc.stringMatching(/^[a-zA-Z0-9 .\-_*"\\&<>'é漢]{0,24}$/);
const change = fc.record(
  {
    Action: fc.constantFrom('CREATE', 'DELETE', 'UPSERT'),
    ResourceRecordSet: fc.record(
      {
        Name: text,
        Type: fc.constantFrom('A', 'AAAA', 'TXT', 'CNAME'),
        SetIdentifier: text,
        Weight: fc.integer({ min: 0, max: 255 }).map(String),
        TTL: fc.integer({ min: 0, max: 86_400 }).map(String),
        ResourceRecords: fc.record({
          ResourceRecord: fc.array(fc.record({ Value: text }), { minLength: 1, maxLength: 3 }),
        }),
      },
      { requiredKeys: ['Name', 'Type'] },
    ),
  },
  { requiredKeys: ['Action'] },
);
const request = fc.record({
  Changes: fc.record({ Change: fc.array(change, { minLength: 1, maxLength: 6 }) }),
  Comment: fc.option(text, { nil: undefined }),
});

describe('request XML reader', () => {
  it('reads every ChangeResourceRecordSets body exactly as fast-xml-parser did', () => {
    fc.assert(
      fc.property(request, fc.boolean(), (batch, prefixed) => {
        const root = prefixed ? 'r53:ChangeResourceRecordSetsRequest' : 'ChangeResourceRecordSetsRequest';
        const body = {
          [root]: { [prefixed ? '@_xmlns:r53' : '@_xmlns']: NAMESPACE, ChangeBatch: JSON.parse(JSON.stringify(batch)) },
        };
        const xml = `<?xml version="1.0" encoding="UTF-8"?>${builder.build(body)}`;
        // (fast-xml-parser also reports the declaration, as '?xml'; nothing reads it.)
        const { '?xml': _declaration, ...expected } = oracle.parse(xml) as Record<string, unknown>;
        expect(readXml(xml)).toEqual(expected);
        // ...and the routes' reading of it agrees with the values that were sent.
        const parsed = parseChangeBatch(Buffer.from(xml));
        expect(parsed.changes.map((c) => c.action)).toEqual(batch.Changes.Change.map((c) => c.Action));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a value with an entity, a character reference and CDATA, trimmed as before', () => {
    const xml = `<ChangeResourceRecordSetsRequest><ChangeBatch><Changes><Change><Action> CREATE </Action><ResourceRecordSet><Name>a.test.</Name><Type>TXT</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>"a&amp;b &#233;"</Value></ResourceRecord><ResourceRecord><Value><![CDATA["<raw>"]]></Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`;
    expect(parseChangeBatch(Buffer.from(xml)).changes[0]).toEqual({
      action: 'CREATE',
      name: 'a.test.',
      type: 'TXT',
      ttl: 60,
      values: ['"a&b é"', '"<raw>"'],
    });
  });

  it.each([
    ['an unclosed element', '<ChangeResourceRecordSetsRequest><ChangeBatch>'],
    ['mismatched tags', '<ChangeResourceRecordSetsRequest><ChangeBatch></Changes></ChangeResourceRecordSetsRequest>'],
    [
      'an undefined entity',
      '<ChangeResourceRecordSetsRequest><ChangeBatch>&nope;</ChangeBatch></ChangeResourceRecordSetsRequest>',
    ],
    ['two roots', '<ChangeResourceRecordSetsRequest/><ChangeResourceRecordSetsRequest/>'],
    ['a DOCTYPE', '<!DOCTYPE x [<!ENTITY a "aaaa">]><ChangeResourceRecordSetsRequest/>'],
    ['not XML at all', '{"ChangeBatch": {}}'],
  ])('refuses %s with InvalidInput', (_, xml) => {
    expect(() => parseChangeBatch(Buffer.from(xml))).toThrow(
      expect.objectContaining({ code: 'InvalidInput', message: expect.stringMatching(/^Invalid XML: /) }),
    );
  });
});
