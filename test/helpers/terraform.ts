// Running the real terraform CLI and hashicorp/aws provider offline against a local endpoint. The provider comes
// from a filesystem mirror (a directory holding registry.terraform.io/hashicorp/aws/...): DNSPLANE_TF_MIRROR
// names it, else Terraform's own implied mirror directories and the top-level directories of /opt are looked at.
import { execFile } from 'node:child_process';
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

export interface TerraformRun {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * A terraform working directory whose CLI configuration installs providers only from `mirror`; commands run
 * non-interactively, and a non-zero exit is returned (plan -detailed-exitcode uses 2 for "changes").
 */
export function terraformIn(workDir: string, mirror: string) {
  const cliConfig = path.join(workDir, 'terraform.rc');
  fs.writeFileSync(cliConfig, `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/*/*"]\n  }\n}\n`);
  const env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1' };
  return (...args: string[]): Promise<TerraformRun> =>
    new Promise((resolve) => {
      execFile('terraform', [...args, '-no-color'], { cwd: workDir, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ stdout, stderr, exitCode });
      });
    });
}
