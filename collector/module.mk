# collector/: ward-collector.  Every collector/*.c but main.c is in
# libward-collector.a so unit tests can link the parts.
COLLECTOR_SRCS := $(filter-out collector/main.c,$(wildcard collector/*.c))
COLLECTOR_PKGS := libmicrohttpd gnutls libpq
COLLECTOR_LIBS := $(shell pkg-config --libs $(COLLECTOR_PKGS) 2>/dev/null)
$(BUILD)/obj/collector/%.o: CFLAGS += $(shell pkg-config --cflags $(COLLECTOR_PKGS) 2>/dev/null)
$(BUILD)/libward-collector.a: $(COLLECTOR_SRCS:%.c=$(BUILD)/obj/%.o)
LIBS += $(BUILD)/libward-collector.a

PROGRAMS += $(BUILD)/ward-collector
$(BUILD)/ward-collector: $(BUILD)/obj/collector/main.o $(BUILD)/libward-collector.a \
		$(BUILD)/libward-report.a $(BUILD)/libward-common.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(filter %.a,$^) -Wl,--end-group \
		$(COLLECTOR_LIBS) $(LDLIBS)

COLLECTOR_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_collector*.c))
UNIT_TESTS += $(COLLECTOR_TESTS)
$(COLLECTOR_TESTS): LDLIBS += $(COLLECTOR_LIBS)
$(COLLECTOR_TESTS): $(BUILD)/libward-collector.a $(BUILD)/libward-report.a $(BUILD)/libward-common.a

# The log's benchmark program (tests/bench/collector.sh runs it).
BENCHES += $(BUILD)/bench/bench_collector
$(BUILD)/bench/bench_collector: tests/bench/bench_collector.c $(BUILD)/libward-collector.a \
		$(BUILD)/libward-report.a $(BUILD)/libward-common.a
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -Wl,--start-group $(filter %.a,$^) -Wl,--end-group \
		$(COLLECTOR_LIBS) $(LDLIBS)
