# wardctl/: the administrator's command line.  main.c dispatches to one
# cmd_<area>.c per area (classify, policy, agent).
WARDCTL_SRCS := $(wildcard wardctl/*.c)
# Every part's packages: wardctl classifies documents, reads policies,
# talks to the agent, verifies record logs and enrolls the desk (HTTPS).
WARDCTL_PKGS := $(AGENT_PKGS) $(REPORT_PKGS) $(SENDER_PKGS) $(KMODFREE_PKGS) $(POLICY_PKGS) \
		$(CLASSIFY_PKGS) $(COMMON_PKGS)
WARDCTL_CFLAGS := $(call pkg_cflags,$(WARDCTL_PKGS))
$(WARDCTL_SRCS:%.c=$(BUILD)/obj/%.o): CFLAGS += $(WARDCTL_CFLAGS)
$(BUILD)/wardctl: LDLIBS := $(call pkg_libs,$(WARDCTL_PKGS))
# The installed data directory (the shipped default policy).
$(BUILD)/obj/wardctl/cmd_policy.o: $(WARD_PATHS_H)
PROGRAMS += $(BUILD)/wardctl
$(BUILD)/wardctl: $(WARDCTL_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/libward-agent.a $(BUILD)/libward-report.a \
		$(BUILD)/libward-sender.a $(BUILD)/libward-notify.a \
		$(BUILD)/libward-kmodfree.a $(BUILD)/libward-policy.a \
		$(BUILD)/libward-classify.a $(BUILD)/libward-common.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) -Wl,--start-group $(filter %.a,$^) -Wl,--end-group $(LDLIBS)
