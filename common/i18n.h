/* gettext for user-facing text: staff see Traditional Chinese first,
 * English when their locale asks for it.  Message ids are English; the
 * zh_TW catalogue is po/zh_TW.po. */
#ifndef WARD_I18N_H
#define WARD_I18N_H

#include <libintl.h>
#include <stdbool.h>

#define WARD_TEXTDOMAIN "ward"
#define _(s) dgettext(WARD_TEXTDOMAIN, s)
#define N_(s) (s)
/* One of two messages by count n (English has one and many; zh_TW one). */
#define P_(one, many, n) dngettext(WARD_TEXTDOMAIN, one, many, n)

/* setlocale() from the environment and bind Ward's catalogue: from
 * $WARD_LOCALEDIR when set (an uninstalled build: build/locale), else the
 * compiled-in locale directory. */
void i18n_init(void);

/* For what staff read (pop-ups, `wardctl events --mine`): i18n_init(),
 * then Traditional Chinese unless the locale asks for English, even when
 * the locale is C or not installed (the catalogue is chosen through
 * LANGUAGE over C.UTF-8).  Returns true when the text is English. */
bool i18n_init_staff(void);

/* Whether a locale or LANGUAGE value ("en_US.UTF-8", "en:zh_TW") asks for
 * English first.  NULL or "" does not. */
bool i18n_is_english(const char *locale);

/* The locale value gettext would follow in this process: the first set
 * of LANGUAGE, LC_ALL, LC_MESSAGES, LANG, or NULL. */
const char *i18n_locale_env(void);

#endif
