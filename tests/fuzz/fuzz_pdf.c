/* libFuzzer target: the PDF (poppler-glib from memory, page text, Info and XMP metadata), on any bytes. */
#include "tests/fuzz/fuzz_extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_extract(extract_pdf, data, size);
}
