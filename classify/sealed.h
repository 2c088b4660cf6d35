/* Content that cannot be opened (sealed.c): encrypted containers,
 * filesystem images, cipher-like data.  Each returns why it is
 * uninspectable (static text), or NULL.  Internal to classify/. */
#ifndef WARD_CLASSIFY_SEALED_H
#define WARD_CLASSIFY_SEALED_H

#include <stddef.h>

/* By the content's own header, whatever libmagic calls it: OpenPGP
 * (binary or armored), age (binary or armored), LUKS. */
const char *sealed_header(const void *data, size_t len);
/* By libmagic's description of content it types as plain data. */
const char *sealed_description(const char *description);
/* Data whose bytes are as evenly spread as a cipher's output; only for
 * content of no known type. */
const char *sealed_random(const void *data, size_t len);
/* The chi-square statistic of its byte histogram (sampled), for tests. */
double sealed_chi2(const void *data, size_t len);

#endif
