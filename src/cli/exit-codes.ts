// dnsplane's exit codes, in one place (the README's table is this one): scripts and CI gates tell a typo
// from an outage from a refusal by the code alone.
export const EXIT = {
  /** Done, nothing wrong. */
  ok: 0,
  /** Something failed: an endpoint, a request, a file, a backend. */
  failure: 1,
  /** The command line or a config file is wrong (unknown flag, bad value, unknown key); nothing was done. */
  usage: 2,
  /** A guard refused a change (change share, capacity): the safety net working, but the plan is not live. */
  guardRefused: 3,
  /** An endpoint is EMPTY: planned, but no records live or the probe got NODATA/NXDOMAIN. */
  empty: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends the command with a given exit code; main prints `dnsplane: message`. */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'ExitError';
  }
}

/** A bad flag value, a missing flag combination, or an invalid config file: exit 2. */
export class UsageError extends ExitError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}

export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof ExitError ? error.exitCode : EXIT.failure;
}
