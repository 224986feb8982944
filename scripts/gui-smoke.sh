#!/usr/bin/env bash
# gui-smoke: the real window, under Xvfb. Builds bin/signpost, runs it with
# --demo on a 1366x768 virtual screen, waits for the window titled "Signpost",
# takes a screenshot and checks it is not blank, then stops the app with
# SIGTERM and checks that the demo directory stopped and its temporary data
# was removed. Used by `make test` (gui.mk's gui-smoke target).
#
# Environment:
#   GUI_SMOKE_SHOT=FILE    also open Jamie Fixture's record and keep a shot of
#                          the window there (make gui-shots: docs/*.png)
#   GUI_SMOKE_THEME=dark   FYNE_THEME for the run (light or dark)
#   GUI_SMOKE_TIMEOUT=90   seconds to wait for the window
set -euo pipefail
cd "$(dirname "$0")/.."
export LANG=en_GB.UTF-8

say() { echo "gui-smoke: $*"; }
fail() {
	echo "gui-smoke: FAIL: $*" >&2
	for f in "${work:-}/app.out" "${work:-}/app.err" "${work:-}/xvfb.log"; do
		[ -s "$f" ] && { echo "--- $f (last 20 lines)" >&2; tail -n 20 "$f" >&2; }
	done
	exit 1
}

# Debian packages this test needs (the Makefile's deps target installs them
# too; this keeps the script usable on its own).
need=""
for p in xvfb xdotool x11-utils imagemagick; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
	say "installing Debian packages:$need"
	SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null ||
		fail "could not install$need"
fi
for tool in Xvfb xdotool xdpyinfo import convert; do
	command -v "$tool" >/dev/null || fail "$tool is missing"
done

say "building bin/signpost"
mkdir -p bin
# As the release is built (Makefile's RELEASE_TAGS): Fyne migrated to fyne.Do.
go build -tags "${RELEASE_TAGS:-migrated_fynedo}" -o bin/signpost ./cmd/signpost || fail "the app does not build"

work=$(mktemp -d -t signpost-smoke.XXXXXX)
app_pid="" xvfb_pid=""
cleanup() {
	[ -n "$app_pid" ] && kill -KILL "$app_pid" 2>/dev/null || true
	[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'fail "interrupted"' INT TERM

# A free display number.
disp=""
for n in $(seq 99 140); do
	if [ ! -e "/tmp/.X$n-lock" ] && [ ! -e "/tmp/.X11-unix/X$n" ]; then disp=":$n"; break; fi
done
[ -n "$disp" ] || fail "no free X display between :99 and :140"
Xvfb "$disp" -screen 0 1366x768x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 1 100); do
	xdpyinfo -display "$disp" >/dev/null 2>&1 && break
	kill -0 "$xvfb_pid" 2>/dev/null || fail "Xvfb did not start on $disp"
	sleep 0.1
done
xdpyinfo -display "$disp" >/dev/null 2>&1 || fail "Xvfb on $disp does not answer"
export DISPLAY="$disp"
say "Xvfb on $disp (1366x768)"

# The app keeps its preferences and the demo its temporary folders in $work.
mkdir -p "$work/tmp" "$work/config"
start=$(date +%s.%N)
TMPDIR="$work/tmp" XDG_CONFIG_HOME="$work/config" FYNE_THEME="${GUI_SMOKE_THEME:-}" \
	./bin/signpost --demo >"$work/app.out" 2>"$work/app.err" &
app_pid=$!

timeout=${GUI_SMOKE_TIMEOUT:-90}
wid=""
for _ in $(seq 1 $((timeout * 5))); do
	kill -0 "$app_pid" 2>/dev/null || fail "the app exited before its window appeared"
	wid=$(xdotool search --onlyvisible --name '^Signpost$' 2>/dev/null | head -n 1 || true)
	[ -n "$wid" ] && break
	sleep 0.2
done
[ -n "$wid" ] || fail "no window titled Signpost within ${timeout} s"
shown=$(date +%s.%N)
say "window $wid shown $(awk -v a="$start" -v b="$shown" 'BEGIN { printf "%.1f", b - a }') s after start (includes seeding the demo directory and enrolling)"
url=$(sed -n 's/^signpost demo: directory \(http:[^ ]*\) .*/\1/p' "$work/app.out" | head -n 1)
demo_dir=$(sed -n 's/.*(data in \([^,]*\), removed on exit).*/\1/p' "$work/app.out" | head -n 1)
[ -n "$url" ] || fail "the app did not say where its demo directory listens"
hostport=${url#http://}
host=${hostport%:*} port=${hostport##*:}
(exec 3<>"/dev/tcp/$host/$port") 2>/dev/null || fail "the demo directory at $url does not answer"

# Let the first frame paint, then check it is not blank (a failed GL context
# gives a black or white window).
shot="$work/shot.png"
ok=""
for _ in $(seq 1 20); do
	sleep 0.5
	import -display "$disp" -window root "$shot" 2>/dev/null || continue
	sd=$(convert "$shot" -format '%[fx:standard_deviation]' info: 2>/dev/null || echo 0)
	colours=$(convert "$shot" -format '%k' info: 2>/dev/null || echo 0)
	if awk -v sd="$sd" -v c="$colours" 'BEGIN { exit !(sd > 0.05 && c > 32) }'; then ok=1; break; fi
done
[ -n "$ok" ] || fail "the screenshot looks blank (standard deviation $sd, $colours colours)"
say "screenshot has $colours colours, standard deviation $sd"
geom=$(xwininfo -id "$wid" 2>/dev/null | awk '/Width:/ {w=$2} /Height:/ {h=$2} END {print w "x" h}')
say "window size $geom"
if [ -n "${GUI_SMOKE_SHOT:-}" ]; then
	# For the README: filter the caseload to Jamie Fixture (the filter has the
	# focus) and open the record, then capture the window alone.
	xdotool mousemove --window "$wid" 640 400 >/dev/null 2>&1 || true
	xdotool type --delay 20 "fix" && sleep 0.5 && xdotool key Return && sleep 2
	import -display "$disp" -window "$wid" "$GUI_SMOKE_SHOT" || fail "could not capture the window"
	say "screenshot kept in $GUI_SMOKE_SHOT"
fi

# Closing the app stops the directory and removes the demo's data.
kill -TERM "$app_pid"
for _ in $(seq 1 100); do
	kill -0 "$app_pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$app_pid" 2>/dev/null; then fail "the app did not stop within 10 s of SIGTERM"; fi
wait "$app_pid" && rc=0 || rc=$?
app_pid=""
[ "$rc" = 0 ] || fail "the app exited with status $rc"
if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then fail "the demo directory still answers at $url after the app stopped"; fi
[ -z "$demo_dir" ] || [ ! -e "$demo_dir" ] || fail "the demo's temporary data is still in $demo_dir"
say "ok: window shown, not blank; app stopped; demo directory stopped and its data removed"
