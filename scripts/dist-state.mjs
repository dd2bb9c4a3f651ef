// Whether dist/ holds the current sources. bin/dnsplane.js runs dist/ when it does, and in a checkout whose
// sources changed since the last build (an edit, a merge, a checkout) runs src/ through tsx instead: what runs is
// always the code in src/, built or not. The build writes STAMP last, with the time it STARTED, so a source file
// saved during a build counts as newer than that build.
// Plain JavaScript: bin/dnsplane.js loads it before anything is compiled.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Written into dist/ by scripts/build.mjs once the build is complete. */
export const STAMP = '.built-from-src';

/**
 * 'current': dist/ was built from src/ as it is; 'stale': a file or folder under src/ changed after the build
 * started, or dist/ is missing or was never completed; 'installed': there is no src/ (an installed package),
 * so dist/ is all there is.
 */
export function distState(root) {
  let built;
  try {
    built = statSync(join(root, 'dist', STAMP)).mtimeMs;
  } catch {
    built = undefined;
  }
  let sources;
  try {
    sources = newestChange(join(root, 'src'));
  } catch (error) {
    if (error.code === 'ENOENT') return 'installed';
    throw error;
  }
  return built !== undefined && sources <= built ? 'current' : 'stale';
}

/** The latest mtime under dir, folders included (a deleted or renamed file changes its folder's mtime). */
function newestChange(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestChange(full) : statSync(full).mtimeMs);
  }
  return newest;
}
