// A Route53 port that counts the requests it sends, by operation: for benchmarks, and for tests that assert
// how many calls a design costs (a whole-zone listing is one call per 300 record sets).
import { hookPort, OPERATION_NAMES, type Route53Port } from './port.js';

export function countRequests(port: Route53Port): { client: Route53Port; requests: Map<string, number> } {
  const requests = new Map<string, number>();
  const client = hookPort(port, {
    before(call) {
      const operation = OPERATION_NAMES[call.method];
      requests.set(operation, (requests.get(operation) ?? 0) + 1);
    },
  });
  return { client, requests };
}
