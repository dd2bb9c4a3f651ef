// Progress lines for long enactor passes (100k records take a while, 250k at Route53's rate limit minutes):
// at most one line per interval, only once a pass has run that long, so short passes stay quiet, and a line
// when the batches sent so far are all answered (rejected endpoints may still be re-sent after it).
import type { EnactorEvent } from '../enactor/events.js';

export function progressPrinter(everyMs: number, write: (line: string) => void): (event: EnactorEvent) => void {
  let lastPrinted = 0;
  return (event) => {
    if (event.type !== 'progress' || everyMs <= 0) return;
    // A new pass starts its clock again.
    if (event.elapsedMs < lastPrinted) lastPrinted = 0;
    const finished = event.batchesDone >= event.batchesTotal;
    const due = event.elapsedMs >= everyMs && event.elapsedMs - lastPrinted >= everyMs;
    if (!due && !(finished && lastPrinted > 0)) return;
    lastPrinted = finished ? 0 : event.elapsedMs;
    const seconds = event.elapsedMs / 1000;
    const left =
      event.endpointsDone > 0 && !finished
        ? `, about ${Math.ceil((seconds * (event.endpointsTotal - event.endpointsDone)) / event.endpointsDone)} s left`
        : '';
    write(
      `generation ${event.generation}: ${event.batchesDone}/${event.batchesTotal} batches, ` +
        `${event.endpointsDone}/${event.endpointsTotal} endpoints in ${seconds.toFixed(1)} s${left}`,
    );
  };
}
