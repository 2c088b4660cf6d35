# make install: Ward's installed layout, for packages (DESTDIR) and by hand.
#   make install [DESTDIR=/tmp/stage] [PREFIX=/usr] [SYSCONFDIR=/etc] ...
# (the directory variables are in the Makefile).  Installs:
#   $(SBINDIR)/wardd, $(SBINDIR)/wardd-scanner, $(SBINDIR)/ward-sender,
#   $(SBINDIR)/ward-collector
#                          the agent, its sandboxed scanner (which wardd
#                          starts from its own directory), the report sender,
#                          the ethics office's collector
#   $(BINDIR)/wardctl
#   $(DATADIR)/ward/policy.d/*.rules
#                          the default policy as shipped (wardctl falls back on
#                          it where /etc/ward/policy.d holds no rules)
#   $(SYSCONFDIR)/ward/policy.d/*.rules, $(SYSCONFDIR)/ward/wardd.conf
#   $(SYSCONFDIR)/ward/ward-collector.conf
#                          the same policy and the configurations, only where
#                          none is there yet: a reinstall never replaces an
#                          office's own policy
#   $(UNITDIR)/*.service   the systemd units, paths set to this layout
#   $(PKGLIBDIR)/agent-setup
#                          what installing the agent does (users, state,
#                          enrollment from enroll.conf), for both packages
#   $(SYSUSERSDIR)/<name>.conf
#                          the users the units run as (packaging/<name>.sysusers)
#   $(LOCALEDIR)/<lang>/LC_MESSAGES/ward.mo
#   $(MANDIR)/man<section>/<page>
#                          the manual pages (packaging/man/*.<section>)
#   $(DOCDIR)/README.md
INSTALL ?= install
DEFAULT_POLICY := $(sort $(wildcard policy/default/*.rules))
SERVICE_UNITS  := $(wildcard packaging/*.service)
SYSUSERS       := $(wildcard packaging/*.sysusers)
MAN_PAGES      := $(wildcard packaging/man/*.[1-8])
ETC_WARD       := $(DESTDIR)$(SYSCONFDIR)/ward

# The units name /usr/sbin, /usr/bin, /etc/ward and /usr/share/doc/ward: the
# layout of PREFIX=/usr.  Other layouts get their own paths.
UNIT_PATHS := -e 's|/usr/sbin/|$(SBINDIR)/|g' -e 's|/usr/bin/|$(BINDIR)/|g' \
	-e 's|/etc/ward/|$(SYSCONFDIR)/ward/|g' -e 's|/usr/share/doc/ward|$(DOCDIR)|g'

install: all
	$(INSTALL) -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 0755 $(BUILD)/wardd $(BUILD)/wardd-scanner $(BUILD)/ward-sender \
		$(BUILD)/ward-collector $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 0755 $(BUILD)/wardctl $(DESTDIR)$(BINDIR)/
	$(INSTALL) -d -m 0755 $(DESTDIR)$(DATADIR)/ward/policy.d
	$(INSTALL) -m 0644 $(DEFAULT_POLICY) $(DESTDIR)$(DATADIR)/ward/policy.d/
	$(INSTALL) -d -m 0755 $(ETC_WARD)/policy.d
	@if ls $(ETC_WARD)/policy.d/*.rules >/dev/null 2>&1; then \
		echo "install: keeping the policy in $(ETC_WARD)/policy.d"; \
	else \
		echo "$(INSTALL) -m 0644 $(DEFAULT_POLICY) $(ETC_WARD)/policy.d/"; \
		$(INSTALL) -m 0644 $(DEFAULT_POLICY) $(ETC_WARD)/policy.d/; \
	fi
	@for conf in wardd.conf ward-collector.conf; do \
		if [ -e $(ETC_WARD)/$$conf ]; then \
			echo "install: keeping $(ETC_WARD)/$$conf"; \
		else \
			echo "install $$conf into $(ETC_WARD)"; \
			sed -e 's|/etc/ward/|$(SYSCONFDIR)/ward/|g' packaging/$$conf >$(ETC_WARD)/$$conf.tmp && \
			chmod 0644 $(ETC_WARD)/$$conf.tmp && mv $(ETC_WARD)/$$conf.tmp $(ETC_WARD)/$$conf || exit 1; \
		fi; \
	done
	$(INSTALL) -d -m 0755 $(DESTDIR)$(UNITDIR)
	@for unit in $(SERVICE_UNITS); do \
		echo "install $$unit into $(DESTDIR)$(UNITDIR)"; \
		sed $(UNIT_PATHS) $$unit >$(DESTDIR)$(UNITDIR)/$$(basename $$unit) && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$unit) || exit 1; \
	done
	$(INSTALL) -d -m 0755 $(DESTDIR)$(PKGLIBDIR)
	sed $(UNIT_PATHS) packaging/agent-setup.sh >$(DESTDIR)$(PKGLIBDIR)/agent-setup
	chmod 0755 $(DESTDIR)$(PKGLIBDIR)/agent-setup
	@for users in $(SYSUSERS); do \
		echo "install $$users into $(DESTDIR)$(SYSUSERSDIR)"; \
		$(INSTALL) -D -m 0644 $$users \
			$(DESTDIR)$(SYSUSERSDIR)/$$(basename $$users .sysusers).conf || exit 1; \
	done
	@for lang in $(PO_LANGS); do \
		echo "install $$lang/LC_MESSAGES/ward.mo into $(DESTDIR)$(LOCALEDIR)"; \
		$(INSTALL) -D -m 0644 $(BUILD)/locale/$$lang/LC_MESSAGES/ward.mo \
			$(DESTDIR)$(LOCALEDIR)/$$lang/LC_MESSAGES/ward.mo || exit 1; \
	done
	@for page in $(MAN_PAGES); do \
		echo "install $$page into $(DESTDIR)$(MANDIR)/man$${page##*.}"; \
		$(INSTALL) -D -m 0644 $$page \
			$(DESTDIR)$(MANDIR)/man$${page##*.}/$$(basename $$page) || exit 1; \
	done
	$(INSTALL) -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
