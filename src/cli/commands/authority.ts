// `dnsplane authority`: the local Route53 (REST API with Route53's semantics, SigV4) and its authoritative DNS
// face, over one durable zone store. Prints one line once both listeners are ready; SIGINT/SIGTERM close it.
import { setFlagsFromString } from 'node:v8';
import { Option, type Command } from 'commander';
import { AUTHORITY_DEFAULTS, startAuthority } from '../../authority/index.js';
import { defaultRegion } from '../../route53/region.js';
import { serveMetrics, setReady } from '../../telemetry/metrics-server.js';
import { parseNumber, parsePort } from '../numbers.js';
import { UsageError } from '../exit-codes.js';
import { addLogOptions } from '../log-options.js';

/**
 * How far V8 may grow the heap past the live data before its next full collection, in percent. V8's own
 * choice on a machine with gigabytes free is up to 300%, which lets a bulk load's peak RSS grow far past its
 * live data; 50% keeps the peak down for a little more CPU during the load (BENCHMARKS.md, measurements in the
 * code); a quiet authority is unaffected. Unlike --max-old-space-size this sets no ceiling, so a larger zone
 * still fits.
 */
const DEFAULT_HEAP_GROWTH_PERCENT = 50;

interface AuthorityCliOptions {
  host: string;
  apiPort: string;
  dnsPort: string;
  data: string;
  rateLimit?: string;
  metricsPort?: string;
  heapGrowth: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  healthCheckAllow: string[];
  healthCheckScale: string;
}

export function register(program: Command): void {
  const command = program
    .command('authority')
    .description(
      "Run the local Route53: the Route53 REST API (2013-04-01, SigV4-signed, Route53's change-batch semantics) and an " +
        'authoritative DNS server (UDP+TCP) for every hosted zone, over one store journaled to disk (fsync before ' +
        'acknowledging). Point the SDK or the AWS CLI at it with AWS_ENDPOINT_URL=http://HOST:API_PORT.',
    )
    .option('--host <address>', 'address both listeners bind to', AUTHORITY_DEFAULTS.host)
    .option('--api-port <port>', 'Route53 API port (0 = any free port)', String(AUTHORITY_DEFAULTS.apiPort))
    .option('--dns-port <port>', 'DNS port for UDP and TCP (0 = any free port)', String(AUTHORITY_DEFAULTS.dnsPort))
    .option(
      '--data <dir>',
      'data directory for the journal and snapshot (created if missing)',
      AUTHORITY_DEFAULTS.dataDir,
    )
    .option(
      '--rate-limit <req/s>',
      'answer Throttling beyond this many API requests per second (bucket of 5x; Route53 is 10) (default: no limit)',
    )
    .option(
      '--metrics-port <port>',
      'serve Prometheus metrics on HOST:PORT/metrics, 0 for any free port (default: off)',
    )
    .option(
      '--heap-growth <percent>',
      'let the JS heap grow this far past the live data before a full garbage collection; lower keeps the peak RSS ' +
        "down at some CPU cost during bulk loads (0 = V8's own choice, up to 300%)",
      String(DEFAULT_HEAP_GROWTH_PERCENT),
    )
    .addOption(
      new Option('--access-key-id <id>', 'the access key id requests must be signed with')
        .env('AWS_ACCESS_KEY_ID')
        .default(AUTHORITY_DEFAULTS.credentials.accessKeyId),
    )
    .addOption(
      new Option('--secret-access-key <secret>', 'the secret key requests must be signed with')
        .env('AWS_SECRET_ACCESS_KEY')
        .default(AUTHORITY_DEFAULTS.credentials.secretAccessKey, 'test'),
    )
    .option(
      '--region <region>',
      "the region SigV4 signatures must be scoped to (Route53's is us-east-1; others are refused, as AWS refuses them)",
      defaultRegion(),
    )
    .option(
      '--health-check-allow <cidr>',
      'besides loopback, addresses in this CIDR may be probed by health checks (repeatable; others fail without being contacted)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--health-check-scale <factor>',
      "multiply health checks' request interval and timeouts by this (1 = Route53's 10/30 s; tests use 0.01)",
      '1',
    );
  addLogOptions(command).action((options: AuthorityCliOptions) => runAuthority(options));
}

async function runAuthority(options: AuthorityCliOptions): Promise<void> {
  const rateLimit = options.rateLimit === undefined ? undefined : Number(options.rateLimit);
  if (rateLimit !== undefined && !(rateLimit > 0))
    throw new UsageError(`--rate-limit must be a positive number of requests per second, got '${options.rateLimit}'`);
  limitHeapGrowth(parseNumber(options.heapGrowth, '--heap-growth', { min: 0, max: 1000, integer: true }));
  const authority = await startAuthority({
    host: options.host,
    apiPort: parsePort(options.apiPort, '--api-port'),
    dnsPort: parsePort(options.dnsPort, '--dns-port'),
    dataDir: options.data,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    region: options.region,
    healthCheckAllow: options.healthCheckAllow,
    healthCheckScale: parseNumber(options.healthCheckScale, '--health-check-scale', { min: 0.001, max: 100 }),
    ...(rateLimit !== undefined ? { rateLimit } : {}),
  });
  const { host, dnsPort, endpoint } = authority;
  let metricsNote = '';
  if (options.metricsPort !== undefined) {
    const metrics = await serveMetrics(parsePort(options.metricsPort, '--metrics-port'), host);
    setReady(true, `api=${endpoint} dns=${host}:${dnsPort}`);
    metricsNote = ` metrics=http://${host}:${metrics.port}/metrics`;
  }
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    authority.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(
          `dnsplane: error while stopping on ${signal}: ${error instanceof Error ? error.message : String(error)}`,
        );
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  // Only now announce readiness: a supervisor may signal us the moment it reads this line.
  console.log(
    `dnsplane authority ready: api=${endpoint} dns=${host}:${dnsPort}${metricsNote} ` +
      `(export AWS_ENDPOINT_URL=${endpoint}; dig @${host} -p ${dnsPort} NAME)`,
  );
}

/**
 * V8 reads this flag each time it sets the next collection's limit, so it applies from here on in this very
 * process: no re-spawn with node options (which would cost start-up time and a second process).
 */
function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
