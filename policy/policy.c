/* The policy object's life (allocation arena, references) and the settings
 * the agent reads from it, with their built-in defaults. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "policy/internal.h"

const char *const pii_types[] = {"roc-national-id", "roc-resident-id", "land-register",
				 "household-register"};
const size_t n_pii_types = ARRAY_SIZE(pii_types);

/* ---- arena: everything a loaded policy points to, freed at once ---- */

#define ARENA_BLOCK 16384

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

void *arena_alloc(struct policy *p, size_t size)
{
	struct arena_block *b = p->arena;

	size = (size + 15) & ~(size_t)15;
	if (size == 0)
		size = 16;
	if (!b || b->size - b->used < size) {
		size_t want = size > ARENA_BLOCK ? size : ARENA_BLOCK;

		b = malloc(sizeof(*b) + want);
		if (!b) {
			p->oom = true;
			return NULL;
		}
		b->size = want;
		b->used = 0;
		/* a big one-off allocation goes behind the current block so
		 * the current block's free space is not lost */
		if (p->arena && size > ARENA_BLOCK) {
			b->next = p->arena->next;
			p->arena->next = b;
		} else {
			b->next = p->arena;
			p->arena = b;
		}
	}
	void *out = b->data + b->used;
	b->used += size;
	memset(out, 0, size);
	return out;
}

char *arena_strndup(struct policy *p, const char *s, size_t len)
{
	char *out = arena_alloc(p, len + 1);

	if (!out)
		return NULL;
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

void arena_free_all(struct policy *p)
{
	struct arena_block *b = p->arena;

	while (b) {
		struct arena_block *next = b->next;

		free(b);
		b = next;
	}
	p->arena = NULL;
}

/* ---- references ---- */

struct policy *policy_ref(struct policy *policy)
{
	if (policy)
		atomic_fetch_add_explicit(&policy->refs, 1, memory_order_relaxed);
	return policy;
}

void policy_unref(struct policy *policy)
{
	if (!policy || atomic_fetch_sub_explicit(&policy->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (int s = 0; s < SECTION_COUNT; s++)
		free(policy->rules[s]);
	free(policy->periods);
	free(policy->hours);
	free(policy->holidays);
	free(policy->devlists);
	free(policy->fpsets);
	free(policy->keys);
	tz_free(&policy->tz);
	tokens_free_all(policy);
	arena_free_all(policy);
	free(policy);
}

/* ---- settings ---- */

#define DEFAULT_CONTACT "政風處 (089)320247"

static const char *const default_messages[POLICY_NOTICE_MAX + 1][2] = {
    [POLICY_NOTICE_WARN] =
	{"提醒：此檔案可能含有需保護之資訊（{reason}），複製至可攜式媒體之行為已記錄並通報。如有疑問請洽 {contact}。",
	 "Notice: this file may hold protected information ({reason}). Copying it to removable media has been recorded and reported. Questions: {contact}."},
    [POLICY_NOTICE_BLOCK] =
	{"已阻擋：依本府資訊安全規定，此檔案（{level}）不得複製至可攜式媒體（{reason}）。如因公務需要，請向主管申請核准。洽詢：{contact}。",
	 "Blocked: under the county's security rules this file ({level}) may not be copied to removable media ({reason}). If you need it for official duties, ask your supervisor for an approval. Contact: {contact}."},
    [POLICY_NOTICE_QUARANTINE] =
	{"已隔離：此檔案（{level}）不得存放於可攜式媒體，已自媒體移除並交由政風單位保管（{reason}）。洽詢：{contact}。",
	 "Quarantined: this file ({level}) may not be kept on removable media; it was removed from the medium and kept for the ethics office ({reason}). Contact: {contact}."},
    [POLICY_NOTICE_DEVICE_BLOCK] =
	{"此儲存裝置（{device}）未經核准，已禁止使用。洽詢：{contact}。",
	 "This storage device ({device}) is not approved and has been blocked. Contact: {contact}."},
    [POLICY_NOTICE_DEVICE_READ_ONLY] =
	{"此儲存裝置（{device}）僅限讀取，不得寫入（{reason}）。洽詢：{contact}。",
	 "This storage device ({device}) is read-only: writing to it is not permitted ({reason}). Contact: {contact}."},
    [POLICY_NOTICE_EXEMPTED] =
	{"已依 {approver} 之核准放行，本次複製已記錄並通報。",
	 "Allowed under the approval of {approver}; this copy has been recorded and reported."},
    [POLICY_NOTICE_FAIL] =
	{"無法及時完成檔案檢查，依規定暫不允許複製至可攜式媒體。請稍後再試或洽 {contact}。",
	 "The file could not be checked in time, so copying it to removable media is not allowed now. Try again later or contact {contact}."},
};

void policy_set_defaults(struct policy *p)
{
	p->contact = DEFAULT_CONTACT;
	for (int n = 0; n <= POLICY_NOTICE_MAX; n++)
		for (int l = 0; l < 2; l++)
			p->messages[n][l] = default_messages[n][l];
	p->fail_mode[DEVICE_BUS_USB] = POLICY_BLOCK;
	p->fail_mode[DEVICE_BUS_MMC] = POLICY_BLOCK;
	p->fail_mode[DEVICE_BUS_OTHER] = POLICY_BLOCK;
	p->fail_mode[DEVICE_BUS_INTERNAL] = POLICY_ALLOW;
	p->report_failure_blocks[DEVICE_BUS_USB] = true;
	p->report_failure_blocks[DEVICE_BUS_MMC] = true;
	p->report_failure_blocks[DEVICE_BUS_OTHER] = true;
	p->report_failure_blocks[DEVICE_BUS_INTERNAL] = false;
	p->deadline_ms = 3000;
	p->report_mask =
	    1u << POLICY_AUDIT | 1u << POLICY_WARN | 1u << POLICY_BLOCK | 1u << POLICY_QUARANTINE;
	p->report_devices = true;
	p->report_file_names = true;
	p->tz_name = NULL;
}

const char *policy_message(const struct policy *policy, enum policy_notice notice,
			   enum policy_lang lang)
{
	if ((unsigned)notice > POLICY_NOTICE_MAX)
		notice = POLICY_NOTICE_BLOCK;
	return policy->messages[notice][lang == POLICY_LANG_EN];
}

const char *policy_contact(const struct policy *policy)
{
	return policy->contact;
}

enum policy_action policy_fail_mode(const struct policy *policy, const struct ward_device *dev)
{
	unsigned bus = dev ? (unsigned)dev->bus : DEVICE_BUS_OTHER;

	if (bus > DEVICE_BUS_INTERNAL)
		bus = DEVICE_BUS_OTHER;
	return (enum policy_action)policy->fail_mode[bus];
}

bool policy_report_failure_blocks(const struct policy *policy, const struct ward_device *dev)
{
	unsigned bus = dev ? (unsigned)dev->bus : DEVICE_BUS_OTHER;

	if (bus > DEVICE_BUS_INTERNAL)
		bus = DEVICE_BUS_OTHER;
	return policy->report_failure_blocks[bus];
}

uint32_t policy_deadline_ms(const struct policy *policy)
{
	return policy->deadline_ms;
}

bool policy_reports(const struct policy *policy, enum policy_action action)
{
	return (unsigned)action <= POLICY_ACTION_MAX && (policy->report_mask & (1u << action));
}

bool policy_reports_devices(const struct policy *policy)
{
	return policy->report_devices;
}

bool policy_reports_file_names(const struct policy *policy)
{
	return policy->report_file_names;
}

const char *policy_tokens_dir(const struct policy *policy)
{
	return policy->tokens_dir;
}

size_t policy_tokens_loaded(const struct policy *policy)
{
	return policy->n_tokens;
}

const struct policy_token *policy_token_loaded(const struct policy *policy, size_t i)
{
	return i < policy->n_tokens ? policy->tokens[i] : NULL;
}

bool policy_token_same(const struct policy_token *a, const struct policy_token *b)
{
	return CRYPTO_memcmp(a->signature, b->signature, sizeof(a->signature)) == 0;
}

size_t policy_token_problems(const struct policy *policy, const struct policy_token_problem **out)
{
	*out = policy->token_problems;
	return policy->n_token_problems;
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

void policy_summary(const struct policy *policy, char *buf, size_t size)
{
	char refused[48] = "";

	if (policy->n_token_problems)
		snprintf(refused, sizeof(refused), " (%zu refused)", policy->n_token_problems);
	snprintf(buf, size,
		 "policy valid: %zu file%s, %zu device rule%s, %zu copy rule%s, %zu period%s, "
		 "%zu office-hours, %zu holiday%s, %zu device list%s, %zu fingerprint list%s, "
		 "%zu trusted supervisor%s, %zu approval token%s%s, timezone %s",
		 policy->n_files, plural(policy->n_files), policy->n_rules[SECTION_DEVICE],
		 plural(policy->n_rules[SECTION_DEVICE]), policy->n_rules[SECTION_COPY],
		 plural(policy->n_rules[SECTION_COPY]), policy->n_periods,
		 plural(policy->n_periods), policy->n_hours, policy->n_holidays,
		 plural(policy->n_holidays), policy->n_devlists, plural(policy->n_devlists),
		 policy->n_fpsets, plural(policy->n_fpsets), policy->n_keys, plural(policy->n_keys),
		 policy->n_tokens, plural(policy->n_tokens), refused,
		 policy->tz_name ? policy->tz_name : "system");
}

const char *policy_action_name(enum policy_action action)
{
	static const char *const names[] = {"allow", "audit", "warn", "block", "quarantine"};

	return (unsigned)action <= POLICY_ACTION_MAX ? names[action] : "invalid";
}

const char *policy_device_action_name(enum policy_device_action action)
{
	static const char *const names[] = {"allow", "read-only", "block"};

	return (unsigned)action <= POLICY_DEVICE_BLOCK ? names[action] : "invalid";
}

static const struct {
	const char *name, *text;
} token_statuses[] = {
    [POLICY_TOKEN_NONE] = {"none", "no approval token offered or needed"},
    [POLICY_TOKEN_APPLIED] = {"applied", "approval valid: the block became an audited allow"},
    [POLICY_TOKEN_MALFORMED] = {"malformed", "not a valid approval token file"},
    [POLICY_TOKEN_UNTRUSTED] = {"untrusted", "the approver is not a supervisor this policy trusts"},
    [POLICY_TOKEN_BAD_SIGNATURE] = {"bad-signature",
				    "signature does not verify (forged or altered)"},
    [POLICY_TOKEN_NOT_VERIFIED] = {"not-verified", "token was never verified against the policy"},
    [POLICY_TOKEN_EXPIRED] = {"expired", "approval has expired"},
    [POLICY_TOKEN_NOT_YET_VALID] = {"not-yet-valid", "approval is not valid yet"},
    [POLICY_TOKEN_WRONG_USER] = {"wrong-user", "approval names another user"},
    [POLICY_TOKEN_WRONG_DEVICE] = {"wrong-device", "approval names another device"},
    [POLICY_TOKEN_WRONG_FILE] = {"wrong-file", "approval names another file"},
    [POLICY_TOKEN_LEVEL_TOO_HIGH] = {"level-too-high",
				     "file is classified above the approval's ceiling"},
    [POLICY_TOKEN_NO_CONTENT] = {"no-content", "the event has no file content to match"},
    [POLICY_TOKEN_RULE_STRICT] = {"rule-strict", "the matching rule allows no exemption"},
};

const char *policy_token_status_name(enum policy_token_status status)
{
	return (unsigned)status < ARRAY_SIZE(token_statuses) ? token_statuses[status].name
							     : "invalid";
}

const char *policy_token_status_text(enum policy_token_status status)
{
	return (unsigned)status < ARRAY_SIZE(token_statuses) ? token_statuses[status].text
							     : "invalid token status";
}
