// Durability for the zone store. Every committed entry is appended to journal.log as one JSON line and
// fsync'ed before the store applies it (and so before the API acknowledges it). On start the snapshot file
// is loaded and the journal replayed; a torn last line (the process killed mid-write) is cut off, never
// half-applied. When the journal outgrows the snapshot, the whole state is compacted into a new snapshot
// (write a temp file, fsync, rename, fsync the directory) and the journal starts empty.
import fs from 'node:fs';
import path from 'node:path';
import { counter, histogram } from '../../telemetry/metrics.js';
import { lockDataDir } from './dir-lock.js';
import type { JournalEntry, StoreState } from './journal-format.js';
import type { EntrySink, ZoneStore } from './zone-store.js';

const JOURNAL = 'journal.log';
const SNAPSHOT = 'snapshot.json';
/** Compaction writes here, then renames it over SNAPSHOT; a crash before the rename leaves it behind. */
const SNAPSHOT_TEMP = `${SNAPSHOT}.tmp`;
/** Compact once the journal is larger than this and larger than twice the last snapshot: O(1) amortised. */
const MIN_COMPACT_BYTES = 4 * 1024 * 1024;

const appendSeconds = histogram(
  'dnsplane_authority_journal_append_seconds',
  'Journal append + fsync time per committed entry',
  [],
  [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
);
const compactions = counter(
  'dnsplane_authority_journal_compactions_total',
  'Journal compactions into the snapshot file, by result',
  ['result'],
);

export interface JournalStats {
  replayedEntries: number;
  droppedTornBytes: number;
  /** A compaction's temp snapshot left by a crash before its rename, removed at start (never read). */
  removedTempSnapshot: boolean;
  loadMs: number;
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function readJson<T>(text: string, where: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`${where} is corrupt (${(error as Error).message}); restore it from a backup or move it aside`, {
      cause: error,
    });
  }
}

export class Journal implements EntrySink {
  private fd: number;
  private bytes: number;
  private snapshotBytes: number;
  private store?: ZoneStore;
  private compacting = false;
  private closed = false;
  private releaseLock: () => void = () => {};
  /** Set when a failed append could not be cut back off: appending more would bury its partial line mid-file. */
  private unwritable?: Error;
  /** Compaction runs off the commit path; its failure loses nothing (the journal is intact), so report it. */
  onCompactionError: (error: Error) => void = (error) =>
    console.error(`dnsplane: journal compaction failed: ${error.message}`);

  private constructor(private readonly dir: string) {
    const journalPath = path.join(dir, JOURNAL);
    this.fd = fs.openSync(journalPath, 'a');
    this.bytes = fs.fstatSync(this.fd).size;
    this.snapshotBytes = fs.existsSync(path.join(dir, SNAPSHOT)) ? fs.statSync(path.join(dir, SNAPSHOT)).size : 0;
  }

  /**
   * Opens (creating if needed) the data directory, loads the snapshot and replays the journal into `store`,
   * then attaches so that the store's future commits are journaled. Throws an Error naming the directory
   * when it is unusable.
   */
  static open(
    dir: string,
    createStore: (sink: EntrySink) => ZoneStore,
  ): { journal: Journal; store: ZoneStore; stats: JournalStats } {
    const started = performance.now();
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.accessSync(dir, fs.constants.W_OK | fs.constants.R_OK);
    } catch (error) {
      throw new Error(`data directory ${dir} is unusable: ${(error as Error).message}`, { cause: error });
    }
    const release = lockDataDir(dir);
    try {
      return Journal.load(dir, createStore, release, started);
    } catch (error) {
      release();
      throw error;
    }
  }

  private static load(dir: string, createStore: (sink: EntrySink) => ZoneStore, release: () => void, started: number) {
    const droppedTornBytes = Journal.cutTornTail(path.join(dir, JOURNAL));
    // Under the directory lock, so the temp file cannot be a live authority's compaction in progress. It was
    // never renamed, so the snapshot and journal beside it hold everything: it is only litter.
    const removedTempSnapshot = Journal.removeIfPresent(path.join(dir, SNAPSHOT_TEMP));
    const journal = new Journal(dir);
    journal.releaseLock = release;
    const store = createStore(journal);
    journal.store = store;
    const snapshotPath = path.join(dir, SNAPSHOT);
    if (fs.existsSync(snapshotPath))
      store.importState(readJson<StoreState>(fs.readFileSync(snapshotPath, 'utf8'), snapshotPath));
    let replayedEntries = 0;
    for (const line of Journal.lines(path.join(dir, JOURNAL))) {
      // Only the last line can be torn by a crash (cut above); damage anywhere else is reported, never skipped.
      store.replay(readJson<JournalEntry>(line, `${path.join(dir, JOURNAL)} entry ${replayedEntries + 1}`));
      replayedEntries += 1;
    }
    fsyncDir(dir);
    return {
      journal,
      store,
      stats: {
        replayedEntries,
        droppedTornBytes,
        removedTempSnapshot,
        loadMs: Math.round(performance.now() - started),
      },
    };
  }

  append(entry: JournalEntry): void {
    if (this.unwritable) {
      throw new Error(
        `the journal cannot be written since a failed write could not be undone (${this.unwritable.message}); restart the authority, which cuts the partial line off`,
      );
    }
    const line = Buffer.from(`${JSON.stringify(entry)}\n`);
    const stopTimer = appendSeconds.startTimer();
    try {
      let written = 0;
      while (written < line.length) written += fs.writeSync(this.fd, line, written);
      fs.fsyncSync(this.fd);
    } catch (error) {
      // Disk full or I/O error: the batch is refused, and a partial line must not sit before later entries.
      try {
        fs.ftruncateSync(this.fd, this.bytes);
      } catch (truncateError) {
        // The partial line stays the journal's last, as long as nothing is appended after it: startup's
        // torn-tail cut then removes it. So every later append is refused until a restart.
        this.unwritable = truncateError as Error;
      }
      throw error;
    } finally {
      stopTimer();
    }
    this.bytes += line.length;
    if (this.bytes > Math.max(MIN_COMPACT_BYTES, 2 * this.snapshotBytes)) this.scheduleCompaction();
  }

  /** Writes the whole state to the snapshot file and empties the journal. */
  compact(): void {
    if (!this.store || this.closed) return;
    const snapshotPath = path.join(this.dir, SNAPSHOT);
    const temp = path.join(this.dir, SNAPSHOT_TEMP);
    const data = Buffer.from(JSON.stringify(this.store.exportState()));
    const fd = fs.openSync(temp, 'w');
    try {
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, snapshotPath);
    fsyncDir(this.dir);
    // A crash from here until the truncation is safe: replay skips entries whose seq the snapshot holds.
    fs.ftruncateSync(this.fd, 0);
    fs.fsyncSync(this.fd);
    this.bytes = 0;
    this.snapshotBytes = data.length;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
    this.releaseLock();
  }

  /** Compacts after the current commit has been applied in memory, so the snapshot includes it. */
  private scheduleCompaction(): void {
    if (this.compacting) return;
    this.compacting = true;
    setImmediate(() => {
      this.compacting = false;
      try {
        this.compact();
        compactions.inc({ result: 'ok' });
      } catch (error) {
        compactions.inc({ result: 'failed' });
        this.onCompactionError(error as Error);
      }
    });
  }

  private static removeIfPresent(file: string): boolean {
    try {
      fs.unlinkSync(file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new Error(
        `cannot remove the stale ${file} left by an interrupted compaction: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  private static *lines(file: string): Generator<string> {
    if (!fs.existsSync(file)) return;
    const text = fs.readFileSync(file, 'utf8');
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      if (end > start) yield text.slice(start, end);
      start = end + 1;
    }
  }

  /**
   * A line is complete only with its newline and valid JSON; anything after the last complete line is a
   * write the process did not finish (and so never acknowledged). Cut it so new appends start clean.
   */
  private static cutTornTail(file: string): number {
    if (!fs.existsSync(file)) return 0;
    const buffer = fs.readFileSync(file);
    let good = buffer.lastIndexOf(0x0a) + 1;
    // The last newline-terminated line may itself be damaged only if the disk lied; check it anyway.
    if (good > 0) {
      const previous = buffer.lastIndexOf(0x0a, good - 2) + 1;
      try {
        JSON.parse(buffer.subarray(previous, good - 1).toString('utf8'));
      } catch {
        good = previous;
      }
    }
    if (good === buffer.length) return 0;
    fs.truncateSync(file, good);
    return buffer.length - good;
  }
}
