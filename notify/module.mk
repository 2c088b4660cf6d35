# notify/: ward-notify, the per-session pop-up helper, and the client side
# of the notify socket (libward-notify.a: packets, the checked connection,
# the texts people read), which `wardctl events --mine` shares.  The
# library calls only what common/ does (jansson through common/json).
NOTIFY_LIB_SRCS := notify/packet.c notify/link.c notify/text.c
$(BUILD)/libward-notify.a: $(NOTIFY_LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIBS += $(BUILD)/libward-notify.a

# libnotify, and GIO for the session bus name, only for the helper's own
# objects (as system headers: GLib's are not ours to warn about).
NOTIFY_GUI_PKGS := libnotify gio-2.0 glib-2.0
NOTIFY_GUI_OBJS := $(BUILD)/obj/notify/ward-notify.o $(BUILD)/obj/notify/popup.o
$(NOTIFY_GUI_OBJS): CFLAGS += $(patsubst -I%,-isystem %,$(call pkg_cflags,$(NOTIFY_GUI_PKGS)))

PROGRAMS += $(BUILD)/ward-notify
$(BUILD)/ward-notify: LDLIBS := $(call pkg_libs,$(NOTIFY_GUI_PKGS) $(COMMON_PKGS))
$(BUILD)/ward-notify: $(NOTIFY_GUI_OBJS) $(BUILD)/libward-notify.a $(BUILD)/libward-common.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(LDLIBS)

UNIT_TESTS += $(BUILD)/tests/test_notify
$(BUILD)/tests/test_notify: $(BUILD)/libward-notify.a $(BUILD)/libward-common.a
$(BUILD)/tests/test_notify: TEST_PKGS := $(COMMON_PKGS)

# make install (packaging/install.mk) also puts ward-notify where every
# user's session starts it: the program, the systemd user unit (enable it
# for everyone with `systemctl --global enable ward-notify.service`) and the
# XDG autostart entry, their paths set to this layout.
USERUNITDIR ?= $(PREFIX)/lib/systemd/user
AUTOSTARTDIR ?= $(SYSCONFDIR)/xdg/autostart
install: install-notify
install-notify: all
	$(INSTALL) -D -m 0755 $(BUILD)/ward-notify $(DESTDIR)$(BINDIR)/ward-notify
	$(INSTALL) -d -m 0755 $(DESTDIR)$(USERUNITDIR) $(DESTDIR)$(AUTOSTARTDIR)
	sed -e 's|/usr/bin/|$(BINDIR)/|g' -e 's|/usr/share/doc/ward|$(DOCDIR)|g' \
		notify/ward-notify.service >$(DESTDIR)$(USERUNITDIR)/ward-notify.service
	sed -e 's|/usr/bin/|$(BINDIR)/|g' notify/ward-notify.desktop \
		>$(DESTDIR)$(AUTOSTARTDIR)/ward-notify.desktop
	chmod 0644 $(DESTDIR)$(USERUNITDIR)/ward-notify.service \
		$(DESTDIR)$(AUTOSTARTDIR)/ward-notify.desktop
.PHONY: install-notify
