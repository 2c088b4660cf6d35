# Ward: one Makefile, no generated build system.  Each part keeps its own
# fragment (<part>/module.mk) that adds its library, programs and tests.
#
#   make            build every program into build/
#   make deps       install the Debian packages the build and tests need
#   make check      deps, build, all tests; last line "N passed, N failed"
#   make check SAN=1  the same under AddressSanitizer + UBSan (build/san/)
#   make asan       build the sanitizer variant only
#   make lint       cppcheck, clang-format, and the layout rules (tests/lint/layout.sh)
#   make bench      benchmarks under tests/bench/
#   make fuzz       libFuzzer targets for a bounded time (FUZZ_SECONDS)
#   make run        the main job: wardd with the default policy, foreground
#   make install    programs, default policy, unit, translations (DESTDIR, PREFIX)
#   make deb        the Debian packages under build/deb (packaging/deb.sh)
#   make pot        refresh po/ward.pot and merge it into po/*.po

CC      ?= cc

# Libraries come through pkg-config, one part at a time: each fragment names
# the packages its own code calls (<PART>_PKGS) and compiles its objects
# with their flags; each program and test links the packages of the parts
# it links and nothing more (tests/integration/06-build-links.sh checks
# that wardd links no document parser).
pkg_cflags = $(if $(strip $(1)),$(shell pkg-config --cflags $(1)))
pkg_libs   = $(if $(strip $(1)),$(shell pkg-config --libs $(1)))

ifeq ($(SAN),1)
BUILD   ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT     := -O1
HARDEN  := -fstack-protector-strong
else
BUILD   ?= build
SANFLAGS :=
OPT     := -O2
HARDEN  := -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fstack-clash-protection -fcf-protection
endif

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wno-missing-field-initializers
CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=gnu11 $(WARN) $(HARDEN) $(SANFLAGS) -fPIE -pthread \
           -I. -I$(BUILD)/gen
LDFLAGS += -Wl,--as-needed -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack -pthread $(SANFLAGS)
# Set per program by the fragments (target-specific), never globally.
LDLIBS  :=

# Where `make install` puts things (packaging/install.mk), and where the
# programs look for their data and translations.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
DATADIR    ?= $(PREFIX)/share
LOCALEDIR  ?= $(DATADIR)/locale
DOCDIR     ?= $(DATADIR)/doc/ward
MANDIR     ?= $(DATADIR)/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
# Programs only the packages' scripts run (packaging/agent-setup.sh).
PKGLIBDIR  ?= $(PREFIX)/lib/ward
# wardd's configuration and policy live in /etc/ward whatever the prefix
# (agent/config.h); SYSCONFDIR only moves where install writes them.
SYSCONFDIR ?= /etc

# Quiet by default; V=1 shows every command.
ifeq ($(V),1)
Q :=
else
Q := @
endif

PROGRAMS :=
LIBS     :=
UNIT_TESTS :=
TOOLS    :=
FUZZERS  :=
BENCHES  :=

all: programs

# Each fragment appends to PROGRAMS, LIBS, UNIT_TESTS, TOOLS, FUZZERS, BENCHES.
include common/module.mk
include classify/module.mk
include policy/module.mk
include kmod-free/module.mk
include report/module.mk
include sender/module.mk
include agent/module.mk
include notify/module.mk
include wardctl/module.mk
include collector/module.mk
include tests/module.mk
include packaging/install.mk
include packaging/deb.mk

programs: $(PROGRAMS) $(TOOLS)

# Objects: one per source file, mirrored under $(BUILD)/obj/.
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# A part's library: $(BUILD)/libward-<part>.a from its objects.
$(BUILD)/libward-%.a:
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# Unit tests: tests/unit/test_<name>.c linked with the libraries the part's
# fragment lists as prerequisites of $(BUILD)/tests/test_<name>, and the
# packages it sets in TEST_PKGS for them.
CMOCKA_LIBS := $(call pkg_libs,cmocka)
$(BUILD)/tests/test_%: tests/unit/test_%.c
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(CFLAGS) $(call pkg_cflags,$(TEST_PKGS)) $(LDFLAGS) -o $@ $< \
		-Wl,--start-group $(filter %.a,$^) -Wl,--end-group $(call pkg_libs,$(TEST_PKGS)) \
		$(CMOCKA_LIBS)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# The installed paths compiled into the programs, as a header rewritten only
# when one changes: `make install PREFIX=/usr` after `make` rebuilds what
# depends on them (the objects that include it list it below).
WARD_PATHS_H := $(BUILD)/gen/ward-paths.h
$(WARD_PATHS_H): FORCE
	@mkdir -p $(dir $@)
	@printf '/* Written by make from PREFIX and its friends; do not edit. */\n#define WARD_LOCALEDIR "%s"\n#define WARD_DATADIR "%s/ward"\n' \
		'$(LOCALEDIR)' '$(DATADIR)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/obj/common/i18n.o: $(WARD_PATHS_H)
FORCE:
.PHONY: FORCE

deps:
	@packaging/deps.sh

asan:
	$(MAKE) SAN=1 all

check: deps
	$(MAKE) all $(UNIT_TESTS)
	WARD_BUILD=$(BUILD) SAN=$(SAN) tests/run.sh

lint:
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
	  --inline-suppr --suppress=missingIncludeSystem -I. \
	  $$(git ls-files '*.c' '*.h')
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')
	tests/lint/layout.sh

bench: all $(BENCHES)
	WARD_BUILD=$(BUILD) tests/bench/run.sh

FUZZ_SECONDS ?= 60
fuzz:
	$(MAKE) -f tests/fuzz/fuzz.mk FUZZ_SECONDS=$(FUZZ_SECONDS) run

run: deps all
	packaging/run.sh

# Refresh the message template and merge it into each catalogue.
pot:
	xgettext --from-code=UTF-8 -k_ -kN_ -kP_:1,2 -c -o po/ward.pot --package-name=ward -f po/POTFILES
	for po in po/*.po; do msgmerge -q --update --backup=none $$po po/ward.pot; done

clean:
	rm -rf build

.PHONY: all programs deps asan check lint bench fuzz run pot clean install
