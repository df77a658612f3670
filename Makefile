# vaultrun - a secrets-to-environment process launcher
.SUFFIXES:

VERSION  = 0.1.0
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
# bash-completion loads completions/NAME from here on first use; Debian's zsh
# has vendor-completions in its fpath (under /usr/local, add it to fpath).
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/vendor-completions
DESTDIR ?=

CC      ?= cc
PKGS     = libcurl inih jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     = -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wvla -Werror
CFLAGS  ?= -O2 -g
HARDEN   = -D_FORTIFY_SOURCE=2 -fstack-protector-strong
ALL_CFLAGS = -std=c99 -D_GNU_SOURCE -DVAULTRUN_VERSION='"$(VERSION)"' \
	$(WARN) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP
LDFLAGS ?=
ALL_LDFLAGS = -Wl,-z,relro,-z,now $(LDFLAGS)

BUILD   ?= build
SRCS    := $(wildcard launcher/*.c)
OBJS    := $(SRCS:launcher/%.c=$(BUILD)/%.o)
LIBOBJS := $(filter-out $(BUILD)/main.o,$(OBJS))
UNITSRC := $(wildcard tests/unit/test_*.c)
UNITOBJ := $(UNITSRC:tests/unit/%.c=$(BUILD)/unit/%.o)

PYTHON  ?= /usr/bin/python3
PYTEST  ?= $(PYTHON) -m pytest

all: $(BUILD)/vaultrun

$(BUILD)/vaultrun: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(HARDEN) -o $@ $(OBJS) $(ALL_LDFLAGS) $(PKG_LIBS)

$(BUILD)/%.o: launcher/%.c | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(HARDEN) -c -o $@ $<

$(BUILD)/unit/%.o: tests/unit/%.c | $(BUILD)/unit
	$(CC) $(ALL_CFLAGS) -Ilauncher -c -o $@ $<

$(BUILD)/unit-tests: $(UNITOBJ) $(LIBOBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $(UNITOBJ) $(LIBOBJS) $(ALL_LDFLAGS) $(PKG_LIBS)

$(BUILD) $(BUILD)/unit:
	mkdir -p $@

deps:
	@sh tests/deps.sh

unit: $(BUILD)/unit-tests
	./$(BUILD)/unit-tests

# demo and test install missing packages first; the build then runs in a
# fresh make, so that pkg-config is asked after the libraries are there.
test: deps
	@$(MAKE) --no-print-directory all $(BUILD)/unit-tests
	./$(BUILD)/unit-tests
	VAULTRUN_BIN=$(CURDIR)/$(BUILD)/vaultrun $(PYTEST) -q -rs tests/e2e

# Sanitizer build of everything, whole suite under it; then the e2e suite
# under valgrind memcheck against the plain build.
SANFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
check:
	$(MAKE) BUILD=build-san CFLAGS="$(SANFLAGS)" LDFLAGS="-fsanitize=address,undefined" \
		HARDEN= all build-san/unit-tests
	ASAN_OPTIONS=detect_leaks=1 ./build-san/unit-tests
	ASAN_OPTIONS=detect_leaks=1 VAULTRUN_BIN=$(CURDIR)/build-san/vaultrun \
		$(PYTEST) -q tests/e2e
	$(MAKE) all
	VAULTRUN_BIN=$(CURDIR)/$(BUILD)/vaultrun VAULTRUN_VALGRIND=1 \
		$(PYTEST) -q tests/e2e

# The end-to-end suite while stress-ng keeps the CPUs busy (STRESS), to catch
# tests whose outcome depends on the machine's load.  E2E narrows the run
# (pytest arguments); VALGRIND=1 runs the binary under valgrind as make
# check's last pass does, e.g. the tests with timing bounds:
#   make stress-test VALGRIND=1 E2E="tests/e2e -k 'deadline or timeout'"
STRESS   ?= --cpu 2
E2E      ?= tests/e2e
stress-test:
	@sh tests/deps.sh build test check
	@$(MAKE) --no-print-directory all
	@stress-ng $(STRESS) --timeout 3h --quiet & pid=$$!; \
	trap 'kill $$pid 2>/dev/null' INT TERM; rc=0; \
	VAULTRUN_BIN=$(CURDIR)/$(BUILD)/vaultrun $(if $(VALGRIND),VAULTRUN_VALGRIND=1) \
		$(PYTEST) -q -rs $(E2E) || rc=$$?; \
	kill $$pid 2>/dev/null; wait $$pid 2>/dev/null; exit $$rc

# libFuzzer harnesses (tests/fuzz/fuzz_NAME.c, seeds in tests/fuzz/corpus/NAME;
# the manifest one also starts from tests/data/*.ini); FUZZTIME seconds each.
# They link every launcher object but main.o, built with the fuzz flags.
FUZZTIME ?= 60
FUZZCC   ?= clang
FUZZBUILD = build-fuzz
FUZZSAN   = address,undefined
FUZZCFLAGS = -std=c99 -D_GNU_SOURCE -DVAULTRUN_VERSION='"$(VERSION)"' -g -O1 -Ilauncher $(PKG_CFLAGS)
FUZZOBJ  := $(LIBOBJS:$(BUILD)/%.o=$(FUZZBUILD)/obj/%.o)
FUZZERS  := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZBUILD)/obj/%.o: launcher/%.c | $(FUZZBUILD)/obj
	$(FUZZCC) $(FUZZCFLAGS) -fsanitize=fuzzer-no-link,$(FUZZSAN) -MMD -MP -c -o $@ $<

$(FUZZBUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZOBJ)
	$(FUZZCC) $(FUZZCFLAGS) -fsanitize=fuzzer,$(FUZZSAN) -o $@ $< $(FUZZOBJ) $(PKG_LIBS)

$(FUZZBUILD)/obj:
	mkdir -p $@

fuzz: $(FUZZERS:%=$(FUZZBUILD)/fuzz_%)
	for t in $(FUZZERS); do \
		mkdir -p $(FUZZBUILD)/corpus-$$t; \
		if [ $$t = manifest ]; then cp tests/data/*.ini $(FUZZBUILD)/corpus-$$t/; fi; \
		./$(FUZZBUILD)/fuzz_$$t -max_total_time=$(FUZZTIME) -max_len=4096 \
			$(FUZZBUILD)/corpus-$$t tests/fuzz/corpus/$$t \
			>$(FUZZBUILD)/fuzz_$$t.log 2>&1 || { tail -n 40 $(FUZZBUILD)/fuzz_$$t.log; exit 1; }; \
		echo "fuzz_$$t: $$(grep -o 'Done [0-9]* runs in [0-9]* second' $(FUZZBUILD)/fuzz_$$t.log), no crash"; \
	done

demo: deps
	@$(MAKE) --no-print-directory all
	@sh examples/demo.sh $(BUILD)/vaultrun

lint:
	clang-format --dry-run --Werror launcher/*.c launcher/*.h tests/unit/*.c tests/unit/*.h
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--inline-suppr -D_GNU_SOURCE launcher/
	! grep -nE '\b(atoi|strcpy|strcat|sprintf|gets|system|setenv|putenv)\(' launcher/*.c
	mandoc -Tlint -Wwarning man/vaultrun.1 man/vaultrun.ini.5

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(BUILD)/vaultrun $(DESTDIR)$(BINDIR)/vaultrun
	install -m 644 man/vaultrun.1 $(DESTDIR)$(MANDIR)/man1/vaultrun.1
	install -m 644 man/vaultrun.ini.5 $(DESTDIR)$(MANDIR)/man5/vaultrun.ini.5
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 644 completions/vaultrun.bash $(DESTDIR)$(BASHCOMPDIR)/vaultrun
	install -m 644 completions/_vaultrun $(DESTDIR)$(ZSHCOMPDIR)/_vaultrun

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vaultrun $(DESTDIR)$(MANDIR)/man1/vaultrun.1 \
		$(DESTDIR)$(MANDIR)/man5/vaultrun.ini.5 \
		$(DESTDIR)$(BASHCOMPDIR)/vaultrun $(DESTDIR)$(ZSHCOMPDIR)/_vaultrun

clean:
	rm -rf build build-san build-clang build-fuzz

# make bench: performance measurements against baselines (tests/bench).  A
# tree without tests/ (the Dockerfile's build context) still builds.
-include tests/bench/bench.mk
bench: all
ifeq ($(wildcard tests/bench/bench.mk),)
bench:
	@echo "bench: tests/bench/bench.mk is missing from this tree" >&2; exit 1
endif

.PHONY: all deps unit test check stress-test fuzz demo lint install uninstall clean

-include $(OBJS:.o=.d) $(UNITOBJ:.o=.d) $(FUZZOBJ:.o=.d)
