// --endpoint-url: the Route53 API URL, named as the aws CLI names it. It was --endpoint, but everywhere else in
// dnsplane an endpoint is a DNS name and type that a plan manages. The old name still works (flag,
// DNSPLANE_ENDPOINT, `endpoint:` in the config file), hidden from --help, and says once that it is deprecated.
import { Option, type Command, type OptionValueSource } from 'commander';

export const ENDPOINT_URL_FLAG = '--endpoint-url';
/** The old flag's name, also its config key (`endpoint`) and variable (DNSPLANE_ENDPOINT). */
export const DEPRECATED_ENDPOINT_FLAG = '--endpoint';

/** Higher wins, as in commander: the command line over the environment over the config file. */
const PRECEDENCE: Record<string, number> = { cli: 3, env: 2, config: 1 };

let noticePrinted = false;

/** Adds --endpoint-url with this help line, and the hidden deprecated --endpoint that sets the same value. */
export function addEndpointUrlOption(command: Command, description: string): Command {
  command
    .addOption(new Option(`${ENDPOINT_URL_FLAG} <url>`, description))
    .addOption(new Option(`${DEPRECATED_ENDPOINT_FLAG} <url>`, `deprecated: ${ENDPOINT_URL_FLAG}`).hideHelp());
  // Before the action reads its options: the old name's value, unless the new name came from as strong a source.
  return command.hook('preAction', (invoked) => {
    const value: unknown = invoked.getOptionValue('endpoint');
    const source = invoked.getOptionValueSource('endpoint');
    if (typeof value !== 'string' || source === undefined) return;
    printDeprecationNotice(source, invoked);
    const current = invoked.getOptionValueSource('endpointUrl');
    if ((PRECEDENCE[source] ?? 0) > (current === undefined ? 0 : (PRECEDENCE[current] ?? 0)))
      invoked.setOptionValueWithSource('endpointUrl', value, source);
  });
}

function printDeprecationNotice(source: OptionValueSource, command: Command): void {
  if (noticePrinted) return;
  noticePrinted = true;
  const envVar = (flag: string) => command.options.find((option) => option.long === flag)?.envVar;
  const used =
    source === 'env'
      ? `${envVar(DEPRECATED_ENDPOINT_FLAG)} is deprecated: set ${envVar(ENDPOINT_URL_FLAG)}`
      : source === 'config'
        ? 'the config file key "endpoint" is deprecated: write "endpoint-url"'
        : `${DEPRECATED_ENDPOINT_FLAG} is deprecated: use ${ENDPOINT_URL_FLAG}`;
  console.error(`dnsplane: ${used} (the Route53 API URL; an endpoint is a DNS name and type)`);
}
