#!/usr/bin/env bash
# Makes sure the real peers the tests talk to (peers.txt) are installed, before `npm test` runs mocha.
# Installs the missing Debian packages as root, or through passwordless sudo; where it cannot, it stops
# at once with the one command to run. Silent when everything is there.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

missing_peers() {
  missing=()
  while read -r package check; do
    case "$package" in '' | '#'*) continue ;; esac
    bash -c "$check" >/dev/null 2>&1 || missing+=("$package")
  done <"$here/peers.txt"
}
missing_peers
[ ${#missing[@]} -eq 0 ] && exit 0

command_to_run="sudo apt-get install -y ${missing[*]}"
cannot() {
  echo "peers: the tests need Debian packages that are missing ($1). Run: $command_to_run" >&2
  exit 1
}

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  cannot "not root, and no passwordless sudo"
fi
command -v apt-get >/dev/null || cannot "no apt-get on this machine"

echo "peers: installing ${missing[*]} (apt-get, a few minutes on a fresh machine)" >&2
apt_log="$(mktemp)"
trap 'rm -f "$apt_log"' EXIT
if ! { "${as_root[@]}" apt-get update -qq &&
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$apt_log" 2>&1; then
  tail -n 20 "$apt_log" >&2
  cannot "apt-get failed, its last lines are above"
fi
# A package that installed but does not answer its check (another python3 first, say) is still missing.
missing_peers
[ ${#missing[@]} -eq 0 ] || cannot "still missing after apt-get"
