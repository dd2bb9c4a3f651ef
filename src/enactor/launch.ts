// Requests sent concurrently start in order, each once the one before it is on its way. The SDK serializes a
// request in the microtasks of the call that sends it, so requests started together were all serialized before
// the first was written to the network, and Route53 sat idle meanwhile (measured: BENCHMARKS.md "Measurements behind choices in the code"). With a
// launch queue the first request is on the wire after one serialization, the next ones serialized meanwhile.
import { setImmediate as nextTurn } from 'node:timers/promises';

export class LaunchQueue {
  private last: Promise<void> = Promise.resolve();

  /**
   * Waits until the request taken before this one has been launched (and one more event-loop turn, in which its
   * bytes are written); returns the callback that marks this request launched. Call it even when the request
   * never goes out, or the requests queued after it wait forever.
   */
  async take(): Promise<() => void> {
    const previous = this.last;
    let launched!: () => void;
    this.last = new Promise<void>((resolve) => (launched = resolve));
    await previous;
    await nextTurn();
    return launched;
  }
}
