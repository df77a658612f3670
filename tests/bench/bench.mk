# bench.mk - `make bench`: vaultrun's performance measurements (tests/bench).
#
# Standalone for now:  make -f tests/bench/bench.mk bench   (from the repo root)
# Once included from the Makefile:  make bench
#
#   VAULTRUN=path      the binary to measure (default build/vaultrun)
#   BENCH_LATENCY=S    injected server latency in seconds (default 0.020)
#   BENCH_QUICK=1      fewer repetitions (a smoke run, not for numbers)
#   BENCH_ARGS=...     more options for tests/bench/bench.py (see its --help)
#                      (e.g. --only R --rtt-runs 9 --rtts 0.02,0.06)
#
# The floor programs are compiled with the Makefile's flags.  Everything is
# built under $(BENCH_BUILD); the measurement exits 0 whatever the targets
# say (it is a measurement, not a gate); it fails only when it cannot run.
# Names are BENCH_-prefixed so that including this file changes nothing in
# the Makefile.

# Included from the Makefile (before or after its `all`), this file must not
# become the default goal: remember the goal so far, put it back at the end.
BENCH_SAVED_GOAL := $(.DEFAULT_GOAL)

BENCH_CC      ?= $(CC)
BENCH_PYTHON  ?= /usr/bin/python3
BENCH_PKGS     = libcurl inih jansson
BENCH_PKG_CFLAGS := $(shell pkg-config --cflags $(BENCH_PKGS) 2>/dev/null)
BENCH_PKG_LIBS   := $(shell pkg-config --libs $(BENCH_PKGS) 2>/dev/null)
# As the Makefile builds vaultrun: -O2 -g, hardening, full RELRO and bind-now.
BENCH_CFLAGS   = -std=c99 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -g \
	-D_FORTIFY_SOURCE=2 -fstack-protector-strong $(BENCH_PKG_CFLAGS)
# --no-as-needed: the libraries stay DT_NEEDED although the floor calls
# nothing in them (vaultrun loads all three; so must its floor).
BENCH_LDFLAGS  = -Wl,-z,relro,-z,now -Wl,--no-as-needed
BENCH_BUILD   ?= build/bench
VAULTRUN      ?= build/vaultrun
BENCH_LATENCY ?= 0.020
BENCH_QUICK   ?=
BENCH_ARGS    ?=

BENCH_FLOORS = $(BENCH_BUILD)/floor_exec $(BENCH_BUILD)/floor_curl $(BENCH_BUILD)/floor_check \
	$(BENCH_BUILD)/runrss

$(BENCH_BUILD)/floor_%: tests/bench/floor_%.c tests/bench/bench.mk
	@mkdir -p $(BENCH_BUILD)
	$(BENCH_CC) $(BENCH_CFLAGS) -o $@ $< $(BENCH_LDFLAGS) $(BENCH_PKG_LIBS)

# The RSS runner links nothing but libc: its own footprint stays tiny.
$(BENCH_BUILD)/runrss: tests/bench/runrss.c tests/bench/bench.mk
	@mkdir -p $(BENCH_BUILD)
	$(BENCH_CC) -std=c99 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -o $@ $<

bench: $(BENCH_FLOORS)
	@test -x "$(VAULTRUN)" || { echo "bench: $(VAULTRUN) is missing: run make first" >&2; exit 1; }
	$(BENCH_PYTHON) tests/bench/bench.py --vaultrun "$(VAULTRUN)" \
		--floors $(BENCH_BUILD) --latency $(BENCH_LATENCY) \
		$(if $(BENCH_QUICK),--quick) --json $(BENCH_BUILD)/results.json $(BENCH_ARGS)
	$(BENCH_PYTHON) tests/bench/supervise_bench.py --vaultrun "$(VAULTRUN)" \
		--runrss $(BENCH_BUILD)/runrss $(if $(BENCH_QUICK),--size 128 --rounds 1)

.PHONY: bench
.DEFAULT_GOAL := $(BENCH_SAVED_GOAL)
