// One authority per data directory: two processes appending to one journal would interleave their entries.
// The lock is a file holding the owner's pid, created exclusively; a lock whose pid is gone (kill -9) is
// taken over, so a crash never needs manual cleanup.
import fs from 'node:fs';
import path from 'node:path';

const LOCK = 'authority.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the directory's lock or throws an Error naming the directory and the owning pid. Returns release. */
export function lockDataDir(dir: string): () => void {
  const file = path.join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`data directory ${dir} is unusable: ${(error as Error).message}`);
      const owner = Number(fs.readFileSync(file, 'utf8').trim());
      if (owner && owner !== process.pid && alive(owner)) throw new Error(`data directory ${dir} is in use by another authority (pid ${owner})`);
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`data directory ${dir}: could not take ${LOCK}`);
}
