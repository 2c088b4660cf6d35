#include "common/jsonw.h"

#include <string.h>

#include "common/util.h"

void json_write_string(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', out);
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		unsigned long cp;
		int n;

		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
			i++;
		} else if (c == '\n') {
			fputs("\\n", out);
			i++;
		} else if (c == '\t') {
			fputs("\\t", out);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			i++;
		} else if ((n = utf8_decode(str + i, len - i, &cp)) > 0) {
			fwrite(s + i, 1, (size_t)n, out);
			i += (size_t)n;
		} else {
			fputs("\\ufffd", out);
			i++;
		}
	}
	fputc('"', out);
}

void json_write_cstr(FILE *out, const char *s)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	json_write_string(out, s, strlen(s));
}

void json_write_key(FILE *out, bool *first, const char *key)
{
	if (!*first)
		fputc(',', out);
	*first = false;
	json_write_cstr(out, key);
	fputc(':', out);
}
