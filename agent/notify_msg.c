#include "agent/notify_msg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "common/version.h"
#include "report/record.h"

#define MESSAGE_MAX 1536
#define REASON_MAX 512
#define NAME_MAX_BYTES 255
#define SHORT_MAX 128

enum field {
	F_ACTION,
	F_OUTCOME,
	F_REF,
	F_LEVEL,
	F_FILE,
	F_DEVICE,
	F_DEVICE_KEY,
	F_REASON,
	F_MESSAGE_ZH,
	F_MESSAGE_EN,
	F_CONTACT,
	F_APPROVER,
	F_UNTIL,
	F_COUNT
};

static const size_t field_max[F_COUNT] = {
    [F_ACTION] = 32,
    [F_OUTCOME] = 64,
    [F_REF] = 16,
    [F_LEVEL] = 32,
    [F_FILE] = NAME_MAX_BYTES,
    [F_DEVICE] = SHORT_MAX,
    [F_DEVICE_KEY] = 128,
    [F_REASON] = REASON_MAX,
    [F_MESSAGE_ZH] = MESSAGE_MAX,
    [F_MESSAGE_EN] = MESSAGE_MAX,
    [F_CONTACT] = SHORT_MAX,
    [F_APPROVER] = SHORT_MAX,
    [F_UNTIL] = 40,
};

/* strlen(s), but at most max and never in the middle of a UTF-8
 * character. */
static size_t bounded_len(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static void format_observed(const struct timespec *ts, char *out)
{
	struct timespec now = *ts;

	if (now.tv_sec == 0)
		clock_gettime(CLOCK_REALTIME, &now);
	rfc3339_ms(&now, out);
}

struct notify_msg *notify_msg_new(const struct notice *n, uint64_t now_ms)
{
	const char *src[F_COUNT] = {
	    n->action,	n->outcome,    n->ref,	  n->level,	 n->file,
	    n->device,	n->device_key, n->reason, n->message_zh, n->message_en,
	    n->contact, n->approver,   n->until,
	};
	size_t len[F_COUNT], total = 0;
	const char **dst[F_COUNT];
	struct notify_msg *m;
	char *p;

	for (int i = 0; i < F_COUNT; i++) {
		len[i] = src[i] ? bounded_len(src[i], field_max[i]) : 0;
		total += len[i] + 1;
	}
	m = calloc(1, sizeof(*m) + total);
	if (!m)
		return NULL;
	m->refs = 1;
	m->kind = n->kind;
	m->uid = n->uid;
	m->loginuid = n->loginuid;
	m->english = n->english;
	m->published_ms = now_ms;
	format_observed(&n->observed, m->observed_at);
	dst[F_ACTION] = &m->action;
	dst[F_OUTCOME] = &m->outcome;
	dst[F_REF] = &m->ref;
	dst[F_LEVEL] = &m->level;
	dst[F_FILE] = &m->file;
	dst[F_DEVICE] = &m->device;
	dst[F_DEVICE_KEY] = &m->device_key;
	dst[F_REASON] = &m->reason;
	dst[F_MESSAGE_ZH] = &m->message_zh;
	dst[F_MESSAGE_EN] = &m->message_en;
	dst[F_CONTACT] = &m->contact;
	dst[F_APPROVER] = &m->approver;
	dst[F_UNTIL] = &m->until;
	p = m->text;
	for (int i = 0; i < F_COUNT; i++) {
		if (len[i])
			memcpy(p, src[i], len[i]);
		p[len[i]] = '\0';
		*dst[i] = p;
		p += len[i] + 1;
	}
	snprintf(m->burst, sizeof(m->burst), "%ld:%s:%s", (long)notify_msg_person(m), m->action,
		 m->device_key);
	return m;
}

struct notify_msg *notify_msg_gone(const char *device_key)
{
	struct notice n = {.kind = NOTICE_DEVICE, .device_key = device_key};
	struct notify_msg *m;

	n.uid = n.loginuid = (uid_t)-1;
	n.observed.tv_sec = 1; /* no clock needed */
	m = notify_msg_new(&n, 0);
	if (m)
		m->gone = true;
	return m;
}

struct notify_msg *notify_msg_ref(struct notify_msg *m)
{
	m->refs++;
	return m;
}

void notify_msg_unref(struct notify_msg *m)
{
	if (m && --m->refs == 0)
		free(m);
}

uid_t notify_msg_person(const struct notify_msg *m)
{
	return m->loginuid != (uid_t)-1 ? m->loginuid : m->uid;
}

bool notify_msg_for(const struct notify_msg *m, uid_t uid)
{
	if (m->kind == NOTICE_DEVICE)
		return true;
	return (m->uid != (uid_t)-1 && m->uid == uid) ||
	       (m->loginuid != (uid_t)-1 && m->loginuid == uid);
}

static const char *kind_name(enum notice_kind kind)
{
	switch (kind) {
	case NOTICE_DEVICE:
		return "device";
	case NOTICE_APPROVAL:
		return "approval";
	default:
		return "event";
	}
}

/* Only members the helper uses for this kind, and only non-empty ones. */
static int set_members(json_t *o, const struct notify_msg *m, size_t text_max)
{
	char msg_zh[MESSAGE_MAX + 1], msg_en[MESSAGE_MAX + 1];
	const struct {
		const char *key, *value;
	} members[] = {
	    {"ref", m->ref},
	    {"action", m->action},
	    {"outcome", m->outcome},
	    {"level", m->level},
	    {"file", m->file},
	    {"device", m->device},
	    {"reason", text_max >= REASON_MAX ? m->reason : ""},
	    {"message_zh", msg_zh},
	    {"message_en", msg_en},
	    {"contact", m->contact},
	    {"approver", m->approver},
	    {"until", m->until},
	    {"observed_at", m->observed_at},
	    {"burst", m->kind == NOTICE_EVENT ? m->burst : ""},
	};
	int r = 0;

	str_copy(msg_zh, text_max + 1 < sizeof(msg_zh) ? text_max + 1 : sizeof(msg_zh),
		 m->message_zh);
	str_copy(msg_en, text_max + 1 < sizeof(msg_en) ? text_max + 1 : sizeof(msg_en),
		 m->message_en);
	for (size_t i = 0; i < ARRAY_SIZE(members) && r == 0; i++)
		if (members[i].value[0])
			r = wjson_set_str(o, members[i].key, members[i].value);
	return r;
}

static int dump_into(json_t *o, char *buf, size_t size)
{
	size_t len;
	_cleanup_free_ char *text = wjson_canonical(o, &len);

	if (!text)
		return -ENOMEM;
	if (len >= size || len > NOTIFY_MAX_PACKET)
		return -EMSGSIZE;
	memcpy(buf, text, len + 1);
	return (int)len;
}

static int encode_once(const struct notify_msg *m, unsigned count, uint64_t dropped, bool recent,
		       size_t text_max, char *buf, size_t size)
{
	json_t *o = json_object();
	int r = o ? 0 : -ENOMEM;

	if (r == 0)
		r = wjson_set_int(o, "v", 1);
	if (r == 0)
		r = wjson_set_str(o, "type", kind_name(m->kind));
	if (r == 0)
		r = set_members(o, m, text_max);
	if (r == 0 && count > 1)
		r = wjson_set_int(o, "count", count);
	if (r == 0 && dropped)
		r = wjson_set_int(o, "dropped", (int64_t)dropped);
	if (r == 0 && recent)
		r = json_object_set_new(o, "recent", json_true()) == 0 ? 0 : -ENOMEM;
	if (r == 0)
		r = dump_into(o, buf, size);
	json_decref(o);
	return r;
}

int notify_msg_encode(const struct notify_msg *m, unsigned count, uint64_t dropped, bool recent,
		      char *buf, size_t size)
{
	/* Escaping can grow a hostile file name six-fold: shorten the texts
	 * rather than lose the notice. */
	static const size_t text_max[] = {MESSAGE_MAX, 512, 0};
	int r = -EMSGSIZE;

	for (size_t i = 0; i < ARRAY_SIZE(text_max) && r == -EMSGSIZE; i++)
		r = encode_once(m, count, dropped, recent, text_max[i], buf, size);
	return r;
}

static int encode_simple(const char *type, const char *key, const char *value, int64_t n, char *buf,
			 size_t size)
{
	json_t *o = json_object();
	int r = o ? 0 : -ENOMEM;

	if (r == 0)
		r = wjson_set_int(o, "v", 1);
	if (r == 0)
		r = wjson_set_str(o, "type", type);
	if (r == 0 && key)
		r = value ? wjson_set_str(o, key, value) : wjson_set_int(o, key, n);
	if (r == 0)
		r = dump_into(o, buf, size);
	json_decref(o);
	return r;
}

int notify_encode_hello(char *buf, size_t size)
{
	return encode_simple("hello", "agent_version", WARD_VERSION, 0, buf, size);
}

int notify_encode_end(unsigned n, char *buf, size_t size)
{
	return encode_simple("end", "count", NULL, n, buf, size);
}

enum notify_request notify_parse_request(const char *buf, size_t len, struct notify_hello *hello)
{
	json_t *o = wjson_parse(buf, len, NULL, 0);
	const char *type, *session, *locale;
	enum notify_request req = NOTIFY_REQ_BAD;
	int64_t v = 0;

	memset(hello, 0, sizeof(*hello));
	if (!o || !wjson_int(o, "v", &v) || v != 1)
		goto out;
	type = wjson_str(o, "type");
	if (type && strcmp(type, "events") == 0) {
		req = NOTIFY_REQ_EVENTS;
	} else if (type && strcmp(type, "hello") == 0) {
		session = wjson_str(o, "session");
		locale = wjson_str(o, "locale");
		hello->graphical =
		    session && (strcmp(session, "x11") == 0 || strcmp(session, "wayland") == 0);
		str_copy(hello->locale, sizeof(hello->locale), locale ? locale : "");
		req = NOTIFY_REQ_HELLO;
	}
out:
	json_decref(o);
	return req;
}
