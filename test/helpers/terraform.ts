// Running the real terraform CLI and hashicorp/aws provider offline against a local endpoint. The provider comes
// from a filesystem mirror (a directory holding registry.terraform.io/hashicorp/aws/...): DNSPLANE_TF_MIRROR
// names it, else Terraform's own implied mirror directories and the top-level directories of /opt are looked at.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PROVIDER = path.join('registry.terraform.io', 'hashicorp', 'aws');

function holdsProvider(dir: string): boolean {
  return fs.existsSync(path.join(dir, PROVIDER));
}

/** The mirror directory holding the hashicorp/aws provider, or undefined. */
export function findProviderMirror(): string | undefined {
  const fromEnv = process.env.DNSPLANE_TF_MIRROR;
  if (fromEnv) return holdsProvider(fromEnv) ? fromEnv : undefined;
  const home = os.homedir();
  const implied = [
    path.join(home, '.terraform.d', 'plugins'),
    path.join(home, '.local', 'share', 'terraform', 'plugins'),
    '/usr/local/share/terraform/plugins',
    '/usr/share/terraform/plugins',
  ];
  const found = implied.find(holdsProvider);
  if (found) return found;
  try {
    return fs
      .readdirSync('/opt', { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.join('/opt', entry.name))
      .find(holdsProvider);
  } catch {
    return undefined;
  }
}

/**
 * Starts the mirror's hashicorp/aws provider once, in its debug mode, and resolves with the TF_REATTACH_PROVIDERS
 * value that lets every terraform command use it. Loading the 700 MB provider costs about 10 s of CPU each
 * time, and terraform starts it two to four times per command; one shared process saves most of that.
 */
export async function startSharedProvider(mirror: string): Promise<{ reattach: string; stop(): void }> {
  const base = path.join(mirror, PROVIDER);
  const platform = `${process.platform}_${process.arch === 'x64' ? 'amd64' : process.arch}`;
  const binary = fs
    .readdirSync(base)
    .map((version) => path.join(base, version, platform))
    .filter((dir) => fs.existsSync(dir))
    .flatMap((dir) =>
      fs
        .readdirSync(dir)
        .filter((file) => file.startsWith('terraform-provider-aws'))
        .map((file) => path.join(dir, file)),
    )
    .sort()
    .pop();
  if (!binary) throw new Error(`no terraform-provider-aws for ${platform} under ${base}`);
  // AWS_CA_BUNDLE makes the provider wrap its HTTP client at every configure, and a shared provider is configured
  // more than once: the second wrap fails ("unable to add custom RootCAs"). The endpoint is plain http anyway.
  const { AWS_CA_BUNDLE: _bundle, ...env } = process.env;
  const child = spawn(binary, ['-debug'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    const reattach = await new Promise<string>((resolve, reject) => {
      let out = '';
      const read = (chunk: Buffer) => {
        out += chunk.toString();
        const match = /TF_REATTACH_PROVIDERS='([^']+)'/.exec(out);
        if (match) resolve(match[1]);
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', (code) =>
        reject(new Error(`the provider exited (${code}) before it was ready: ${out.slice(-2000)}`)),
      );
    });
    return { reattach, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

export interface TerraformRun {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * A terraform working directory whose CLI configuration installs providers only from `mirror`; commands run
 * non-interactively, and a non-zero exit is returned (plan -detailed-exitcode uses 2 for "changes").
 */
export function terraformIn(workDir: string, mirror: string, reattach?: string) {
  const cliConfig = path.join(workDir, 'terraform.rc');
  fs.writeFileSync(
    cliConfig,
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/*/*"]\n  }\n}\n`,
  );
  const env = {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    ...(reattach ? { TF_REATTACH_PROVIDERS: reattach } : {}),
  };
  return (...args: string[]): Promise<TerraformRun> =>
    new Promise((resolve) => {
      execFile(
        'terraform',
        [...args, '-no-color'],
        { cwd: workDir, env, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ stdout, stderr, exitCode });
        },
      );
    });
}
