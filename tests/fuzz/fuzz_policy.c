/* libFuzzer target for the policy parser (and the token parser, which
 * reads the other text format the agent accepts from outside): any input
 * must either load or be refused with errors, never crash, leak or hang.
 * A loaded policy is also asked for a few decisions and explanations. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_diag diag = {0};
	struct policy *p = policy_load_buffer("fuzz.rules", (const char *)data, size, NULL, &diag);
	char err[256], why[1024];
	struct policy_token *tok;

	for (size_t i = 0; i < diag.n_errors; i++) {
		/* every error names a position and says something */
		if (diag.errors[i].message[0] == '\0' || diag.errors[i].line == 0)
			__builtin_trap();
	}
	policy_diag_free(&diag);
	if (p) {
		struct classify_result content = {.level = WARD_LEVEL_CONFIDENTIAL, .size = 4096};
		struct ward_device dev = {.bus = DEVICE_BUS_USB,
					  .removable = true,
					  .vendor_id = 0x0781,
					  .product_id = 0x5567};
		const char *groups[] = {"staff"};
		struct policy_event ev = {.kind = POLICY_EVENT_COPY,
					  .content = &content,
					  .device = &dev,
					  .user = "alice",
					  .group_names = groups,
					  .n_group_names = 1,
					  .exe = "/usr/bin/cp",
					  .time = 1643076000};
		struct policy_decision d;

		strcpy(content.mime, "application/pdf");
		strcpy(content.pii[0].type, "roc-national-id");
		content.pii[0].count = 7;
		content.n_pii = 1;
		strcpy(dev.serial, "4C530001");
		strcpy(dev.interfaces, ":080650:");
		for (int kind = POLICY_EVENT_DEVICE; kind <= POLICY_EVENT_CLOSE_WRITE; kind++) {
			ev.kind = (enum policy_event_kind)kind;
			if (policy_decide(p, &ev, &d) != 0)
				__builtin_trap();
			policy_explain(p, &ev, &d, why, sizeof(why));
			policy_render_notice(p, POLICY_NOTICE_BLOCK, POLICY_LANG_ZH_TW, &d, &ev,
					     why, sizeof(why));
		}
		ev.content = NULL;
		ev.device = NULL;
		ev.user = NULL;
		if (policy_decide(p, &ev, &d) != 0)
			__builtin_trap();
		policy_unref(p);
	}
	tok = policy_token_parse((const char *)data, size, err, sizeof(err));
	policy_token_free(tok);
	return 0;
}
