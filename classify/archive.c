/* Placeholder until this extractor is written: the format is reported as
 * uninspectable, so policy treats it as such rather than as clean. */
#include "classify/extract.h"
#include "classify/scan.h"

int extract_archive(struct scan *s, const void *data, size_t len)
{
	(void)data;
	(void)len;
	scan_set_uninspectable(s, "format not supported yet");
	return 0;
}
