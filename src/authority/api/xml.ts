// Route53's XML, both ways, through fast-xml-parser: request bodies become plain inputs, store results become
// Route53's response shapes (element order as in the 2013-04-01 API model), errors become ErrorResponse.
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import type { RecordSet } from '../../route53/recordset.js';
import type { HostedZoneInfo } from '../zones.js';
import { invalidInput, type Route53Error } from '../store/errors.js';
import type { RequestedChange } from '../store/validate.js';

export const NAMESPACE = 'https://route53.amazonaws.com/doc/2013-04-01/';

const LISTS = new Set(['Change', 'ResourceRecord']);
const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  // Values stay strings ("007" is a TXT value, not 7); numbers are converted where the model says so.
  parseTagValue: false,
  isArray: (name) => LISTS.has(name),
  // Callbacks get the path matcher, not a path string built for every tag (a tenth of a 1,000-change parse).
  jPath: false,
});
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false });

type XmlObject = Record<string, unknown>;

function parse(body: Buffer, root: string): XmlObject {
  const xml = body.toString('utf8');
  // Route53's requests never carry a DTD; refusing one rules out entity-expansion tricks outright.
  if (/<!DOCTYPE/i.test(xml)) throw invalidInput('Invalid XML: a DOCTYPE is not allowed');
  let document: XmlObject;
  try {
    document = parser.parse(xml, true) as XmlObject;
  } catch (error) {
    throw invalidInput(`Invalid XML: ${(error as Error).message}`);
  }
  const element = document[root];
  if (!element || typeof element !== 'object') throw invalidInput(`Invalid request: expected a ${root} element`);
  return element as XmlObject;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function integer(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  const raw = text(value) ?? '';
  if (!/^-?\d+$/.test(raw.trim())) throw invalidInput(`Invalid request: ${field} must be an integer, got '${raw}'`);
  return Number(raw);
}

export function parseCreateHostedZone(body: Buffer): { name: string; callerReference: string; comment?: string } {
  const request = parse(body, 'CreateHostedZoneRequest');
  const name = text(request.Name);
  const callerReference = text(request.CallerReference);
  if (!name) throw invalidInput('Invalid request: Name is required');
  if (!callerReference) throw invalidInput('Invalid request: CallerReference is required');
  const comment = text((request.HostedZoneConfig as XmlObject | undefined)?.Comment);
  return { name, callerReference, ...(comment ? { comment } : {}) };
}

export function parseChangeBatch(body: Buffer): { changes: RequestedChange[]; comment?: string } {
  const request = parse(body, 'ChangeResourceRecordSetsRequest');
  const batch = request.ChangeBatch as XmlObject | undefined;
  if (!batch || typeof batch !== 'object') throw invalidInput('Invalid request: ChangeBatch is required');
  const list = (batch.Changes as XmlObject | undefined)?.Change;
  if (!Array.isArray(list) || list.length === 0) throw invalidInput('Invalid request: ChangeBatch.Changes must contain at least one Change');
  const changes = list.map((raw: XmlObject, i): RequestedChange => {
    const set = (raw.ResourceRecordSet ?? {}) as XmlObject;
    if (set.AliasTarget !== undefined) throw invalidInput(`Invalid request: AliasTarget is not supported by the dnsplane authority (change ${i + 1})`);
    const records = set.ResourceRecords;
    const values = records === undefined ? undefined : ((records as XmlObject).ResourceRecord as XmlObject[] | undefined ?? []).map((record) => text(record.Value) ?? '');
    const ttl = integer(set.TTL, `changes.${i + 1}.ResourceRecordSet.TTL`);
    const weight = integer(set.Weight, `changes.${i + 1}.ResourceRecordSet.Weight`);
    const setIdentifier = text(set.SetIdentifier);
    return {
      action: text(raw.Action) ?? '',
      name: text(set.Name) ?? '',
      type: text(set.Type) ?? '',
      ...(ttl !== undefined ? { ttl } : {}),
      ...(setIdentifier !== undefined ? { setIdentifier } : {}),
      ...(weight !== undefined ? { weight } : {}),
      ...(values !== undefined ? { values } : {}),
    };
  });
  const comment = text(batch.Comment);
  return { changes, ...(comment ? { comment } : {}) };
}

// ---- responses ----

export function document(root: string, content: XmlObject): string {
  return builder.build({ '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' }, [root]: { '@_xmlns': NAMESPACE, ...content } }) as string;
}

export function hostedZoneXml(info: HostedZoneInfo, recordSetCount: number): XmlObject {
  return {
    Id: `/hostedzone/${info.id}`,
    Name: info.name,
    CallerReference: info.callerReference,
    Config: { ...(info.comment ? { Comment: info.comment } : {}), PrivateZone: 'false' },
    ResourceRecordSetCount: String(recordSetCount),
  };
}

export function delegationSetXml(info: HostedZoneInfo): XmlObject {
  return { NameServers: { NameServer: info.nameServers.map((ns) => ns.replace(/\.$/, '')) } };
}

export function changeInfoXml(change: { id: string; submittedAt: string; comment?: string }, status: 'PENDING' | 'INSYNC'): XmlObject {
  return { Id: `/change/${change.id}`, Status: status, SubmittedAt: change.submittedAt, ...(change.comment ? { Comment: change.comment } : {}) };
}

export function recordSetXml(set: RecordSet): XmlObject {
  return {
    Name: set.name,
    Type: set.type,
    ...(set.setIdentifier !== undefined ? { SetIdentifier: set.setIdentifier, Weight: String(set.weight ?? 0) } : {}),
    TTL: String(set.ttl),
    ResourceRecords: { ResourceRecord: set.values.map((Value) => ({ Value })) },
  };
}

export function errorXml(error: Route53Error, requestId: string): string {
  const messages = error.messages.length > 0 ? { Messages: { Message: error.messages } } : {};
  return document('ErrorResponse', {
    Error: { Type: error.status >= 500 ? 'Receiver' : 'Sender', Code: error.code, Message: error.message, ...messages },
    RequestId: requestId,
  });
}
