/* libFuzzer target: the RTF tokenizer (groups, control words, code pages, header/footer destinations), on any bytes. */
#include "tests/fuzz/fuzz_extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_extract(extract_rtf, data, size);
}
