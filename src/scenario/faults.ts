// Fault injection for the race reproduction: a gate that holds an operation until the scenario opens it, a
// Route53 port whose writes are slowed, throttled and then held at a gate, and a plan store whose deletes
// wait at a gate. The scenario orders its steps with these gates rather than with sleeps, so that every run
// takes the same path through real sockets.
import { Route53ServiceException, type ChangeResourceRecordSetsCommandInput } from '@aws-sdk/client-route-53';
import type { PlanStore } from '../plan/store.js';
import { hookPort, type Route53Port } from '../route53/port.js';
import { sleep } from '../route53/throttle.js';

/** A one-shot barrier: callers wait() until open(); `reached` resolves when the first caller arrives. */
export class Gate {
  readonly reached: Promise<void>;
  private arrive!: () => void;
  private release!: () => void;
  private readonly openedPromise: Promise<void>;
  private isOpen = false;

  get opened(): boolean {
    return this.isOpen;
  }

  constructor(readonly name: string) {
    this.reached = new Promise((resolve) => (this.arrive = resolve));
    this.openedPromise = new Promise((resolve) => (this.release = resolve));
  }

  async wait(): Promise<void> {
    this.arrive();
    if (!this.isOpen) await this.openedPromise;
  }

  open(): void {
    this.isOpen = true;
    this.arrive(); // nobody came: whoever awaits `reached` must not hang
    this.release();
  }
}

export interface WriteFaults {
  /** Latency added to every matching write attempt. */
  latencyMs: number;
  /** The first N matching write attempts are answered with Throttling (Route53's "Rate exceeded"). */
  throttles: number;
  /** After the throttles, matching writes wait here before they are sent. */
  gate?: Gate;
  /** Which writes are affected (default: every ChangeResourceRecordSets). */
  matches?: (input: ChangeResourceRecordSetsCommandInput) => boolean;
  /** Told about each injected fault, for the timeline. */
  onFault?: (fault: 'latency' | 'throttle' | 'held', detail: string) => void;
}

/** Route53's own overload answer, as the SDK raises it. */
export function throttlingError(): Route53ServiceException {
  return new Route53ServiceException({
    name: 'Throttling',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate exceeded',
  });
}

/**
 * Wraps a port so that its ChangeResourceRecordSets calls suffer the given faults before going out over the
 * real socket. Reads pass straight through: the enactor reads fresh state and then its write is delayed,
 * which is exactly the window in which the October 2025 enactor went stale.
 */
export function faultyPort(port: Route53Port, faults: WriteFaults): Route53Port {
  let throttled = 0;
  return hookPort(port, {
    async before(call) {
      if (call.method === 'changeResourceRecordSets' && (faults.matches?.(call.input) ?? true)) {
        if (faults.latencyMs > 0) {
          faults.onFault?.('latency', `${faults.latencyMs} ms`);
          await sleep(faults.latencyMs);
        }
        if (throttled < faults.throttles) {
          throttled += 1;
          faults.onFault?.('throttle', `Throttling ${throttled}/${faults.throttles}`);
          throw throttlingError();
        }
        if (faults.gate) {
          if (!faults.gate.opened) faults.onFault?.('held', `held at gate ${faults.gate.name}`);
          await faults.gate.wait();
        }
      }
    },
  });
}

/** A plan store whose deletes wait at `gate` (everything else passes through); `onDeleted` sees each delete. */
export function gatedDeletes(
  store: PlanStore,
  gate: Gate,
  onDeleted?: (generation: number, live: ReadonlySet<number>) => void,
): PlanStore {
  return {
    location: store.location,
    write: (plan) => store.write(plan),
    read: (generation) => store.read(generation),
    latest: () => store.latest(),
    list: () => store.list(),
    async delete(generation, guard) {
      await gate.wait();
      await store.delete(generation, guard);
      onDeleted?.(generation, guard.live);
    },
  };
}
