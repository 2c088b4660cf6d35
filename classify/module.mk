# classify/: every .c file here is part of libward-classify.a (new
# extractors are picked up without editing this file).
CLASSIFY_SRCS := $(wildcard classify/*.c)
# The document parsers: only wardd-scanner and wardctl link them.  ICU:
# NFKC of the lines the marking rules judge, and charset detection.
# Tesseract and leptonica: OCR of scanned paper; cairo draws a scanned PDF
# page for it.
CLASSIFY_PKGS := libmagic libarchive zlib libxml-2.0 poppler-glib cairo libcrypto icu-uc icu-i18n \
		 tesseract lept
CLASSIFY_CFLAGS := $(call pkg_cflags,$(CLASSIFY_PKGS))
$(CLASSIFY_SRCS:%.c=$(BUILD)/obj/%.o): CFLAGS += $(CLASSIFY_CFLAGS)
$(BUILD)/libward-classify.a: $(CLASSIFY_SRCS:%.c=$(BUILD)/obj/%.o)
LIBS += $(BUILD)/libward-classify.a

# Unit tests tests/unit/test_classify*.c link classify + common.
CLASSIFY_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_classify*.c))
UNIT_TESTS += $(CLASSIFY_TESTS)
$(CLASSIFY_TESTS): $(BUILD)/libward-classify.a $(BUILD)/libward-common.a
$(CLASSIFY_TESTS): TEST_PKGS := $(CLASSIFY_PKGS) $(COMMON_PKGS)

# The classifier benchmark's C program (tests/bench/classify.sh runs it).
BENCHES += $(BUILD)/bench/bench_classify
$(BUILD)/bench/bench_classify: tests/bench/bench_classify.c $(BUILD)/libward-classify.a \
		$(BUILD)/libward-common.a
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -Wl,--start-group $(filter %.a,$^) -Wl,--end-group \
		$(call pkg_libs,$(CLASSIFY_PKGS) $(COMMON_PKGS))

# The PDF readers side by side (tests/bench/classify.sh runs it).
BENCHES += $(BUILD)/bench/bench_pdf
$(BUILD)/bench/bench_pdf: tests/bench/bench_pdf.c $(BUILD)/libward-classify.a \
		$(BUILD)/libward-common.a
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -Wl,--start-group $(filter %.a,$^) -Wl,--end-group \
		$(call pkg_libs,$(CLASSIFY_PKGS) $(COMMON_PKGS))

# Test programs for classify/ (tests/tools/classify-*.c), into $(BUILD)/tools/.
CLASSIFY_TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/classify-*.c))
TOOLS += $(CLASSIFY_TOOLS)
$(CLASSIFY_TOOLS): $(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libward-classify.a \
		$(BUILD)/libward-common.a
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -Wl,--start-group $(filter %.a,$^) -Wl,--end-group \
		$(call pkg_libs,$(CLASSIFY_PKGS) $(COMMON_PKGS))
