#include "common/i18n.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

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

bool i18n_is_english(const char *locale)
{
	return locale && strncmp(locale, "en", 2) == 0 &&
	       (locale[2] == '\0' || strchr("_.@:", locale[2]));
}

const char *i18n_locale_env(void)
{
	static const char *const names[] = {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = getenv(names[i]);

		if (v && *v)
			return v;
	}
	return NULL;
}

bool i18n_init_staff(void)
{
	const char *messages;

	i18n_init();
	if (i18n_is_english(i18n_locale_env()))
		return true;
	/* gettext ignores LANGUAGE under the C locale, but not under C.UTF-8:
	 * a desk without a zh_TW locale still gets the Chinese catalogue. */
	messages = setlocale(LC_MESSAGES, NULL);
	if (!messages || strcmp(messages, "C") == 0 || strcmp(messages, "POSIX") == 0)
		setlocale(LC_MESSAGES, "C.UTF-8");
	if (!setlocale(LC_CTYPE, NULL) || strcmp(setlocale(LC_CTYPE, NULL), "C") == 0)
		setlocale(LC_CTYPE, "C.UTF-8");
	setenv("LANGUAGE", "zh_TW", 1);
	return false;
}
