# libFuzzer targets, on their own (the top-level Makefile runs
#   $(MAKE) -f tests/fuzz/fuzz.mk FUZZ_SECONDS=N run
# so nothing here comes from it).  Every tests/fuzz/fuzz_*.c is a target,
# built with clang -fsanitize=fuzzer,address,undefined against the sources
# of classify/ and common/ (fuzz_policy.c: policy/ and common/), every
# object instrumented, into $(BUILD)/fuzz/.
#
#   make -f tests/fuzz/fuzz.mk                   build every target
#   make -f tests/fuzz/fuzz.mk FUZZ_SECONDS=20 run
#                                                run each for FUZZ_SECONDS with its
#                                                seeds (tests/fuzz/corpus/<name>/, the
#                                                name with or without "fuzz_");
#                                                fails on any crash, leak, timeout
#                                                or sanitizer report
#   make -f tests/fuzz/fuzz.mk run FUZZ_TARGETS="fuzz_rtf fuzz_ole"
#
# New inputs found while running go to $(BUILD)/fuzz/corpus/<name>/ (the
# committed seeds are never written to); a crashing input is saved as
# $(BUILD)/fuzz/crash-<name>-*.

FUZZ_CC      ?= clang
BUILD        ?= build
FUZZ_SECONDS ?= 60
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SEEDS   ?= tests/fuzz/corpus
FUZZ_PKGS    := libmagic openssl libsodium libarchive zlib libxml-2.0 poppler-glib cairo jansson icu-uc icu-i18n \
		tesseract lept
FUZZ_PKG_CFLAGS := $(shell pkg-config --cflags $(FUZZ_PKGS))
FUZZ_PKG_LIBS   := $(shell pkg-config --libs $(FUZZ_PKGS))
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=gnu11 -g -O1 $(FUZZ_SAN) -I. $(FUZZ_PKG_CFLAGS)

FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES   := $(patsubst tests/fuzz/%.c,%,$(FUZZ_SRCS))
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_BINS    := $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))

COMMON_SRCS   := $(wildcard common/*.c)
CLASSIFY_SRCS := $(wildcard classify/*.c)
POLICY_SRCS   := $(wildcard policy/*.c)
obj = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(1))

all: $(FUZZ_BINS)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)

$(FUZZ_DIR)/fuzz_policy: $(call obj,tests/fuzz/fuzz_policy.c $(POLICY_SRCS) $(COMMON_SRCS))
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(FUZZ_PKG_LIBS) -lm

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(call obj,$(CLASSIFY_SRCS) $(COMMON_SRCS))
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(FUZZ_PKG_LIBS) -lm

# Each target in turn; all of them run even after a failure, which is
# reported at the end with the saved input.
run: $(FUZZ_BINS)
	@failed=""; \
	for name in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$name; \
		seeds=""; \
		for d in $(FUZZ_SEEDS)/$$name $(FUZZ_SEEDS)/$${name#fuzz_}; do \
			[ -d "$$d" ] && seeds="$$seeds $$d"; \
		done; \
		echo "== $$name: $(FUZZ_SECONDS) s, seeds:$${seeds:- none}"; \
		if ! ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
		    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		    $(FUZZ_DIR)/$$name -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 \
		    -timeout=10 -max_len=1048576 -print_final_stats=1 \
		    -artifact_prefix=$(FUZZ_DIR)/crash-$$name- \
		    $(FUZZ_DIR)/corpus/$$name $$seeds \
		    >$(FUZZ_DIR)/$$name.log 2>&1; then \
			failed="$$failed $$name"; \
			tail -40 $(FUZZ_DIR)/$$name.log; \
		else \
			grep -E '^stat::number_of_executed_units|^Done' $(FUZZ_DIR)/$$name.log || true; \
		fi; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: FAILED:$$failed (inputs: $(FUZZ_DIR)/crash-*)"; exit 1; fi; \
	echo "fuzz: every target ran $(FUZZ_SECONDS) s without a finding"

clean:
	rm -rf $(FUZZ_DIR)

.PHONY: all run clean
# Objects are shared by every target: keep them between runs.
.SECONDARY:
