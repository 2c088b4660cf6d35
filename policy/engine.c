/* The decision engine: first matching rule of the event's section wins;
 * a block may be lifted by a verified supervisor token.  Everything here
 * runs on the agent's hot path: no I/O, no allocation, no locks.  The
 * explanation and notice rendering below are for people, not the hot path. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "policy/internal.h"

/* What the conditions of one decision share: the event and, computed at
 * most once, its local calendar position. */
struct evctx {
	const struct policy *p;
	const struct policy_event *ev;
	bool have_time, have_pii;
	uint64_t pii_count[8]; /* by index in pii_types; [7] all types */
	int64_t day;	       /* local days since 1970-01-01 */
	unsigned wday;	       /* 0 = Sunday */
	unsigned minute;       /* of the local day */
};

static void need_time(struct evctx *x)
{
	int64_t local, secs;

	if (x->have_time)
		return;
	local = (int64_t)x->ev->time + tz_offset(&x->p->tz, (int64_t)x->ev->time);
	x->day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	secs = local - x->day * 86400;
	x->wday = (unsigned)(((x->day % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
	x->minute = (unsigned)(secs / 60);
	x->have_time = true;
}

/* Sums the content's personal-data counts by known type once per decision,
 * so rules compare numbers instead of type names. */
static void need_pii(struct evctx *x)
{
	const struct classify_result *ct = x->ev->content;

	if (x->have_pii)
		return;
	memset(x->pii_count, 0, sizeof(x->pii_count));
	for (uint32_t i = 0; i < ct->n_pii && i < CLASSIFY_MAX_PII; i++) {
		for (size_t k = 0; k < n_pii_types; k++) {
			if (strcmp(ct->pii[i].type, pii_types[k]) == 0) {
				x->pii_count[k] += ct->pii[i].count;
				break;
			}
		}
		x->pii_count[7] += ct->pii[i].count;
	}
	x->have_pii = true;
}

static bool is_holiday(const struct policy *p, int64_t day)
{
	size_t lo = 0, hi = p->n_holidays;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->holidays[mid] == day)
			return true;
		if (p->holidays[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool compare(uint8_t op, int64_t a, int64_t b)
{
	switch (op) {
	case OP_EQ:
		return a == b;
	case OP_NE:
		return a != b;
	case OP_LT:
		return a < b;
	case OP_LE:
		return a <= b;
	case OP_GT:
		return a > b;
	case OP_GE:
		return a >= b;
	}
	return false;
}

/* '*' any run of bytes, '?' one byte; everything else literal.  Our own
 * rather than fnmatch(3): no locale, no allocation, linear with one
 * backtrack point. */
static bool glob_match(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == '?' || *pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

static bool pattern_matches(const struct pattern *pt, const char *s)
{
	if (pt->glob)
		return glob_match(pt->s, s);
	/* most candidates differ in the first byte: skip the call */
	return pt->s[0] == s[0] && strcmp(pt->s, s) == 0;
}

static bool any_pattern(const struct cond *c, const char *s)
{
	for (uint32_t i = 0; i < c->u.strs.n; i++)
		if (pattern_matches(&c->u.strs.v[i], s))
			return true;
	return false;
}

/* ID_USB_INTERFACES is ":080650:0e0100:": six hex digits per interface. */
static bool iface_matches(const struct cond *c, const char *ifaces)
{
	const char *s = ifaces;

	while (*s) {
		uint8_t v[3];

		if (*s == ':') {
			s++;
			continue;
		}
		if (strnlen(s, 6) < 6 || !hex_decode(s, 6, v, sizeof(v)))
			return false;
		for (uint32_t k = 0; k < c->u.ifs.n; k++) {
			const struct ifpat *f = &c->u.ifs.v[k];

			if ((f->any[0] || f->v[0] == v[0]) && (f->any[1] || f->v[1] == v[1]) &&
			    (f->any[2] || f->v[2] == v[2]))
				return true;
		}
		s += 6;
	}
	return false;
}

static bool fp_contains(const struct fpset *fs, const unsigned char digest[32])
{
	size_t lo = 0, hi = fs->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = memcmp(fs->digests[mid], digest, 32);

		if (r == 0)
			return CRYPTO_memcmp(fs->digests[mid], digest, 32) == 0;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool hours_match(const struct hours *h, struct evctx *x)
{
	if (is_holiday(x->p, x->day))
		return false;
	for (unsigned i = 0; i < h->n_spans[x->wday]; i++)
		if (x->minute >= h->spans[x->wday][i].start && x->minute < h->spans[x->wday][i].end)
			return true;
	return false;
}

static int cond_eval(struct evctx *x, const struct cond *c);

static __attribute__((noinline)) bool devlist_matches(struct evctx *x, const struct devlist *dl)
{
	for (uint32_t e = 0; e < dl->n_entries; e++) {
		bool all = true;

		for (uint32_t i = 0; i < dl->entries[e].n_conds && all; i++)
			all = cond_eval(x, &dl->entries[e].conds[i]) == 1;
		if (all)
			return true;
	}
	return false;
}

#define HOT static inline __attribute__((always_inline))

HOT bool id_matches(const struct cond *c, const struct ward_device *dev)
{
	for (uint32_t i = 0; i < c->u.ids.n; i++) {
		const struct idpat *id = &c->u.ids.v[i];

		if ((id->vid_any || id->vid == dev->vendor_id) &&
		    (id->pid_any || id->pid == dev->product_id))
			return true;
	}
	return false;
}

/* A number matches the primary or a supplementary gid, a name (or a
 * pattern) the group names. */
HOT bool group_matches(const struct cond *c, const struct policy_event *ev)
{
	bool r = false;

	for (uint32_t i = 0; i < c->u.strs.n && !r; i++) {
		const struct pattern *pt = &c->u.strs.v[i];

		if (pt->number >= 0) {
			r = (long)ev->gid == pt->number;
			for (size_t g = 0; g < ev->n_groups && !r; g++)
				r = (long)ev->groups[g] == pt->number;
		}
		for (size_t g = 0; g < ev->n_group_names && !r; g++)
			r = ev->group_names[g] && pattern_matches(pt, ev->group_names[g]);
	}
	return r;
}

HOT bool time_matches(const struct cond *c, struct evctx *x)
{
	need_time(x);
	switch (c->u.time.ref) {
	case TIME_PERIOD: {
		const struct period *pd = &x->p->periods[c->u.time.index];

		return x->day >= pd->first_day && x->day <= pd->last_day;
	}
	case TIME_HOURS:
		return hours_match(&x->p->hours[c->u.time.index], x);
	case TIME_HOLIDAY:
		return is_holiday(x->p, x->day);
	}
	return false;
}

/* 1 matches, 0 does not, -1 the fact is unknown (the rule does not match,
 * negated or not).  Inlined into the rule loop: it is the hot path. */
HOT int cond_eval_inline(struct evctx *x, const struct cond *c)
{
	const struct policy_event *ev = x->ev;
	const struct classify_result *ct = ev->content;
	const struct ward_device *dev = ev->device;
	bool r = false;

	switch (c->kind) {
	case C_ANY:
		r = true;
		break;
	case C_LEVEL:
		if (!ct)
			return -1;
		r = compare(c->op, ct->level, c->u.level);
		break;
	case C_DECLASSIFIED:
	case C_UNINSPECTABLE:
	case C_DERIVED:
		if (!ct)
			return -1;
		r = c->kind == C_DECLASSIFIED	 ? ct->declassified
		    : c->kind == C_UNINSPECTABLE ? ct->uninspectable
						 : ev->derived != WARD_LEVEL_NONE;
		break;
	case C_PII:
		if (!ct)
			return -1;
		need_pii(x);
		r = compare(c->op, (int64_t)x->pii_count[c->u.pii.type < 0 ? 7 : c->u.pii.type],
			    c->u.pii.count);
		break;
	case C_MIME:
		if (!ct)
			return -1;
		r = any_pattern(c, ct->mime);
		break;
	case C_SHA256_SET:
		if (!ct)
			return -1;
		r = fp_contains(&x->p->fpsets[c->u.index], ct->sha256);
		break;
	case C_SIZE:
		if (!ct)
			return -1;
		r = compare(c->op, (int64_t)ct->size, (int64_t)c->u.size);
		break;
	case C_BUS:
		if (!dev)
			return -1;
		r = (unsigned)dev->bus <= DEVICE_BUS_INTERNAL && (c->u.bus_mask & (1u << dev->bus));
		break;
	case C_DEVLIST:
		if (!dev)
			return -1;
		r = devlist_matches(x, &x->p->devlists[c->u.index]);
		break;
	case C_DEV_ID:
		if (!dev)
			return -1;
		r = id_matches(c, dev);
		break;
	case C_DEV_SERIAL:
		if (!dev)
			return -1;
		r = any_pattern(c, dev->serial);
		break;
	case C_DEV_NAME:
		if (!dev)
			return -1;
		r = any_pattern(c, dev->model);
		break;
	case C_DEV_VENDOR:
		if (!dev)
			return -1;
		r = any_pattern(c, dev->vendor);
		break;
	case C_DEV_IFACE:
		if (!dev)
			return -1;
		r = iface_matches(c, dev->interfaces);
		break;
	case C_DEV_FS:
		if (!dev)
			return -1;
		r = any_pattern(c, dev->fs_type);
		break;
	case C_DEV_UUID:
		if (!dev)
			return -1;
		r = any_pattern(c, dev->fs_uuid);
		break;
	case C_DEV_LABEL:
		if (!dev)
			return -1;
		r = any_pattern(c, dev->fs_label);
		break;
	case C_USER:
		if (!ev->user)
			return -1;
		r = any_pattern(c, ev->user);
		break;
	case C_GROUP:
		r = group_matches(c, ev);
		break;
	case C_EXE:
		if (!ev->exe)
			return -1;
		r = any_pattern(c, ev->exe);
		break;
	case C_TIME:
		r = time_matches(c, x);
		break;
	case C_EVENT:
		r = c->u.event_mask & (1u << ev->kind);
		break;
	}
	return r != c->negate;
}

static int cond_eval(struct evctx *x, const struct cond *c)
{
	return cond_eval_inline(x, c);
}

static bool rule_matches(struct evctx *x, const struct rule *r)
{
	for (uint16_t i = 0; i < r->n_conds; i++)
		if (cond_eval_inline(x, &r->conds[i]) != 1)
			return false;
	return true;
}

static void set_default(struct policy_decision *out)
{
	out->matched_default = true;
	out->rule_file = "(default)";
	out->rule_line = 0;
	out->rule_text = "(no rule matched: built-in default)";
	out->rule_reason = "";
}

/* Weighs one token; true when it applies.  A token the policy holds for
 * another user is none of this event's business and is not reported as a
 * near miss; a token the event offers is. */
static bool weigh_token(const struct policy *p, const struct policy_event *ev,
			const struct policy_token *t, bool offered, int *best,
			struct policy_decision *out)
{
	int progress = 0;
	enum policy_token_status st;

	if (!t)
		return false;
	st = token_match(p, t, ev, &progress);
	if (st == POLICY_TOKEN_APPLIED) {
		out->token_status = st;
		out->token = t;
		out->approver = t->f.approver;
		out->action = POLICY_AUDIT;
		return true;
	}
	if ((offered || progress >= 2) && progress > *best) {
		*best = progress;
		out->token_status = st;
		out->token = t;
	}
	return false;
}

static void apply_tokens(const struct policy *p, const struct policy_event *ev,
			 const struct rule *r, struct policy_decision *out)
{
	int best = -1;

	if (r->strict) {
		/* say so when an approval was on offer for this person */
		const struct policy_token *t = ev->n_tokens && ev->tokens ? ev->tokens[0] : NULL;

		if (!t && ev->user) {
			size_t i = tokens_first_of_user(p, ev->user);

			if (i < p->n_tokens && strcmp(p->tokens[i]->f.user, ev->user) == 0)
				t = p->tokens[i];
		}
		if (t) {
			out->token_status = POLICY_TOKEN_RULE_STRICT;
			out->token = t;
		}
		return;
	}
	for (size_t i = 0; ev->tokens && i < ev->n_tokens; i++)
		if (weigh_token(p, ev, ev->tokens[i], true, &best, out))
			return;
	/* the policy's own tokens: only this user's (they are sorted by user) */
	if (!ev->user)
		return;
	for (size_t i = tokens_first_of_user(p, ev->user);
	     i < p->n_tokens && strcmp(p->tokens[i]->f.user, ev->user) == 0; i++)
		if (weigh_token(p, ev, p->tokens[i], false, &best, out))
			return;
}

int policy_decide(const struct policy *policy, const struct policy_event *ev,
		  struct policy_decision *out)
{
	struct evctx x = {.p = policy, .ev = ev};
	enum section section;

	memset(out, 0, sizeof(*out));
	if (!ev || (unsigned)ev->kind > POLICY_EVENT_CLOSE_WRITE) {
		set_default(out);
		out->rule_text = "(malformed event: fail mode)";
		out->action = out->rule_action = policy_fail_mode(policy, ev ? ev->device : NULL);
		out->device_action = POLICY_DEVICE_BLOCK;
		out->report = true;
		return -EINVAL;
	}
	section = ev->kind == POLICY_EVENT_DEVICE ? SECTION_DEVICE : SECTION_COPY;
	const struct rule *rules = policy->rules[section];
	const struct rule *match = NULL;

	for (size_t i = 0; i < policy->n_rules[section]; i++) {
		if (rule_matches(&x, &rules[i])) {
			match = &rules[i];
			out->rule_index = (unsigned)i;
			break;
		}
	}
	if (match) {
		out->rule_file = match->file;
		out->rule_line = match->line;
		out->rule_text = match->text;
		out->rule_reason = match->reason;
	} else {
		set_default(out);
	}
	if (section == SECTION_DEVICE) {
		out->device_action =
		    match ? (enum policy_device_action)match->action : POLICY_DEVICE_ALLOW;
		out->action = out->rule_action = POLICY_ALLOW;
		out->report = policy->report_devices;
		return 0;
	}
	out->action = out->rule_action = match ? (enum policy_action)match->action : POLICY_ALLOW;
	if (match && out->action >= POLICY_BLOCK)
		apply_tokens(policy, ev, match, out);
	/* an exemption used, or an approval that did not hold, is always the
	 * ethics office's business, whatever 'report' lists */
	out->report = policy_reports(policy, out->action) || out->token_status != POLICY_TOKEN_NONE;
	return 0;
}

/* ---- explanations (not on the hot path) ---- */

struct sbuf {
	char *buf;
	size_t size, len;
};

static void __attribute__((format(printf, 2, 3))) sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(sb->len < sb->size ? sb->buf + sb->len : NULL,
		      sb->len < sb->size ? sb->size - sb->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb->len += (size_t)n;
}

static const char *op_name(uint8_t op)
{
	static const char *const names[] = {"=", "!=", "<", "<=", ">", ">="};

	return op < ARRAY_SIZE(names) ? names[op] : "?";
}

static const char *const kind_names[] = {
    [C_DEV_SERIAL] = "serial", [C_DEV_NAME] = "name", [C_DEV_VENDOR] = "vendor",
    [C_DEV_FS] = "fs",	       [C_DEV_UUID] = "uuid", [C_DEV_LABEL] = "label",
    [C_USER] = "user",	       [C_GROUP] = "group",   [C_EXE] = "exe",
    [C_MIME] = "mime",
};

/* The event's group a group condition is about: the first that matches,
 * else the first the user has. */
static const char *matching_group(const struct cond *c, const struct policy_event *ev)
{
	for (size_t g = 0; g < ev->n_group_names; g++)
		for (uint32_t i = 0; ev->group_names[g] && i < c->u.strs.n; i++)
			if (pattern_matches(&c->u.strs.v[i], ev->group_names[g]))
				return ev->group_names[g];
	return ev->n_group_names && ev->group_names[0] ? ev->group_names[0] : "?";
}

static void describe_cond(struct sbuf *sb, struct evctx *x, const struct cond *c)
{
	const struct policy_event *ev = x->ev;
	const struct classify_result *ct = ev->content;
	const struct ward_device *dev = ev->device;
	const char *neg = c->negate ? "not " : "";

	switch (c->kind) {
	case C_ANY:
		sb_printf(sb, "%s* (every event)", neg);
		break;
	case C_LEVEL:
		sb_printf(sb, "%slevel %s %s %s", neg, ct ? level_name(ct->level) : "?",
			  op_name(c->op), level_name(c->u.level));
		break;
	case C_DECLASSIFIED:
		sb_printf(sb, "%sdeclassified", neg);
		break;
	case C_UNINSPECTABLE:
		sb_printf(sb, "%suninspectable%s%s%s", neg, ct && ct->uninspectable ? " (" : "",
			  ct && ct->uninspectable ? ct->uninspectable_reason : "",
			  ct && ct->uninspectable ? ")" : "");
		break;
	case C_DERIVED:
		if (ev->derived != WARD_LEVEL_NONE)
			sb_printf(
			    sb, "%sderived (shares %u fingerprints with a %s document%s%.12s)", neg,
			    ev->derived_shared, level_name(ev->derived),
			    ev->derived_from ? " " : "", ev->derived_from ? ev->derived_from : "");
		else
			sb_printf(sb,
				  "%sderived (shares no significant part with a marked document)",
				  neg);
		break;
	case C_PII: {
		uint64_t n = 0;

		for (uint32_t i = 0; ct && i < ct->n_pii && i < CLASSIFY_MAX_PII; i++)
			if (c->u.pii.type < 0 ||
			    strcmp(ct->pii[i].type, pii_types[c->u.pii.type]) == 0)
				n += ct->pii[i].count;
		sb_printf(sb, "%spii %s %llu %s %u", neg,
			  c->u.pii.type < 0 ? "any" : pii_types[c->u.pii.type],
			  (unsigned long long)n, op_name(c->op), c->u.pii.count);
		break;
	}
	case C_SHA256_SET:
		sb_printf(sb, "%ssha256 in %s", neg, x->p->fpsets[c->u.index].name);
		break;
	case C_SIZE:
		sb_printf(sb, "%ssize %llu %s %llu", neg, ct ? (unsigned long long)ct->size : 0ULL,
			  op_name(c->op), (unsigned long long)c->u.size);
		break;
	case C_BUS:
		sb_printf(sb, "%sto %s", neg, dev ? device_bus_name(dev->bus) : "?");
		break;
	case C_DEVLIST:
		sb_printf(sb, "%sdevice in list %s", neg, x->p->devlists[c->u.index].name);
		break;
	case C_DEV_ID:
		sb_printf(sb, "%sid %04x:%04x", neg, dev ? dev->vendor_id : 0,
			  dev ? dev->product_id : 0);
		break;
	case C_DEV_IFACE:
		sb_printf(sb, "%swith-interface %s", neg, dev ? dev->interfaces : "?");
		break;
	case C_TIME:
		need_time(x);
		sb_printf(sb, "%s %s", c->negate ? "outside" : "during",
			  c->u.time.ref == TIME_PERIOD	? x->p->periods[c->u.time.index].name
			  : c->u.time.ref == TIME_HOURS ? x->p->hours[c->u.time.index].name
							: "holiday");
		break;
	case C_EVENT:
		sb_printf(sb, "%sevent %s", neg,
			  ev->kind == POLICY_EVENT_COPY ? "copy" : "close-write");
		break;
	default: {
		const char *val = "";

		if (c->kind == C_USER)
			val = ev->user ? ev->user : "?";
		else if (c->kind == C_GROUP)
			val = matching_group(c, ev);
		else if (c->kind == C_EXE)
			val = ev->exe ? ev->exe : "?";
		else if (c->kind == C_MIME)
			val = ct ? ct->mime : "?";
		else if (dev && c->kind == C_DEV_SERIAL)
			val = dev->serial;
		else if (dev && c->kind == C_DEV_NAME)
			val = dev->model;
		else if (dev && c->kind == C_DEV_VENDOR)
			val = dev->vendor;
		else if (dev && c->kind == C_DEV_FS)
			val = dev->fs_type;
		else if (dev && c->kind == C_DEV_UUID)
			val = dev->fs_uuid;
		else if (dev && c->kind == C_DEV_LABEL)
			val = dev->fs_label;
		sb_printf(sb, "%s%s \"%s\"", neg,
			  c->kind < ARRAY_SIZE(kind_names) && kind_names[c->kind]
			      ? kind_names[c->kind]
			      : "?",
			  val);
		break;
	}
	}
}

size_t policy_explain(const struct policy *policy, const struct policy_event *ev,
		      const struct policy_decision *d, char *buf, size_t size)
{
	struct sbuf sb = {buf, size, 0};
	struct evctx x = {.p = policy, .ev = ev};
	enum section section = ev->kind == POLICY_EVENT_DEVICE ? SECTION_DEVICE : SECTION_COPY;

	if (size)
		buf[0] = '\0';
	if (d->matched_default || d->rule_index >= policy->n_rules[section]) {
		sb_printf(&sb, "no %s rule matched; the built-in default applies",
			  section == SECTION_DEVICE ? "device" : "copy");
	} else {
		const struct rule *r = &policy->rules[section][d->rule_index];

		for (uint16_t i = 0; i < r->n_conds; i++) {
			if (i)
				sb_printf(&sb, "; ");
			describe_cond(&sb, &x, &r->conds[i]);
		}
		if (r->reason[0])
			sb_printf(&sb, " (%s)", r->reason);
	}
	if (d->token_status != POLICY_TOKEN_NONE && d->token) {
		char from[40], until[40];

		policy_format_time(policy, d->token->f.from, from, sizeof(from));
		policy_format_time(policy, d->token->f.until, until, sizeof(until));
		if (d->token_status == POLICY_TOKEN_APPLIED)
			sb_printf(&sb, "; approved by %s for %s, valid %s .. %s", d->approver,
				  d->token->f.user, from, until);
		else
			sb_printf(&sb, "; token of %s for %s not applied: %s (valid %s .. %s)",
				  d->token->f.approver, d->token->f.user,
				  policy_token_status_text(d->token_status), from, until);
	}
	return sb.len;
}

/* {level} as the person reading the notice says it: a file blocked for its
 * personal data or because it could not be read has no level, and a
 * "none" would read as a level of that name. */
static const char *level_for_people(const struct policy_event *ev, enum policy_lang lang)
{
	bool en = lang == POLICY_LANG_EN;

	if (!ev || !ev->content)
		return en ? "level not determined" : "密等未判定";
	if (ev->content->level == WARD_LEVEL_NONE)
		return en ? "not marked" : "未標示密等";
	return en ? level_name_en(ev->content->level) : level_name(ev->content->level);
}

size_t policy_render_notice(const struct policy *policy, enum policy_notice notice,
			    enum policy_lang lang, const struct policy_decision *d,
			    const struct policy_event *ev, char *buf, size_t size)
{
	const char *s = policy_message(policy, notice, lang);
	struct sbuf sb = {buf, size, 0};
	char device[400];

	if (size)
		buf[0] = '\0';
	device[0] = '\0';
	if (ev && ev->device)
		snprintf(device, sizeof(device), "%s %s %04x:%04x %s", ev->device->vendor,
			 ev->device->model, ev->device->vendor_id, ev->device->product_id,
			 ev->device->serial);
	while (*s) {
		const char *close;

		if (*s == '{' && (close = strchr(s, '}'))) {
			size_t n = (size_t)(close - s - 1);
			const char *val = NULL;

			if (n == 5 && memcmp(s + 1, "level", 5) == 0)
				val = level_for_people(ev, lang);
			else if (n == 6 && memcmp(s + 1, "reason", 6) == 0)
				val = d && d->rule_reason ? d->rule_reason : "";
			else if (n == 4 && memcmp(s + 1, "rule", 4) == 0)
				val = d && d->rule_text ? d->rule_text : "";
			else if (n == 8 && memcmp(s + 1, "approver", 8) == 0)
				val = d && d->approver ? d->approver : "";
			else if (n == 7 && memcmp(s + 1, "contact", 7) == 0)
				val = policy->contact;
			else if (n == 6 && memcmp(s + 1, "device", 6) == 0)
				val = device;
			if (val) {
				sb_printf(&sb, "%s", val);
				s = close + 1;
				continue;
			}
		}
		sb_printf(&sb, "%c", *s);
		s++;
	}
	return sb.len;
}
