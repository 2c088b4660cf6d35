/* The parts of the interface the agent's privileged process uses without
 * reading any document: default budgets and checking a result that came
 * from a scanner process.  Kept out of classify.c so that linking them
 * does not pull the format parsers (and their libraries) into wardd. */
#include <string.h>

#include "classify/classify.h"

void classify_budget_default(struct classify_budget *budget)
{
	budget->max_input_bytes = 256ull << 20;
	budget->max_expanded_bytes = 1ull << 30;
	budget->max_millis = 2000;
	budget->max_depth = 4;
	budget->max_entries = 10000;
	budget->max_ratio = 200;
}

bool classify_result_sane(const struct classify_result *res)
{
	if (!memchr(res->mime, '\0', sizeof(res->mime)) ||
	    !memchr(res->uninspectable_reason, '\0', sizeof(res->uninspectable_reason)))
		return false;
	if ((unsigned)res->level > WARD_LEVEL_MAX || res->n_pii > CLASSIFY_MAX_PII ||
	    res->n_reasons > CLASSIFY_MAX_REASONS ||
	    res->n_fingerprints > CLASSIFY_MAX_FINGERPRINTS || res->fingerprint_shift > 31)
		return false;
	/* Sorted and distinct: the agent intersects them as they come. */
	for (uint32_t i = 1; i < res->n_fingerprints; i++)
		if (res->fingerprints[i - 1] >= res->fingerprints[i])
			return false;
	for (uint32_t i = 0; i < res->n_pii; i++) {
		if (!memchr(res->pii[i].type, '\0', sizeof(res->pii[i].type)))
			return false;
	}
	for (uint32_t i = 0; i < res->n_reasons; i++) {
		const struct classify_reason *r = &res->reasons[i];

		if (!memchr(r->rule, '\0', sizeof(r->rule)) ||
		    !memchr(r->where, '\0', sizeof(r->where)) ||
		    !memchr(r->text, '\0', sizeof(r->text)))
			return false;
	}
	return true;
}
