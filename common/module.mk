COMMON_SRCS := common/log.c common/level.c common/util.c common/device.c common/i18n.c \
               common/b64.c common/json.c common/json_canon.c common/ed25519.c common/jws.c common/merkle.c common/note.c \
               common/record_id.c common/date.c common/termsafe.c common/digest.c \
               common/buf.c
# OpenSSL's libcrypto (Ed25519 keys and checks, SHA-256 of Merkle trees), libsodium
# (Ed25519 signing), jansson (common/json).
COMMON_PKGS := libcrypto libsodium jansson
COMMON_CFLAGS := $(call pkg_cflags,$(COMMON_PKGS))
$(COMMON_SRCS:%.c=$(BUILD)/obj/%.o): CFLAGS += $(COMMON_CFLAGS)
$(BUILD)/libward-common.a: $(COMMON_SRCS:%.c=$(BUILD)/obj/%.o)
LIBS += $(BUILD)/libward-common.a
UNIT_TESTS += $(BUILD)/tests/test_common
$(BUILD)/tests/test_common: $(BUILD)/libward-common.a
UNIT_TESTS += $(BUILD)/tests/test_common_crypto
$(BUILD)/tests/test_common_crypto: $(BUILD)/libward-common.a
UNIT_TESTS += $(BUILD)/tests/test_common_merkle $(BUILD)/tests/test_common_note
$(BUILD)/tests/test_common_merkle $(BUILD)/tests/test_common_note: $(BUILD)/libward-common.a
UNIT_TESTS += $(BUILD)/tests/test_common_date
$(BUILD)/tests/test_common_date: $(BUILD)/libward-common.a
$(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_common*.c)): \
		TEST_PKGS := $(COMMON_PKGS)

# Message catalogues: po/<lang>.po → $(BUILD)/locale/<lang>/LC_MESSAGES/ward.mo
PO_LANGS := $(basename $(notdir $(wildcard po/*.po)))
MO_FILES := $(PO_LANGS:%=$(BUILD)/locale/%/LC_MESSAGES/ward.mo)
PROGRAMS += $(MO_FILES)
$(BUILD)/locale/%/LC_MESSAGES/ward.mo: po/%.po
	@mkdir -p $(dir $@)
	@echo "  MSGFMT  $<"
	$(Q)msgfmt --check -o $@ $<
