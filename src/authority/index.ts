// `dnsplane authority`: one process, two faces over one zone store. The Route53 API commits change batches
// to the store (journaled and fsync'ed first); the DNS face serves the store's immutable snapshots.
import path from 'node:path';
import { defaultRegion } from '../route53/region.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { startApiServer } from './api/server.js';
import type { Credentials } from './api/sigv4.js';
import { startDnsFace } from './dns/server.js';
import { HealthProber } from './health/prober.js';
import type { HealthView } from './health/view.js';
import { Journal, type JournalStats } from './store/journal.js';
import { ZoneStore } from './store/zone-store.js';

export interface AuthorityOptions {
  /** Both listeners bind here; loopback unless you mean otherwise. */
  host?: string;
  /** 0 picks a free port. */
  apiPort?: number;
  /** 0 picks a free port; UDP and TCP share it. */
  dnsPort?: number;
  /** Journal and snapshot live here; created if missing. */
  dataDir?: string;
  /** Requests per second for the API's token bucket (bucket = 5 × rate); unlimited when unset. */
  rateLimit?: number;
  /** The only credentials whose SigV4 signatures are accepted. */
  credentials?: Credentials;
  /** The region SigV4 signatures must be scoped to; the SDK's own default (AWS_REGION, else us-east-1) when unset. */
  region?: string;
  /** CIDRs besides loopback whose addresses health checks may probe. */
  healthCheckAllow?: readonly string[];
  /** Multiplies health checks' RequestInterval and timeouts (tests: 0.01); 1 = Route53's timing. */
  healthCheckScale?: number;
  logger?: Logger;
  /**
   * Health of HealthCheckIds for the DNS face's answers (weighted, failover, multivalue, alias). Unset, the
   * authority's own prober decides (the health checks created through the API, really probed).
   */
  health?: HealthView;
}

export interface Authority {
  readonly host: string;
  readonly apiPort: number;
  readonly dnsPort: number;
  /** http://host:apiPort, for AWS_ENDPOINT_URL or the SDK's `endpoint`. */
  readonly endpoint: string;
  readonly credentials: Credentials;
  readonly region: string;
  readonly store: ZoneStore;
  /** Health checks' current status, as the prober sees it (what the DNS face consults). */
  readonly health: HealthView;
  /** What the journal replay found at start. */
  readonly recovery: JournalStats;
  close(): Promise<void>;
}

export const AUTHORITY_DEFAULTS = {
  host: '127.0.0.1',
  apiPort: 4580,
  dnsPort: 8053,
  dataDir: './.dnsplane/authority',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
} as const;

export async function startAuthority(options: AuthorityOptions = {}): Promise<Authority> {
  const host = options.host ?? AUTHORITY_DEFAULTS.host;
  const credentials = options.credentials ?? { ...AUTHORITY_DEFAULTS.credentials };
  const region = options.region ?? defaultRegion();
  const logger = options.logger ?? createLogger('authority');
  const dataDir = path.resolve(options.dataDir ?? AUTHORITY_DEFAULTS.dataDir);
  const { journal, store, stats } = Journal.open(dataDir, (sink) => new ZoneStore(sink));
  journal.onCompactionError = (error) =>
    logger.error({ err: error, dataDir }, 'journal compaction failed; the journal keeps every change');

  const closers: Array<() => Promise<void> | void> = [() => journal.close()];
  let health: HealthProber;
  try {
    health = new HealthProber(store.healthChecks, {
      allow: options.healthCheckAllow ?? [],
      scale: options.healthCheckScale ?? 1,
      logger: logger.child({ part: 'health' }),
    });
  } catch (error) {
    journal.close();
    throw error;
  }
  closers.push(() => health.close());
  const closeAll = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    const dns = await startDnsFace({
      host,
      port: options.dnsPort ?? AUTHORITY_DEFAULTS.dnsPort,
      source: store,
      health: options.health ?? health,
      ...(options.logger ? { logger: options.logger.child({ face: 'dns' }) } : {}),
    });
    closers.push(() => dns.close());
    const api = await startApiServer({
      host,
      port: options.apiPort ?? AUTHORITY_DEFAULTS.apiPort,
      credentials,
      region,
      store,
      servedVersion: (zoneId) => dns.servedVersion(zoneId),
      health,
      logger,
      ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    });
    closers.push(() => api.close());
    const urlHost = host.includes(':') ? `[${host}]` : host;
    logger.info({ dataDir, ...stats, apiPort: api.port, dnsPort: dns.port }, 'authority started');
    return {
      host,
      apiPort: api.port,
      dnsPort: dns.port,
      endpoint: `http://${urlHost}:${api.port}`,
      credentials,
      region,
      store,
      health,
      recovery: stats,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
