// Local JSON files that may not exist yet (no plan written, no probe run): a missing file is undefined, not
// an error; a file that is there but is not JSON is an error naming it, so a user knows which file to fix.
// Files that another process reads while we rewrite them (the probe's status file, `up`'s manifest) are
// written whole and renamed into place, so a reader never sees half a file.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The parsed JSON in `file`, or undefined when there is no such file. `what` names it in errors ("plan file"). */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${what} ${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Writes `value` as indented JSON to a temp file of its own beside `file` (creating the directory), then renames it over `file`. */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  // A name of its own per write: two writers must never rename each other's half-written temp file.
  const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temp, file);
}
