// Private zones' VPC operations: AssociateVPCWithHostedZone, DisassociateVPCFromHostedZone and
// ListHostedZonesByVPC. Which VPC ids "exist" is the store's documented rule (store/vpcs.ts).
import { invalidInput } from '../store/errors.js';
import { maxItems, ok, statusOf, type Handler } from './handler.js';
import type { OperationName } from './operations.js';
import { changeInfoXml, document, parseRequest, readVpc, text } from './xml.js';

/** The account every zone belongs to, as ListHostedZonesByVPC reports the owner. */
const OWNING_ACCOUNT = '123456789012';

function vpcChange(root: string, apply: 'associateVpc' | 'disassociateVpc'): Handler {
  return (request, context, [id]) => {
    context.store.getHostedZone(id);
    const body = parseRequest(request.body, `${root}Request`);
    if (body.VPC === undefined) throw invalidInput('Invalid request: VPC is required');
    const comment = text(body.Comment);
    const change = context.store[apply](id, readVpc(body.VPC), comment || undefined);
    return ok(document(`${root}Response`, { ChangeInfo: changeInfoXml(change, statusOf(change, context)) }));
  };
}

const listHostedZonesByVpc: Handler = (request, context) => {
  const id = request.query.get('vpcid');
  const region = request.query.get('vpcregion');
  if (id === null || region === null) throw invalidInput('Invalid request: vpcid and vpcregion are required');
  const zones = context.store.hostedZonesByVpc({ id, region });
  const limit = Math.min(maxItems(request.query, 100), 100);
  const token = request.query.get('nexttoken');
  const from = token === null ? 0 : zones.findIndex((zone) => zone.id === token);
  if (from < 0) throw invalidInput(`Invalid request: nexttoken ${token} is not one this authority gave`);
  const next = zones[from + limit];
  return ok(
    document('ListHostedZonesByVPCResponse', {
      HostedZoneSummaries: {
        HostedZoneSummary: zones
          .slice(from, from + limit)
          .map((zone) => ({ HostedZoneId: zone.id, Name: zone.name, Owner: { OwningAccount: OWNING_ACCOUNT } })),
      },
      MaxItems: String(limit),
      ...(next ? { NextToken: next.id } : {}),
    }),
  );
};

export const vpcHandlers: Partial<Record<OperationName, Handler>> = {
  AssociateVPCWithHostedZone: vpcChange('AssociateVPCWithHostedZone', 'associateVpc'),
  DisassociateVPCFromHostedZone: vpcChange('DisassociateVPCFromHostedZone', 'disassociateVpc'),
  ListHostedZonesByVPC: listHostedZonesByVpc,
};
