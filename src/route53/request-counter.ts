// A Route53 client that counts the requests it sends, by operation: for benchmarks, and for tests that assert
// how many calls a design costs (a whole-zone listing is one call per 300 record sets).
import type { Route53Client } from '@aws-sdk/client-route-53';

export function countRequests(client: Route53Client): { client: Route53Client; requests: Map<string, number> } {
  const requests = new Map<string, number>();
  const counting = {
    config: client.config,
    send: (command: { constructor: { name: string } }, options?: unknown) => {
      const operation = command.constructor.name.replace(/Command$/, '');
      requests.set(operation, (requests.get(operation) ?? 0) + 1);
      return client.send(command as never, options as never);
    },
  } as unknown as Route53Client;
  return { client: counting, requests };
}
