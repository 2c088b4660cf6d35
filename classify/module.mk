# classify/: every .c file here is part of libward-classify.a (new
# extractors are picked up without editing this file).
CLASSIFY_SRCS := $(wildcard classify/*.c)
$(BUILD)/libward-classify.a: $(CLASSIFY_SRCS:%.c=$(BUILD)/obj/%.o)
LIBS += $(BUILD)/libward-classify.a

# Unit tests tests/unit/test_classify*.c link classify + common.
CLASSIFY_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_classify*.c))
UNIT_TESTS += $(CLASSIFY_TESTS)
$(CLASSIFY_TESTS): $(BUILD)/libward-classify.a $(BUILD)/libward-common.a

# The classifier benchmark's C program (tests/bench/classify.sh runs it).
BENCHES += $(BUILD)/bench/bench_classify
$(BUILD)/bench/bench_classify: tests/bench/bench_classify.c $(BUILD)/libward-classify.a \
		$(BUILD)/libward-common.a
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -Wl,--start-group $(filter %.a,$^) -Wl,--end-group $(LDLIBS)

# Fuzz target: the whole classifier (classify_buffer on any bytes), built
# with clang's libFuzzer from the sources; seeds in tests/fuzz/corpus/classify
# and the test corpus.
#   make build/fuzz/fuzz_classify && build/fuzz/fuzz_classify -max_total_time=60 \
#        tests/fuzz/corpus/classify tests/corpus/*/
FUZZ_CC ?= clang
FUZZERS += $(BUILD)/fuzz/fuzz_classify
CLASSIFY_FUZZ_SRCS := tests/fuzz/fuzz_classify.c $(CLASSIFY_SRCS) $(COMMON_SRCS)
$(BUILD)/fuzz/fuzz_classify: $(CLASSIFY_FUZZ_SRCS) $(wildcard classify/*.h common/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -I. $(PKG_CFLAGS) \
		-o $@ $(CLASSIFY_FUZZ_SRCS) $(PKG_LIBS) -lm
