// Local JSON files that may not exist yet (no plan written, no probe run): a missing file is undefined, not
// an error; a file that is there but is not JSON is an error naming it, so a user knows which file to fix.
import { readFile } from 'node:fs/promises';

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
    throw new Error(`${what} ${file} is not JSON: ${(error as Error).message}`);
  }
}
