# alcove: `make demo` builds everything and runs a sandbox demo;
# `make test` builds and runs every test. Both install what is missing.

SHARED ?= ../shared
FUZZ_SECONDS ?= 30
CONFORMANCE = $(SHARED)/tools/wire_conformance.escript
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: all setup build bench-full eg test test-cluster test-fuzz test-privileges test-dialyzer test-elixir test-rust test-erlang test-conformance test-dep demo bench clean

all: build

setup:
	@bin/setup

build: setup
	rebar3 compile

test: build test-rust test-erlang test-dialyzer test-conformance test-dep test-elixir test-cluster test-privileges test-fuzz
	@echo "make test: all suites passed"

test-rust: setup
	cargo test --release

test-erlang: build
	rebar3 eunit

# Typespecs checked by dialyzer; the edoc builds.
test-dialyzer: build
	rebar3 dialyzer
	rebar3 edoc

# The README's example of a driver owned on another node of a cluster.
test-cluster: build
	sh test/cluster.sh

# alcove from an Elixir mix project (skipped with a reason without Elixir).
test-elixir: build
	sh test/elixir/run.sh

# The wire conformance checker of the shared protocol documents, when present.
test-conformance: build
	@if [ -f "$(CONFORMANCE)" ]; then \
		escript "$(CONFORMANCE)" priv/alcove --ours; \
	else \
		echo "skipped: wire conformance checker not found at $(CONFORMANCE)"; \
	fi

# alcove used as a rebar3 dependency of another application.
test-dep: build
	sh test/dep_app.sh

# Privileged work driven by an unprivileged user: a setuid-root copy of the
# port and `sudo -n` (root only; skipped with a reason otherwise).
test-privileges: build
	sh tests/privileges.sh priv/alcove

# The examples (chrootex, nsex, gpioled), for ./start.sh.
eg: build
	mkdir -p _build/examples/ebin
	erlc -I include -pa _build/default/lib/alcove/ebin -o _build/examples/ebin examples/*.erl

demo: build
	escript examples/demo.escript

# BENCH_CPUS=0 pins the benchmark to one CPU: reproducible figures for
# comparing builds (on a small VM, cross-CPU wake-ups make round trips vary).
BENCH = $(if $(BENCH_CPUS),taskset -c $(BENCH_CPUS)) escript bench/bench.escript

bench: build
	$(BENCH) quick bench/results.json

bench-full: build
	$(BENCH) full bench/results-full.json

clean:
	rebar3 clean
	cargo clean
	rm -rf _build priv/alcove

# Coverage-guided fuzzing of the frame and argument decoders, bounded in time.
test-fuzz: setup
	fuzz/run.sh $(FUZZ_SECONDS)
