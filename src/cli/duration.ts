// Durations on the command line and in config files: "50ms", "1s", "1.5s", "2m", "1h", or "0". A bare number
// is refused rather than read as milliseconds: `--heartbeat 60` meant a minute to whoever wrote it.
import { UsageError } from './exit-codes.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string, option = 'duration'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) throw new UsageError(`${option} ${JSON.stringify(text)} is not a duration such as 500ms, 5s or 2m`);
  const value = Number(match[1]);
  if (match[2] === undefined && value !== 0) {
    throw new UsageError(
      `${option} ${JSON.stringify(text)} has no unit: write ${match[1]}ms or ${match[1]}s (a bare number is refused; 0 needs none)`,
    );
  }
  return value * UNITS[match[2] ?? 'ms'];
}
