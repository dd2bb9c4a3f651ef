// One authority per data directory: two processes appending to one journal would interleave their entries.
// The lock is a file holding the owner's pid. It appears whole: the pid is written to a private file first,
// then hard-linked into place, which fails when a lock exists (so no starter ever reads a half-written lock).
// A lock whose pid is gone (kill -9) is taken over, so a crash never needs manual cleanup: it is renamed aside
// (a rename moves one file, so of two starters that found the same stale lock only one moves it), and what was
// moved is checked to be that stale lock; a lock another starter took meanwhile is put back.
import fs from 'node:fs';
import path from 'node:path';

const LOCK = 'authority.lock';
const ATTEMPTS = 5;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** The pid in a lock file, or undefined when there is no such file (any more). */
function ownerOf(file: string): number | undefined {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim());
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** Takes the directory's lock or throws an Error naming the directory and the owning pid. Returns release. */
export function lockDataDir(dir: string): () => void {
  const file = path.join(dir, LOCK);
  const mine = `${file}.${process.pid}`;
  const aside = `${file}.stale.${process.pid}`;
  try {
    fs.writeFileSync(mine, String(process.pid));
  } catch (error) {
    throw new Error(`data directory ${dir} is unusable: ${(error as Error).message}`, { cause: error });
  }
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        fs.linkSync(mine, file);
        return () => fs.rmSync(file, { force: true });
      } catch (error) {
        if (code(error) !== 'EEXIST')
          throw new Error(`data directory ${dir} is unusable: ${(error as Error).message}`, { cause: error });
      }
      const owner = ownerOf(file);
      if (owner === undefined) continue;
      // Our own pid in a lock can only be a dead process's whose pid was reused: stale too.
      if (owner && owner !== process.pid && alive(owner))
        throw new Error(`data directory ${dir} is in use by another authority (pid ${owner})`);
      try {
        fs.renameSync(file, aside);
      } catch (error) {
        if (code(error) === 'ENOENT') continue; // another starter moved it first
        throw error;
      }
      if (ownerOf(aside) !== owner) {
        // Not the stale lock we judged: another starter had taken over already. Give it back. (Only a third
        // starter linking its own lock in this instant could make that fail.)
        try {
          fs.linkSync(aside, file);
        } catch {
          // see above
        }
      }
      fs.rmSync(aside, { force: true });
    }
  } finally {
    fs.rmSync(mine, { force: true });
  }
  throw new Error(`data directory ${dir}: could not take ${LOCK}`);
}
