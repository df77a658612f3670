# vaultrun - a secrets-to-environment process launcher
.SUFFIXES:

VERSION  = 0.1.0
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
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

# libFuzzer harnesses over the parsers; FUZZTIME seconds each.
FUZZTIME ?= 60
FUZZCC   ?= clang
FUZZFLAGS = -std=c99 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
	-Ilauncher $(PKG_CFLAGS)
FUZZLIB  = launcher/manifest.c launcher/ref.c launcher/json.c launcher/util.c \
	launcher/secret.c launcher/error.c launcher/readfile.c launcher/streammask.c
fuzz:
	mkdir -p build-fuzz
	for t in manifest ref json streammask; do \
		$(FUZZCC) $(FUZZFLAGS) -o build-fuzz/fuzz_$$t tests/fuzz/fuzz_$$t.c \
			$(FUZZLIB) $(PKG_LIBS) || exit 1; \
		mkdir -p build-fuzz/corpus-$$t; \
		./build-fuzz/fuzz_$$t -max_total_time=$(FUZZTIME) -max_len=4096 \
			build-fuzz/corpus-$$t tests/fuzz/corpus/$$t \
			>build-fuzz/fuzz_$$t.log 2>&1 || { tail -n 40 build-fuzz/fuzz_$$t.log; exit 1; }; \
		echo "fuzz_$$t: $$(grep -o 'Done [0-9]* runs in [0-9]* second' build-fuzz/fuzz_$$t.log), no crash"; \
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

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vaultrun $(DESTDIR)$(MANDIR)/man1/vaultrun.1 \
		$(DESTDIR)$(MANDIR)/man5/vaultrun.ini.5

clean:
	rm -rf build build-san build-fuzz

# make bench: performance measurements against baselines (tests/bench).
include tests/bench/bench.mk
bench: all

.PHONY: all deps unit test check fuzz demo lint install uninstall clean

-include $(OBJS:.o=.d) $(UNITOBJ:.o=.d)
