# agent/: wardd and wardd-scanner.  Every agent/*.c but the two mains is in
# libward-agent.a, so unit tests can link the parts.  wardd links no document
# parser: only wardd-scanner, the sandboxed process, does.
AGENT_SRCS := $(filter-out agent/wardd.c agent/wardd-scanner.c,$(wildcard agent/*.c))
$(BUILD)/libward-agent.a: $(AGENT_SRCS:%.c=$(BUILD)/obj/%.o)
LIBS += $(BUILD)/libward-agent.a

PROGRAMS += $(BUILD)/wardd-scanner
$(BUILD)/wardd-scanner: $(BUILD)/obj/agent/wardd-scanner.o $(BUILD)/libward-agent.a \
		$(BUILD)/libward-classify.a $(BUILD)/libward-common.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(filter %.a,$^) -Wl,--end-group $(LDLIBS)

ifneq ($(wildcard agent/wardd.c),)
PROGRAMS += $(BUILD)/wardd
$(BUILD)/wardd: $(BUILD)/obj/agent/wardd.o $(BUILD)/libward-agent.a \
		$(BUILD)/libward-kmodfree.a $(BUILD)/libward-policy.a \
		$(BUILD)/libward-classify.a $(BUILD)/libward-common.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(filter %.a,$^) -Wl,--end-group $(LDLIBS)
endif

AGENT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_agent*.c))
UNIT_TESTS += $(AGENT_TESTS)
$(AGENT_TESTS): $(BUILD)/libward-agent.a $(BUILD)/libward-kmodfree.a $(BUILD)/libward-policy.a \
		$(BUILD)/libward-classify.a $(BUILD)/libward-common.a
