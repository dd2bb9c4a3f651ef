// The package's second entry point, `dnsplane/s3`: the S3 plan store. It is apart from the root because it needs
// the AWS SDK's S3 client, an optional peer dependency (`npm install @aws-sdk/client-s3`): a user of the file
// store, the authority or the Route53 SDK alone neither installs nor type-checks the S3 SDK (BENCHMARKS.md,
// "Package"). The CLI's `--plans s3://...` and the root's openPlanStore load this lazily and say what to install
// when the client is missing.
export {
  /** Opens `s3://bucket/prefix` with a client from createS3Client(target). */
  openS3PlanStore,
  /**
   * Plans as S3 objects under a prefix; writes use If-None-Match: * (atomic on S3 itself, not on moto), so
   * planners on several machines can share one store.
   */
  S3PlanStore,
  /** What an S3 backend enforces of conditional writes (S3PlanStore.selfCheck). */
  type ConditionalWriteSupport,
} from './plan/s3-store.js';
export {
  /**
   * An S3 client from the standard AWS settings (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, AWS_REGION), with
   * path-style addressing whenever an endpoint is given (moto, LocalStack, MinIO) and a 10 s request timeout.
   */
  createS3Client,
  /** Splits `s3://bucket/prefix` into its bucket and a prefix that is empty or ends in '/'; throws on a bad bucket name. */
  parseS3Spec,
  /** Where a store's plans live: a bucket and a prefix (empty, or ending in '/'). */
  type S3Location,
  /** The endpoint and region createS3Client uses instead of the environment's. */
  type S3Target,
} from './plan/s3-client.js';
