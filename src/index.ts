// dnsplane as a library: everything an embedder needs, from the package root (`import { Planner } from 'dnsplane'`).
// Each name states its contract in the doc comment here or, when it has none here, on its declaration;
// test/package/api.test.ts checks that every export has one. The S3 plan store is `dnsplane/s3` (src/s3.ts), apart
// because it needs an optional peer dependency. Nothing else under src/ is public.

// ── Plans: the zod schema (the types are inferred from it) and the stores, which never overwrite a generation.
export {
  /** zod schema of one endpoint's planned weighted record sets (name, type, TTL, sets); unknown keys are errors. */
  EndpointPlanSchema,
  /** zod schema of a whole plan: zone, generation (> 0), creator, time and endpoints; unknown keys are errors. */
  PlanSchema,
  /** zod schema of one weighted record set of a plan: set identifier, weight (0-255) and addresses. */
  WeightedSetSchema,
  parsePlan,
  /** Thrown by parsePlan: `source` names the input, the message names every offending field. */
  PlanValidationError,
  /** One endpoint of a plan (inferred from EndpointPlanSchema). */
  type EndpointPlan,
  /** One plan generation (inferred from PlanSchema): what every enactor moves the zone to. */
  type Plan,
  /** One weighted record set of a plan (inferred from WeightedSetSchema). */
  type WeightedSet,
} from './plan/schema.js';
export {
  /** Thrown by PlanStore.write when the generation exists already: a plan is never overwritten; plan again. */
  PlanExistsError,
  /** Thrown by PlanStore.delete for a generation the caller's live set names: the plan store keeps live plans. */
  LivePlanError,
  /**
   * Where plan generations live (file, S3, memory). write never overwrites (PlanExistsError), delete refuses a
   * generation the caller says is live (LivePlanError); implement it to keep plans somewhere else.
   */
  type PlanStore,
} from './plan/store.js';
export {
  /**
   * Plans as JSON files in one directory (`file:DIR`), written whole via a temp file, fsync and link, so a
   * reader never sees half a plan and two writers of one generation cannot both succeed.
   */
  FilePlanStore,
} from './plan/file-store.js';
export {
  /**
   * Opens a store from its spec: `file:DIR` (or a bare path) or `s3://bucket/prefix`, as the CLI's --plans takes.
   * The S3 store (also exported by `dnsplane/s3`) needs the optional peer dependency @aws-sdk/client-s3; without
   * it an s3:// spec is an error that says what to install.
   */
  openPlanStore,
} from './plan/open-store.js';
export {
  /** An in-process PlanStore with the file store's contract (never overwrite, refuse live deletes); for tests. */
  MemoryPlanStore,
  /** Test hooks of MemoryPlanStore: a non-atomic mode and callbacks on every write and delete. */
  type MemoryPlanStoreOptions,
} from './scenario/memory-plan-store.js';

// ── The planner: fleet health in, plan generations out (never an empty endpoint, velocity-limited drops).
export {
  /** zod schema of the fleet file: the zone, defaults, and each endpoint's load balancers with health-check URLs. */
  FleetSchema,
  /** Thrown by parseFleet and loadFleet: `source` names the file, the message names every offending field. */
  FleetValidationError,
  /** Reads and validates a fleet file (JSON); errors name the file and the field. */
  loadFleet,
  /** Validates a fleet given as a value; throws FleetValidationError naming `source` and every offending field. */
  parseFleet,
  /** What the planner plans for (inferred from FleetSchema, defaults filled in). */
  type Fleet,
  /** The fleet's defaults: TTL, velocity limit (maxCapacityDropShare), health thresholds and timeout. */
  type FleetDefaults,
  /** One endpoint of a fleet: a DNS name and type (A or AAAA) and its load balancers. */
  type FleetEndpoint,
  /** One load balancer: id (the SetIdentifier), addresses, relative capacity and health-check URL. */
  type LoadBalancer,
} from './plan/fleet.js';
export {
  /**
   * Turns fleet health into plan generations. pass({ write }) checks health once and plans; with write it
   * stores a new generation (above the store's newest and, given highestLiveFence, above every live fence)
   * only when something changed or a heartbeat is due. It never plans an endpoint empty (fail static) and
   * takes at most maxCapacityDropShare of an endpoint's capacity out of service per generation.
   */
  Planner,
  /** What one planner pass saw and decided: the plan, its diff against the previous one, and why it was written. */
  type PlanPass,
  /** The fleet and plan store a planner works on, and how it numbers generations (highestLiveFence). */
  type PlannerOptions,
} from './plan/planner.js';
export { highestLiveFence } from './enactor/highest-fence.js';

// ── The enactor: fenced, guarded change batches, and a cleanup that must name the live generations.
export {
  /**
   * Applies the latest plan to a hosted zone. Every write is one ChangeResourceRecordSets batch that swaps the
   * shard's fence by exact-match DELETE, so Route53 rejects a stale writer; the guard refuses a batch that
   * would leave an endpoint empty. runOnce() makes one pass and returns its RunSummary; run(signal) polls
   * until the signal aborts. Any number of enactors may run at once on one zone.
   */
  Enactor,
} from './enactor/enactor.js';
export type {
  /** The enactor's id (written into fences and audit lines), plan store, Route53 port, guard and pacing. */
  EnactorOptions,
  /** What one pass did per endpoint: applied, repaired, in sync, stood down, refused, failed, poisoned. */
  RunSummary,
} from './enactor/options.js';
export type {
  /** What an Enactor emits on 'event': batches sent, accepted, rejected or failed, refusals, stand-downs, retries. */
  EnactorEvent,
} from './enactor/events.js';
export {
  /** An append-only JSON-lines audit file, one line per endpoint per batch outcome; pass it as EnactorOptions.audit. */
  AuditLog,
  /** One audit line: who wrote which changes to which endpoint, in which generation, and what Route53 said. */
  type AuditEntry,
  /** The outcome an audit line records: accepted, rejected, failed, refused or stood-down. */
  type AuditOutcome,
} from './enactor/audit.js';
export {
  /**
   * Deletes plan generations below (lowest live shard fence − retention), reading the fences at call time; a
   * generation a fence names, and the newest plan, are never deleted; with no fence in the zone nothing is.
   */
  cleanupPlans,
  /** The store, zone and client cleanup reads the live generations with, and how many to keep below them. */
  type CleanupOptions,
  /** The live generations cleanup read, and what it deleted and kept. */
  type CleanupResult,
} from './enactor/cleanup.js';

// ── The guard, as pure functions over record sets: guardEndpoint and guardPass run every check; the others
// are the single checks they are made of.
export {
  guardEndpoint,
  type EndpointStep,
  guardPass,
  type GuardedUnit,
  checkOwnership,
  /** Refuses a pass that would update or delete more than maxChangeShare of the zone's sets (unless force). */
  checkChangeShare,
  /** Refuses an endpoint whose sets after the batch would be empty, all weight 0, or below minCapacity. */
  checkEndpointResult,
  /** Refuses an endpoint step that takes more than maxDropShare of its serving weight away in one batch. */
  checkVelocity,
  /**
   * The guard's defaults: minCapacity 1, maxChangeShare 0.3 from 10 sets, maxDropShare 0.5, capacity proof on,
   * no adoption of sets dnsplane did not write, policy 'sync'.
   */
  DEFAULT_GUARD,
  servesTraffic,
  servingCapacity,
  /** The guard's thresholds; an Enactor takes a partial one (EnactorOptions.guard) over DEFAULT_GUARD. */
  type GuardOptions,
  /** Why the guard refused, with a message naming the endpoint and the numbers. */
  type Refusal,
  type RefusalReason,
} from './enactor/guard.js';

// ── The shard fences: which of the 64 shards an endpoint is in, and what its fence record says.
export {
  parseShardFence,
  /** Reads all 64 shard fences of a zone in one request: shard → fence, or undefined for a shard without one. */
  readShardFences,
  /** The number of shards (64): an endpoint's fence is its shard's. */
  SHARDS,
  /** The TXT record name of a shard's fence in a zone. */
  shardFenceName,
  /** The shard (0-63) of an endpoint, by name and type. */
  shardOf,
  /**
   * A shard fence as read: the generation and content digest it holds, its writer, the endpoints it excludes,
   * and the record set exactly as read (what a fenced batch DELETEs).
   */
  type ShardFence,
} from './enactor/shard-fence.js';

// ── The authority: a local Route53 (REST API with SigV4, DNS over UDP/TCP) in this process.
export {
  /** Where startAuthority listens and keeps its data when told nothing: 127.0.0.1, API 4580, DNS 8053, test/test. */
  AUTHORITY_DEFAULTS,
  /**
   * Starts the authority in this process: the Route53 REST API (SigV4, whole-batch validation and apply,
   * exact-match DELETE) and authoritative DNS over UDP and TCP, over one journaled store in dataDir. Port 0
   * picks free ports; close() stops both faces and the journal.
   */
  startAuthority,
  /** A running authority: its addresses, the endpoint URL and credentials for the SDK, its store, and close(). */
  type Authority,
  /** Where the authority listens, where it keeps its journal, and the credentials and region it accepts. */
  type AuthorityOptions,
} from './authority/index.js';

// ── The probe: does every planned endpoint resolve, straight at the authority and through a resolver?
export {
  /**
   * Asks for every target each interval, straight at the authority and through a resolver, and classifies each
   * reply against the plan (answered, wrong, nodata = the empty record, nxdomain, servfail, timeout, error).
   * runRound() probes once; start()/stop() run it in the background and emit 'bad' and 'recovered'.
   */
  Probe,
  /** The probe's events: each observation and round, an outage's first bad and first good answer, target errors. */
  type ProbeEvents,
  /** What to probe (targets), where (authority and/or resolver), how often and with what timeout. */
  type ProbeOptions,
  /** Counts of a probe's rounds and results, and when the first bad and the first empty answer came. */
  type ProbeSummary,
  /** One round: when, against which plan generation, and every observation. */
  type RoundReport,
} from './probe/probe.js';
export type {
  /** One endpoint through one path: its availability and its outages so far. */
  EndpointHealth,
  /** One probe query: endpoint, path, server, the classified result and the values answered. */
  Observation,
  ProbePath,
} from './probe/health.js';
export type {
  /** A reply's class: answered, wrong, nodata, nxdomain, servfail, refused, timeout or error. */
  ProbeResult,
} from './probe/classify.js';
export {
  /** A target source of names given by hand (nothing to compare answers with: any answer counts). */
  fixedTargets,
  latestPlanTargets,
  /** The probe targets of a plan: each endpoint with the values of its planned sets. */
  targetsOfPlan,
  /** One name and type to probe, with the planned values to compare answers with when known. */
  type ProbeTarget,
  /** The targets of one round, and the plan generation they came from. */
  type TargetList,
  /** Asked once per probe round for the targets (latestPlanTargets re-reads the plan store). */
  type TargetSource,
} from './probe/targets.js';
export {
  /** One DNS question as a stub resolver asks it: UDP, TCP on truncation, one deadline; rejects on timeout. */
  queryDns,
  /** One question: the server, name, type, deadline and whether recursion is desired. */
  type DnsQuery,
  /** A reply: RCODE, the AA flag, the answer values in presentation form, transport and latency. */
  type DnsReply,
  /** A DNS server as an IP literal and a port; replies from any other address are ignored. */
  type DnsServerAddress,
} from './probe/query.js';

// ── Route53: the narrow port dnsplane calls through, the SDK client as dnsplane configures it, and the record
// set model every part shares.
export {
  /**
   * The four Route53 operations dnsplane calls (ChangeResourceRecordSets, ListResourceRecordSets,
   * ListHostedZonesByName, GetHostedZone), with the SDK's input and output shapes. Every part that reads or
   * writes a zone (Enactor, cleanupPlans, readShardFences, highestLiveFence) takes one. Implement it to record,
   * fail or route calls; keep Route53's semantics (a batch is all-or-nothing, DELETE matches exactly).
   */
  type Route53Port,
  /** Per-call options: abortSignal, and onLaunched (called as the request goes to the network). */
  type CallOptions,
  /** The SDK client as a Route53Port (create it with maxAttempts: 1 for an Enactor, which retries itself). */
  sdkPort,
  /** A port that runs before/after hooks around every call of another: to count, delay, fail or lose answers. */
  hookPort,
  /** The before/after hooks of hookPort; `call` names the method and carries its input. */
  type PortHooks,
} from './route53/port.js';
export {
  /**
   * A Route53Port with a shared rate limiter and budgeted, jittered retries of retryable errors; rejections
   * (InvalidChangeBatch) are thrown at once. Hand one to several Enactors to share one limit and one budget.
   */
  Route53Caller,
} from './route53/caller.js';
export {
  /**
   * A Route53 SDK client aimed as the CLI aims it: `endpoint`, else AWS_ENDPOINT_URL_ROUTE_53 /
   * AWS_ENDPOINT_URL, else real AWS; test/test credentials against a local endpoint with none configured.
   * Give it to dnsplane through sdkPort (with maxAttempts: 1 for an Enactor: it retries on its own budget).
   */
  createRoute53Client,
  /** Which Route53 a client talks to, with what credentials, SDK retries and request timeout. */
  type Route53Target,
} from './route53/client.js';
export { ensureHostedZone, type HostedZoneFound } from './route53/hosted-zone.js';
export {
  /** The "name TYPE" key that names an endpoint everywhere (plans, fences, audit, probe). */
  endpointKey,
  /** A record set as Route53 sees it (name, type, set identifier, weight, TTL, values, routing fields). */
  type RecordSet,
  /** The record types dnsplane's model reads and writes. */
  type RecordType,
} from './route53/recordset.js';

// ── Logging.
export {
  /**
   * A pino logger for a component, on stderr: JSON lines, or text on a terminal (DNSPLANE_LOG_FORMAT); level
   * from the argument, else DNSPLANE_LOG_LEVEL, else info. Every component's `logger` option takes one.
   */
  createLogger,
  /** pino's Logger: what every component's `logger` option takes. */
  type Logger,
} from './telemetry/logger.js';
