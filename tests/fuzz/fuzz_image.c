/* libFuzzer target: pictures (image.c: leptonica's decoders from memory,
 * TIFF pages one by one, the look that tells a page from a photograph,
 * and OCR of what passes for a page, within the budget). */
#include "tests/fuzz/fuzz_extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_extract(extract_image, data, size);
}
