// Runs the Route53 conformance suite against an endpoint and prints a Markdown table; exits 1 when any case
// fails. `--start moto|authority` starts the target itself, so the tables in docs/moto-localstack.md come from one command:
//   npm run conformance -- --start moto
//   node bin/run-ts.js scripts/conformance.ts --endpoint-url http://127.0.0.1:4566
import type { Route53Client } from '@aws-sdk/client-route-53';
import { Command, CommanderError, Option } from 'commander';
import { formatMarkdownTable, runConformance } from '../src/route53/conformance.js';
import { configuredRoute53Url, createRoute53Client } from '../src/route53/client.js';
import { addEndpointUrlOption } from '../src/cli/endpoint-url.js';

interface Target {
  endpoint: string;
  label: string;
  client: Route53Client;
  stop(): Promise<void>;
}

async function startTarget(kind: 'moto' | 'authority'): Promise<Target> {
  if (kind === 'moto') {
    const { startMoto } = await import('../test/helpers/moto-server.js');
    const moto = await startMoto();
    return { endpoint: moto.endpoint, label: 'moto_server', client: clientFor(moto.endpoint), stop: () => moto.stop() };
  }
  // The authority checks SigV4 against its own credentials, so use the client its test helper signs with.
  const { startTestAuthority } = await import('../test/helpers/authority.js');
  const authority = await startTestAuthority();
  return {
    endpoint: authority.authority.endpoint,
    label: 'dnsplane authority',
    client: authority.client,
    stop: () => authority.close(),
  };
}

/** No SDK retries: a case must see the endpoint's first answer, not a retried one. */
function clientFor(endpoint: string): Route53Client {
  return createRoute53Client({ endpoint, maxAttempts: 1 });
}

// As in the dnsplane CLI: the SDK's Node 22 notice is nothing a reader of this table can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const program = addEndpointUrlOption(
  new Command('conformance')
    // Usage errors exit 2 (as documented), not commander's default 1, which means "a case failed".
    .exitOverride()
    .description(
      'Check a Route53 API against Route53 semantics through the AWS SDK; prints a Markdown table and exits 1 if any case fails.',
    ),
  'Route53 API URL to test (default: AWS_ENDPOINT_URL_ROUTE_53, then AWS_ENDPOINT_URL)',
)
  .addOption(
    new Option('--start <target>', 'start this target on 127.0.0.1 first and test it (default: none)').choices([
      'moto',
      'authority',
    ]),
  )
  .option('--only <case...>', 'run only the named cases (default: all)')
  .option(
    '--aws',
    'test real Route53 with your AWS credentials: creates and deletes one scratch hosted zone, which AWS bills (default: off)',
    false,
  )
  .action(async (options: { endpointUrl?: string; start?: 'moto' | 'authority'; only?: string[]; aws: boolean }) => {
    const target = options.start ? await startTarget(options.start) : undefined;
    try {
      const endpoint = target?.endpoint ?? configuredRoute53Url({ endpoint: options.endpointUrl });
      // Never fall through to real AWS by accident: it costs money and needs credentials.
      if (!endpoint && !options.aws)
        throw new Error(
          'no Route53 API: pass --endpoint-url URL, set AWS_ENDPOINT_URL, use --start moto|authority, or --aws for real Route53',
        );
      const client = target?.client ?? (endpoint ? clientFor(endpoint) : createRoute53Client({ maxAttempts: 1 }));
      console.error(`conformance: ${target?.label ?? endpoint ?? 'Amazon Route53'}${endpoint ? ` (${endpoint})` : ''}`);
      const report = await runConformance(client, {
        only: options.only,
        onResult: (result) =>
          console.error(`  ${result.passed ? 'pass' : 'FAIL'} ${result.name} (${Math.round(result.durationMs)} ms)`),
      });
      console.log(formatMarkdownTable(report));
      if (report.cleanupError) console.error(`conformance: ${report.cleanupError}`);
      process.exitCode = report.failed > 0 ? 1 : 0;
    } finally {
      await target?.stop();
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  // Commander has printed its own message (or the help, exit code 0).
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  console.error(`conformance: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
});
