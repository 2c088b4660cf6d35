#include "common/i18n.h"

#include <locale.h>
#include <stdlib.h>

#ifndef WARD_LOCALEDIR
#define WARD_LOCALEDIR "/usr/local/share/locale"
#endif

void i18n_init(void)
{
	const char *dir = getenv("WARD_LOCALEDIR");

	setlocale(LC_ALL, "");
	bindtextdomain(WARD_TEXTDOMAIN, dir && *dir ? dir : WARD_LOCALEDIR);
	bind_textdomain_codeset(WARD_TEXTDOMAIN, "UTF-8");
}
