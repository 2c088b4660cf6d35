# kmod-free/: every .c file here is part of libward-kmodfree.a.
KMODFREE_SRCS := $(wildcard kmod-free/*.c)
# libudev: the USB device a block device sits on (usbauth.c).
KMODFREE_PKGS := libudev
KMODFREE_CFLAGS := $(call pkg_cflags,$(KMODFREE_PKGS))
$(KMODFREE_SRCS:%.c=$(BUILD)/obj/%.o): CFLAGS += $(KMODFREE_CFLAGS)
$(BUILD)/libward-kmodfree.a: $(KMODFREE_SRCS:%.c=$(BUILD)/obj/%.o)
LIBS += $(BUILD)/libward-kmodfree.a

KMODFREE_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_kmodfree*.c))
UNIT_TESTS += $(KMODFREE_TESTS)
$(KMODFREE_TESTS): $(BUILD)/libward-kmodfree.a $(BUILD)/libward-common.a
$(KMODFREE_TESTS): TEST_PKGS := $(KMODFREE_PKGS) $(COMMON_PKGS)

# Test programs for kmod-free (tests/tools/kmodfree-*.c), into $(BUILD)/tools/.
KMODFREE_TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/kmodfree-*.c))
TOOLS += $(KMODFREE_TOOLS)
# The device watcher runs agent/devices and agent/mounts: linked from their
# objects, not libward-agent.a, so it does not wait on the rest of agent/.
$(BUILD)/tools/kmodfree-devwatch: $(BUILD)/obj/agent/devices.o $(BUILD)/obj/agent/mounts.o \
		$(BUILD)/obj/agent/inventory.o
$(KMODFREE_TOOLS): $(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libward-kmodfree.a \
		$(BUILD)/libward-common.a
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(filter %.o,$^) -Wl,--start-group $(filter %.a,$^) \
		-Wl,--end-group $(call pkg_libs,$(AGENT_PKGS) $(KMODFREE_PKGS) $(COMMON_PKGS))
