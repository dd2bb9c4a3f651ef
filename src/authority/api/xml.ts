// Route53's XML, both ways: request bodies become plain inputs, store results become Route53's response
// shapes (element order as in the 2013-04-01 API model), errors become ErrorResponse.
//
// Requests are read with saxes, a strict (well-formedness checking) streaming parser, into the same plain shape
// fast-xml-parser gave: leaf elements are trimmed strings, the list members (Change, ResourceRecord) are always
// arrays, namespace prefixes and attributes are dropped. fast-xml-parser's validate + parse was about half of the
// authority's CPU per batch, saxes a sixth of that (BENCHMARKS.md, measurements in the code). Responses are still
// built with fast-xml-parser's XMLBuilder.
import { XMLBuilder } from 'fast-xml-parser';
import { SaxesParser } from 'saxes';
import { listedName, type RecordSet } from '../../route53/recordset.js';
import type { HostedZoneInfo, Vpc } from '../zones.js';
import { invalidInput, type Route53Error } from '../store/errors.js';
import type { RequestedChange } from '../store/validate.js';
import { policyXml, readRouting, targetXml } from './routing-xml.js';

export const NAMESPACE = 'https://route53.amazonaws.com/doc/2013-04-01/';

const LISTS = new Set(['Change', 'ResourceRecord']);
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false });

export type XmlObject = Record<string, unknown>;

interface Frame {
  name: string;
  children: XmlObject | null;
  text: string;
}

function localName(tag: string): string {
  const colon = tag.indexOf(':');
  return colon < 0 ? tag : tag.slice(colon + 1);
}

function addChild(parent: Frame, name: string, value: unknown): void {
  const children = (parent.children ??= {});
  const existing = children[name];
  if (LISTS.has(name)) {
    if (existing === undefined) children[name] = [value];
    else (existing as unknown[]).push(value);
  } else if (existing === undefined) {
    children[name] = value;
  } else {
    // A repeated element outside the lists: keep them all, as fast-xml-parser did.
    children[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
}

/**
 * The whole document as plain objects; a malformed document (or one with a DTD) is thrown as saxes' error.
 * `position` makes that error say where (line:column); tracking it costs a fifth of the parse, so requests are
 * read without it and only a failed one is read again with it, for the message.
 */
export function readXml(xml: string, position = false): XmlObject {
  const parser = new SaxesParser({ position });
  const root: Frame = { name: '', children: null, text: '' };
  const stack: Frame[] = [root];
  parser.on('doctype', () => {
    // Route53's requests never carry a DTD; refusing one rules out entity-expansion tricks outright.
    throw new Error('a DOCTYPE is not allowed');
  });
  parser.on('opentag', (tag) => {
    stack.push({ name: localName(tag.name), children: null, text: '' });
  });
  parser.on('text', (text) => {
    stack[stack.length - 1].text += text;
  });
  parser.on('cdata', (text) => {
    stack[stack.length - 1].text += text;
  });
  parser.on('closetag', () => {
    const frame = stack.pop()!;
    const text = frame.text.trim();
    let value: unknown = text;
    if (frame.children) {
      value = frame.children;
      if (text) frame.children['#text'] = text;
    }
    addChild(stack[stack.length - 1], frame.name, value);
  });
  parser.on('error', (error) => {
    throw error;
  });
  parser.write(xml).close();
  return root.children ?? {};
}

/** The request body's `root` element as plain objects (see readXml); InvalidInput when malformed. */
export function parseRequest(body: Buffer, root: string): XmlObject {
  const xml = body.toString('utf8');
  // The SDK sends no body at all when every field of the request is left out (UpdateHostedZoneComment).
  if (xml.trim() === '') return {};
  let document: XmlObject;
  try {
    document = readXml(xml);
  } catch (error) {
    let located = error as Error;
    try {
      readXml(xml, true);
    } catch (again) {
      located = again as Error;
    }
    throw invalidInput(`Invalid XML: ${located.message}`);
  }
  const element = document[root];
  // An operation whose every field is optional may send its root element empty.
  if (element === '') return {};
  if (!element || typeof element !== 'object') throw invalidInput(`Invalid request: expected a ${root} element`);
  return element as XmlObject;
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function integer(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  const raw = text(value) ?? '';
  if (!/^-?\d+$/.test(raw.trim())) throw invalidInput(`Invalid request: ${field} must be an integer, got '${raw}'`);
  return Number(raw);
}

/** A VPC element (VPCRegion, VPCId) as the store takes it; whether it exists is the store's rule. */
export function readVpc(element: unknown): { region?: string; id?: string } {
  const vpc = (element ?? {}) as XmlObject;
  const region = text(vpc.VPCRegion);
  const id = text(vpc.VPCId);
  return { ...(region !== undefined ? { region } : {}), ...(id !== undefined ? { id } : {}) };
}

export function parseCreateHostedZone(body: Buffer): {
  name: string;
  callerReference: string;
  comment?: string;
  vpc?: { region?: string; id?: string };
} {
  const request = parseRequest(body, 'CreateHostedZoneRequest');
  const name = text(request.Name);
  const callerReference = text(request.CallerReference);
  if (!name) throw invalidInput('Invalid request: Name is required');
  if (!callerReference) throw invalidInput('Invalid request: CallerReference is required');
  const comment = text((request.HostedZoneConfig as XmlObject | undefined)?.Comment);
  return {
    name,
    callerReference,
    ...(comment ? { comment } : {}),
    ...(request.VPC !== undefined ? { vpc: readVpc(request.VPC) } : {}),
  };
}

/** The new comment, or undefined to remove it (Route53 clears the comment when none is given). */
export function parseUpdateHostedZoneComment(body: Buffer): string | undefined {
  const request = parseRequest(body, 'UpdateHostedZoneCommentRequest');
  const comment = text(request.Comment);
  if (comment !== undefined && comment.length > 256)
    throw invalidInput('Invalid request: Comment must be at most 256 characters');
  return comment || undefined;
}

export function parseChangeBatch(body: Buffer): { changes: RequestedChange[]; comment?: string } {
  const request = parseRequest(body, 'ChangeResourceRecordSetsRequest');
  const batch = request.ChangeBatch as XmlObject | undefined;
  if (!batch || typeof batch !== 'object') throw invalidInput('Invalid request: ChangeBatch is required');
  const list = (batch.Changes as XmlObject | undefined)?.Change;
  if (!Array.isArray(list) || list.length === 0)
    throw invalidInput('Invalid request: ChangeBatch.Changes must contain at least one Change');
  const changes = list.map((raw: XmlObject, i): RequestedChange => {
    const set = (raw.ResourceRecordSet ?? {}) as XmlObject;
    const records = set.ResourceRecords;
    const values =
      records === undefined
        ? undefined
        : (((records as XmlObject).ResourceRecord as XmlObject[] | undefined) ?? []).map(
            (record) => text(record.Value) ?? '',
          );
    const ttl = integer(set.TTL, `changes.${i + 1}.ResourceRecordSet.TTL`);
    const setIdentifier = text(set.SetIdentifier);
    return {
      action: text(raw.Action) ?? '',
      name: text(set.Name) ?? '',
      type: text(set.Type) ?? '',
      ...(ttl !== undefined ? { ttl } : {}),
      ...(setIdentifier !== undefined ? { setIdentifier } : {}),
      ...readRouting(set, i + 1),
      ...(values !== undefined ? { values } : {}),
    };
  });
  const comment = text(batch.Comment);
  return { changes, ...(comment ? { comment } : {}) };
}

// ---- responses ----

/** An element that may repeat, as a list: absent is [], one is [it] (the reader keeps repeats as arrays). */
export function asList(value: unknown): unknown[] {
  return value === undefined || value === '' ? [] : Array.isArray(value) ? value : [value];
}

export function document(root: string, content: XmlObject): string {
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    [root]: { '@_xmlns': NAMESPACE, ...content },
  });
}

export function hostedZoneXml(info: HostedZoneInfo, recordSetCount: number): XmlObject {
  return {
    Id: `/hostedzone/${info.id}`,
    Name: info.name,
    CallerReference: info.callerReference,
    Config: { ...(info.comment ? { Comment: info.comment } : {}), PrivateZone: String(info.vpcs !== undefined) },
    ResourceRecordSetCount: String(recordSetCount),
  };
}

export function vpcXml(vpc: Vpc): XmlObject {
  return { VPCRegion: vpc.region, VPCId: vpc.id };
}

export function delegationSetXml(info: HostedZoneInfo): XmlObject {
  return { NameServers: { NameServer: info.nameServers.map((ns) => ns.replace(/\.$/, '')) } };
}

export function changeInfoXml(
  change: { id: string; submittedAt: string; comment?: string },
  status: 'PENDING' | 'INSYNC',
): XmlObject {
  return {
    Id: `/change/${change.id}`,
    Status: status,
    SubmittedAt: change.submittedAt,
    ...(change.comment ? { Comment: change.comment } : {}),
  };
}

export function recordSetXml(set: RecordSet): XmlObject {
  return {
    Name: listedName(set.name),
    Type: set.type,
    ...policyXml(set),
    // An alias set has neither: Route53 lists its AliasTarget instead.
    ...(set.aliasTarget
      ? {}
      : { TTL: String(set.ttl), ResourceRecords: { ResourceRecord: set.values.map((Value) => ({ Value })) } }),
    ...targetXml(set, listedName),
  };
}

export function errorXml(error: Route53Error, requestId: string): string {
  const messages = error.messages.length > 0 ? { Messages: { Message: error.messages } } : {};
  return document('ErrorResponse', {
    Error: { Type: error.status >= 500 ? 'Receiver' : 'Sender', Code: error.code, Message: error.message, ...messages },
    RequestId: requestId,
  });
}
