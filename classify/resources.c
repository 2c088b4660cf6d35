/* The classifier's shared data: see resources.h. */
#include "classify/resources.h"

#include <errno.h>
#include <stdlib.h>

#include "classify/ocr.h"
#include "classify/pdf.h"

struct classify_resources *classify_resources_new(const struct big5_table *big5)
{
	struct classify_resources *res = calloc(1, sizeof(*res));

	if (res == NULL)
		return NULL;
	res->big5 = big5;
	res->cid = pdf_cid_tables_new();
	if (res->cid == NULL) {
		free(res);
		return NULL;
	}
	return res;
}

void classify_resources_free(struct classify_resources *res)
{
	if (res == NULL)
		return;
	pdf_cid_tables_free(res->cid);
	ocr_free(res->ocr);
	free(res);
}

int classify_resources_preload(struct classify_resources *res, const char **err)
{
	int r = pdf_cid_tables_load(res->cid, NULL);

	if (r < 0)
		*err = "the CJK font tables of poppler-data could not be read";
	if (res->ocr == NULL && !res->ocr_tried) {
		res->ocr_tried = true;
		res->ocr = ocr_new(&res->ocr_error);
	}
	if (res->ocr == NULL) {
		*err = res->ocr_error;
		r = -ENOENT;
	}
	return r;
}
