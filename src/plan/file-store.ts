// The default plan store: one JSON file per generation in a directory, with a shard index in front so that
// readers can read one shard of a large plan without the rest (sharded-file.ts).
//
// A plan becomes visible all at once or not at all: it is written to a temp file in the same directory,
// fsynced, then hard-linked to its final name. link(2) fails with EEXIST when the name is taken, so two
// writers of the same generation cannot both win and neither can overwrite the other (rename(2) would
// silently replace). The directory is fsynced afterwards so the new name survives a crash.
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { readJsonFile, writeJsonFile } from '../files/json.js';
import { FREEZE_OBJECT, parseFreeze, type Freeze } from './freeze.js';
import { HINT_OBJECT, parseHint, type EnactmentHint } from './hint.js';
import { parseOwnedPlan } from './plan-fast-path.js';
import { parsePlan, type Plan } from './schema.js';
import { fileBytes, readShardedPlan, serialiseShardedPlan, withoutShardIndex } from './sharded-file.js';
import { LivePlanError, PlanExistsError, type PlanStore } from './store.js';

const FILE_PATTERN = /^plan-(\d{12})\.json$/;

export function planFileName(generation: number): string {
  return `plan-${String(generation).padStart(12, '0')}.json`;
}

/** The plan of a sharded file; undefined when there is no such file, null when it is not in that layout. */
function readSharded(file: string): Plan | undefined | null {
  try {
    return readShardedPlan(fileBytes(file), `plan file ${file}`) ?? null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function checkGeneration(plan: Plan | undefined, generation: number, file: string): Plan | undefined {
  if (plan && plan.generation !== generation)
    throw new Error(
      `plan file ${file} holds generation ${plan.generation}, not ${generation}; was it renamed by hand?`,
    );
  return plan;
}

export class FilePlanStore implements PlanStore {
  readonly location: string;
  /** The plan latest() last read, with its file's size and mtime then (see latest()). */
  private newest: { generation: number; mtimeMs: number; size: number; plan: Plan } | undefined;

  constructor(readonly dir: string) {
    this.location = `file:${dir}`;
  }

  async write(plan: Plan): Promise<void> {
    const valid = parsePlan(plan, `plan generation ${plan.generation}`);
    await mkdir(this.dir, { recursive: true });
    const final = path.join(this.dir, planFileName(valid.generation));
    const temp = path.join(this.dir, `.tmp-${valid.generation}-${process.pid}-${randomBytes(6).toString('hex')}`);
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(serialiseShardedPlan(valid));
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, final);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST')
        throw new PlanExistsError(valid.generation, this.location);
      throw error;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    await this.syncDir();
  }

  async read(generation: number): Promise<Plan | undefined> {
    const file = path.join(this.dir, planFileName(generation));
    const sharded = readSharded(file);
    if (sharded !== null) return checkGeneration(sharded, generation, file);
    const json = await readJsonFile(file, 'plan file');
    if (json === undefined) return undefined;
    return checkGeneration(parseOwnedPlan(withoutShardIndex(json), `plan file ${file}`), generation, file);
  }

  async latest(): Promise<Plan | undefined> {
    const generations = await this.list();
    const last = generations.at(-1);
    if (last === undefined) return undefined;
    // Enactors, planners and probes ask for the latest plan every pass, and it rarely changes: reading and
    // validating an unchanged large plan again costs a pass (BENCHMARKS.md). Plans are never overwritten; the
    // file's size and mtime are compared all the same, so a plan edited by hand is read again.
    const seen = await stat(path.join(this.dir, planFileName(last))).catch(() => undefined);
    const known = this.newest;
    if (seen && known?.generation === last && known.mtimeMs === seen.mtimeMs && known.size === seen.size)
      return known.plan;
    const plan = await this.read(last);
    this.newest = plan && seen ? { generation: last, mtimeMs: seen.mtimeMs, size: seen.size, plan } : undefined;
    return plan;
  }

  async list(): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    // Zero-padded names sort as numbers, but parse anyway so that a stray file cannot reorder generations.
    return names
      .map((name) => FILE_PATTERN.exec(name)?.[1])
      .filter((digits): digits is string => digits !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  async delete(generation: number, guard: { live: ReadonlySet<number> }): Promise<void> {
    if (guard.live.has(generation)) throw new LivePlanError(generation);
    try {
      await unlink(path.join(this.dir, planFileName(generation)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    await this.syncDir();
  }

  async readFreeze(): Promise<Freeze | undefined> {
    const file = path.join(this.dir, FREEZE_OBJECT);
    const json = await readJsonFile(file, 'freeze marker');
    return json === undefined ? undefined : parseFreeze(json, file);
  }

  async writeFreeze(freeze: Freeze): Promise<void> {
    await writeJsonFile(path.join(this.dir, FREEZE_OBJECT), parseFreeze(freeze, 'freeze'));
    await this.syncDir();
  }

  async clearFreeze(): Promise<void> {
    await unlink(path.join(this.dir, FREEZE_OBJECT)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  async readHint(): Promise<EnactmentHint | undefined> {
    const file = path.join(this.dir, HINT_OBJECT);
    const json = await readJsonFile(file, 'enactment hint');
    return json === undefined ? undefined : parseHint(json, file);
  }

  /** Written whole and renamed into place; not fsynced: a hint lost in a crash costs a copy, never safety. */
  async writeHint(hint: EnactmentHint): Promise<void> {
    await writeJsonFile(path.join(this.dir, HINT_OBJECT), parseHint(hint, 'hint'));
  }

  private async syncDir(): Promise<void> {
    const handle = await open(this.dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
