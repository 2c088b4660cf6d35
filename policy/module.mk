# policy/: every .c file here is part of libward-policy.a.
POLICY_SRCS := $(wildcard policy/*.c)
$(BUILD)/libward-policy.a: $(POLICY_SRCS:%.c=$(BUILD)/obj/%.o)
LIBS += $(BUILD)/libward-policy.a

POLICY_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_policy*.c))
UNIT_TESTS += $(POLICY_TESTS)
$(POLICY_TESTS): $(BUILD)/libward-policy.a $(BUILD)/libward-common.a
