# agent/: wardd and wardd-scanner.  Every agent/*.c but the two mains is in
# libward-agent.a, so unit tests can link the parts.  wardd links no document
# parser: only wardd-scanner, the sandboxed process, does.
AGENT_SRCS := $(filter-out agent/wardd.c agent/wardd-scanner.c,$(wildcard agent/*.c))
# libudev (devices), libseccomp (the scanner's sandbox), libsystemd
# (sd_notify, the watchdog), libcrypto (SHA-256 of documents and journal).
AGENT_PKGS := libudev libseccomp libsystemd libcrypto
AGENT_CFLAGS := $(call pkg_cflags,$(AGENT_PKGS))
$(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard agent/*.c)): CFLAGS += $(AGENT_CFLAGS)
$(BUILD)/libward-agent.a: $(AGENT_SRCS:%.c=$(BUILD)/obj/%.o)
LIBS += $(BUILD)/libward-agent.a

PROGRAMS += $(BUILD)/wardd-scanner
$(BUILD)/wardd-scanner: LDLIBS := $(call pkg_libs,$(AGENT_PKGS) $(CLASSIFY_PKGS) $(COMMON_PKGS))
$(BUILD)/wardd-scanner: $(BUILD)/obj/agent/wardd-scanner.o $(BUILD)/libward-agent.a \
		$(BUILD)/libward-classify.a $(BUILD)/libward-common.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(filter %.a,$^) -Wl,--end-group $(LDLIBS)

ifneq ($(wildcard agent/wardd.c),)
PROGRAMS += $(BUILD)/wardd
# No document parser: CLASSIFY_PKGS stay out (classify/'s parts wardd uses
# call none of them).  report/: the record ids' reference codes.
$(BUILD)/wardd: LDLIBS := $(call pkg_libs,$(AGENT_PKGS) $(KMODFREE_PKGS) $(POLICY_PKGS) \
		$(REPORT_PKGS) $(COMMON_PKGS))
$(BUILD)/wardd: $(BUILD)/obj/agent/wardd.o $(BUILD)/libward-agent.a $(BUILD)/libward-report.a \
		$(BUILD)/libward-kmodfree.a $(BUILD)/libward-policy.a \
		$(BUILD)/libward-classify.a $(BUILD)/libward-report.a $(BUILD)/libward-common.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(filter %.a,$^) -Wl,--end-group $(LDLIBS)
endif

AGENT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_agent*.c))
UNIT_TESTS += $(AGENT_TESTS)
$(AGENT_TESTS): $(BUILD)/libward-agent.a $(BUILD)/libward-report.a $(BUILD)/libward-kmodfree.a \
		$(BUILD)/libward-policy.a $(BUILD)/libward-classify.a $(BUILD)/libward-common.a
$(AGENT_TESTS): TEST_PKGS := $(AGENT_PKGS) $(KMODFREE_PKGS) $(POLICY_PKGS) $(CLASSIFY_PKGS) \
		$(REPORT_PKGS) $(COMMON_PKGS)
