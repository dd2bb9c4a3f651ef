// Builds native/ (the DNS face's batched UDP I/O) with node-gyp; run by `npm ci` (postinstall) and
// `npm run build:native`. The addon is an optimisation, never a requirement: when the build fails (no compiler,
// no Node headers, not Linux) this prints a warning and exits 0, and the DNS face answers through node:dgram.
// Plain JavaScript (not TypeScript): it runs before tsx is usable and must not depend on the install it is part of.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const nativeDir = fileURLToPath(new URL('../native/', import.meta.url));

function warn(reason, output = '') {
  const tail = output.trim().split('\n').slice(-15).join('\n');
  console.warn(
    `dnsplane: native UDP addon not built (${reason}); the DNS face will use node:dgram, at about half the qps.`,
  );
  if (tail) console.warn(tail);
  console.warn('dnsplane: to retry: npm run build:native');
}

/** npm sets npm_config_node_gyp to its bundled node-gyp inside scripts; outside npm, look next to node. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  return candidates.find((candidate) => candidate && existsSync(candidate));
}

if (process.platform !== 'linux') {
  warn(`recvmmsg/sendmmsg are Linux-only, this is ${process.platform}`);
} else {
  const gyp = nodeGyp();
  if (!gyp) {
    warn("npm's node-gyp was not found");
  } else {
    // npm passes its config (nodedir, for an offline build against installed headers) to node-gyp as
    // npm_config_* variables; node-gyp reads them itself. Without that setting node-gyp would download the
    // headers, so when the running node's own headers are installed beside it (Debian's nodejs, a tarball
    // install), point node-gyp at them: the build then needs no network.
    const prefix = join(dirname(process.execPath), '..');
    const localHeaders = !process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'));
    const args = [gyp, 'rebuild', '--release', ...(localHeaders ? [`--nodedir=${prefix}`] : [])];
    const result = spawnSync(process.execPath, args, { cwd: nativeDir, encoding: 'utf8' });
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    if (result.status !== 0)
      warn(result.error ? result.error.message : `node-gyp exited with ${result.status}`, output);
    else console.log('dnsplane: built the native UDP addon (native/build/Release/udp_batch.node)');
  }
}
