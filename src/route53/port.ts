// The narrow Route53 port: the four operations dnsplane itself calls. Everything that talks to Route53 for the
// enactor, the planner's tools and the CLI takes a Route53Port; the SDK client is adapted once (sdkPort), and the
// retrying caller, the request counter, the fault injector, the in-process store client and the tests' gated
// clients implement the same type (most of them by hooking another port), so none needs a cast.
import {
  ChangeResourceRecordSetsCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  type ChangeResourceRecordSetsCommandInput,
  type ChangeResourceRecordSetsCommandOutput,
  type GetHostedZoneCommandInput,
  type GetHostedZoneCommandOutput,
  type ListHostedZonesByNameCommandInput,
  type ListHostedZonesByNameCommandOutput,
  type ListResourceRecordSetsCommandInput,
  type ListResourceRecordSetsCommandOutput,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import type { MiddlewareStack } from '@smithy/types';

/** Options of one call, honoured by every implementation. */
export interface CallOptions {
  /** Aborts the call (and any wait before it). */
  abortSignal?: AbortSignal;
  /**
   * Called when the request is handed to the network, on every attempt (the enactor's launch queue waits for it).
   * An implementation without a network calls it when it starts the call.
   */
  onLaunched?: () => void;
}

/**
 * The Route53 operations dnsplane calls, with the SDK's input and output shapes. Implementations: sdkPort (the
 * real SDK), Route53Caller (rate limit and budgeted retries), countRequests, faultyPort, storePort, and any
 * hookPort. An embedder may pass its own (a recording double, a different transport).
 */
export interface Route53Port {
  changeResourceRecordSets(
    input: ChangeResourceRecordSetsCommandInput,
    options?: CallOptions,
  ): Promise<ChangeResourceRecordSetsCommandOutput>;
  listResourceRecordSets(
    input: ListResourceRecordSetsCommandInput,
    options?: CallOptions,
  ): Promise<ListResourceRecordSetsCommandOutput>;
  listHostedZonesByName(
    input: ListHostedZonesByNameCommandInput,
    options?: CallOptions,
  ): Promise<ListHostedZonesByNameCommandOutput>;
  getHostedZone(input: GetHostedZoneCommandInput, options?: CallOptions): Promise<GetHostedZoneCommandOutput>;
}

export type Route53Method = keyof Route53Port;

/** Route53's own name of each operation (metrics labels, request counts, log lines). */
export const OPERATION_NAMES = {
  changeResourceRecordSets: 'ChangeResourceRecordSets',
  listResourceRecordSets: 'ListResourceRecordSets',
  listHostedZonesByName: 'ListHostedZonesByName',
  getHostedZone: 'GetHostedZone',
} as const satisfies Record<Route53Method, string>;

export type Route53Operation = (typeof OPERATION_NAMES)[Route53Method];

export type PortInput<M extends Route53Method> = Parameters<Route53Port[M]>[0];
export type PortOutput<M extends Route53Method> = Awaited<ReturnType<Route53Port[M]>>;

/** The real SDK client as a port; `onLaunched` hooks the request as it is handed to HTTP (after signing). */
export function sdkPort(client: Route53Client): Route53Port {
  // Each command hooks its own stack: the SDK types a stack by the command's input and output.
  const http = (options: CallOptions | undefined) => ({ abortSignal: options?.abortSignal });
  return {
    changeResourceRecordSets(input, options) {
      const command = new ChangeResourceRecordSetsCommand(input);
      hookLaunch(command.middlewareStack, options);
      return client.send(command, http(options));
    },
    listResourceRecordSets(input, options) {
      const command = new ListResourceRecordSetsCommand(input);
      hookLaunch(command.middlewareStack, options);
      return client.send(command, http(options));
    },
    listHostedZonesByName(input, options) {
      const command = new ListHostedZonesByNameCommand(input);
      hookLaunch(command.middlewareStack, options);
      return client.send(command, http(options));
    },
    getHostedZone(input, options) {
      const command = new GetHostedZoneCommand(input);
      hookLaunch(command.middlewareStack, options);
      return client.send(command, http(options));
    },
  };
}

function hookLaunch<I extends object, O extends object>(
  stack: MiddlewareStack<I, O>,
  options: CallOptions | undefined,
): void {
  const onLaunched = options?.onLaunched;
  if (!onLaunched) return;
  stack.add(
    (next) => (args) => {
      onLaunched();
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'dnsplaneLaunched' },
  );
}

/** One call, by method: narrowing on `method` types `input`. */
export type PortCall = { [M in Route53Method]: { method: M; input: PortInput<M> } }[Route53Method];

/** What a hooked port does around each call of the port it wraps. */
export interface PortHooks {
  /** Runs before the call: the place to count, schedule, delay, throttle, hold or fail it. */
  before?(call: PortCall, options: CallOptions | undefined): Promise<void> | void;
  /** Runs after the call answered: throwing here loses the answer of a call that took effect. */
  after?(call: PortCall): Promise<void> | void;
}

/** A port that runs `hooks` around every call of `inner`. */
export function hookPort(inner: Route53Port, hooks: PortHooks): Route53Port {
  const around = async <T>(call: PortCall, options: CallOptions | undefined, run: () => Promise<T>): Promise<T> => {
    await hooks.before?.(call, options);
    const output = await run();
    await hooks.after?.(call);
    return output;
  };
  return {
    changeResourceRecordSets: (input, options) =>
      around({ method: 'changeResourceRecordSets', input }, options, () =>
        inner.changeResourceRecordSets(input, options),
      ),
    listResourceRecordSets: (input, options) =>
      around({ method: 'listResourceRecordSets', input }, options, () => inner.listResourceRecordSets(input, options)),
    listHostedZonesByName: (input, options) =>
      around({ method: 'listHostedZonesByName', input }, options, () => inner.listHostedZonesByName(input, options)),
    getHostedZone: (input, options) =>
      around({ method: 'getHostedZone', input }, options, () => inner.getHostedZone(input, options)),
  };
}
