/* Conditions: what a rule or a device-list entry tests about the document,
 * the medium, the person and the time.  A condition that needs a fact the
 * event lacks does not hold (the engine's side, engine.c); here each is
 * only parsed and checked against where it is used. */
#include <ctype.h>
#include <string.h>

#include "common/cleanup.h"
#include "policy/parser.h"

static bool content_cond(uint8_t kind)
{
	return kind == C_LEVEL || kind == C_DECLASSIFIED || kind == C_UNINSPECTABLE ||
	       kind == C_DERIVED || kind == C_PII || kind == C_MIME || kind == C_SHA256_SET ||
	       kind == C_SIZE || kind == C_EVENT;
}

static bool device_attr_cond(uint8_t kind)
{
	return (kind >= C_DEV_ID && kind <= C_DEV_LABEL) || kind == C_BUS;
}

static bool parse_level_tok(struct parser *ps, const struct token *t, enum ward_level *out)
{
	if (t && is_value(t) && level_parse(t->s, t->len, out))
		return true;
	if (t)
		perr(ps, t, "unknown level '%s' (expected 密, 機密, 極機密, 絕對機密 or none)",
		     SHOW(t));
	else
		perr_missing(ps, "expected a level: 密, 機密, 極機密, 絕對機密 or none");
	return false;
}

static bool parse_size(const struct token *t, uint64_t *out)
{
	size_t digits = 0;
	uint64_t v, mult = 1;

	while (digits < t->len && isdigit((unsigned char)t->s[digits]))
		digits++;
	if (!parse_u64(t->s, digits, &v))
		return false;
	if (t->len - digits == 1 || (t->len - digits == 2 && toupper(t->s[digits + 1]) == 'B') ||
	    (t->len - digits == 3 && t->s[digits + 1] == 'i' && t->s[digits + 2] == 'B')) {
		switch (toupper((unsigned char)t->s[digits])) {
		case 'K':
			mult = 1024;
			break;
		case 'M':
			mult = 1024 * 1024;
			break;
		case 'G':
			mult = 1024ull * 1024 * 1024;
			break;
		case 'B':
			if (t->len - digits != 1)
				return false;
			break;
		default:
			return false;
		}
	} else if (t->len != digits) {
		return false;
	}
	if (v > UINT64_MAX / mult)
		return false;
	*out = v * mult;
	return true;
}

static const char *const cond_keywords =
    "level, declassified, uninspectable, derived, pii, mime, sha256, size, to, id, serial, name, vendor, "
    "with-interface, fs, uuid, label, user, group, exe, during, outside, event, no-exemption, "
    "a device list name or *";

static bool parse_time_ref(struct parser *ps, struct cond *c, bool outside)
{
	struct policy *p = ps->p;
	struct token *t = next(ps);
	long i;

	c->kind = C_TIME;
	c->negate = c->negate != outside;
	if (!is_value(t)) {
		if (t)
			perr(ps, t, "expected a period or office hours name, found '%s'", SHOW(t));
		else
			perr_missing(ps, "expected a period or office hours name");
		return false;
	}
	if (tok_is(t, "holiday") || tok_is(t, "holidays")) {
		c->u.time.ref = TIME_HOLIDAY;
		return true;
	}
	if ((i = FIND(p->periods, p->n_periods, t)) >= 0) {
		c->u.time.ref = TIME_PERIOD;
		c->u.time.index = (uint32_t)i;
		return true;
	}
	if ((i = FIND(p->hours, p->n_hours, t)) >= 0) {
		c->u.time.ref = TIME_HOURS;
		c->u.time.index = (uint32_t)i;
		return true;
	}
	char periods[256], hours[256];

	list_names(periods, sizeof(periods), p->periods, p->n_periods, sizeof(*p->periods), 0);
	list_names(hours, sizeof(hours), p->hours, p->n_hours, sizeof(*p->hours), 0);
	perr(ps, t, "unknown period '%s' (declared periods: %s; office hours: %s; or holiday)",
	     SHOW(t), periods, hours);
	return false;
}

static bool parse_id(struct parser *ps, const struct token *t, struct idpat *id)
{
	const char *colon = memchr(t->s, ':', t->len);
	unsigned v;

	if (!colon || t->type != T_WORD)
		goto bad;
	size_t l1 = (size_t)(colon - t->s), l2 = t->len - l1 - 1;

	memset(id, 0, sizeof(*id));
	if (l1 == 1 && t->s[0] == '*')
		id->vid_any = true;
	else if (l1 == 4 && parse_hex_n(t->s, 4, &v))
		id->vid = (uint16_t)v;
	else
		goto bad;
	if (l2 == 1 && colon[1] == '*')
		id->pid_any = true;
	else if (l2 == 4 && parse_hex_n(colon + 1, 4, &v))
		id->pid = (uint16_t)v;
	else
		goto bad;
	return true;
bad:
	perr(
	    ps, t,
	    "bad device id '%s' (expected VVVV:PPPP in hexadecimal, e.g. 0781:5567; * for any part)",
	    SHOW(t));
	return false;
}

static bool parse_iface(struct parser *ps, const struct token *t, struct ifpat *f)
{
	memset(f, 0, sizeof(*f));
	if (t->len != 8 || t->s[2] != ':' || t->s[5] != ':')
		goto bad;
	for (int i = 0; i < 3; i++) {
		const char *s = t->s + 3 * i;
		unsigned v;

		if (s[0] == '*' && s[1] == '*')
			f->any[i] = true;
		else if (parse_hex_n(s, 2, &v))
			f->v[i] = (uint8_t)v;
		else
			goto bad;
	}
	return true;
bad:
	perr(ps, t,
	     "bad interface '%s' (expected CC:SS:PP in hexadecimal, e.g. 08:06:50; ** for any)",
	     SHOW(t));
	return false;
}

/* pii TYPE OP N */
static bool cond_pii(struct parser *ps, struct cond *c)
{
	struct token *t = next(ps);
	uint64_t count;

	c->kind = C_PII;
	c->u.pii.type = -2;
	if (tok_is(t, "any")) {
		c->u.pii.type = -1;
	} else {
		for (size_t k = 0; t && k < n_pii_types; k++)
			if (tok_is(t, pii_types[k]))
				c->u.pii.type = (int32_t)k;
	}
	if (c->u.pii.type == -2) {
		if (t)
			perr(
			    ps, t,
			    "unknown personal-data type '%s' (expected roc-national-id, roc-resident-id, land-register, household-register or any)",
			    SHOW(t));
		else
			perr_missing(ps, "expected a personal-data type, e.g. roc-national-id");
		return false;
	}
	if (!expect_op(ps, "pii", &c->op))
		return false;
	t = next(ps);
	if (!t || !parse_u64(t->s, t->len, &count) || count > UINT32_MAX) {
		if (t)
			perr(ps, t, "bad count '%s' (expected a whole number)", SHOW(t));
		else
			perr_missing(ps, "expected a count");
		return false;
	}
	c->u.pii.count = (uint32_t)count;
	return true;
}

/* sha256 in LIST */
static bool cond_sha256(struct parser *ps, struct cond *c)
{
	struct policy *p = ps->p;
	struct token *t = next(ps);
	long i;

	c->kind = C_SHA256_SET;
	if (!tok_is(t, "in")) {
		if (t)
			perr(ps, t, "expected 'in' and a fingerprint list after sha256");
		else
			perr_missing(ps, "expected 'in' and a fingerprint list after sha256");
		return false;
	}
	t = next(ps);
	if (!t || (i = FIND(p->fpsets, p->n_fpsets, t)) < 0) {
		char names[256];

		list_names(names, sizeof(names), p->fpsets, p->n_fpsets, sizeof(*p->fpsets), 0);
		if (t)
			perr(ps, t, "unknown fingerprint list '%s' (declared lists: %s)", SHOW(t),
			     names);
		else
			perr_missing(ps, "expected a fingerprint list name");
		return false;
	}
	c->u.index = (uint32_t)i;
	return true;
}

/* size OP SIZE */
static bool cond_size(struct parser *ps, struct cond *c)
{
	struct token *t;

	c->kind = C_SIZE;
	if (!expect_op(ps, "size", &c->op))
		return false;
	t = next(ps);
	if (!t || !parse_size(t, &c->u.size)) {
		if (t)
			perr(ps, t, "bad size '%s' (expected e.g. 500K, 20M, 1G or bytes)",
			     SHOW(t));
		else
			perr_missing(ps, "expected a size, e.g. 20M");
		return false;
	}
	return true;
}

/* to DEST | bus DEST: a bus, or (outside device lists) a device list */
static bool cond_dest(struct parser *ps, struct cond *c, bool in_devlist)
{
	struct policy *p = ps->p;
	struct token *t = next(ps);
	long i;

	if (t && parse_dest(t, &c->u.bus_mask) == 0) {
		c->kind = C_BUS;
		return true;
	}
	if (t && (i = FIND(p->devlists, p->n_devlists, t)) >= 0 && !in_devlist) {
		c->kind = C_DEVLIST;
		c->u.index = (uint32_t)i;
		return true;
	}
	char names[256];

	list_names(names, sizeof(names), p->devlists, p->n_devlists, sizeof(*p->devlists), 0);
	if (t)
		perr(
		    ps, t,
		    "unknown destination '%s' (expected removable, usb, mmc, other, internal, any or a device list: %s)",
		    SHOW(t), names);
	else
		perr_missing(ps, "expected a destination, e.g. removable");
	return false;
}

/* id VVVV:PPPP... */
static bool cond_ids(struct parser *ps, struct cond *c)
{
	struct token *vals[MAX_VALUES];
	int n;

	c->kind = C_DEV_ID;
	if ((n = parse_values(ps, "a device id VVVV:PPPP", vals)) < 0)
		return false;
	c->u.ids.v = arena_alloc(ps->p, (size_t)n * sizeof(struct idpat));
	if (!c->u.ids.v)
		return false;
	c->u.ids.n = (uint32_t)n;
	for (int k = 0; k < n; k++)
		if (!parse_id(ps, vals[k], &c->u.ids.v[k]))
			return false;
	return true;
}

/* with-interface CC:SS:PP... */
static bool cond_ifaces(struct parser *ps, struct cond *c)
{
	struct token *vals[MAX_VALUES];
	int n;

	c->kind = C_DEV_IFACE;
	if ((n = parse_values(ps, "an interface CC:SS:PP", vals)) < 0)
		return false;
	c->u.ifs.v = arena_alloc(ps->p, (size_t)n * sizeof(struct ifpat));
	if (!c->u.ifs.v)
		return false;
	c->u.ifs.n = (uint32_t)n;
	for (int k = 0; k < n; k++)
		if (!parse_iface(ps, vals[k], &c->u.ifs.v[k]))
			return false;
	return true;
}

/* Conditions on one string attribute of the medium or the person: a value
 * or a set of values, words with * ? as patterns. */
static const struct {
	const char *kw;
	uint8_t kind;
	const char *what;
} string_attrs[] = {
    {"serial", C_DEV_SERIAL, "a serial number"},
    {"name", C_DEV_NAME, "a model name"},
    {"vendor", C_DEV_VENDOR, "a vendor name"},
    {"fs", C_DEV_FS, "a filesystem type, e.g. exfat"},
    {"uuid", C_DEV_UUID, "a filesystem UUID"},
    {"label", C_DEV_LABEL, "a filesystem label"},
    {"user", C_USER, "a user name"},
    {"group", C_GROUP, "a group name or number"},
    {"exe", C_EXE, "an executable path"},
};

static int string_attr_index(const struct token *kw)
{
	for (size_t k = 0; k < ARRAY_SIZE(string_attrs); k++)
		if (tok_is(kw, string_attrs[k].kw))
			return (int)k;
	return -1;
}

static bool cond_string_attr(struct parser *ps, struct cond *c, const struct token *kw, int k,
			     bool in_devlist)
{
	struct token *vals[MAX_VALUES];
	int n;

	c->kind = string_attrs[k].kind;
	if ((n = parse_values(ps, string_attrs[k].what, vals)) < 0)
		return false;
	if (!to_patterns(ps, vals, n, c))
		return false;
	if (in_devlist && !device_attr_cond(c->kind)) {
		perr(ps, kw, "'%s' describes a person, not a device: use it in a rule", SHOW(kw));
		return false;
	}
	return true;
}

/* event copy | close-write | one-of { ... } */
static bool cond_event(struct parser *ps, struct cond *c)
{
	struct token *vals[MAX_VALUES];
	int n;

	c->kind = C_EVENT;
	if ((n = parse_values(ps, "an event: copy or close-write", vals)) < 0)
		return false;
	for (int k = 0; k < n; k++) {
		if (tok_is(vals[k], "copy")) {
			c->u.event_mask |= 1u << POLICY_EVENT_COPY;
		} else if (tok_is(vals[k], "close-write")) {
			c->u.event_mask |= 1u << POLICY_EVENT_CLOSE_WRITE;
		} else {
			perr(ps, vals[k], "unknown event '%s' (expected copy or close-write)",
			     SHOW(vals[k]));
			return false;
		}
	}
	return true;
}

/* The condition a keyword starts. */
static bool cond_by_keyword(struct parser *ps, struct cond *c, struct token *kw, bool in_devlist)
{
	struct policy *p = ps->p;
	struct token *vals[MAX_VALUES];
	int n, k;
	long i;

	if (tok_is(kw, "*")) {
		c->kind = C_ANY;
		return true;
	}
	if (tok_is(kw, "level")) {
		c->kind = C_LEVEL;
		return expect_op(ps, "level", &c->op) && parse_level_tok(ps, next(ps), &c->u.level);
	}
	if (tok_is(kw, "declassified")) {
		c->kind = C_DECLASSIFIED;
		return true;
	}
	if (tok_is(kw, "uninspectable")) {
		c->kind = C_UNINSPECTABLE;
		return true;
	}
	if (tok_is(kw, "derived")) {
		c->kind = C_DERIVED;
		return true;
	}
	if (tok_is(kw, "pii"))
		return cond_pii(ps, c);
	if (tok_is(kw, "mime") || tok_is(kw, "type")) {
		c->kind = C_MIME;
		if ((n = parse_values(ps, "a MIME type, e.g. application/pdf", vals)) < 0)
			return false;
		return to_patterns(ps, vals, n, c);
	}
	if (tok_is(kw, "sha256"))
		return cond_sha256(ps, c);
	if (tok_is(kw, "size"))
		return cond_size(ps, c);
	if (tok_is(kw, "to") || tok_is(kw, "bus"))
		return cond_dest(ps, c, in_devlist);
	if (tok_is(kw, "id"))
		return cond_ids(ps, c);
	if (tok_is(kw, "with-interface"))
		return cond_ifaces(ps, c);
	if ((k = string_attr_index(kw)) >= 0)
		return cond_string_attr(ps, c, kw, k, in_devlist);
	if (tok_is(kw, "during") || tok_is(kw, "inside"))
		return parse_time_ref(ps, c, false);
	if (tok_is(kw, "outside"))
		return parse_time_ref(ps, c, true);
	if (tok_is(kw, "event"))
		return cond_event(ps, c);
	if (!in_devlist && (i = FIND(p->devlists, p->n_devlists, kw)) >= 0) {
		c->kind = C_DEVLIST;
		c->u.index = (uint32_t)i;
		return true;
	}
	perr(ps, kw, "unknown condition '%s' (expected %s)", SHOW(kw), cond_keywords);
	return false;
}

bool parse_cond(struct parser *ps, enum section section, struct cond *c, bool in_devlist)
{
	struct token *kw = next(ps);

	memset(c, 0, sizeof(*c));
	if (tok_is(kw, "not")) {
		c->negate = true;
		kw = next(ps);
		if (!kw) {
			perr_missing(ps, "expected a condition after 'not'");
			return false;
		}
	}
	if (!kw)
		return false;
	if (!cond_by_keyword(ps, c, kw, in_devlist))
		return false;
	if (in_devlist && !device_attr_cond(c->kind)) {
		perr(ps, kw, "'%s' cannot describe a device in a device list", SHOW(kw));
		return false;
	}
	if (section == SECTION_DEVICE && content_cond(c->kind)) {
		perr(ps, kw, "'%s' cannot be used in a device rule (a medium has no content)",
		     SHOW(kw));
		return false;
	}
	return true;
}
