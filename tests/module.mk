# Test tools: small C programs integration tests use, one per
# tests/tools/<name>.c, built into $(BUILD)/tools/<name> and linked with the
# common library.  tests/tools/kmodfree-*.c belong to kmod-free/module.mk,
# tests/tools/report-*.c to report/module.mk, tests/tools/classify-*.c to
# classify/module.mk.
TESTS_TOOL_SRCS := $(filter-out tests/tools/kmodfree-%.c tests/tools/report-%.c tests/tools/classify-%.c,$(wildcard tests/tools/*.c))
TESTS_TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TESTS_TOOL_SRCS))
TOOLS += $(TESTS_TOOLS)
# Packages a tool calls itself (TOOL_PKGS), beside common's.
$(BUILD)/tools/udev-probe $(BUILD)/tools/usb-authorize: TOOL_PKGS := libudev
# The collector's test client talks HTTPS through libcurl.
$(BUILD)/tools/collector-client: TOOL_PKGS := libcurl
$(TESTS_TOOLS): $(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(BUILD)/libward-common.a
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(filter %.a,$^) $(call pkg_libs,$(TOOL_PKGS) $(COMMON_PKGS))

tools: $(TOOLS)
.PHONY: tools

