// Child process for dir-lock.test.ts: waits (spinning, to be exact) until the wall-clock time START (ms) so that
// all starters try at the same instant, tries to lock DIR, prints 'won' or 'lost: reason', holds a won lock for
// HOLD ms, then releases it and exits.
import { setTimeout as sleep } from 'node:timers/promises';
import { lockDataDir } from '../../src/authority/store/dir-lock.js';

const [dir, hold, start = '0'] = process.argv.slice(2);
while (Date.now() < Number(start)) {
  // spin
}
try {
  const release = lockDataDir(dir);
  console.log('won');
  await sleep(Number(hold));
  release();
} catch (error) {
  console.log(`lost: ${(error as Error).message}`);
}
