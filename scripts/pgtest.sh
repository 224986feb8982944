#!/bin/sh
# Issue 17: a throwaway PostgreSQL cluster for the tests.
#
#   eval "$(scripts/pgtest.sh start)"   # prints export SIGNPOST_TEST_POSTGRES=...
#   scripts/pgtest.sh stop
#
# PostgreSQL refuses to run as root, so when run as root the cluster belongs
# to the postgres user (runuser). It listens on a Unix socket only, in a
# temporary folder whose path is kept in $PGTEST_STATE (default
# /tmp/signpost-pgtest.path), with the C locale so text sorts as in SQLite.
set -eu
STATE=${PGTEST_STATE:-/tmp/signpost-pgtest.path}
BINDIR=${PG_BINDIR:-}
if [ -z "$BINDIR" ]; then
	for v in 17 16 15; do
		if [ -x /usr/lib/postgresql/$v/bin/initdb ]; then BINDIR=/usr/lib/postgresql/$v/bin; break; fi
	done
fi
if [ -z "$BINDIR" ]; then
	echo "pgtest: PostgreSQL is not installed (apt-get install postgresql)" >&2
	exit 1
fi
as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
start)
	dir=$(mktemp -d /tmp/signpost-pg.XXXXXX)
	echo "$dir" >"$STATE" # stop cleans up even after a failed start
	chmod 700 "$dir"
	if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
	as_pg "$BINDIR/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; echo "pgtest: initdb failed" >&2; exit 1; }
	as_pg "$BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-k $dir -c listen_addresses='' -c fsync=off -c max_connections=300" start >/dev/null ||
		{ cat "$dir/server.log" >&2; echo "pgtest: the server did not start" >&2; exit 1; }
	as_pg "$BINDIR/createdb" -h "$dir" -U postgres signpost_test
	url="postgres:///signpost_test?host=$dir&user=postgres&sslmode=disable"
	echo "export SIGNPOST_TEST_POSTGRES='$url'"
	;;
stop)
	[ -f "$STATE" ] || exit 0
	dir=$(cat "$STATE")
	if [ -d "$dir/data" ]; then
		as_pg "$BINDIR/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir" "$STATE"
	;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
