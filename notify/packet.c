#include "notify/packet.h"

#include <errno.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"

static enum packet_type type_of(const char *type)
{
	static const struct {
		const char *name;
		enum packet_type type;
	} types[] = {
	    {"hello", PACKET_HELLO},	   {"event", PACKET_EVENT}, {"device", PACKET_DEVICE},
	    {"approval", PACKET_APPROVAL}, {"end", PACKET_END},
	};

	for (size_t i = 0; type && i < ARRAY_SIZE(types); i++)
		if (strcmp(type, types[i].name) == 0)
			return types[i].type;
	return PACKET_UNKNOWN;
}

static void get(const json_t *o, const char *key, char *out, size_t size)
{
	const char *v = wjson_str(o, key);

	str_copy(out, size, v ? v : "");
}

int notify_packet_parse(const char *buf, size_t len, struct notify_packet *out)
{
	json_t *o = wjson_parse(buf, len, NULL, 0);
	int64_t v = 0, count = 1, dropped = 0;

	memset(out, 0, sizeof(*out));
	if (!o || !json_is_object(o) || !wjson_int(o, "v", &v) || v != 1 || !wjson_str(o, "type")) {
		json_decref(o);
		return -EBADMSG;
	}
	out->type = type_of(wjson_str(o, "type"));
	get(o, "action", out->action, sizeof(out->action));
	get(o, "outcome", out->outcome, sizeof(out->outcome));
	get(o, "ref", out->ref, sizeof(out->ref));
	get(o, "level", out->level, sizeof(out->level));
	get(o, "file", out->file, sizeof(out->file));
	get(o, "device", out->device, sizeof(out->device));
	get(o, "reason", out->reason, sizeof(out->reason));
	get(o, "message_zh", out->message_zh, sizeof(out->message_zh));
	get(o, "message_en", out->message_en, sizeof(out->message_en));
	get(o, "contact", out->contact, sizeof(out->contact));
	get(o, "approver", out->approver, sizeof(out->approver));
	get(o, "until", out->until, sizeof(out->until));
	get(o, "observed_at", out->observed_at, sizeof(out->observed_at));
	get(o, "burst", out->burst, sizeof(out->burst));
	wjson_int(o, "count", &count);
	wjson_int(o, "dropped", &dropped);
	wjson_bool(o, "recent", &out->recent);
	if (out->type == PACKET_END)
		out->count = count < 0 ? 0 : (unsigned)count;
	else
		out->count = count < 1 ? 1 : count > 1000000 ? 1000000 : (unsigned)count;
	out->dropped = dropped < 0 ? 0 : (uint64_t)dropped;
	json_decref(o);
	return 0;
}

static int dump(json_t *o, char *buf, size_t size)
{
	size_t len = 0;
	_cleanup_free_ char *text = o ? wjson_canonical(o, &len) : NULL;

	json_decref(o);
	if (!text)
		return -ENOMEM;
	if (len >= size)
		return -EMSGSIZE;
	memcpy(buf, text, len + 1);
	return (int)len;
}

int notify_packet_hello(const char *session, const char *locale, char *buf, size_t size)
{
	json_t *o = json_pack("{s:i, s:s, s:s, s:s}", "v", 1, "type", "hello", "session", session,
			      "locale", locale ? locale : "");

	return dump(o, buf, size);
}

int notify_packet_events(char *buf, size_t size)
{
	return dump(json_pack("{s:i, s:s}", "v", 1, "type", "events"), buf, size);
}
