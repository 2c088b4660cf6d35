#include "common/i18n.h"

#include <locale.h>
#include <stdlib.h>

/* The installed paths make writes into the build; builds that do not go
 * through the Makefile (the fuzzers) get the default prefix's. */
#if __has_include("ward-paths.h")
#include "ward-paths.h"
#else
#define WARD_LOCALEDIR "/usr/local/share/locale"
#endif

void i18n_init(void)
{
	const char *dir = getenv("WARD_LOCALEDIR");

	setlocale(LC_ALL, "");
	bindtextdomain(WARD_TEXTDOMAIN, dir && *dir ? dir : WARD_LOCALEDIR);
	bind_textdomain_codeset(WARD_TEXTDOMAIN, "UTF-8");
}
