/* gettext for user-facing text: staff see Traditional Chinese first,
 * English when their locale asks for it.  Message ids are English; the
 * zh_TW catalogue is po/zh_TW.po. */
#ifndef WARD_I18N_H
#define WARD_I18N_H

#include <libintl.h>

#define WARD_TEXTDOMAIN "ward"
#define _(s) dgettext(WARD_TEXTDOMAIN, s)
#define N_(s) (s)
/* One of two messages by count n (English has one and many; zh_TW one). */
#define P_(one, many, n) dngettext(WARD_TEXTDOMAIN, one, many, n)

/* setlocale() from the environment and bind Ward's catalogue: from
 * $WARD_LOCALEDIR when set (an uninstalled build: build/locale), else the
 * compiled-in locale directory. */
void i18n_init(void);

#endif
