# kmod-free/: every .c file here is part of libward-kmodfree.a.
KMODFREE_SRCS := $(wildcard kmod-free/*.c)
$(BUILD)/libward-kmodfree.a: $(KMODFREE_SRCS:%.c=$(BUILD)/obj/%.o)
LIBS += $(BUILD)/libward-kmodfree.a

KMODFREE_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_kmodfree*.c))
UNIT_TESTS += $(KMODFREE_TESTS)
$(KMODFREE_TESTS): $(BUILD)/libward-kmodfree.a $(BUILD)/libward-common.a
