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
