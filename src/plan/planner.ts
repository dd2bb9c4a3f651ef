// The planner: checks health, turns health and capacity into weights (see weights.ts), and stores a new plan
// generation when, and only when, something changed (or a heartbeat is due).
//
// It keeps no state of its own beyond health hysteresis: the latest stored plan is the previous plan. So
// two planners may run at once; if another one stored generation N+1 first, this one re-reads, replans on
// top of it once, and otherwise gives up for this pass rather than fighting.
//
// Numbering (invariant I8): a new generation is max(latest stored plan, highest live fence) + 1, never at or
// below a generation already live in the zone. A new, wiped or restored plan store would otherwise start
// again at 1, every enactor would stand down (a newer generation is live everywhere), and the zone would keep
// content that no stored plan describes. The live fence comes from an injected reader, so the planner stays
// free of Route53.
import { hostname } from 'node:os';
import { endpointKey } from '../route53/recordset.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { counter, gauge } from '../telemetry/metrics.js';
import { diffPlans, type PlanDiff } from './diff.js';
import { endpointTtl, type Fleet } from './fleet.js';
import { HealthTracker, type TargetHealth } from './health.js';
import type { Plan } from './schema.js';
import { PlanExistsError, type PlanStore } from './store.js';
import { planEndpoint, type EndpointDecision } from './weights.js';

const generationsPlanned = counter(
  'dnsplane_plan_generations_total',
  'Plan generations written by the planner, by reason',
  ['reason'],
);
const failStatic = counter(
  'dnsplane_plan_fail_static_total',
  'Endpoints kept at their last plan because nothing was healthy',
  ['endpoint'],
);
const failOpen = counter(
  'dnsplane_plan_fail_open_total',
  'New endpoints planned with every load balancer because nothing was healthy',
  ['endpoint'],
);
const velocityLimited = counter(
  'dnsplane_plan_velocity_limited_total',
  'Endpoints whose capacity drop was held back by velocity control',
  ['endpoint'],
);
const latestGeneration = gauge(
  'dnsplane_plan_latest_generation',
  'The latest plan generation this planner has seen or written',
);

export interface PlannerOptions {
  fleet: Fleet;
  store: PlanStore;
  /** Recorded in each plan's createdBy. */
  id?: string;
  /** Write a generation even without change once the latest plan is this old (0 = never). */
  heartbeatMs?: number;
  health?: HealthTracker;
  logger?: Logger;
  now?: () => Date;
  /**
   * The highest generation any fence in the zone names (0 for none), read once per pass. Without it the
   * planner numbers from the plan store alone. A failed read fails the pass: writing without it could
   * publish a generation at or below a live one.
   */
  highestLiveFence?: () => Promise<number>;
}

/** The plan store is behind the zone: a fence names a generation above the store's newest plan. */
export interface StoreBehind {
  /** The store's newest generation (0 when the store is empty). */
  stored: number;
  /** The highest generation live in the zone's fences. */
  live: number;
}

export interface PlanPass {
  previous?: Plan;
  plan: Plan;
  diff: PlanDiff;
  decisions: Map<string, EndpointDecision>;
  health: Map<string, TargetHealth>;
  /**
   * Why a generation was (or would be) written; 'unchanged' means none. 'behind-live': the plan is unchanged
   * but the store is behind the live fences, so enactors would stand down on its newest plan; a generation
   * above the live one is written so that the zone follows a stored plan again.
   */
  reason: 'first' | 'changed' | 'heartbeat' | 'behind-live' | 'unchanged';
  written: boolean;
  /** Set when the store's newest generation is below the highest live fence (numbering then starts above the fence). */
  behind?: StoreBehind;
}

/** The generation a planner writes next: above both the store's newest plan and every live fence (I8). */
export function nextGeneration(latestStored: number, highestLive: number): number {
  return Math.max(latestStored, highestLive) + 1;
}

/** What a StoreBehind means, in one line for logs and the CLI. */
export function describeStoreBehind({ stored, live }: StoreBehind, next: number): string {
  const store = stored === 0 ? 'the plan store has no plan' : `the plan store's newest generation is ${stored}`;
  return `${store}, but generation ${live} is live in the zone's fences (a new, wiped or restored plan store?): numbering continues above the live fence, with generation ${next}`;
}

/** Builds the next plan from the fleet, health by URL, and the previous plan. Pure. */
export function buildPlan(
  fleet: Fleet,
  healthy: (url: string) => boolean,
  previous: Plan | undefined,
  meta: Pick<Plan, 'generation' | 'createdAt' | 'createdBy'>,
): { plan: Plan; decisions: Map<string, EndpointDecision> } {
  const decisions = new Map<string, EndpointDecision>();
  // Indexed once: a lookup per endpoint in the previous plan's list would be quadratic in the fleet's size.
  const before = new Map(
    previous?.zone === fleet.zone ? previous.endpoints.map((p) => [endpointKey(p.name, p.type), p]) : [],
  );
  const endpoints = fleet.endpoints.map((endpoint) => {
    const key = endpointKey(endpoint.name, endpoint.type);
    const decision = planEndpoint({
      name: endpoint.name,
      type: endpoint.type,
      ttl: endpointTtl(fleet, endpoint),
      loadBalancers: endpoint.loadBalancers.map((lb) => ({
        id: lb.id,
        addresses: lb.addresses,
        capacity: lb.capacity,
        healthy: healthy(lb.healthCheckUrl),
      })),
      previous: before.get(key),
      maxDropShare: fleet.defaults.maxCapacityDropShare,
    });
    decisions.set(key, decision);
    return decision.plan;
  });
  return { plan: { ...meta, zone: fleet.zone, endpoints }, decisions };
}

function healthOptions(fleet: Fleet) {
  const { failuresToUnhealthy, successesToHealthy, healthTimeoutMs } = fleet.defaults;
  return { failuresToUnhealthy, successesToHealthy, timeoutMs: healthTimeoutMs };
}

export class Planner {
  private readonly store: PlanStore;
  private readonly health: HealthTracker;
  private readonly logger: Logger;
  private readonly now: () => Date;
  readonly id: string;

  private fleet: Fleet;
  private readonly ownsHealth: boolean;

  constructor(private readonly options: PlannerOptions) {
    this.fleet = options.fleet;
    this.store = options.store;
    this.ownsHealth = !options.health;
    this.health = options.health ?? new HealthTracker(healthOptions(options.fleet));
    this.logger = options.logger ?? createLogger('planner');
    this.now = options.now ?? (() => new Date());
    this.id = options.id ?? `planner@${hostname()}:${process.pid}`;
  }

  /** Plans for a changed fleet file from the next pass on; health history of unchanged URLs is kept. */
  setFleet(fleet: Fleet): void {
    this.fleet = fleet;
    if (this.ownsHealth) this.health.configure(healthOptions(fleet));
  }

  /** One pass: check health, plan, and store the plan if `write` and something changed (or a heartbeat is due). */
  async pass({ write }: { write: boolean }): Promise<PlanPass> {
    const urls = this.fleet.endpoints.flatMap((endpoint) => endpoint.loadBalancers.map((lb) => lb.healthCheckUrl));
    const health = await this.health.checkAll(urls);
    const live = await this.readHighestLiveFence();
    let result = this.replan(health, await this.store.latest(), live);
    if (!write || result.reason === 'unchanged') return this.report(result);
    try {
      await this.store.write(result.plan);
    } catch (error) {
      if (!(error instanceof PlanExistsError)) throw error;
      // Another planner stored this generation first: plan again on top of what it wrote, once.
      this.logger.warn(
        { generation: result.plan.generation },
        'another planner wrote this generation first; replanning on top of it',
      );
      result = this.replan(health, await this.store.latest(), live);
      if (result.reason === 'unchanged') return this.report(result);
      await this.store.write(result.plan);
    }
    generationsPlanned.inc({ reason: result.reason });
    return this.report({ ...result, written: true });
  }

  private async readHighestLiveFence(): Promise<number> {
    if (!this.options.highestLiveFence) return 0;
    try {
      return await this.options.highestLiveFence();
    } catch (error) {
      throw new Error(
        `cannot read the zone's live fences, so the next generation number is unknown (it must be above every live one): ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  private replan(health: Map<string, TargetHealth>, previous: Plan | undefined, highestLive: number): PlanPass {
    const now = this.now();
    const stored = previous?.generation ?? 0;
    const behind: StoreBehind | undefined = highestLive > stored ? { stored, live: highestLive } : undefined;
    const { plan, decisions } = buildPlan(this.fleet, (url) => health.get(url)?.healthy ?? false, previous, {
      generation: nextGeneration(stored, highestLive),
      createdAt: now.toISOString(),
      createdBy: this.id,
    });
    const diff = diffPlans(previous, plan);
    const heartbeat = this.options.heartbeatMs ?? 0;
    let reason: PlanPass['reason'] = 'unchanged';
    if (!previous) reason = 'first';
    else if (diff.changed) reason = 'changed';
    else if (behind) reason = 'behind-live';
    else if (heartbeat > 0 && now.getTime() - Date.parse(previous.createdAt) >= heartbeat) reason = 'heartbeat';
    return {
      ...(previous ? { previous } : {}),
      plan,
      diff,
      decisions,
      health,
      reason,
      written: false,
      ...(behind ? { behind } : {}),
    };
  }

  private report(pass: PlanPass): PlanPass {
    latestGeneration.set(pass.written ? pass.plan.generation : (pass.previous?.generation ?? 0));
    if (pass.behind)
      this.logger.warn(
        { stored: pass.behind.stored, live: pass.behind.live, generation: pass.plan.generation },
        describeStoreBehind(pass.behind, pass.plan.generation),
      );
    for (const [endpoint, decision] of pass.decisions) {
      if (decision.mode === 'fail-static') {
        failStatic.inc({ endpoint });
        this.logger.error(
          { endpoint, kept: decision.plan.sets.map((set) => set.setIdentifier) },
          'FAIL STATIC: no load balancer is healthy; keeping the last planned record sets',
        );
      } else if (decision.mode === 'fail-open') {
        failOpen.inc({ endpoint });
        this.logger.error(
          { endpoint },
          'FAIL OPEN: no load balancer is healthy and there is no previous plan; planning all of them rather than none',
        );
      }
      if (decision.velocityLimited) {
        velocityLimited.inc({ endpoint });
        this.logger.warn(
          { endpoint, removed: decision.removed, budget: decision.budget },
          'velocity control: capacity drop spread over further generations',
        );
      }
    }
    const level = pass.written ? 'info' : 'debug';
    this.logger[level](
      { generation: pass.plan.generation, reason: pass.reason, written: pass.written },
      pass.written ? 'plan generation written' : 'plan pass',
    );
    return pass;
  }
}
