# bouncekit: small C programs that read and write JSON lines about bounces.
# The one place of the version: every program's --version, the man pages as
# installed (.Os) and debian/changelog follow it (tests/05-release.bats).
VERSION = 0.2.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/bouncekit
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
# The pipeline script that the systemd service and the crontab run.
PKGDATADIR ?= $(DATADIR)/bouncekit

CC ?= cc
CFLAGS ?= -O2 -g
WARNFLAGS = -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# CI builds treat warnings as errors.
ifneq ($(CI),)
WERROR ?= 1
endif
ifeq ($(WERROR),1)
WARNFLAGS += -Werror
endif
# Evaluated once per make; `make check` and `make demo` run tools/deps.sh
# first and the build in a sub-make, which looks again.
# libpq: its header only; the PostgreSQL store loads it when it is used.
PKG_CFLAGS := $(shell pkg-config --cflags jansson zlib sqlite3 libpq 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs jansson zlib sqlite3 2>/dev/null || echo -ljansson -lz -lsqlite3)
ALL_CPPFLAGS = -D_POSIX_C_SOURCE=200809L -DBK_VERSION='"$(VERSION)"' -Icommon $(CPPFLAGS)
# -fno-plt: calls into the C library (a memchr(3) per line of a message, a
# million a bench run) through the GOT, not a PLT stub each; 0.9% of
# bounce-parse's instructions on bench/bench-email.sh's folder.
ALL_CFLAGS = $(WARNFLAGS) $(CFLAGS) -fno-plt $(PKG_CFLAGS) -pthread
# Each object also lists the headers it includes (build/**/*.d, read below).
DEPFLAGS = -MMD -MP

BUILD ?= build
BIN ?= bin

PROGS = $(patsubst cmd/%.c,%,$(wildcard cmd/*.c))
COMMON_SRC = $(wildcard common/*.c)
COMMON_OBJ = $(patsubst common/%.c,$(BUILD)/common/%.o,$(COMMON_SRC))
MANPAGES = $(wildcard man/*.[1-8])
LIB = $(BUILD)/libbouncekit.a
# The compiler, flags and version of the last build: a change rebuilds all.
FLAGS_STAMP = $(BUILD)/.flags

.SECONDARY:
.PHONY: all check test asan tsan lint demo bench fuzz fuzz-replay install uninstall clean \
	deps deps-dev FORCE record-mta
all: $(addprefix $(BIN)/,$(PROGS))

# `make` only builds. `make deps` checks what the build and the tests need
# and installs what is missing (as root, with apt-get), or names it; the
# list is tools/deps.sh. DEPS=check only checks (package builds use it).
DEPS ?= install
deps:
	@sh tools/deps.sh --$(DEPS) build test
deps-dev:
	@sh tools/deps.sh --$(DEPS) build test dev

$(FLAGS_STAMP): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(subst ','"'"',$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) $(PKG_LIBS))' >$@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv -f $@.new $@; fi

$(BUILD)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(LIB): $(COMMON_OBJ)
	rm -f $@
	$(AR) rcs $@ $(COMMON_OBJ)

$(addprefix $(BIN)/,$(PROGS)): $(BIN)/%: $(BUILD)/cmd/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

# make check: the dependencies first (tools/deps.sh), then `make test` in a
# sub-make, so that nothing compiles before they are there.
check: deps
	@$(MAKE) --no-print-directory test

# The bats suite with the programs just built first in PATH, then a replay of
# every fuzz corpus through the plain (gcc) build of the harnesses.
test: all fuzz-replay $(BUILD)/unit-common $(BUILD)/unit-hmap $(BUILD)/unit-sandbox
	PATH="$(abspath $(BIN)):$$PATH" \
	  BK_UNIT="$(abspath $(BUILD))/unit-common" BK_MAKEARGS="BUILD=$(BUILD) BIN=$(BIN)" \
	  BK_UNIT_HMAP="$(abspath $(BUILD))/unit-hmap" \
	  BK_UNIT_SANDBOX="$(abspath $(BUILD))/unit-sandbox" bats tests/

$(BUILD)/unit-common: $(BUILD)/tests/unit-common.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

$(BUILD)/unit-hmap: $(BUILD)/tests/unit-hmap.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

$(BUILD)/unit-sandbox: $(BUILD)/tests/unit-sandbox.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

# The whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	$(MAKE) BUILD=build-asan BIN=bin-asan \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" check
	@echo "asan: suite passed under ASan+UBSan"

# The tests that run threads (bounce-parse -j on folders) under
# ThreadSanitizer: a data race fails them (halt_on_error).
TSAN_TESTS = tests/11-bounce-parse-email.bats tests/14-bounce-parse-charset.bats tests/90-faults.bats
tsan: deps
	$(MAKE) BUILD=build-tsan BIN=bin-tsan CFLAGS="-O1 -g -fsanitize=thread" \
	  LDFLAGS="-fsanitize=thread" all
	@if ! bin-tsan/bounce-parse --version >/dev/null 2>&1; then \
	  echo "tsan: ThreadSanitizer does not run on this machine (skipped)"; exit 0; fi; \
	PATH="$(CURDIR)/bin-tsan:$$PATH" \
	  TSAN_OPTIONS="halt_on_error=1 exitcode=66" bats $(TSAN_TESTS) && \
	  echo "tsan: thread tests passed under ThreadSanitizer"

lint: deps
	mandoc -Tlint -W warning $(MANPAGES)
	@echo "lint: $(words $(MANPAGES)) pages clean"

demo: deps
	@$(MAKE) --no-print-directory all
	@sh examples/demo.sh "$(abspath $(BIN))"

bench: all
	@sh bench/run.sh "$(abspath $(BIN))"

# Records real Postfix, Exim and Sendmail on 127.0.0.1 into tests/fixtures/mta (root,
# about 10 minutes; see tests/fixtures/mta/README.md). make check only reads
# what was recorded.
record-mta:
	sh tests/mta/record.sh

# Fuzz harnesses: fuzz/fuzz_*.c. With clang and libFuzzer for real fuzzing;
# with the replay main (fuzz/replay.c) for make check.
FUZZ_SRC = $(wildcard fuzz/fuzz_*.c)
FUZZ_NAMES = $(patsubst fuzz/%.c,%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 60
fuzz-replay: $(addprefix $(BUILD)/fuzz/,$(FUZZ_NAMES))
	@for f in $(FUZZ_NAMES); do \
	  $(BUILD)/fuzz/$$f fuzz/corpus/$${f#fuzz_} >/dev/null || exit 1; \
	done; echo "fuzz-replay: $(words $(FUZZ_NAMES)) corpora replayed"

$(addprefix $(BUILD)/fuzz/,$(FUZZ_NAMES)): $(BUILD)/fuzz/%: $(BUILD)/fuzz/%.o $(BUILD)/fuzz/replay.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/fuzz/replay.o $(LIB) $(PKG_LIBS) -lm

fuzz:
	@sh fuzz/run.sh $(FUZZ_SECONDS)

# Programs, man pages (with the version), the bash completion (one name per
# program), the pipeline script, and the examples with the systemd units and
# crontab under the doc folder, their paths set to where this install puts things.
DOCS = README.md NEWS LICENSE NOTICE
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(PKGDATADIR) \
	  $(DESTDIR)$(DOCDIR)/examples
	for p in $(PROGS); do install -m 0755 $(BIN)/$$p $(DESTDIR)$(BINDIR)/$$p; done
	for m in $(MANPAGES); do s=$${m##*.}; \
	  sed 's/^\.Os$$/.Os bouncekit $(VERSION)/' $$m >$(DESTDIR)$(MANDIR)/man$$s/$${m#man/} && \
	  chmod 0644 $(DESTDIR)$(MANDIR)/man$$s/$${m#man/} || exit 1; done
	install -m 0644 completion/bouncekit.bash $(DESTDIR)$(BASHCOMPDIR)/bouncekit
	for p in $(PROGS); do ln -sf bouncekit $(DESTDIR)$(BASHCOMPDIR)/$$p; done
	install -m 0755 examples/bouncekit-pipeline.sh $(DESTDIR)$(PKGDATADIR)/
	install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	cd examples && find . -type f | sort | while read -r f; do \
	  install -d "$(DESTDIR)$(DOCDIR)/examples/$${f%/*}" && \
	  sed -e 's|/usr/local/share/bouncekit|$(PKGDATADIR)|g' -e 's|/usr/local/bin|$(BINDIR)|g' \
	    -e 's|=/usr/bin:/usr/bin:|=/usr/bin:|' \
	    "$$f" >"$(DESTDIR)$(DOCDIR)/examples/$$f" && \
	  chmod 0644 "$(DESTDIR)$(DOCDIR)/examples/$$f" || exit 1; done

uninstall:
	for p in $(PROGS); do rm -f $(DESTDIR)$(BINDIR)/$$p $(DESTDIR)$(BASHCOMPDIR)/$$p; done
	for m in $(MANPAGES); do s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m#man/}; done
	rm -f $(DESTDIR)$(BASHCOMPDIR)/bouncekit $(DESTDIR)$(PKGDATADIR)/bouncekit-pipeline.sh
	-rmdir $(DESTDIR)$(PKGDATADIR)
	rm -rf $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build build-asan build-tsan bin bin-asan bin-tsan fuzz/bin bench/out

# Every program on fixtures, corpus samples and hostile inputs, and every fuzz
# corpus through its harness, under valgrind: no memory error, no leak.
.PHONY: valgrind
valgrind: deps-dev
	@$(MAKE) --no-print-directory all $(addprefix $(BUILD)/fuzz/,$(FUZZ_NAMES))
	@sh fuzz/valgrind.sh "$(abspath $(BIN))" "$(abspath $(BUILD))/fuzz"

-include $(wildcard $(BUILD)/*/*.d)
