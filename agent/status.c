#include "agent/status.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/act.h"
#include "agent/agent.h"
#include "agent/landing.h"
#include "agent/notify.h"
#include "agent/known.h"
#include "agent/preclass.h"
#include "agent/removable.h"
#include "agent/report.h"
#include "agent/written.h"
#include "common/json.h"
#include "common/util.h"

#define COUNTER(name)                                                                              \
	{                                                                                          \
#name, offsetof(struct agent_status, name)                                         \
	}

const struct status_counter status_counters[] = {
    COUNTER(media),
    COUNTER(internal_marks),
    COUNTER(workers),
    COUNTER(deadline_ms),
    COUNTER(events),
    COUNTER(own_events),
    COUNTER(fast_allowed),
    COUNTER(denied),
    COUNTER(quarantined),
    COUNTER(ignore_marks),
    COUNTER(classified),
    COUNTER(cache_hits),
    COUNTER(answered_by_deadline),
    COUNTER(answered_queue_full),
    COUNTER(dropped_notifications),
    COUNTER(scanner_restarts),
    COUNTER(journal_seq),
    COUNTER(journal_failures),
    COUNTER(policy_reloads),
    COUNTER(policy_reload_failures),
    COUNTER(queue_overflows),
    COUNTER(events_without_fd),
    COUNTER(proc_failures),
    COUNTER(effect_failures),
    COUNTER(records_dropped),
    COUNTER(notify_clients),
    COUNTER(notices),
    COUNTER(notices_dropped),
    COUNTER(terminal_lines),
    COUNTER(landed_closed),
    COUNTER(landed_open),
    COUNTER(landed_lost),
    COUNTER(landed_vanished),
    COUNTER(landed_rescans),
    COUNTER(landed_held),
    COUNTER(landed_waits),
    COUNTER(landed_retruncated),
    COUNTER(log_durable),
    COUNTER(log_acked),
    COUNTER(log_undelivered_bytes),
    COUNTER(log_dropped_over_cap),
    COUNTER(log_segments_deleted),
    COUNTER(record_failure_denials),
    COUNTER(written_files),
    COUNTER(written_lost),
    COUNTER(written_filesystems),
    COUNTER(classified_for_copy),
    COUNTER(preclassified),
    COUNTER(crawled),
    COUNTER(preclass_pending),
    COUNTER(preclass_dropped),
    COUNTER(preclass_busy),
    COUNTER(crawl_passes),
    COUNTER(cache_entries),
    COUNTER(cache_versions),
    COUNTER(cache_evicted),
    COUNTER(cache_saves),
    COUNTER(cache_loaded),
};
const size_t status_n_counters = sizeof(status_counters) / sizeof(status_counters[0]);

static uint64_t *counter_at(struct agent_status *s, const struct status_counter *c)
{
	return (uint64_t *)((char *)s + c->offset);
}

static void landing_status(struct agent *a, struct agent_status *out)
{
	struct landing_stats ls;

	if (!a->landing)
		return;
	landing_get_stats(a->landing, &ls);
	out->landed_closed = ls.closed;
	out->landed_open = ls.open;
	out->landed_lost = ls.lost;
	out->landed_vanished = ls.vanished;
	out->landed_rescans = ls.rescans;
	out->landed_held = ls.held;
	out->landed_waits = ls.waits;
	out->landed_retruncated = ls.retruncated;
}

static void collect_background(struct agent *a, struct agent_status *out)
{
	struct cache_stats cs;

	if (a->preclass) {
		struct preclass_stats ps;

		preclass_get_stats(a->preclass, &ps);
		out->preclassified = ps.classified;
		out->crawled = ps.crawled;
		out->preclass_pending = ps.pending;
		out->preclass_dropped = ps.dropped;
		out->preclass_busy = ps.busy;
		out->crawl_passes = ps.passes;
		out->cache_saves = ps.saves;
		out->cache_loaded = ps.loaded;
	}
	class_cache_get_stats(a->cache, &cs);
	out->cache_entries = cs.entries;
	out->cache_versions = cs.versions;
	out->cache_evicted = cs.evicted;
}

int status_collect(struct agent *a, struct agent_status *out)
{
	struct medium *list = calloc(MEDIA_MAX, sizeof(*list));
	struct pool_stats ps;
	struct notify_stats ns;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!list)
		return -ENOMEM;
	n = removable_media_list(a->removable, list, MEDIA_MAX);
	out->watched = calloc(n ? n : 1, sizeof(*out->watched));
	if (!out->watched) {
		free(list);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct status_medium *w = &out->watched[i];

		str_copy(w->mount, sizeof(w->mount), list[i].mount_point);
		str_copy(w->device, sizeof(w->device), list[i].device.devnode);
		str_copy(w->serial, sizeof(w->serial), list[i].device.serial);
		str_copy(w->action, sizeof(w->action), policy_device_action_name(list[i].action));
	}
	out->n_watched = n;
	free(list);

	struct policy *in_force = policy_current_get(a->policy);

	if (in_force)
		policy_version_hex(in_force, out->policy_version);
	policy_unref(in_force);
	pool_get_stats(a->pool, &ps);
	out->ready = atomic_load(&a->ready);
	out->pid = a->self_pid;
	out->media = n;
	out->internal_marks = removable_internal_count(a->removable);
	out->workers = a->cfg.workers;
	out->deadline_ms = atomic_load(&a->deadline_ms);
	out->events = atomic_load(&a->n.events);
	out->own_events = atomic_load(&a->n.own);
	out->fast_allowed = atomic_load(&a->n.fast);
	out->denied = atomic_load(&a->n.denied);
	out->quarantined = atomic_load(&a->n.quarantined);
	out->ignore_marks = atomic_load(&a->n.ignored);
	out->classified = atomic_load(&a->n.classified);
	out->cache_hits = atomic_load(&a->n.cache_hits);
	out->answered_by_deadline = ps.by_deadline;
	out->answered_queue_full = ps.by_queue_full;
	out->dropped_notifications = ps.dropped_notifications;
	for (unsigned i = 0; i < a->cfg.workers; i++)
		out->scanner_restarts += a->scanners[i] ? scanner_restarts(a->scanners[i]) : 0;
	if (a->report && a->report->log) {
		struct rlog_stats st;

		rlog_get_stats(a->report->log, &st);
		out->journal_seq = st.head_seq;
		out->journal_failures = st.failures;
		out->log_durable = st.durable_seq;
		out->log_acked = st.acked_seq;
		out->log_undelivered_bytes = st.undelivered;
		out->log_dropped_over_cap = st.dropped;
		out->log_segments_deleted = st.segments_deleted;
	}
	out->record_failure_denials = atomic_load(&a->n.record_failure_denials);
	out->policy_reloads = atomic_load(&a->n.reloads_ok);
	out->policy_reload_failures = atomic_load(&a->n.reloads_failed);
	out->queue_overflows = atomic_load(&a->n.overflows);
	out->events_without_fd = atomic_load(&a->n.no_fd);
	out->proc_failures = atomic_load(&a->n.proc_failures);
	out->effect_failures = atomic_load(&a->n.effect_failures);
	out->records_dropped = act_dropped(a->act);
	notify_get_stats(a->notify, &ns);
	out->notify_clients = ns.clients;
	out->notices = ns.published;
	out->notices_dropped = ns.inbox_dropped + ns.client_dropped;
	out->terminal_lines = ns.tty_lines;
	landing_status(a, out);
	if (a->written) {
		struct written_stats ws;

		written_get_stats(a->written, &ws);
		out->written_files = ws.files;
		out->written_lost = ws.lost;
		out->written_filesystems = ws.filesystems;
	}
	out->classified_for_copy = atomic_load(&a->n.classified_for_copy);
	collect_background(a, out);
	return 0;
}

void status_free(struct agent_status *s)
{
	free(s->watched);
	s->watched = NULL;
	s->n_watched = 0;
}

static json_t *watched_to_json(const struct agent_status *s, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++) {
		const struct status_medium *w = &s->watched[i];
		json_t *o = json_object();

		/* Insertion order is kept: mount, device, serial, action. */
		if (!o || wjson_set_text(o, "mount", w->mount) < 0 ||
		    wjson_set_text(o, "device", w->device) < 0 ||
		    wjson_set_text(o, "serial", w->serial) < 0 ||
		    wjson_set_text(o, "action", w->action) < 0 ||
		    json_array_append_new(arr, o) < 0) {
			json_decref(o);
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* The reply object with the first n watched media. */
static json_t *status_to_json(const struct agent_status *s, size_t n)
{
	json_t *o = json_object();
	int r = o ? 0 : -ENOMEM;

	if (r == 0)
		r = json_object_set_new(o, "ready", json_boolean(s->ready));
	if (r == 0)
		r = wjson_set_int(o, "pid", s->pid);
	if (r == 0)
		r = wjson_set_text(o, "policy_version", s->policy_version);
	for (size_t i = 0; r == 0 && i < status_n_counters; i++)
		r = wjson_set_int(o, status_counters[i].key,
				  (int64_t)status_get(s, &status_counters[i]));
	if (r == 0)
		r = json_object_set_new(o, "watched", watched_to_json(s, n));
	if (r != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

void status_answer(const char *request, char *reply, size_t size, void *arg)
{
	struct agent_status s;
	size_t n, len = 0;

	if (strncmp(request, "known ", 6) == 0) {
		known_answer(arg, request + 6, reply, size);
		return;
	}
	if (strcmp(request, "status") != 0 || status_collect(arg, &s) < 0) {
		snprintf(reply, size, "{\"error\":\"%s\"}",
			 strcmp(request, "status") ? "unknown request" : "out of memory");
		return;
	}
	/* Drop watched media from the end until the reply fits. */
	for (n = s.n_watched;; n--) {
		json_t *o = status_to_json(&s, n);

		len = o ? json_dumpb(o, reply, size - 1, JSON_COMPACT) : 0;
		json_decref(o);
		if ((len > 0 && len < size) || n == 0)
			break;
	}
	if (len == 0 || len >= size)
		snprintf(reply, size, "{\"error\":\"status does not fit\"}");
	else
		reply[len] = '\0';
	status_free(&s);
}

static int parse_watched(const json_t *arr, struct agent_status *out)
{
	size_t i, n = json_array_size(arr);
	const json_t *w;

	out->watched = calloc(n ? n : 1, sizeof(*out->watched));
	if (!out->watched)
		return -ENOMEM;
	json_array_foreach(arr, i, w)
	{
		struct status_medium *m = &out->watched[i];
		const char *v;

		if ((v = wjson_str(w, "mount")))
			str_copy(m->mount, sizeof(m->mount), v);
		if ((v = wjson_str(w, "device")))
			str_copy(m->device, sizeof(m->device), v);
		if ((v = wjson_str(w, "serial")))
			str_copy(m->serial, sizeof(m->serial), v);
		if ((v = wjson_str(w, "action")))
			str_copy(m->action, sizeof(m->action), v);
	}
	out->n_watched = n;
	return 0;
}

int status_parse(const char *text, size_t len, struct agent_status *out, char *err, size_t errsize)
{
	json_t *o = wjson_parse(text, len, err, errsize);
	const char *error, *version;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (!o)
		return -EBADMSG;
	if ((error = wjson_str(o, "error")) || !wjson_bool(o, "ready", &out->ready)) {
		snprintf(err, errsize, "%s", error ? error : "not a status reply");
		json_decref(o);
		return -EBADMSG;
	}
	wjson_int(o, "pid", &out->pid);
	if ((version = wjson_str(o, "policy_version")))
		str_copy(out->policy_version, sizeof(out->policy_version), version);
	for (size_t i = 0; i < status_n_counters; i++) {
		int64_t v = 0;

		if (wjson_int(o, status_counters[i].key, &v) && v >= 0)
			*counter_at(out, &status_counters[i]) = (uint64_t)v;
	}
	if (json_is_array(json_object_get(o, "watched")))
		r = parse_watched(json_object_get(o, "watched"), out);
	json_decref(o);
	return r;
}
