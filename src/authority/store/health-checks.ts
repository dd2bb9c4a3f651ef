// Route53 health checks as the store keeps them: CreateHealthCheck/UpdateHealthCheck are validated here, then
// journalled as the whole resulting health check (replay needs no validation). Probing is not the store's
// business: the prober (../health/) follows the checks through onChange.
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { HealthCheckConfig } from '@aws-sdk/client-route-53';
import { Route53Error, invalidInput } from './errors.js';
import { ACCOUNT_LIMITS } from './limits.js';
import { isDomainName } from './values.js';

/** The types the authority can evaluate: probed endpoints and CALCULATED (CloudWatch and recovery controls are AWS-only). */
export const HEALTH_CHECK_TYPES = ['HTTP', 'HTTPS', 'HTTP_STR_MATCH', 'HTTPS_STR_MATCH', 'TCP', 'CALCULATED'] as const;
export type HealthCheckType = (typeof HEALTH_CHECK_TYPES)[number];

export interface StoredHealthCheck {
  id: string;
  callerReference: string;
  /** Route53's own shape (PascalCase, as the SDK types it), with Route53's defaults filled in. */
  config: HealthCheckConfig & { Type: HealthCheckType };
  /** 1 at creation, +1 per update (UpdateHealthCheck's optimistic lock). */
  version: number;
}

export type HealthCheckEntryBody =
  { op: 'putHealthCheck'; check: StoredHealthCheck } | { op: 'deleteHealthCheck'; id: string };

/** The fields UpdateHealthCheck may change (Type and RequestInterval are fixed at creation). */
export type HealthCheckUpdate = Partial<Omit<HealthCheckConfig, 'Type' | 'RequestInterval' | 'MeasureLatency'>> & {
  healthCheckVersion?: number;
  /** ResetElements: FullyQualifiedDomainName, Regions, ResourcePath, ChildHealthChecks go back to their defaults. */
  reset?: string[];
};

export function noSuchHealthCheck(id: string): Route53Error {
  return new Route53Error('NoSuchHealthCheck', `A health check with id ${id} does not exist.`, 404);
}

const endpointTypes = new Set<string>(['HTTP', 'HTTPS', 'HTTP_STR_MATCH', 'HTTPS_STR_MATCH', 'TCP']);
const RESETTABLE = ['FullyQualifiedDomainName', 'Regions', 'ResourcePath', 'ChildHealthChecks'] as const;

export class HealthCheckStore {
  private readonly checks = new Map<string, StoredHealthCheck>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly commit: (body: HealthCheckEntryBody) => void,
    /** A record set (described for the message) whose HealthCheckId is `id`, if any: such a check cannot be deleted. */
    private readonly usedBy: (id: string) => string | undefined = () => undefined,
  ) {}

  create(callerReference: string, input: HealthCheckConfig): { check: StoredHealthCheck; created: boolean } {
    if (!callerReference || callerReference.length > 64)
      throw invalidInput('Invalid request: CallerReference must be 1 to 64 characters');
    const config = this.validate(withDefaults(input));
    const existing = [...this.checks.values()].find((check) => check.callerReference === callerReference);
    if (existing) {
      // Route53 makes CreateHealthCheck idempotent for a repeated request, and refuses a reused reference otherwise.
      if (JSON.stringify(existing.config) === JSON.stringify(config)) return { check: existing, created: false };
      throw new Route53Error(
        'HealthCheckAlreadyExists',
        `A health check with the caller reference ${callerReference} already exists with a different configuration`,
        409,
      );
    }
    if (this.checks.size >= ACCOUNT_LIMITS.MAX_HEALTH_CHECKS_BY_OWNER) {
      throw new Route53Error(
        'TooManyHealthChecks',
        `This AWS account has reached its limit of ${ACCOUNT_LIMITS.MAX_HEALTH_CHECKS_BY_OWNER} health checks`,
      );
    }
    const check: StoredHealthCheck = { id: randomUUID(), callerReference, config, version: 1 };
    this.commit({ op: 'putHealthCheck', check });
    return { check, created: true };
  }

  update(id: string, update: HealthCheckUpdate): StoredHealthCheck {
    const current = this.get(id);
    if (update.healthCheckVersion !== undefined && update.healthCheckVersion !== current.version) {
      throw new Route53Error(
        'HealthCheckVersionMismatch',
        `The value of HealthCheckVersion in the request (${update.healthCheckVersion}) doesn't match the value of HealthCheckVersion in the health check (${current.version})`,
        409,
      );
    }
    const { healthCheckVersion: _version, reset = [], ...fields } = update;
    const next: Record<string, unknown> = { ...current.config };
    for (const element of reset) {
      if (!(RESETTABLE as readonly string[]).includes(element))
        throw invalidInput(`Invalid request: ResetElements: '${element}' is not one of ${RESETTABLE.join(', ')}`);
      delete next[element];
    }
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) next[key] = value;
    const config = this.validate(withDefaults(next as unknown as HealthCheckConfig), id);
    const check: StoredHealthCheck = { ...current, config, version: current.version + 1 };
    this.commit({ op: 'putHealthCheck', check });
    return check;
  }

  delete(id: string): void {
    this.get(id);
    const parent = [...this.checks.values()].find((check) => check.config.ChildHealthChecks?.includes(id));
    if (parent)
      throw new Route53Error(
        'HealthCheckInUse',
        `Health check ${id} is a child of calculated health check ${parent.id}`,
      );
    const user = this.usedBy(id);
    if (user)
      throw new Route53Error(
        'HealthCheckInUse',
        `Health check ${id} is still referenced from resource record set ${user}`,
      );
    this.commit({ op: 'deleteHealthCheck', id });
  }

  get(id: string): StoredHealthCheck {
    const check = this.checks.get(id);
    if (!check) throw noSuchHealthCheck(id);
    return check;
  }

  has(id: string): boolean {
    return this.checks.has(id);
  }

  /** In creation order (ListHealthChecks pages through it by id). */
  list(): StoredHealthCheck[] {
    return [...this.checks.values()];
  }

  /** Called after every committed create, update or delete (the prober re-reads the checks). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  apply(entry: HealthCheckEntryBody): void {
    if (entry.op === 'putHealthCheck') this.checks.set(entry.check.id, entry.check);
    else this.checks.delete(entry.id);
    for (const listener of this.listeners) listener();
  }

  exportState(): StoredHealthCheck[] {
    return this.list();
  }

  importState(saved: StoredHealthCheck[] = []): void {
    for (const check of saved) this.checks.set(check.id, check);
  }

  private validate(config: HealthCheckConfig, selfId?: string): StoredHealthCheck['config'] {
    const type = config.Type as string;
    if (!(HEALTH_CHECK_TYPES as readonly string[]).includes(type)) {
      throw invalidInput(
        `Invalid request: HealthCheckConfig.Type '${type}' is not supported by the dnsplane authority (supported: ${HEALTH_CHECK_TYPES.join(', ')})`,
      );
    }
    if (endpointTypes.has(type)) {
      if (config.IPAddress === undefined && config.FullyQualifiedDomainName === undefined) {
        throw invalidInput(
          'Invalid request: HealthCheckConfig needs IPAddress or FullyQualifiedDomainName for an endpoint health check',
        );
      }
      if (config.IPAddress !== undefined && isIP(config.IPAddress) === 0)
        throw invalidInput(`Invalid request: HealthCheckConfig.IPAddress '${config.IPAddress}' is not an IP address`);
      if (config.FullyQualifiedDomainName !== undefined && !isDomainName(config.FullyQualifiedDomainName)) {
        throw invalidInput(
          `Invalid request: HealthCheckConfig.FullyQualifiedDomainName '${config.FullyQualifiedDomainName}' is not a domain name`,
        );
      }
      if (config.Port === undefined || !Number.isInteger(config.Port) || config.Port < 1 || config.Port > 65535) {
        throw invalidInput(
          `Invalid request: HealthCheckConfig.Port must be 1 to 65535${type === 'TCP' ? ' (required for TCP)' : ''}`,
        );
      }
      if (![10, 30].includes(config.RequestInterval!))
        throw invalidInput(
          `Invalid request: HealthCheckConfig.RequestInterval must be 10 or 30, got ${config.RequestInterval}`,
        );
      if (!Number.isInteger(config.FailureThreshold) || config.FailureThreshold! < 1 || config.FailureThreshold! > 10) {
        throw invalidInput(
          `Invalid request: HealthCheckConfig.FailureThreshold must be 1 to 10, got ${config.FailureThreshold}`,
        );
      }
      if (type.endsWith('STR_MATCH') && !config.SearchString)
        throw invalidInput(`Invalid request: HealthCheckConfig.SearchString is required for ${type}`);
      if (config.ResourcePath !== undefined && (type === 'TCP' || !config.ResourcePath.startsWith('/'))) {
        throw invalidInput(
          `Invalid request: HealthCheckConfig.ResourcePath '${config.ResourcePath}' must start with / (and TCP checks have none)`,
        );
      }
    } else {
      const children = config.ChildHealthChecks ?? [];
      if (children.length > 256)
        throw invalidInput('Invalid request: HealthCheckConfig.ChildHealthChecks may name at most 256 health checks');
      for (const child of children) {
        if (child === selfId || !this.checks.has(child))
          throw invalidInput(`Invalid request: HealthCheckConfig.ChildHealthChecks: no health check ${child}`);
      }
      if (config.HealthThreshold === undefined || config.HealthThreshold < 0 || config.HealthThreshold > 256) {
        throw invalidInput('Invalid request: HealthCheckConfig.HealthThreshold must be 0 to 256 for CALCULATED');
      }
    }
    return config as StoredHealthCheck['config'];
  }
}

/** Route53's defaults for what a request leaves out, in the element order of its API model. */
function withDefaults(input: HealthCheckConfig): HealthCheckConfig {
  const type = input.Type as string;
  const endpoint = endpointTypes.has(type);
  const https = type.startsWith('HTTPS');
  const ordered: HealthCheckConfig = {
    IPAddress: input.IPAddress,
    Port: input.Port ?? (endpoint && type !== 'TCP' ? (https ? 443 : 80) : undefined),
    Type: input.Type,
    ResourcePath: input.ResourcePath,
    FullyQualifiedDomainName: input.FullyQualifiedDomainName,
    SearchString: input.SearchString,
    RequestInterval: endpoint ? (input.RequestInterval ?? 30) : undefined,
    FailureThreshold: endpoint ? (input.FailureThreshold ?? 3) : undefined,
    // Route53 shows MeasureLatency only on endpoint checks.
    MeasureLatency: endpoint ? (input.MeasureLatency ?? false) : undefined,
    Inverted: input.Inverted ?? false,
    Disabled: input.Disabled ?? false,
    HealthThreshold: input.HealthThreshold,
    ChildHealthChecks: input.ChildHealthChecks,
    EnableSNI: endpoint && type !== 'TCP' ? (input.EnableSNI ?? https) : undefined,
    Regions: input.Regions,
  };
  return Object.fromEntries(Object.entries(ordered).filter(([, value]) => value !== undefined)) as HealthCheckConfig;
}
