// Plans on S3, so that planners and enactors on different machines share one store without a home-made
// consensus: S3's conditional writes are the consensus.
//
// - One object per generation, in the file store's sharded layout (sharded-file.ts), read by byte range: the
//   header, then each shard on first use, all from one version of the object (s3-plan-bytes.ts).
// - Keys sort NEWEST FIRST (`plan-<999999999999 − g>-g<g>.json`), so the latest generation is the first key
//   of a one-item ListObjectsV2, however many plans the prefix holds.
// - A new generation is written with `If-None-Match: *`: of two planners writing generation N, exactly one
//   wins and the other gets 412 → PlanExistsError. Plans are never overwritten.
// - Cleanup deletes with `If-Match: <etag>` read just before, so it can only remove the object it looked at,
//   and never a generation the caller declares live.
// Against a backend that ignores If-None-Match, writing would silently overwrite; the store checks that once,
// before its first write, and refuses to write if the check fails. A backend can also honour the header
// without making it atomic: moto_server checks, then puts, in a threaded server, so two concurrent writers of
// one generation can both succeed there (seen under load). No sequential check can detect that; the
// exactly-one guarantee is S3's.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import pRetry, { AbortError } from 'p-retry';
import { randomBytes } from 'node:crypto';
import { FREEZE_OBJECT, parseFreeze, type Freeze } from './freeze.js';
import { HINT_OBJECT, parseHint, type EnactmentHint } from './hint.js';
import { parseOwnedPlan } from './plan-fast-path.js';
import {
  createS3Client,
  generationOfKey,
  isStatus,
  KEY_PREFIX,
  parseS3Spec,
  planKeySuffix,
  S3_REQUEST_TIMEOUT_MS,
  type S3Location,
  type S3Target,
} from './s3-client.js';
import { PlanObjectError, S3PlanBytes } from './s3-plan-bytes.js';
import { rangeClientSettings, type RangeClientSettings } from './s3-sync-get.js';
import { parsePlan, type Plan } from './schema.js';
import { readShardedPlan, serialiseShardedPlan, withoutShardIndex } from './sharded-file.js';
import { LivePlanError, PlanExistsError, type PlanStore } from './store.js';

/** How long a shard's synchronous GET may take: the SDK's three attempts of its request timeout, and a margin. */
const SHARD_WAIT_MS = 4 * S3_REQUEST_TIMEOUT_MS;

/** What the backend enforces; see S3PlanStore.selfCheck. */
export interface ConditionalWriteSupport {
  /** A second PUT with If-None-Match: * is refused with 412. */
  ifNoneMatchPut: boolean;
  /** A DELETE with a wrong If-Match is refused with 412. */
  ifMatchDelete: boolean;
}

export class S3PlanStore implements PlanStore {
  readonly location: string;
  private support?: Promise<ConditionalWriteSupport>;
  /** The plan latest() last read, with its object's ETag as listed then (see latest()). */
  private newest: { generation: number; etag: string; plan: Plan } | undefined;
  /** The client's settings as of the last read, for the synchronous shard reads (s3-sync-get.ts). */
  private rangeSettings: RangeClientSettings | undefined;

  constructor(
    private readonly client: S3Client,
    private readonly where: S3Location,
  ) {
    this.location = `s3://${where.bucket}/${where.prefix}`;
  }

  async write(plan: Plan): Promise<void> {
    const valid = parsePlan(plan, `plan generation ${plan.generation}`);
    const key = this.key(valid.generation);
    const body = serialiseShardedPlan(valid);
    const support = await this.ensureSelfChecked();
    if (!support.ifNoneMatchPut) {
      throw new Error(
        `${this.location} ignores If-None-Match on PutObject, so two planners could overwrite each other's plans; refusing to write`,
      );
    }
    try {
      await pRetry(() => this.putIfAbsent(key, body), { retries: 3, minTimeout: 50 });
    } catch (error) {
      if (!isStatus(error, 412)) throw this.explain(error, `writing ${key}`);
      // The SDK may have retried a PUT whose first attempt landed; the same plan already there is success.
      const existing = await this.read(valid.generation);
      if (existing && serialiseShardedPlan(parsePlan(existing, key)).equals(body)) return;
      throw new PlanExistsError(valid.generation, this.location);
    }
  }

  /**
   * A plan in the sharded layout (sharded-file.ts) is read by byte range: its header now (one GET, two for a
   * header over FIRST_GET_BYTES), each shard with one GET on first use, all of one object version (If-Match).
   * A plan written before the layout is read whole.
   */
  async read(generation: number): Promise<Plan | undefined> {
    const key = this.key(generation);
    const source = `s3://${this.where.bucket}/${key}`;
    // What S3 answers is explained naming the store; what is wrong with the object names it already.
    const fromS3 = <T>(request: () => Promise<T>): Promise<T> =>
      request().catch((error: unknown) => {
        throw error instanceof PlanObjectError ? error : this.explain(error, `reading ${key}`);
      });
    await this.refreshRangeSettings();
    const object = { bucket: this.where.bucket, key, source };
    const bytes = await fromS3(() => S3PlanBytes.open(this.client, object, () => this.rangeSettings!, SHARD_WAIT_MS));
    if (bytes === undefined) return undefined;
    const plan =
      readShardedPlan(bytes, source) ??
      parseOwnedPlan(withoutShardIndex(parseJson(await fromS3(() => bytes.whole()), source)), source);
    if (plan.generation !== generation)
      throw new Error(`${source} holds generation ${plan.generation}, not ${generation}`);
    return plan;
  }

  async latest(): Promise<Plan | undefined> {
    // A cleanup may delete the newest plan between our list and our get; look again, a bounded number of times.
    for (let attempt = 0; attempt < 3; attempt++) {
      const newest = await this.newestKey();
      if (newest === undefined) return undefined;
      // Pollers ask for the latest plan every pass, and plans are never overwritten: while the listing shows the
      // same object (its ETag), the plan already read is returned without a GET and a second validation.
      const known = this.newest;
      if (known?.generation === newest.generation && newest.etag !== undefined && known.etag === newest.etag) {
        await this.refreshRangeSettings(); // its shards not read yet are read with fresh credentials
        return known.plan;
      }
      const plan = await this.read(newest.generation);
      this.newest =
        plan && newest.etag !== undefined ? { generation: newest.generation, etag: newest.etag, plan } : undefined;
      if (plan) return plan;
    }
    throw new Error(`${this.location}: the newest plan kept disappearing while it was being read`);
  }

  async list(): Promise<number[]> {
    const generations: number[] = [];
    for await (const { suffix } of this.planKeys()) {
      const generation = generationOfKey(suffix);
      if (generation !== undefined) generations.push(generation);
    }
    return generations.sort((a, b) => a - b);
  }

  async delete(generation: number, guard: { live: ReadonlySet<number> }): Promise<void> {
    if (guard.live.has(generation)) throw new LivePlanError(generation);
    const key = this.key(generation);
    let etag: string | undefined;
    try {
      etag = (await this.client.send(new HeadObjectCommand({ Bucket: this.where.bucket, Key: key }))).ETag;
    } catch (error) {
      if (isStatus(error, 404)) return;
      throw this.explain(error, `looking at ${key}`);
    }
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.where.bucket, Key: key, IfMatch: etag }));
    } catch (error) {
      if (isStatus(error, 404)) return;
      if (isStatus(error, 412))
        throw new Error(
          `${this.location}: plan generation ${generation} changed while it was being deleted; left in place`,
          { cause: error },
        );
      throw this.explain(error, `deleting ${key}`);
    }
  }

  /** An object's JSON; undefined when the object does not exist (a missing bucket is an error, not absence). */
  private async readJson(key: string): Promise<unknown> {
    let bytes: Uint8Array;
    try {
      const output = await this.client.send(new GetObjectCommand({ Bucket: this.where.bucket, Key: key }));
      bytes = (await output.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (error) {
      if (isStatus(error, 404) && errorName(error) !== 'NoSuchBucket') return undefined;
      throw this.explain(error, `reading ${key}`);
    }
    return parseJson(Buffer.from(bytes), `s3://${this.where.bucket}/${key}`);
  }

  /** freeze.json sorts before `plan-`, so the plan listings (StartAfter plan-) never see it. */
  async readFreeze(): Promise<Freeze | undefined> {
    const key = `${this.where.prefix}${FREEZE_OBJECT}`;
    const json = await this.readJson(key);
    return json === undefined ? undefined : parseFreeze(json, `s3://${this.where.bucket}/${key}`);
  }

  async writeFreeze(freeze: Freeze): Promise<void> {
    const key = `${this.where.prefix}${FREEZE_OBJECT}`;
    const body = JSON.stringify(parseFreeze(freeze, 'freeze'), null, 2);
    await this.client
      .send(new PutObjectCommand({ Bucket: this.where.bucket, Key: key, Body: body, ContentType: 'application/json' }))
      .catch((error: unknown) => {
        throw this.explain(error, `writing ${key}`);
      });
  }

  async clearFreeze(): Promise<void> {
    const key = `${this.where.prefix}${FREEZE_OBJECT}`;
    await this.client.send(new DeleteObjectCommand({ Bucket: this.where.bucket, Key: key })).catch((error: unknown) => {
      if (!isStatus(error, 404)) throw this.explain(error, `deleting ${key}`);
    });
  }

  /** enacting.json sorts before `plan-` too. */
  async readHint(): Promise<EnactmentHint | undefined> {
    const key = `${this.where.prefix}${HINT_OBJECT}`;
    const json = await this.readJson(key);
    return json === undefined ? undefined : parseHint(json, `s3://${this.where.bucket}/${key}`);
  }

  async writeHint(hint: EnactmentHint): Promise<void> {
    const key = `${this.where.prefix}${HINT_OBJECT}`;
    const body = JSON.stringify(parseHint(hint, 'hint'));
    await this.client
      .send(new PutObjectCommand({ Bucket: this.where.bucket, Key: key, Body: body, ContentType: 'application/json' }))
      .catch((error: unknown) => {
        throw this.explain(error, `writing ${key}`);
      });
  }

  /**
   * Measures, with a throw-away object under the prefix, whether the backend enforces the two conditional
   * requests this store relies on. Four requests; the result is cached per store by the first write.
   */
  async selfCheck(): Promise<ConditionalWriteSupport> {
    const key = `${this.where.prefix}.dnsplane-selfcheck-${randomBytes(6).toString('hex')}`;
    const put = () =>
      this.client.send(
        new PutObjectCommand({ Bucket: this.where.bucket, Key: key, Body: 'selfcheck', IfNoneMatch: '*' }),
      );
    try {
      await put();
    } catch (error) {
      throw this.explain(error, 'checking conditional writes');
    }
    const refused = async (request: () => Promise<unknown>) =>
      request().then(
        () => false,
        (error) => isStatus(error, 412),
      );
    const ifNoneMatchPut = await refused(put);
    const ifMatchDelete = await refused(() =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.where.bucket, Key: key, IfMatch: '"0"' })),
    );
    await this.client.send(new DeleteObjectCommand({ Bucket: this.where.bucket, Key: key })).catch(() => undefined);
    return { ifNoneMatchPut, ifMatchDelete };
  }

  private ensureSelfChecked(): Promise<ConditionalWriteSupport> {
    this.support ??= this.selfCheck().catch((error: unknown) => {
      this.support = undefined;
      throw error;
    });
    return this.support;
  }

  private async putIfAbsent(key: string, body: Buffer): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.where.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          IfNoneMatch: '*',
        }),
      );
    } catch (error) {
      // 409 ConditionalRequestConflict: a concurrent conditional write to the same key; S3 says retry.
      if (isStatus(error, 409)) throw error;
      throw new AbortError(error as Error);
    }
  }

  private async newestKey(): Promise<{ generation: number; etag?: string } | undefined> {
    for await (const { suffix, etag } of this.planKeys(1)) {
      const generation = generationOfKey(suffix);
      if (generation !== undefined) return { generation, etag };
    }
    return undefined;
  }

  /**
   * Plan keys under the prefix (with their ETags), in S3's lexicographic order (newest plan first), page by page. StartAfter skips
   * whatever sorts before `plan-` (the self-check's probe objects, a README), so the newest plan is the first key.
   */
  private async *planKeys(pageSize?: number): AsyncGenerator<{ suffix: string; etag?: string }> {
    let token: string | undefined;
    do {
      let output;
      try {
        output = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.where.bucket,
            Prefix: this.where.prefix,
            MaxKeys: pageSize,
            ...(token ? { ContinuationToken: token } : { StartAfter: `${this.where.prefix}${KEY_PREFIX}` }),
          }),
        );
      } catch (error) {
        throw this.explain(error, 'listing plans');
      }
      for (const object of output.Contents ?? []) {
        if (object.Key) yield { suffix: object.Key.slice(this.where.prefix.length), etag: object.ETag };
      }
      token = output.IsTruncated ? output.NextContinuationToken : undefined;
    } while (token);
  }

  private async refreshRangeSettings(): Promise<void> {
    this.rangeSettings = await rangeClientSettings(this.client, S3_REQUEST_TIMEOUT_MS).catch((error: unknown) => {
      throw this.explain(error, 'resolving its credentials');
    });
  }

  private key(generation: number): string {
    return `${this.where.prefix}${planKeySuffix(generation)}`;
  }

  private explain(error: unknown, doing: string): Error {
    if (errorName(error) === 'NoSuchBucket')
      return new Error(`${this.location}: bucket ${this.where.bucket} does not exist (create it first)`);
    const status = error instanceof S3ServiceException ? ` (HTTP ${error.$metadata.httpStatusCode})` : '';
    return new Error(
      `${this.location}: ${doing} failed: ${errorName(error)}${status}: ${(error as Error)?.message ?? String(error)}`,
    );
  }
}

function parseJson(bytes: Buffer, source: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    throw new Error(`${source} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

/** The entry point openPlanStore uses for `s3://bucket/prefix`. */
export function openS3PlanStore(spec: string, target: S3Target = {}): S3PlanStore {
  return new S3PlanStore(createS3Client(target), parseS3Spec(spec));
}
