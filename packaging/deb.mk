# make deb: Ward's Debian packages under $(DEB_OUT) (packaging/deb.sh).
#   make deb [DEB_VERSION=0.1.0~git123] [DEB_OUT=build/deb]
DEB_OUT     ?= build/deb
DEB_VERSION ?= 0.1.0~git$(shell git rev-list --count HEAD 2>/dev/null || echo 0)

deb:
	packaging/deb.sh $(DEB_VERSION) $(DEB_OUT)
.PHONY: deb

# make rpm: the RPMs under $(RPM_OUT)/rpmbuild/RPMS (packaging/rpm.sh).
#   make rpm [RPM_VERSION=0.1.0] [RPM_OUT=build/rpm]
RPM_OUT     ?= build/rpm
RPM_VERSION ?= 0.1.0

rpm:
	packaging/rpm.sh $(RPM_VERSION) $(RPM_OUT)
.PHONY: rpm
