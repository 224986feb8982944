#!/usr/bin/env bash
# make demo: the desktop app with a demo directory of its own. `signpost --demo`
# seeds a demo directory (10,000 synthetic children and the demo accounts) on
# 127.0.0.1 with its data in a temporary folder, enrols the nurse account on a
# temporary cache, and opens the window unlocked. Closing the window stops the
# directory and removes both folders.
#
# SIGNPOST_DEMO_USER=manager (or social, itadmin) enrols another demo account;
# SIGNPOST_DEMO_CHILDREN=N seeds N children.
#
# Without a display (a server, an SSH session) it starts the demo directory
# alone on 127.0.0.1:${SIGNPOST_DEMO_PORT:-8443}, as before the app existed.
set -euo pipefail
cd "$(dirname "$0")/.."
export LANG=${LANG:-en_GB.UTF-8}

if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
	cat <<MSG
Starting the Signpost demo: a demo directory on this computer and the app, enrolled as ${SIGNPOST_DEMO_USER:-nurse}.
The passphrase of Signpost data on this laptop (asked after auto-lock) is: signpost demo passphrase
Accounts nurse, social, manager, itadmin — password demo-password-1, TOTP secret JBSWY3DPEHPK3PXP.
Close the window (or press Ctrl+C here) to stop the demo and remove its data.

MSG
	exec ./bin/signpost --demo
fi

echo "No display found (DISPLAY is not set): starting the demo directory alone." >&2
echo "Run 'make demo' on a desktop to open the app as well." >&2
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
Enrol from a desktop with: signpost enrol --server http://127.0.0.1:$port --user nurse --otp CODE
Press Ctrl+C to stop.
MSG
wait "$pid"
