// `dnsplane plan`: one planner pass. Checks health, computes the next plan and prints its diff against the
// latest stored plan. Dry-run unless --write, so an operator can see what the planner would do.
import type { Command } from 'commander';
import { formatDiff } from '../../plan/diff.js';
import { loadFleet } from '../../plan/fleet.js';
import { assertNotFrozen } from '../../plan/freeze.js';
import { DEFAULT_PLANS_SPEC, openPlanStore } from '../../plan/open-store.js';
import { Planner, describeStoreBehind, type PlanPass } from '../../plan/planner.js';
import { createLogger } from '../../telemetry/logger.js';
import { addLiveFenceOptions, liveFenceReader, NO_LIVE_FENCES_NOTE, type LiveFenceOptions } from '../live-fences.js';

interface PlanOptions extends LiveFenceOptions {
  fleet: string;
  plans: string;
  write: boolean;
  json: boolean;
  id?: string;
}

export function register(program: Command): void {
  const command = program
    .command('plan')
    .description(
      'Run one planner pass: check every load balancer in the fleet file over HTTP, turn health and capacity into ' +
        'weights (fail static if nothing is healthy, velocity-limited drops), and print the diff against the latest ' +
        'stored plan (not the live zone: `dnsplane enact --dry-run` previews the Route53 changes of the stored plan). ' +
        "Dry-run by default. With one pass there is no health history: each target's first answer decides.",
    )
    .requiredOption('--fleet <file>', 'fleet file (JSON: zone, defaults, endpoints with load balancers)')
    .option('--plans <spec>', 'plan store: file:DIR, a directory, or s3://bucket/prefix', DEFAULT_PLANS_SPEC)
    .option('--write', 'store the plan as the next generation if it differs from the latest', false)
    .option('--json', 'print the pass as JSON (plan, diff, per-endpoint decisions, health) instead of text', false)
    .option('--id <name>', "planner name recorded in the plan's createdBy (default: planner@HOST:PID)");
  addLiveFenceOptions(command).action((options: PlanOptions) => runPlan(options));
}

async function runPlan(options: PlanOptions): Promise<void> {
  const fleet = await loadFleet(options.fleet);
  const store = await openPlanStore(options.plans);
  if (options.write) await assertNotFrozen(store, 'plan --write');
  const fences = liveFenceReader(options, fleet.zone);
  if (!fences && options.write) console.error(NO_LIVE_FENCES_NOTE);
  const planner = new Planner({
    fleet,
    store,
    // The printed pass is this command's output and says everything the planner logs about it (a store behind
    // the zone, fail static/open, velocity, the generation written) as its own lines: logging it as well printed
    // each warning twice. DNSPLANE_LOG_LEVEL still brings the log back.
    logger: createLogger('planner', process.env.DNSPLANE_LOG_LEVEL ?? 'silent'),
    ...(options.id ? { id: options.id } : {}),
    ...(fences ? { highestLiveFence: fences.read } : {}),
  });
  const pass = await planner.pass({ write: options.write }).finally(() => fences?.close());
  if (options.json) console.log(JSON.stringify(passToJson(pass), null, 2));
  else console.log(describePass(pass, store.location, options.write));
}

/** The text the plan and planner commands print for a pass. */
export function describePass(pass: PlanPass, location: string, write: boolean): string {
  const lines = [formatDiff(pass.diff)];
  if (pass.behind) lines.push(`! ${describeStoreBehind(pass.behind, pass.plan.generation)}`);
  for (const [endpoint, decision] of pass.decisions) {
    if (decision.mode === 'fail-static')
      lines.push(`! ${endpoint}: FAIL STATIC, no load balancer is healthy; keeping the last planned sets`);
    if (decision.mode === 'fail-open')
      lines.push(`! ${endpoint}: FAIL OPEN, no load balancer is healthy and nothing was planned before; planning all`);
    if (decision.velocityLimited)
      lines.push(
        `! ${endpoint}: velocity limit, removed ${decision.removed} of the weight units (budget ${decision.budget}); the rest follows in later generations`,
      );
  }
  if (pass.written) lines.push(`wrote generation ${pass.plan.generation} to ${location} (${pass.reason})`);
  else if (pass.reason === 'unchanged') lines.push(`nothing to write: the latest plan in ${location} is current`);
  // The diff is plan against plan; what Route53 would be sent is the enactor's preview, once the plan is stored.
  else if (!write)
    lines.push(
      `dry run: generation ${pass.plan.generation} not written (use --write; then \`dnsplane enact --id ID --dry-run\` shows the Route53 changes it makes)`,
    );
  return lines.join('\n');
}

function passToJson(pass: PlanPass) {
  return {
    written: pass.written,
    reason: pass.reason,
    previousGeneration: pass.previous?.generation ?? null,
    behind: pass.behind ?? null,
    plan: pass.plan,
    diff: pass.diff,
    decisions: Object.fromEntries(
      [...pass.decisions].map(([key, d]) => [
        key,
        { mode: d.mode, velocityLimited: d.velocityLimited, removed: d.removed, budget: d.budget },
      ]),
    ),
    health: Object.fromEntries(
      [...pass.health].map(([url, h]) => [url, { healthy: h.healthy, outcome: h.last.outcome, ms: h.last.ms }]),
    ),
  };
}
