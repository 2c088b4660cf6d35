#include "common/record_id.h"

#include <errno.h>
#include <string.h>

#include "common/util.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* The 16 bytes of a UUID in its 8-4-4-4-12 text form. */
static int uuid_bytes(const char *id, unsigned char b[16])
{
	static const unsigned char group[] = {4, 2, 2, 2, 6};
	const char *p = id;
	size_t o = 0;

	if (strlen(id) != RECORD_ID_LEN - 1)
		return -EINVAL;
	for (size_t g = 0; g < sizeof(group); g++) {
		if (!hex_decode(p, 2u * group[g], b + o, group[g]))
			return -EINVAL;
		p += 2u * group[g];
		o += group[g];
		if (g + 1 < sizeof(group) && *p++ != '-')
			return -EINVAL;
	}
	return 0;
}

int record_ref(const char *id, char out[RECORD_REF_LEN])
{
	unsigned char b[16];
	unsigned long long bits = 0;
	size_t o = 0;

	if (!id || uuid_bytes(id, b) < 0)
		return -EINVAL;
	for (int i = 0; i < 5; i++)
		bits = bits << 8 | b[i];
	for (int shift = 35; shift >= 0; shift -= 5) {
		out[o++] = crockford[(bits >> shift) & 31];
		if (o == 4)
			out[o++] = '-';
	}
	out[o] = '\0';
	return 0;
}
