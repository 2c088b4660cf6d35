/* libFuzzer target: the OLE2 compound file reader and the .doc/.xls/.ppt text extractors, on any bytes. */
#include "tests/fuzz/fuzz_extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_extract(extract_ole, data, size);
}
