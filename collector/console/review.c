#include "collector/console/review.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/jws.h"
#include "common/log.h"
#include "common/util.h"
#include "report/record.h"

/* The incident's identity as the payload names it. */
static json_t *incident_ref(struct db *db, int64_t incident)
{
	static const char sql[] =
	    "SELECT ref, record_id, agent_id FROM incidents WHERE leaf_idx = ?";
	struct db_val p[] = {DBV_INT(incident)};
	struct db_rows *rows = db_query(db, sql, p, 1);
	json_t *o = json_pack("{sI}", "leaf", (json_int_t)incident);

	if (rows && db_next(rows)) {
		wjson_set_str(o, "ref", db_col_text(rows, 0, NULL));
		wjson_set_str(o, "record_id", db_col_text(rows, 1, NULL));
		wjson_set_str(o, "agent_id", db_col_text(rows, 2, NULL));
	}
	db_rows_free(rows);
	return o;
}

/* The signed leaf: the payload completed, canonical, as a compact JWS. */
static int sign_action(const struct review_actor *who, int64_t incident, const char *action,
		       json_t *body, char **jws, size_t *len, char **payload_text)
{
	struct collector *c = who->c;
	char at[RFC3339_MAX], kid[JWS_KID_MAX];
	struct timespec now;
	size_t plen;
	int r;

	clock_gettime(CLOCK_REALTIME, &now);
	rfc3339_ms(&now, at);
	json_object_set_new(body, "v", json_integer(1));
	json_object_set_new(body, "kind", json_string("review"));
	json_object_set_new(body, "action", json_string(action));
	json_object_set_new(body, "actor", json_string(who->name));
	json_object_set_new(body, "actor_name", json_string(who->display));
	json_object_set_new(body, "actor_role", json_string(who->role));
	json_object_set_new(body, "at", json_string(at));
	json_object_set_new(body, "origin", json_string(c->log.origin));
	if (incident >= 0)
		json_object_set_new(body, "incident", incident_ref(who->db, incident));
	*payload_text = wjson_canonical(body, &plen);
	if (!*payload_text)
		return -ENOMEM;
	if (snprintf(kid, sizeof(kid), "collector/%s", c->log.name) >= (int)sizeof(kid))
		return -EINVAL;
	r = jws_sign(&c->log.key, kid, *payload_text, plen, jws, len);
	return r;
}

static int run_change(struct db *db, const struct review_change *ch)
{
	int64_t changes = 0;
	int r;

	if (!ch)
		return 0;
	r = db_exec(db, ch->sql, ch->params, ch->n, &changes);
	return r < 0 ? r : changes == 1 ? 0 : -ESTALE;
}

/* The leaf appended and indexed, the checkpoint signed: inside the
 * caller's transaction. */
static int append_leaf(const struct review_actor *who, int64_t incident, const char *action,
		       const char *jws, size_t len, const char *payload, int64_t *leaf)
{
	static const char index_sql[] =
	    "INSERT INTO review_actions (leaf_idx, incident, created_ms, actor, action, payload)"
	    " VALUES (?, ?, ?, ?, ?, ?)";
	struct collector *c = who->c;
	struct tlog_batch *b = malloc(sizeof(*b));
	int64_t now = page_now();
	char *note = NULL;
	merkle_hash h;
	uint64_t idx = 0;
	int r = b ? tlog_batch_begin(b, who->db) : -ENOMEM;

	if (r == 0)
		r = merkle_leaf_hash(jws, len, h);
	if (r == 0)
		r = tlog_append(b, h, &idx);
	if (r == 0)
		r = store_leaf_add(who->db, idx, now, NULL, NULL, jws, len);
	if (r == 0) {
		struct db_val p[] = {DBV_INT(idx),	  DBV_INT(incident), DBV_INT(now),
				     DBV_TEXT(who->name), DBV_TEXT(action),  DBV_TEXT(payload)};

		r = db_exec(who->db, index_sql, p, ARRAY_SIZE(p), NULL);
	}
	if (r == 0)
		r = tlog_batch_finish(b, &c->log, now, &note);
	if (r == 0 && leaf)
		*leaf = (int64_t)idx;
	free(note);
	if (b)
		tlog_batch_free(b);
	free(b);
	return r;
}

int review_append_as(const struct review_actor *who, int64_t incident, const char *action,
		     json_t *body, const struct review_change *change,
		     const struct review_change *extra, int64_t *leaf)
{
	char *jws = NULL, *payload = NULL;
	size_t len = 0;
	int r = body ? db_begin(who->db, true) : -ENOMEM;

	if (r < 0) {
		json_decref(body);
		return r;
	}
	r = run_change(who->db, change);
	if (r == 0)
		r = run_change(who->db, extra);
	if (r == 0)
		r = sign_action(who, incident, action, body, &jws, &len, &payload);
	if (r == 0)
		r = append_leaf(who, incident, action, jws, len, payload, leaf);
	if (r == 0)
		r = db_commit(who->db);
	else
		db_rollback(who->db);
	if (r < 0 && r != -ESTALE)
		log_warnx("console: %s by %s not recorded: %s", action, who->name,
			  db_error(who->db));
	free(jws);
	free(payload);
	json_decref(body);
	return r < 0 && r != -ESTALE ? -EIO : r;
}

int review_append(struct page *pg, int64_t incident, const char *action, json_t *body,
		  const struct review_change *change, const struct review_change *extra,
		  int64_t *leaf)
{
	struct review_actor who = {pg->con->c, pg->db, pg->user.name, pg->user.display,
				   role_code(pg->user.role)};

	return review_append_as(&who, incident, action, body, change, extra, leaf);
}

void review_log_account(struct page *pg, const char *action, const char *target, json_t *body)
{
	if (!body)
		body = json_object();
	if (body && target)
		json_object_set_new(body, "target", json_string(target));
	if (review_append(pg, -1, action, body, NULL, NULL, NULL) < 0)
		log_warnx("console: %s of %s is not in the log", action, target ? target : "-");
}
