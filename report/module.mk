# report/: the signed record log (keys, ratchet, records, segments, group
# commit, recovery) and the chain verifier, as libward-report.a for wardd,
# wardctl, the sender, the collector and the tests.
REPORT_SRCS := $(wildcard report/*.c)
# libcrypto: the ratchet's HMAC, SHA-256 of records, random seeds;
# libsystemd: the boot id (sd_id128_get_boot).
REPORT_PKGS := libcrypto libsystemd
REPORT_CFLAGS := $(call pkg_cflags,$(REPORT_PKGS))
$(REPORT_SRCS:%.c=$(BUILD)/obj/%.o): CFLAGS += $(REPORT_CFLAGS)
$(BUILD)/libward-report.a: $(REPORT_SRCS:%.c=$(BUILD)/obj/%.o)
LIBS += $(BUILD)/libward-report.a

REPORT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_report*.c))
UNIT_TESTS += $(REPORT_TESTS)
$(REPORT_TESTS): $(BUILD)/libward-report.a $(BUILD)/libward-common.a
$(REPORT_TESTS): TEST_PKGS := $(REPORT_PKGS) $(COMMON_PKGS)

# Test tools that write and read record logs: tests/tools/report-*.c.
REPORT_TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/report-*.c))
TOOLS += $(REPORT_TOOLS)
$(REPORT_TOOLS): $(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(BUILD)/libward-report.a \
		$(BUILD)/libward-common.a
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(filter %.a,$^) -Wl,--end-group \
		$(call pkg_libs,$(REPORT_PKGS) $(COMMON_PKGS))
