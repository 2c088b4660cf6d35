# collector/: ward-collector.  Every collector/*.c but main.c, and the
# review console (collector/console/), is in libward-collector.a so tests
# and the benchmark can link the parts.
include collector/console/module.mk
COLLECTOR_SRCS := $(filter-out collector/main.c,$(wildcard collector/*.c)) $(CONSOLE_SRCS)
# libmicrohttpd and GnuTLS (the listeners, client certificates), libpq and
# SQLite (the two databases), libcrypto (the CA and certificates),
# libsodium (Argon2id and sealed signing keys for the console's accounts).
COLLECTOR_PKGS := libmicrohttpd gnutls libpq sqlite3 libcrypto libsodium $(CONSOLE_PKGS)
COLLECTOR_CFLAGS := $(call pkg_cflags,$(COLLECTOR_PKGS))
$(COLLECTOR_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/collector/main.o: CFLAGS += $(COLLECTOR_CFLAGS)
$(BUILD)/libward-collector.a: $(COLLECTOR_SRCS:%.c=$(BUILD)/obj/%.o)
LIBS += $(BUILD)/libward-collector.a
# What links libward-collector.a links these (report/: the chain verifier;
# policy/: the approval tokens the console signs).
COLLECTOR_LINK_PKGS := $(COLLECTOR_PKGS) $(REPORT_PKGS) $(POLICY_PKGS) $(COMMON_PKGS)
COLLECTOR_LIBS := $(BUILD)/libward-collector.a $(BUILD)/libward-report.a \
		$(BUILD)/libward-policy.a $(BUILD)/libward-common.a

PROGRAMS += $(BUILD)/ward-collector
$(BUILD)/ward-collector: LDLIBS := $(call pkg_libs,$(COLLECTOR_LINK_PKGS))
$(BUILD)/ward-collector: $(BUILD)/obj/collector/main.o $(COLLECTOR_LIBS)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(filter %.a,$^) -Wl,--end-group $(LDLIBS)

COLLECTOR_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_collector*.c))
UNIT_TESTS += $(COLLECTOR_TESTS)
$(COLLECTOR_TESTS): TEST_PKGS := $(COLLECTOR_LINK_PKGS)
$(COLLECTOR_TESTS): $(COLLECTOR_LIBS)

# The log's benchmark program (tests/bench/collector.sh runs it).
BENCHES += $(BUILD)/bench/bench_collector
$(BUILD)/bench/bench_collector: tests/bench/bench_collector.c $(COLLECTOR_LIBS)
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	$(Q)$(CC) $(CFLAGS) $(COLLECTOR_CFLAGS) $(LDFLAGS) -o $@ $< -Wl,--start-group \
		$(filter %.a,$^) -Wl,--end-group $(call pkg_libs,$(COLLECTOR_LINK_PKGS))
