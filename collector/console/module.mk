# collector/console/: the review console, part of ward-collector (its
# objects go into libward-collector.a).  libarchive writes the archives it
# hands out (evidence bundles, the supervisors' policy files); its
# stylesheet and script are built into the program (assets.c).
CONSOLE_SRCS := $(wildcard collector/console/*.c)
CONSOLE_PKGS := libarchive
CONSOLE_ASSETS := $(wildcard collector/console/static/*)
$(BUILD)/obj/collector/console/assets.o: $(CONSOLE_ASSETS)
