#!/usr/bin/env bash
# A private unbound on loopback for dnsplane's zones: scripts/unbound.sh start|stop|flush [options]
# (options: --authority IP:PORT, --port N (default 5353), --zone Z, --plans SPEC, --dir DIR (default .dnsplane/unbound),
# --no-cache; --help prints them all)
set -euo pipefail
cd "$(dirname "$0")/.."
exec node bin/run-ts.js scripts/unbound.ts "$@"
