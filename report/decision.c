#define _GNU_SOURCE
#include "report/decision.h"

#include <errno.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "common/level.h"
#include "common/record_id.h"
#include "common/util.h"
#include "report/record.h"

/* Sets key to value (a new reference) unless value is NULL; -ENOMEM if it
 * was to be set and could not. */
static int set_new(json_t *obj, const char *key, json_t *value)
{
	if (!value)
		return -ENOMEM;
	return json_object_set_new(obj, key, value) == 0 ? 0 : -ENOMEM;
}

static json_t *subject_json(const struct report_decision *d)
{
	json_t *s = json_object();
	int r = 0;

	if (!s)
		return NULL;
	if (d->uid != (uid_t)-1)
		r |= wjson_set_int(s, "uid", d->uid);
	r |= wjson_set_str(s, "user", d->user);
	if (d->loginuid != (uid_t)-1)
		r |= wjson_set_int(s, "loginuid", d->loginuid);
	if (d->pid > 0)
		r |= wjson_set_int(s, "pid", d->pid);
	r |= wjson_set_str(s, "exe", d->exe);
	if (r) {
		json_decref(s);
		return NULL;
	}
	return s;
}

static int put_name(json_t *f, const char *key, const char *value, const unsigned char *names_key)
{
	char hmac[65], hkey[32];

	if (!value)
		return 0;
	if (!names_key)
		return wjson_set_str(f, key, value);
	names_hmac(names_key, value, hmac);
	snprintf(hkey, sizeof(hkey), "%s_hmac", key);
	return wjson_set_str(f, hkey, hmac);
}

static json_t *file_json(const struct report_decision *d, const unsigned char *names_key)
{
	const struct classify_result *c = d->content;
	const char *slash = d->path ? strrchr(d->path, '/') : NULL;
	json_t *f = json_object();
	char hex[65];
	int r = 0;

	if (!f)
		return NULL;
	r |= put_name(f, "name", slash ? slash + 1 : d->path, names_key);
	r |= put_name(f, "path", d->path, names_key);
	r |= put_name(f, "source", d->source, names_key);
	if (c) {
		hex_encode(c->sha256, sizeof(c->sha256), hex);
		r |= wjson_set_int(f, "size", (int64_t)c->size);
		r |= wjson_set_str(f, "sha256", hex);
		r |= wjson_set_str(f, "mime", c->mime[0] ? c->mime : NULL);
	}
	if (r) {
		json_decref(f);
		return NULL;
	}
	return f;
}

static int content_lists(json_t *c, const struct classify_result *cr)
{
	json_t *reasons = json_array(), *pii = json_object();
	char text[sizeof(cr->reasons[0]) + 8];
	int r = reasons && pii ? 0 : -ENOMEM;

	for (uint32_t i = 0; r == 0 && i < cr->n_reasons && i < CLASSIFY_MAX_REASONS; i++) {
		snprintf(text, sizeof(text), "%s @ %s: %s", cr->reasons[i].rule,
			 cr->reasons[i].where, cr->reasons[i].text);
		r = json_array_append_new(reasons, json_string(text)) ? -ENOMEM : 0;
	}
	for (uint32_t i = 0; r == 0 && i < cr->n_pii && i < CLASSIFY_MAX_PII; i++)
		r = wjson_set_int(pii, cr->pii[i].type, cr->pii[i].count);
	if (r == 0 &&
	    (json_object_set_new(c, "reasons", reasons) || json_object_set_new(c, "pii", pii)))
		return -ENOMEM;
	if (r) {
		json_decref(reasons);
		json_decref(pii);
	}
	return r;
}

static json_t *content_json(const struct classify_result *cr)
{
	json_t *c = json_object();
	int r = 0;

	if (!c)
		return NULL;
	r |= wjson_set_str(c, "level", level_name(cr->level));
	r |= wjson_set_str(c, "level_en", level_name_en(cr->level));
	r |= json_object_set_new(c, "declassified", json_boolean(cr->declassified));
	r |= json_object_set_new(c, "uninspectable", json_boolean(cr->uninspectable));
	if (cr->uninspectable)
		r |= wjson_set_str(c, "uninspectable_reason", cr->uninspectable_reason);
	if (r || content_lists(c, cr) < 0) {
		json_decref(c);
		return NULL;
	}
	return c;
}

json_t *decision_device_json(const struct ward_device *dev)
{
	json_t *d = json_object();
	char id[16];
	int r = 0;

	if (!d)
		return NULL;
	snprintf(id, sizeof(id), "%04x:%04x", dev->vendor_id, dev->product_id);
	r |= wjson_set_str(d, "id", id);
	r |= wjson_set_str(d, "serial", dev->serial[0] ? dev->serial : NULL);
	r |= wjson_set_str(d, "vendor", dev->vendor[0] ? dev->vendor : NULL);
	r |= wjson_set_str(d, "model", dev->model[0] ? dev->model : NULL);
	r |= wjson_set_str(d, "bus", device_bus_name(dev->bus));
	r |= wjson_set_str(d, "fs", dev->fs_type[0] ? dev->fs_type : NULL);
	r |= wjson_set_str(d, "uuid", dev->fs_uuid[0] ? dev->fs_uuid : NULL);
	r |= wjson_set_str(d, "label", dev->fs_label[0] ? dev->fs_label : NULL);
	if (dev->size_bytes)
		r |= wjson_set_int(d, "size", (int64_t)dev->size_bytes);
	if (r) {
		json_decref(d);
		return NULL;
	}
	return d;
}

static json_t *rule_json(const struct report_decision *d)
{
	json_t *rule = json_object();
	int r;

	if (!rule)
		return NULL;
	r = wjson_set_str(rule, "file", d->rule_file);
	if (d->rule_line)
		r |= wjson_set_int(rule, "line", d->rule_line);
	if (d->rule_reason && *d->rule_reason)
		r |= wjson_set_str(rule, "reason", d->rule_reason);
	if (r) {
		json_decref(rule);
		return NULL;
	}
	return rule;
}

static json_t *approval_json(const struct report_decision *d)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hex[65];
	json_t *a = json_object();
	int r;

	if (!a)
		return NULL;
	r = wjson_set_str(a, "approver", d->approver);
	if (d->token) {
		SHA256((const unsigned char *)d->token, strlen(d->token), md);
		hex_encode(md, sizeof(md), hex);
		r |= wjson_set_str(a, "token", hex);
	}
	if (r) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static int repeat_members(json_t *p, const struct report_decision *d)
{
	char at[RFC3339_MAX];
	int r;

	if (d->count < 2)
		return 0;
	r = wjson_set_int(p, "count", (int64_t)d->count);
	rfc3339_ms(&d->first, at);
	r |= wjson_set_str(p, "first_at", at);
	rfc3339_ms(&d->last, at);
	r |= wjson_set_str(p, "last_at", at);
	return r ? -ENOMEM : 0;
}

int decision_members(json_t *payload, const struct report_decision *d,
		     const unsigned char *names_key)
{
	const char *id = json_string_value(json_object_get(payload, "record_id"));
	char ref[RECORD_REF_LEN];
	int r = 0;

	if (!id || record_ref(id, ref) < 0)
		return -EINVAL;
	r |= wjson_set_str(payload, "ref", ref);
	r |= wjson_set_str(payload, "event", d->event);
	r |= wjson_set_str(payload, "action", d->action);
	r |= wjson_set_str(payload, "outcome", d->outcome);
	r |= wjson_set_str(payload, "detail", d->detail);
	if (r == 0 && d->rule_file)
		r = set_new(payload, "rule", rule_json(d));
	if (r == 0 && (d->user || d->uid != (uid_t)-1 || d->pid > 0))
		r = set_new(payload, "subject", subject_json(d));
	if (r == 0 && (d->path || d->content))
		r = set_new(payload, "file", file_json(d, names_key));
	if (r == 0 && d->content)
		r = set_new(payload, "content", content_json(d->content));
	if (r == 0 && d->device)
		r = set_new(payload, "device", decision_device_json(d->device));
	if (r == 0 && d->approver)
		r = set_new(payload, "approval", approval_json(d));
	if (r == 0)
		r = repeat_members(payload, d);
	return r ? -ENOMEM : 0;
}
