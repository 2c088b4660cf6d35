# wardctl/: the administrator's command line.  main.c dispatches to one
# cmd_<area>.c per area (classify, policy, agent).
WARDCTL_SRCS := $(wildcard wardctl/*.c)
PROGRAMS += $(BUILD)/wardctl
$(BUILD)/wardctl: $(WARDCTL_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/libward-agent.a $(BUILD)/libward-report.a \
		$(BUILD)/libward-kmodfree.a $(BUILD)/libward-policy.a \
		$(BUILD)/libward-classify.a $(BUILD)/libward-common.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) -Wl,--start-group $(filter %.a,$^) -Wl,--end-group $(LDLIBS)
