// One version of a plan object on S3, read by byte range (sharded-file.ts's PlanBytes): the first GET reads a
// prefix and learns the object's size and ETag; every later GET asks for that ETag (If-Match), so a plan's
// header and shards always come from one version of the object. Plans are never overwritten, so a 412 means
// the object was replaced by hand, and it is an error naming the key, never a plan.
//
// A backend that ignores Range answers 200 with the whole object: it is kept in memory and every range is cut
// from it (so a plan read there costs one whole GET, as before the shard index).
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { httpStatusOf, isStatus } from './s3-client.js';
import { getRangeSync, type RangeAnswer, type RangeClientSettings } from './s3-sync-get.js';
import { headerBytesOf, PREFIX_BYTES, type PlanBytes } from './sharded-file.js';

/**
 * What the first GET asks for: the whole of a small plan, and the header of one of a few thousand endpoints
 * (the header lists every endpoint's key, ~40 bytes each). A larger header is read with one more GET.
 */
export const FIRST_GET_BYTES = 256 * 1024;

export interface S3Object {
  bucket: string;
  key: string;
  /** s3://bucket/key, for errors. */
  source: string;
}

/** What this module finds wrong with a plan object (the store passes it on as it is). */
export class PlanObjectError extends Error {
  override name = 'PlanObjectError';
}

/** The answer of a GET as this module needs it, from the SDK's own (async) or the worker's (sync). */
type Answer = Extract<RangeAnswer, { status: number }>;
/** A failed GET as the worker reports it (s3-sync-get.ts), and as describeSdkError puts the SDK's own. */
type SdkErrorFacts = Extract<RangeAnswer, { error: unknown }>['error'];

export class S3PlanBytes implements PlanBytes {
  private constructor(
    private readonly client: S3Client,
    private readonly object: S3Object,
    readonly size: number,
    readonly etag: string,
    /** Bytes [0, known.length) of the object, read already. */
    private known: Buffer,
    private readonly settings: () => RangeClientSettings,
    private readonly waitMs: number,
  ) {}

  /**
   * The plan object's first bytes (with its header when it is sharded); undefined when there is no such
   * object. `settings` gives the client settings for the synchronous reads of its shards (s3-sync-get.ts).
   */
  static async open(
    client: S3Client,
    object: S3Object,
    settings: () => RangeClientSettings,
    waitMs: number,
  ): Promise<S3PlanBytes | undefined> {
    const first = await getAsync(client, object, 0, FIRST_GET_BYTES);
    if (first === undefined) return undefined;
    if (first.etag === undefined) throw new PlanObjectError(`${object.source}: S3 answered without an ETag`);
    const size = first.status === 206 ? totalOf(first, object.source) : first.body.length;
    const bytes = new S3PlanBytes(client, object, size, first.etag, Buffer.from(first.body), settings, waitMs);
    bytes.check(first, 0, Math.min(FIRST_GET_BYTES, size));
    const prefix = bytes.known.subarray(0, PREFIX_BYTES).toString('utf8');
    const headerBytes = headerBytesOf(prefix, object.source);
    // The rest of a large header now, without blocking (shards are read later, synchronously, on first use).
    if (headerBytes !== undefined && headerBytes <= size) await bytes.fetch(headerBytes);
    return bytes;
  }

  /** Every byte of the object (a plan written before the shard index, read whole): at most one more GET. */
  async whole(): Promise<Buffer> {
    await this.fetch(this.size);
    return this.known;
  }

  read(start: number, end: number): Buffer {
    if (end <= this.known.length) return this.known.subarray(start, end);
    const answer = getRangeSync(
      {
        bucket: this.object.bucket,
        key: this.object.key,
        range: `bytes=${start}-${end - 1}`,
        ifMatch: this.etag,
        client: this.settings(),
      },
      this.waitMs,
    );
    if ('error' in answer) throw this.failed(answer.error, start, end);
    return this.accept(answer, start, end);
  }

  /**
   * Bytes [start, end) as read() gives them, without blocking: one GET through the store's own client (its
   * middleware and retries), for prefetching shards (shards.ts) so that read() then finds them read.
   */
  async readAsync(start: number, end: number): Promise<Buffer> {
    if (end <= this.known.length) return this.known.subarray(start, end);
    let answer: Answer | undefined;
    try {
      answer = await getAsync(this.client, this.object, start, end, this.etag);
    } catch (error) {
      throw this.failed(describeSdkError(error), start, end);
    }
    if (answer === undefined) throw this.deleted();
    return this.accept(answer, start, end);
  }

  /** A GET's answer for bytes [start, end), checked; a whole object (Range ignored) is kept for every later range. */
  private accept(answer: Answer, start: number, end: number): Buffer {
    const body = Buffer.from(answer.body);
    this.check(answer, start, end);
    if (answer.status === 206) return body;
    this.known = body;
    return body.subarray(start, end);
  }

  /** A GET of bytes [start, end) that S3 refused or that failed on the way. */
  private failed(error: SdkErrorFacts, start: number, end: number): Error {
    if (error.status === 412) return this.changed();
    return new PlanObjectError(
      `${this.object.source}: reading bytes ${start}-${end - 1} failed: ${error.name}${error.status ? ` (HTTP ${error.status})` : ''}: ${error.message}`,
    );
  }

  /** Reads bytes [known.length, end) with one GET of this version (readAsync's), unless they are known already. */
  private async fetch(end: number): Promise<void> {
    const start = this.known.length;
    if (end <= start) return;
    const body = await this.readAsync(start, end);
    // A backend that ignored Range gave the whole object, which readAsync kept.
    if (this.known.length < end) this.known = Buffer.concat([this.known, body]);
  }

  /** A ranged answer is exactly the range asked for; a whole one (Range ignored) is the same version, whole. */
  private check(answer: Answer, start: number, end: number): void {
    if (answer.etag !== undefined && answer.etag !== this.etag) throw this.changed();
    const ranged = answer.status === 206;
    if (ranged ? answer.contentRange !== `bytes ${start}-${end - 1}/${this.size}` : answer.status !== 200)
      throw new PlanObjectError(
        `${this.object.source}: asked for bytes ${start}-${end - 1}, S3 answered HTTP ${answer.status} with ${answer.contentRange ?? 'no Content-Range'}`,
      );
    const length = ranged ? end - start : this.size;
    if (answer.body.length !== length)
      throw new PlanObjectError(`${this.object.source}: S3 answered ${answer.body.length} bytes of ${length}`);
  }

  private deleted(): Error {
    return new PlanObjectError(`${this.object.source}: deleted while it was being read`);
  }

  private changed(): Error {
    return new PlanObjectError(
      `${this.object.source} changed while it was being read (its ETag is no longer ${this.etag}); plans are never overwritten: was it replaced by hand?`,
    );
  }
}

/** One GET of bytes [start, end) (If-Match when given); undefined when the object does not exist. */
async function getAsync(
  client: S3Client,
  object: S3Object,
  start: number,
  end: number,
  ifMatch?: string,
  ranged = true,
): Promise<Answer | undefined> {
  let output;
  try {
    output = await client.send(
      new GetObjectCommand({
        Bucket: object.bucket,
        Key: object.key,
        ...(ranged ? { Range: `bytes=${start}-${end - 1}` } : {}),
        ...(ifMatch ? { IfMatch: ifMatch } : {}),
      }),
    );
  } catch (error) {
    // An empty object has no byte 0 (416): read it whole; it is not a plan, and the JSON parse says so.
    if (ranged && isStatus(error, 416)) return getAsync(client, object, start, end, ifMatch, false);
    if (isStatus(error, 404) && (error as Error).name !== 'NoSuchBucket') return undefined;
    throw error;
  }
  const body = output.Body ? await output.Body.transformToByteArray() : new Uint8Array();
  return { status: output.$metadata.httpStatusCode ?? 0, etag: output.ETag, contentRange: output.ContentRange, body };
}

/** An error the SDK threw, as the worker reports one, so that both paths explain it alike. */
function describeSdkError(error: unknown): SdkErrorFacts {
  const status = httpStatusOf(error);
  return {
    name: error instanceof Error ? error.name : 'Error',
    ...(status === undefined ? {} : { status }),
    message: error instanceof Error ? error.message : String(error),
  };
}

/** The object's size from a 206's Content-Range (`bytes 0-262143/28000000`). */
function totalOf(answer: Answer, source: string): number {
  const total = /\/(\d+)$/.exec(answer.contentRange ?? '')?.[1];
  if (total === undefined) throw new PlanObjectError(`${source}: S3 answered a range without its total size`);
  return Number(total);
}
