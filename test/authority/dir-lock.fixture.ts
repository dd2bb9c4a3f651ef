// Child process for dir-lock.test.ts: waits (spinning, to be exact) until the wall-clock time START (ms) so that
// all starters try at the same instant, tries to lock DIR and prints 'won' or 'lost: reason'. A winner holds the
// lock until its stdin ends (the test ends it once every starter has reported), then releases it and exits.
import { lockDataDir } from '../../src/authority/store/dir-lock.js';

const [dir, start = '0'] = process.argv.slice(2);
while (Date.now() < Number(start)) {
  // spin
}
let release: (() => void) | undefined;
try {
  release = lockDataDir(dir);
  console.log('won');
} catch (error) {
  console.log(`lost: ${(error as Error).message}`);
}
process.stdin.resume();
process.stdin.on('end', () => {
  release?.();
  process.exit(0);
});
