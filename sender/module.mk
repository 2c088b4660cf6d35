# sender/: ward-sender, the unprivileged process that carries the record log
# to the collector over HTTPS (libcurl).  Its parts are libward-sender.a so
# that `wardctl enroll` and the tests reuse the client; wardd never links it.
SENDER_SRCS := $(filter-out sender/main.c,$(wildcard sender/*.c))
# libcurl + libssl/libcrypto (HTTPS, the pinned CA, the TLS key and CSR),
# jansson (bodies), libsystemd (the machine id at enrollment).
SENDER_PKGS := libcurl libssl libcrypto jansson libsystemd
SENDER_CFLAGS := $(call pkg_cflags,$(SENDER_PKGS))
$(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard sender/*.c)): CFLAGS += $(SENDER_CFLAGS)
$(BUILD)/libward-sender.a: $(SENDER_SRCS:%.c=$(BUILD)/obj/%.o)
LIBS += $(BUILD)/libward-sender.a

PROGRAMS += $(BUILD)/ward-sender
$(BUILD)/ward-sender: LDLIBS := $(call pkg_libs,$(SENDER_PKGS) $(REPORT_PKGS) $(COMMON_PKGS))
$(BUILD)/ward-sender: $(BUILD)/obj/sender/main.o $(BUILD)/libward-sender.a \
		$(BUILD)/libward-report.a $(BUILD)/libward-common.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(filter %.a,$^) -Wl,--end-group $(LDLIBS)

SENDER_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_sender*.c))
UNIT_TESTS += $(SENDER_TESTS)
$(SENDER_TESTS): $(BUILD)/libward-sender.a $(BUILD)/libward-report.a $(BUILD)/libward-common.a
$(SENDER_TESTS): TEST_PKGS := $(SENDER_PKGS) $(REPORT_PKGS) $(COMMON_PKGS)
