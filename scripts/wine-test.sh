#!/usr/bin/env bash
# wine-test: the Windows build, run for real under Wine 8 and Xvfb (make
# test-windows, run by CI after make test).
#
# Against a demo directory (the Linux signpost-directory on loopback), the
# console build (bin/signpost-console.exe) enrols the nurse with no --data, so
# the cache lands in the user's application-data folder; it syncs, searches,
# queues a change while the directory is down, sends it when the directory is
# back, prints status, and wipes the cache, which removes its files. Then the
# packaged GUI build (bin/Signpost.exe, from make gui-windows) opens its window
# with --demo: titled Signpost, not blank.
#
# Wine 8 lacks ProcessPrng (bcryptprimitives.dll), which Go 1.24+ programs
# need at start-up: a stand-in built here from scripts/wine/bcryptprimitives.c
# goes into the throwaway Wine prefix. It is a test aid only, never shipped.
#
# Environment: WINE_TEST_KEEP=1 keeps the work folder (prefix, logs, shots).
set -euo pipefail
cd "$(dirname "$0")/.."
export LANG=en_GB.UTF-8

say() { echo "wine-test: $*"; }
fail() {
	echo "wine-test: FAIL: $*" >&2
	for f in "${work:-}"/*.log; do
		[ -s "$f" ] && { echo "--- $f (last 15 lines)" >&2; tail -n 15 "$f" >&2; }
	done
	exit 1
}

need=""
for p in wine64 gcc-mingw-w64-x86-64 xvfb xdotool x11-utils imagemagick; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
	say "installing Debian packages:$need"
	SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null ||
		fail "could not install$need"
fi
WINE=/usr/lib/wine/wine64
[ -x "$WINE" ] || WINE=$(command -v wine64 || command -v wine || true)
[ -n "$WINE" ] || fail "wine64 is missing"
for f in bin/Signpost.exe bin/signpost-console.exe bin/signpost-directory; do
	[ -e "$f" ] || fail "$f is missing (make gui-windows build first)"
done

work=$(mktemp -d -t signpost-wine.XXXXXX)
dir_pid="" app_pid="" xvfb_pid=""
cleanup() {
	[ -n "$app_pid" ] && kill -KILL "$app_pid" 2>/dev/null || true
	[ -n "$dir_pid" ] && kill "$dir_pid" 2>/dev/null || true
	WINEPREFIX="$work/prefix" wineserver -k 2>/dev/null || true
	[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	if [ -n "${WINE_TEST_KEEP:-}" ]; then echo "wine-test: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'fail "interrupted"' INT TERM

# Every Wine program runs on one X display from the start: wineserver and its
# desktop outlive each program, and one started without a display cannot
# open windows for the next ("Failed to create helper window").
disp=""
for n in $(seq 141 180); do
	if [ ! -e "/tmp/.X$n-lock" ] && [ ! -e "/tmp/.X11-unix/X$n" ]; then disp=":$n"; break; fi
done
[ -n "$disp" ] || fail "no free X display between :141 and :180"
Xvfb "$disp" -screen 0 1366x768x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 1 100); do
	xdpyinfo -display "$disp" >/dev/null 2>&1 && break
	sleep 0.1
done
export DISPLAY="$disp"
export WINEPREFIX="$work/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
say "a Wine prefix in $WINEPREFIX"
"$WINE" wineboot -i >"$work/wineboot.log" 2>&1 || fail "wineboot failed"
x86_64-w64-mingw32-gcc -shared -O2 -o "$work/bcryptprimitives.dll" \
	scripts/wine/bcryptprimitives.c scripts/wine/bcryptprimitives.def -ladvapi32 ||
	fail "could not build the ProcessPrng stand-in"
cp "$work/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"
go build -o "$work/totp" ./scripts/totp || fail "could not build the TOTP helper"

# A free loopback port for the directory.
port=""
for p in $(seq 18500 18600); do
	(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { port=$p; break; }
done
[ -n "$port" ] || fail "no free port between 18500 and 18600"
url="http://127.0.0.1:$port"
start_directory() {
	./bin/signpost-directory serve --demo --demo-children 500 --data "$work/directory" \
		--listen "127.0.0.1:$port" >>"$work/directory.log" 2>&1 &
	dir_pid=$!
	for _ in $(seq 1 300); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		kill -0 "$dir_pid" 2>/dev/null || fail "the directory did not start"
		sleep 0.1
	done
	fail "the directory did not answer on $url"
}
stop_directory() {
	kill "$dir_pid" && wait "$dir_pid" 2>/dev/null || true
	dir_pid=""
}
start_directory
say "demo directory on $url"

# The console build, as support staff would run it: no --data, so the cache
# goes in %APPDATA%\signpost\cache.
export SIGNPOST_PASSWORD=demo-password-1 SIGNPOST_PASSPHRASE="a wine test passphrase"
console() { "$WINE" bin/signpost-console.exe "$@" 2>>"$work/console.log"; }
out=$(console enrol --server "$url" --user nurse --otp "$("$work/totp" JBSWY3DPEHPK3PXP)" --device-name "Wine laptop") ||
	fail "enrol failed: $out"
say "$out"
appdata=$(find "$WINEPREFIX/drive_c/users" -maxdepth 4 -type d -path '*/AppData/Roaming' | head -n 1)
cache="$appdata/signpost/cache"
[ -n "$appdata" ] && [ -s "$cache/signpost-cache.key" ] && [ -s "$cache/signpost-cache.db" ] ||
	fail "the cache is not in the application-data folder (looked in ${cache:-AppData/Roaming})"
say "the cache is in ${cache#"$WINEPREFIX/"}"
if grep -a -q "Fixture" "$cache/signpost-cache.db"; then fail "a child's name is readable in the cache file"; fi

out=$(console sync) || fail "sync failed: $out"
say "$out"
out=$(console search --family Fixture --dob 2015-03-14 --reason "wine test") || fail "search failed: $out"
say "$out"
jamie=$(echo "$out" | awk '/Jamie Fixture/ {print $1; exit}')
[ -n "$jamie" ] || fail "the search did not find Jamie Fixture"

stop_directory
out=$(console involvement end --child "$jamie") && rc=0 || rc=$?
say "offline: $out (exit $rc)"
out=$(console status) || fail "status failed: $out"
echo "$out" | grep -q "waiting: *1 change" || fail "the change was not queued offline: $out"
say "queued while the directory was down"

start_directory
out=$(console sync) || fail "sync after reconnecting failed: $out"
say "$out"
echo "$out" | grep -q "1 changes sent\|1 change sent" || fail "the queued change was not sent: $out"
out=$(console status) || fail "status failed: $out"
echo "$out" | grep -q "waiting: *0 changes" || fail "a change is still waiting: $out"
say "status after sync: $(echo "$out" | tr '\n' ';' | sed 's/  */ /g')"

out=$(console wipe) || fail "wipe failed: $out"
say "$out"
left=$(find "$cache" -type f 2>/dev/null | wc -l)
[ "$left" = 0 ] || fail "the wipe left $left files in the cache folder"
say "the wipe removed the cache's files"
stop_directory

# The packaged GUI build, with a demo directory of its own.
"$WINE" bin/Signpost.exe --demo >"$work/gui.log" 2>&1 &
app_pid=$!
wid=""
for _ in $(seq 1 600); do
	kill -0 "$app_pid" 2>/dev/null || fail "the app exited before its window appeared"
	wid=$(xdotool search --onlyvisible --name '^Signpost$' 2>/dev/null | head -n 1 || true)
	[ -n "$wid" ] && break
	sleep 0.2
done
[ -n "$wid" ] || fail "no window titled Signpost within 120 s"
shot="$work/shot.png"
ok=""
for _ in $(seq 1 40); do
	sleep 0.5
	import -display "$disp" -window root "$shot" 2>/dev/null || continue
	sd=$(convert "$shot" -format '%[fx:standard_deviation]' info: 2>/dev/null || echo 0)
	colours=$(convert "$shot" -format '%k' info: 2>/dev/null || echo 0)
	if awk -v sd="$sd" -v c="$colours" 'BEGIN { exit !(sd > 0.05 && c > 32) }'; then ok=1; break; fi
done
[ -n "$ok" ] || fail "the screenshot looks blank (standard deviation $sd, $colours colours)"
[ -z "${WINE_TEST_SHOT:-}" ] || cp "$shot" "$WINE_TEST_SHOT"
say "window $wid shown under Wine, $colours colours (standard deviation $sd)"
say "ok: the console build enrolled, synced, queued offline, sent it, wiped; the window opened"
