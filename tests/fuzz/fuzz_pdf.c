/* libFuzzer target: the PDF extractor on any bytes: the content-stream
 * reader (cross-reference tables and streams, object streams, filters,
 * fonts, CMaps, page text), poppler for what it leaves, Info and XMP
 * metadata, scanned pages drawn for OCR. */
#include "tests/fuzz/fuzz_extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_extract(extract_pdf, data, size);
}
