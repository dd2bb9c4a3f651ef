// Durations on the command line: "50ms", "1s", "1.5s", "2m", or a bare number of milliseconds.
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string, option = 'duration'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) throw new Error(`${option} ${JSON.stringify(text)} is not a duration such as 50ms, 1s or 2m`);
  return Number(match[1]) * UNITS[match[2] ?? 'ms']!;
}
