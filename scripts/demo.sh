#!/usr/bin/env bash
# make demo: a demo directory on loopback with its data in a temporary folder.
# The desktop app joins it once it exists (issue 5); until then this starts the
# directory alone and says how to reach it.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(mktemp -d -t signpost-demo.XXXXXX)
port=${SIGNPOST_DEMO_PORT:-8443}
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT INT TERM
./bin/signpost-directory serve --demo --data "$data" --listen "127.0.0.1:$port" &
pid=$!
for _ in $(seq 1 300); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || { echo "the demo directory did not start" >&2; exit 1; }
	sleep 0.2
done
cat <<MSG

Signpost demo directory: http://127.0.0.1:$port  (data in $data, removed on exit)
Accounts nurse, social, manager, itadmin — password demo-password-1, TOTP secret JBSWY3DPEHPK3PXP
(the desktop app is not built yet: this demo is the directory alone)
Press Ctrl+C to stop.
MSG
wait "$pid"
