# notify/: ward-notify, the per-session pop-up helper, and the client side
# of the notify socket (libward-notify.a: packets, the checked connection,
# the texts people read), which `wardctl events --mine` shares.
NOTIFY_LIB_SRCS := notify/packet.c notify/link.c notify/text.c
$(BUILD)/libward-notify.a: $(NOTIFY_LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIBS += $(BUILD)/libward-notify.a

# libnotify (and GLib under it) only for the helper's own objects.
NOTIFY_GUI_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags libnotify 2>/dev/null))
NOTIFY_GUI_LIBS := $(shell pkg-config --libs libnotify 2>/dev/null)
$(BUILD)/obj/notify/ward-notify.o $(BUILD)/obj/notify/popup.o: CFLAGS += $(NOTIFY_GUI_CFLAGS)

PROGRAMS += $(BUILD)/ward-notify
$(BUILD)/ward-notify: $(BUILD)/obj/notify/ward-notify.o $(BUILD)/obj/notify/popup.o \
		$(BUILD)/libward-notify.a $(BUILD)/libward-common.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(LDLIBS) $(NOTIFY_GUI_LIBS)

UNIT_TESTS += $(BUILD)/tests/test_notify
$(BUILD)/tests/test_notify: $(BUILD)/libward-notify.a $(BUILD)/libward-common.a
