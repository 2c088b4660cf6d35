COMMON_SRCS := common/log.c common/level.c common/jsonw.c common/util.c common/device.c
$(BUILD)/libward-common.a: $(COMMON_SRCS:%.c=$(BUILD)/obj/%.o)
LIBS += $(BUILD)/libward-common.a
UNIT_TESTS += $(BUILD)/tests/test_common
$(BUILD)/tests/test_common: $(BUILD)/libward-common.a
