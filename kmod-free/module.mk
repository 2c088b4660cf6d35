# kmod-free/: every .c file here is part of libward-kmodfree.a.
KMODFREE_SRCS := $(wildcard kmod-free/*.c)
$(BUILD)/libward-kmodfree.a: $(KMODFREE_SRCS:%.c=$(BUILD)/obj/%.o)
LIBS += $(BUILD)/libward-kmodfree.a

KMODFREE_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_kmodfree*.c))
UNIT_TESTS += $(KMODFREE_TESTS)
$(KMODFREE_TESTS): $(BUILD)/libward-kmodfree.a $(BUILD)/libward-common.a

# Test programs for kmod-free (tests/tools/kmodfree-*.c), into $(BUILD)/tools/.
KMODFREE_TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/kmodfree-*.c))
TOOLS += $(KMODFREE_TOOLS)
$(KMODFREE_TOOLS): $(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libward-kmodfree.a \
		$(BUILD)/libward-common.a
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -Wl,--start-group $(filter %.a,$^) -Wl,--end-group $(LDLIBS)
