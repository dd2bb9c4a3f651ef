// The health-check operations: Create/Get/List/Update/Delete, the count, and the status and last failure
// reason as the authority's own prober observed them.
import type { HealthCheckConfig } from '@aws-sdk/client-route-53';
import { invalidInput } from '../store/errors.js';
import type { HealthCheckUpdate, StoredHealthCheck } from '../store/health-checks.js';
import type { StatusReport } from '../health/prober.js';
import { ROUTE53_ORIGIN, maxItems, ok, type Handler } from './handler.js';
import type { OperationName } from './operations.js';
import { asList, document, parseRequest, text, type XmlObject } from './xml.js';

const NUMBERS = ['Port', 'RequestInterval', 'FailureThreshold', 'HealthThreshold'] as const;
const BOOLEANS = ['MeasureLatency', 'Inverted', 'Disabled', 'EnableSNI'] as const;
const STRINGS = ['IPAddress', 'Type', 'ResourcePath', 'FullyQualifiedDomainName', 'SearchString'] as const;
/** The only place the checkers are: one region, one checker address. */
const CHECKER = { Region: 'us-east-1', IPAddress: '127.0.0.1' };

function readFields(element: XmlObject, where: string): Partial<HealthCheckConfig> {
  const out: Record<string, unknown> = {};
  for (const name of STRINGS) if (text(element[name]) !== undefined) out[name] = text(element[name]);
  for (const name of NUMBERS) {
    const raw = text(element[name]);
    if (raw === undefined) continue;
    if (!/^\d+$/.test(raw))
      throw invalidInput(`Invalid request: ${where}.${name} must be a whole number, got '${raw}'`);
    out[name] = Number(raw);
  }
  for (const name of BOOLEANS) {
    const raw = text(element[name]);
    if (raw === undefined) continue;
    if (raw !== 'true' && raw !== 'false')
      throw invalidInput(`Invalid request: ${where}.${name} must be true or false, got '${raw}'`);
    out[name] = raw === 'true';
  }
  if (element.ChildHealthChecks !== undefined)
    out.ChildHealthChecks = asList((element.ChildHealthChecks as XmlObject).ChildHealthCheck).map(
      (id) => text(id) ?? '',
    );
  if (element.Regions !== undefined)
    out.Regions = asList((element.Regions as XmlObject).Region).map((region) => text(region) ?? '');
  for (const unsupported of ['AlarmIdentifier', 'InsufficientDataHealthStatus', 'RoutingControlArn']) {
    if (element[unsupported] !== undefined)
      throw invalidInput(
        `Invalid request: ${where}.${unsupported} (CloudWatch and recovery-control health checks) is not supported by the dnsplane authority`,
      );
  }
  return out;
}

export function healthCheckXml(check: StoredHealthCheck): XmlObject {
  const config: XmlObject = {};
  for (const [key, value] of Object.entries(check.config)) {
    if (key === 'ChildHealthChecks') config[key] = { ChildHealthCheck: value };
    else if (key === 'Regions') config[key] = { Region: value };
    else config[key] = String(value);
  }
  return {
    Id: check.id,
    CallerReference: check.callerReference,
    HealthCheckConfig: config,
    HealthCheckVersion: String(check.version),
  };
}

const createHealthCheck: Handler = (request, context) => {
  const body = parseRequest(request.body, 'CreateHealthCheckRequest');
  const callerReference = text(body.CallerReference) ?? '';
  const element = body.HealthCheckConfig;
  if (!element || typeof element !== 'object') throw invalidInput('Invalid request: HealthCheckConfig is required');
  const { check, created } = context.store.healthChecks.create(
    callerReference,
    readFields(element as XmlObject, 'HealthCheckConfig') as HealthCheckConfig,
  );
  return ok(document('CreateHealthCheckResponse', { HealthCheck: healthCheckXml(check) }), created ? 201 : 200, {
    location: `${ROUTE53_ORIGIN}/2013-04-01/healthcheck/${check.id}`,
  });
};

const getHealthCheck: Handler = (_request, context, [id]) =>
  ok(document('GetHealthCheckResponse', { HealthCheck: healthCheckXml(context.store.healthChecks.get(id)) }));

const listHealthChecks: Handler = (request, context) => {
  const all = context.store.healthChecks.list();
  const marker = request.query.get('marker');
  const from = marker === null ? 0 : all.findIndex((check) => check.id === marker);
  if (from < 0) throw invalidInput(`Invalid request: marker ${marker} is not a health check id`);
  const limit = Math.min(maxItems(request.query, 100), 1000);
  const next = all[from + limit];
  return ok(
    document('ListHealthChecksResponse', {
      HealthChecks: { HealthCheck: all.slice(from, from + limit).map(healthCheckXml) },
      Marker: marker ?? '',
      IsTruncated: String(next !== undefined),
      ...(next ? { NextMarker: next.id } : {}),
      MaxItems: String(limit),
    }),
  );
};

const updateHealthCheck: Handler = (request, context, [id]) => {
  context.store.healthChecks.get(id);
  const body = parseRequest(request.body, 'UpdateHealthCheckRequest');
  const {
    Type: _type,
    RequestInterval: _interval,
    MeasureLatency: _latency,
    ...fields
  } = readFields(body, 'UpdateHealthCheckRequest');
  const version = text(body.HealthCheckVersion);
  const update: HealthCheckUpdate = {
    ...fields,
    ...(version !== undefined ? { healthCheckVersion: Number(version) } : {}),
    reset: asList((body.ResetElements as XmlObject | undefined)?.ResettableElementName).map((name) => text(name) ?? ''),
  };
  return ok(
    document('UpdateHealthCheckResponse', {
      HealthCheck: healthCheckXml(context.store.healthChecks.update(id, update)),
    }),
  );
};

const deleteHealthCheck: Handler = (_request, context, [id]) => {
  context.store.healthChecks.delete(id);
  return ok(document('DeleteHealthCheckResponse', {}));
};

const getHealthCheckCount: Handler = (_request, context) =>
  ok(document('GetHealthCheckCountResponse', { HealthCheckCount: String(context.store.healthChecks.list().length) }));

function observations(reports: Array<StatusReport | undefined>): XmlObject {
  const present = reports.filter((report): report is StatusReport => report !== undefined);
  return {
    HealthCheckObservation: present.map((report) => ({
      ...CHECKER,
      StatusReport: { Status: report.status, CheckedTime: report.checkedAt },
    })),
  };
}

const getHealthCheckStatus: Handler = (_request, context, [id]) => {
  context.store.healthChecks.get(id);
  return ok(
    document('GetHealthCheckStatusResponse', {
      HealthCheckObservations: observations([context.health?.reports(id).last]),
    }),
  );
};

const getHealthCheckLastFailureReason: Handler = (_request, context, [id]) => {
  context.store.healthChecks.get(id);
  return ok(
    document('GetHealthCheckLastFailureReasonResponse', {
      HealthCheckObservations: observations([context.health?.reports(id).lastFailure]),
    }),
  );
};

export const healthCheckHandlers: Partial<Record<OperationName, Handler>> = {
  CreateHealthCheck: createHealthCheck,
  GetHealthCheck: getHealthCheck,
  ListHealthChecks: listHealthChecks,
  UpdateHealthCheck: updateHealthCheck,
  DeleteHealthCheck: deleteHealthCheck,
  GetHealthCheckCount: getHealthCheckCount,
  GetHealthCheckStatus: getHealthCheckStatus,
  GetHealthCheckLastFailureReason: getHealthCheckLastFailureReason,
};
