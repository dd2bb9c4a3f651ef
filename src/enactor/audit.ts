// The audit log: append-only JSON lines, one per endpoint per batch outcome (and per refusal or stand-down),
// so that "who wrote what to this endpoint, when, and did Route53 take it" is answered with grep.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { inspect } from 'node:util';

export type AuditOutcome = 'accepted' | 'rejected' | 'failed' | 'refused' | 'stood-down';

export interface AuditEntry {
  time: string;
  enactor: string;
  generation: number;
  endpoint: string;
  /** apply (a newer generation) or repair (the fence's own generation, re-applied). */
  kind?: 'apply' | 'repair';
  changes: string[];
  outcome: AuditOutcome;
  changeId?: string;
  durationMs?: number;
  /** Endpoints sent in the same all-or-nothing request. */
  batchEndpoints?: number;
  detail?: string;
}

export class AuditLog {
  private tail: Promise<void> = Promise.resolve();
  private ready: Promise<unknown> | undefined;
  private failure: unknown;

  constructor(readonly file: string) {}

  /** Appends one line; appends are serialised so lines never interleave, and each is one write(2). */
  append(entry: Omit<AuditEntry, 'time'> & { time?: string }): Promise<void> {
    const line = `${JSON.stringify({ time: entry.time ?? new Date().toISOString(), ...entry })}\n`;
    this.ready ??= mkdir(path.dirname(this.file), { recursive: true });
    const write = this.tail.then(async () => {
      await this.ready;
      await appendFile(this.file, line, { flag: 'a' });
    });
    // Keep the chain alive after a failed append, but remember it: flush() reports it.
    this.tail = write.catch((error) => {
      this.failure ??= error;
    });
    return write;
  }

  /** Resolves when every append so far has reached the file; rejects if any of them failed. */
  async flush(): Promise<void> {
    await this.tail;
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw new Error(
        `audit log ${this.file} could not be written: ${failure instanceof Error ? failure.message : inspect(failure)}`,
      );
    }
  }
}

export async function readAudit(file: string): Promise<AuditEntry[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditEntry);
}
