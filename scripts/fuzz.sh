#!/usr/bin/env bash
# make fuzz: every fuzz target of a decoder of untrusted input, one after
# another, each for FUZZTIME (default 30s), then one line per target with the
# executions, the time and whether anything was found. A failing input is
# written by go test under the package's testdata/fuzz/<Target>/; it then runs
# with the package's ordinary tests until the fault is fixed.
#
#   FUZZTIME=60s make fuzz          FUZZPARALLEL=1 make fuzz (workers per target)
#   FUZZMINIMIZETIME=10s make fuzz  (time to minimise each new input)
#   FUZZTARGETS="FuzzReader" make fuzz
set -uo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-30s}
FUZZPARALLEL=${FUZZPARALLEL:-2}
# Each new interesting input is minimised for at most this long (go test's
# default, 60s, can spend a whole short run minimising one input).
FUZZMINIMIZETIME=${FUZZMINIMIZETIME:-3s}

# target package: what it decodes
targets=(
	"FuzzRequestBodies ./directory"       # request bodies of every JSON endpoint of the real server
	"FuzzReader ./directory/feed"         # the national feeds' CSV
	"FuzzParseKeyFile ./localstore"       # the device's key file
	"FuzzPullAnswer ./sync"               # the directory's answer to a pull, through the real client and engine
	"FuzzPushAnswer ./sync"               # the directory's answer to a push
)

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
summary=()
found=0
for t in "${targets[@]}"; do
	name=${t%% *}
	pkg=${t#* }
	if [ -n "${FUZZTARGETS:-}" ] && [[ " $FUZZTARGETS " != *" $name "* ]]; then
		continue
	fi
	log="$logs/$name.log"
	echo "== $name ($pkg) for $FUZZTIME"
	start=$(date +%s)
	{
		$GO test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "$FUZZMINIMIZETIME" -parallel "$FUZZPARALLEL" "$pkg"
		echo $? >"$log.rc"
	} 2>&1 | tee "$log" | grep -E '^(fuzz: elapsed|--- FAIL|    Failing input|ok|FAIL)'
	rc=$(cat "$log.rc")
	secs=$(( $(date +%s) - start ))
	execs=$(grep -oE 'execs: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
	input=$(grep -oE 'testdata/fuzz/[^ ]+' "$log" | tail -1)
	if [ "$rc" -eq 0 ]; then
		result="nothing found"
	elif [ -n "$input" ]; then
		result="FOUND: $pkg/$input"
		found=1
	elif grep -q 'failure while testing seed corpus' "$log"; then
		result="FOUND: a seed of the corpus fails (see above)"
		found=1
	else
		result="FAILED to run (exit $rc; see above)"
		found=1
	fi
	summary+=("$(printf '%-18s %-18s execs %10s  %4ss  %s' "$name" "$pkg" "${execs:-0}" "$secs" "$result")")
done
echo
echo "fuzz summary (FUZZTIME=$FUZZTIME per target):"
printf '  %s\n' "${summary[@]}"
exit $found
