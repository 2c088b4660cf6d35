/* gettext for user-facing text: staff see Traditional Chinese first,
 * English when their locale asks for it.  Message ids are English. */
#ifndef WARD_I18N_H
#define WARD_I18N_H

#include <libintl.h>

#define WARD_TEXTDOMAIN "ward"
#define _(s) dgettext(WARD_TEXTDOMAIN, s)
#define N_(s) (s)

#endif
