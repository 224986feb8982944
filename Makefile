# Signpost — build, test, demo. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
GO ?= go
export LANG ?= en_GB.UTF-8

# Debian packages needed to build and test the desktop app (Fyne's GL/X11 headers,
# Xvfb and tools for the real-window smoke test).
DEB_PACKAGES := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
	libxinerama-dev libxi-dev libxxf86vm-dev xvfb xdotool x11-utils imagemagick
# issue 17: PostgreSQL 15 for the tests of directory/postgres (make test starts a throwaway cluster).
DEB_PACKAGES += postgresql postgresql-contrib

BIN := bin
# Release binaries are built as `fyne build` would: FyneApp.toml's
# [Migrations] fyneDo = true reaches Fyne only through this tag. `go test`
# runs without it, so Fyne's thread checks still catch a misuse. no_emoji leaves out Fyne's
# 4 MB colour-emoji font, which the app never shows (about 13 MB resident once loaded).
RELEASE_TAGS := migrated_fynedo,no_emoji
DEMO_CHILDREN ?= 10000

.PHONY: all build deps test vet bench bench-stores bench-scale bench-load demo demo-directory clean fuzz

all: build

## deps: install the Debian packages that are missing (needs root or sudo).
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	mkdir -p $(BIN)
	$(GO) build -tags $(RELEASE_TAGS) -o $(BIN)/ ./cmd/...

vet: deps
	$(GO) vet ./...

## test: vet, the race-detected test suite, and the GUI checks.
# The kill -9 chaos tests run a few trials under the race detector, then their
# full 50 trials each without it (it adds nothing to killed processes, and
# triples their time).
# issue 17: the Go tests run with a throwaway PostgreSQL (scripts/pgtest.sh) on a
# Unix socket, stopped afterwards even when a test fails; SIGNPOST_REQUIRE_POSTGRES
# makes the PostgreSQL tests fail, never skip, if they cannot reach it; the directory's
# end-to-end tests then run again on PostgreSQL (SIGNPOST_TEST_STORE=postgres).
test: deps vet
	@export PGTEST_STATE=$$(mktemp -u /tmp/signpost-pgtest.XXXXXX); \
	trap './scripts/pgtest.sh stop' EXIT; \
	pgenv=$$(./scripts/pgtest.sh start) || { echo "make test: PostgreSQL did not start (see above)" >&2; exit 1; }; \
	eval "$$pgenv"; export SIGNPOST_REQUIRE_POSTGRES=1; \
	echo "PostgreSQL for the tests: $$SIGNPOST_TEST_POSTGRES"; \
	set -ex; \
	SIGNPOST_CHAOS_TRIALS=3 $(GO) test -race -count=1 -timeout 30m ./...; \
	SIGNPOST_TEST_STORE=postgres $(GO) test -count=1 -timeout 30m ./directory/; \
	SIGNPOST_CHAOS_TRIALS=50 $(GO) test -count=1 -timeout 30m -run 'Chaos' ./sync
	$(MAKE) gui-smoke

## bench: the benchmarks each issue names; figures go in the issue notes.
# issue 17: with a throwaway PostgreSQL too, for BenchmarkSearchStores100k.
bench: deps
	@export PGTEST_STATE=$$(mktemp -u /tmp/signpost-pgtest.XXXXXX); \
	trap './scripts/pgtest.sh stop' EXIT; \
	pgenv=$$(./scripts/pgtest.sh start) || { echo "make bench: PostgreSQL did not start (see above)" >&2; exit 1; }; \
	eval "$$pgenv"; set -x; \
	$(GO) test -tags $(RELEASE_TAGS) -run '^$$' -bench . -benchtime 1x -count 1 -timeout 60m ./... | tee bench.out

## bench-stores: BenchmarkStores alone at CHILDREN children (default 100,000 here;
## the lead runs CHILDREN=1000000): embedded vs PostgreSQL (in-memory index, SQL
## indexes, two instances), search at 4/16 clients, push 500 / pull 500, on a
## throwaway PostgreSQL. docs/performance.md has the figures.
bench-stores: deps
	@export PGTEST_STATE=$$(mktemp -u /tmp/signpost-pgtest.XXXXXX); \
	trap './scripts/pgtest.sh stop' EXIT; \
	pgenv=$$(./scripts/pgtest.sh start) || { echo "make bench-stores: PostgreSQL did not start (see above)" >&2; exit 1; }; \
	eval "$$pgenv"; set -x; set -o pipefail; \
	SIGNPOST_REQUIRE_POSTGRES=1 SIGNPOST_BENCH_CHILDREN=$(if $(filter command line environment,$(origin CHILDREN)),$(CHILDREN),100000) $(GO) test -tags $(RELEASE_TAGS) -run '^$$' -bench '^BenchmarkStores$$' -benchtime 1x -count 1 -timeout 0 ./directory/ | tee bench-stores.out

## fuzz: each fuzz target of a decoder of untrusted input for FUZZTIME, one after another,
## then the executions and findings per target (scripts/fuzz.sh).
FUZZTIME ?= 30s
fuzz: deps
	GO="$(GO)" FUZZTIME=$(FUZZTIME) ./scripts/fuzz.sh

## demo: the app, enrolled as the nurse, with a demo directory of its own on loopback (data in a
## temporary folder; closing the app stops it). Without a display, the directory alone.
demo: build
	@./scripts/demo.sh

clean:
	rm -rf $(BIN) bench.out bench-stores.out

include gui.mk

## bench-scale: generate, import and search a national population of CHILDREN
## people (default 1,000,000); prints one name=value line per figure (the full
## log is in bench-scale.log). docs/performance.md has the figures.
## ERRORS=realistic generates with the richer error model (docs/feeds.md).
CHILDREN ?= 1000000
ERRORS ?= default
bench-scale: deps
	set -o pipefail; SIGNPOST_SCALE_CHILDREN=$(CHILDREN) SIGNPOST_SCALE_ERRORS=$(ERRORS) $(GO) test -run '^TestBenchScale$$' -count=1 -timeout 0 -v ./cmd/signpost-directory \
		| tee bench-scale.log | grep -E '^[a-z_0-9]+='

## bench-load: DEVICES simulated laptops (default 200) doing a real day's mix
## (long-poll + pull, pull, push, search, view) against signpost-directory in
## its own process on loopback, on a store of CHILDREN children and HISTORY
## applied mutations and audit events (defaults 1,000,000 each), for SECONDS
## (LOAD_SECONDS, default 60); prints one name=value line per figure. IDLE=1: long-polls only.
DEVICES ?= 200
HISTORY ?= 1000000
LOAD_SECONDS ?= 60
bench-load: deps
	set -o pipefail; SIGNPOST_LOAD_DEVICES=$(DEVICES) SIGNPOST_LOAD_CHILDREN=$(CHILDREN) SIGNPOST_LOAD_HISTORY=$(HISTORY) \
		SIGNPOST_LOAD_SECONDS=$(LOAD_SECONDS) SIGNPOST_LOAD_IDLE=$(IDLE) SIGNPOST_LOAD_DIR=$(LOAD_DIR) SIGNPOST_LOAD_REUSE=$(REUSE) SIGNPOST_LOAD_PROFILE=$(PROFILE) \
		$(GO) test -run '^TestBenchLoad$$' -count=1 -timeout 0 -v ./cmd/signpost-directory | tee bench-load.log | grep -E '^[a-z_0-9.]+='
