#!/usr/bin/env bash
# Checks by hand, with dig, that every endpoint of the latest plan resolves to what the plan says: straight at
# the authority (no recursion) and through a recursive resolver. Exits 1 on an empty answer, an answer outside
# the plan, an error RCODE or no reply; 2 on bad usage.
#
#   scripts/verify-dns.sh [--plans SPEC] [--authority IP:PORT] [--resolver IP:PORT] [--no-authority]
#
# Environment defaults: DNSPLANE_PLANS (file:./.dnsplane/plans), DNSPLANE_AUTHORITY (127.0.0.1:8053),
# DNSPLANE_RESOLVER (none). An answer is correct when all its values belong to one planned record set: a
# weighted endpoint answers with one whole set at a time.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
plans="${DNSPLANE_PLANS:-file:./.dnsplane/plans}"
authority="${DNSPLANE_AUTHORITY:-127.0.0.1:8053}"
resolver="${DNSPLANE_RESOLVER:-}"

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --plans) plans="${2:?--plans needs a value}"; shift 2 ;;
    --authority) authority="${2:?--authority needs IP:PORT}"; shift 2 ;;
    --resolver) resolver="${2:?--resolver needs IP:PORT}"; shift 2 ;;
    --no-authority) authority=""; shift ;;
    -h|--help) usage ;;
    *) echo "verify-dns: unknown option $1" >&2; usage ;;
  esac
done

# Splits IP:PORT and [IPv6]:PORT.
split_address() {
  local address="$1"
  if [[ "$address" =~ ^\[(.*)\]:([0-9]+)$ ]] || [[ "$address" =~ ^([^:]+):([0-9]+)$ ]]; then
    echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
  else
    echo "verify-dns: $address is not IP:PORT" >&2
    exit 2
  fi
}

command -v dig >/dev/null || { echo "verify-dns: dig is not installed (Debian: apt-get install bind9-dnsutils)" >&2; exit 2; }
[ -n "$authority$resolver" ] || { echo "verify-dns: nothing to ask: give --authority or --resolver" >&2; exit 2; }

for address in $authority $resolver; do split_address "$address" >/dev/null; done

# name<TAB>type<TAB>set1<TAB>set2..., each set comma-joined, values canonical as dig prints them.
targets="$(node "$root/bin/dnsplane.js" probe --plans "$plans" --list-targets)"
[ -n "$targets" ] || { echo "verify-dns: the latest plan in $plans has no endpoints" >&2; exit 1; }

# True when every value (one per line in $1) is in one of the planned sets ($2...).
fits_a_set() {
  local values="$1" set value ok
  shift
  for set in "$@"; do
    ok=1
    while IFS= read -r value; do
      [[ ",$set," == *",$value,"* ]] || { ok=0; break; }
    done <<< "$values"
    [ "$ok" = 1 ] && return 0
  done
  return 1
}

failures=0
printf '%-34s %-5s %-9s %-21s %-9s %-8s %s\n' NAME TYPE PATH SERVER RCODE RESULT VALUES
check() {
  local path="$1" address="$2" recursion="$3" name="$4" type="$5"
  shift 5
  local host port output rcode values result
  read -r host port <<< "$(split_address "$address")"
  if output="$(dig @"$host" -p "$port" "$recursion" +time=2 +tries=1 +noall +comments +answer "$name" "$type" 2>&1)"; then
    rcode="$(sed -n 's/.*status: \([A-Z]*\).*/\1/p' <<< "$output" | head -n 1)"
    values="$(awk -v type="$type" '$0 !~ /^;/ && $4 == type { print $5 }' <<< "$output" | sort)"
  else
    rcode="-"
    values=""
  fi
  if [ "$rcode" = "-" ] || [ -z "$rcode" ]; then result="NOREPLY"
  elif [ "$rcode" != "NOERROR" ]; then result="$rcode"
  elif [ -z "$values" ]; then result="EMPTY"
  elif fits_a_set "$values" "$@"; then result="OK"
  else result="WRONG"
  fi
  [ "$result" = "OK" ] || failures=$((failures + 1))
  printf '%-34s %-5s %-9s %-21s %-9s %-8s %s\n' "$name" "$type" "$path" "$address" "${rcode:--}" "$result" "$(tr '\n' ',' <<< "$values" | sed 's/,$//')"
}

while IFS=$'\t' read -r name type sets; do
  IFS=$'\t' read -r -a planned <<< "$sets"
  [ -z "$authority" ] || check authority "$authority" +norecurse "$name" "$type" "${planned[@]}"
  [ -z "$resolver" ] || check resolver "$resolver" +recurse "$name" "$type" "${planned[@]}"
done <<< "$targets"

if [ "$failures" -gt 0 ]; then
  echo "verify-dns: $failures answer(s) do not match the plan" >&2
  exit 1
fi
echo "verify-dns: every endpoint answers with planned values"
