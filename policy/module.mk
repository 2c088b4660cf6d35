# policy/: every .c file here is part of libward-policy.a.
POLICY_SRCS := $(wildcard policy/*.c)
# libcrypto: constant-time comparisons of digests and keys.
POLICY_PKGS := libcrypto
POLICY_CFLAGS := $(call pkg_cflags,$(POLICY_PKGS))
$(POLICY_SRCS:%.c=$(BUILD)/obj/%.o): CFLAGS += $(POLICY_CFLAGS)
$(BUILD)/libward-policy.a: $(POLICY_SRCS:%.c=$(BUILD)/obj/%.o)
LIBS += $(BUILD)/libward-policy.a

POLICY_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_policy*.c))
UNIT_TESTS += $(POLICY_TESTS)
$(POLICY_TESTS): $(BUILD)/libward-policy.a $(BUILD)/libward-common.a
$(POLICY_TESTS): TEST_PKGS := $(POLICY_PKGS) $(COMMON_PKGS)

# Benchmark: ns per decision on the default policy and a 100-rule policy.
BENCHES += $(BUILD)/bench/bench_policy
$(BUILD)/bench/bench_policy: tests/bench/bench_policy.c $(BUILD)/libward-policy.a \
		$(BUILD)/libward-common.a
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -Wl,--start-group $(filter %.a,$^) -Wl,--end-group \
		$(call pkg_libs,$(POLICY_PKGS) $(COMMON_PKGS))

# Fuzz target: the parser, built with clang's libFuzzer from the sources
# (every object instrumented), seed corpus in tests/fuzz/corpus/policy/.
#   make build/fuzz/fuzz_policy && mkdir -p build/fuzz/corpus/policy &&
#   build/fuzz/fuzz_policy -max_total_time=60 build/fuzz/corpus/policy tests/fuzz/corpus/policy
# (libFuzzer writes new inputs into the first directory: not the seeds.)
FUZZ_CC ?= clang
FUZZERS += $(BUILD)/fuzz/fuzz_policy
POLICY_FUZZ_SRCS := tests/fuzz/fuzz_policy.c $(POLICY_SRCS) $(COMMON_SRCS)
$(BUILD)/fuzz/fuzz_policy: $(POLICY_FUZZ_SRCS) $(wildcard policy/*.h common/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -I. $(call pkg_cflags,$(POLICY_PKGS) $(COMMON_PKGS)) \
		-o $@ $(POLICY_FUZZ_SRCS) $(call pkg_libs,$(POLICY_PKGS) $(COMMON_PKGS))

# The no-allocation test counts the policy library's allocations.
$(BUILD)/tests/test_policy_noalloc: LDFLAGS += -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
