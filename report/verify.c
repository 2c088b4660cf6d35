#define _GNU_SOURCE
#include "report/verify.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/i18n.h"
#include "common/util.h"
#include "report/segment.h"

/* Seen hashes are kept for this many seqs at most (32 bytes each); beyond
 * it a repeated seq is reported as a fork without comparing. */
#define VERIFY_MAX_HASHES (4u << 20)
#define VERIFY_MAX_GAPS 4096
/* Breaks held for sorting; more are counted, not listed. */
#define VERIFY_MAX_FOUND 100000

static const unsigned char NO_HASH[32];

void verifier_init(struct verifier *v, const char *agent_id, const unsigned char *key,
		   uint64_t key_index, verify_report_fn report, void *ctx)
{
	memset(v, 0, sizeof(*v));
	if (agent_id)
		str_copy(v->st.agent_id, sizeof(v->st.agent_id), agent_id);
	if (key) {
		memcpy(v->st.key, key, ED25519_KEY_BYTES);
		v->st.key_index = key_index;
		v->have_key = true;
	}
	v->report = report;
	v->ctx = ctx;
}

void verifier_free(struct verifier *v)
{
	buf_free(&v->hashes);
	buf_free(&v->gaps);
	buf_free(&v->found);
}

static struct verify_gap *gaps(const struct verifier *v, size_t *n)
{
	*n = v->gaps.len / sizeof(struct verify_gap);
	return (struct verify_gap *)v->gaps.data;
}

const char *verify_kind_name(enum verify_kind k)
{
	static const char *const names[] = {"gap",     "reorder",   "duplicate", "fork",
					    "forgery", "malformed", "foreign"};

	return (size_t)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

static void say(struct verifier *v, enum verify_kind kind, uint64_t seq, uint64_t last,
		const char *why, const char *where)
{
	struct verify_found f = {.kind = kind, .seq = seq, .last = last, .why = why};

	v->breaks++;
	f.order = v->found.len / sizeof(f);
	if (f.order >= VERIFY_MAX_FOUND)
		return;
	str_copy(f.where, sizeof(f.where), where ? where : "");
	if (buf_push(&v->found, &f, sizeof(f)) < 0)
		v->incomplete = true; /* counted in breaks, not listed */
}

static int cmp_found(const void *a, const void *b)
{
	const struct verify_found *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static const unsigned char *seen_hash(const struct verifier *v, uint64_t seq)
{
	const unsigned char *h;

	if (seq < v->base || seq - v->base >= v->hashes.len / 32)
		return NULL;
	h = (const unsigned char *)v->hashes.data + (seq - v->base) * 32;
	return memcmp(h, NO_HASH, 32) ? h : NULL;
}

static void remember(struct verifier *v, uint64_t seq, const unsigned char hash[32])
{
	size_t want;

	if (v->hashes.len == 0)
		v->base = seq;
	if (seq < v->base || seq - v->base >= VERIFY_MAX_HASHES)
		return;
	want = (size_t)(seq - v->base + 1) * 32;
	if (want > v->hashes.len) {
		if (buf_reserve(&v->hashes, want - v->hashes.len) < 0) {
			v->incomplete = true;
			return;
		}
		memset(v->hashes.data + v->hashes.len, 0, want - v->hashes.len);
		v->hashes.len = want;
	}
	memcpy(v->hashes.data + (seq - v->base) * 32, hash, 32);
}

/* Takes seq out of the open gaps; true if it was in one. */
static bool fill_gap(struct verifier *v, uint64_t seq)
{
	size_t n;
	struct verify_gap *g0 = gaps(v, &n);

	for (size_t i = 0; i < n; i++) {
		struct verify_gap *g = &g0[i], rest;

		if (seq < g->first || seq > g->last)
			continue;
		if (g->first == g->last) {
			*g = g0[n - 1];
			v->gaps.len -= sizeof(*g);
		} else if (seq == g->first) {
			g->first++;
		} else if (seq == g->last) {
			g->last--;
		} else if (n < VERIFY_MAX_GAPS) {
			rest = *g;
			rest.first = seq + 1;
			g->last = seq - 1;
			/* g may move: not used after */
			if (buf_push(&v->gaps, &rest, sizeof(rest)) < 0)
				v->incomplete = true;
		}
		return true;
	}
	return false;
}

static void open_gap(struct verifier *v, uint64_t first, uint64_t last, const char *where)
{
	struct verify_gap g = {.first = first, .last = last};
	size_t n;

	gaps(v, &n);
	if (n >= VERIFY_MAX_GAPS) {
		v->incomplete = true;
		return;
	}
	str_copy(g.where, sizeof(g.where), where ? where : "");
	if (buf_push(&v->gaps, &g, sizeof(g)) < 0)
		v->incomplete = true;
}

/* A seq at or below the head: reorder, duplicate or fork. */
static void feed_old(struct verifier *v, const struct record_info *rec, const char *where)
{
	const unsigned char *h = seen_hash(v, rec->seq);

	if (fill_gap(v, rec->seq)) {
		say(v, VERIFY_REORDER, rec->seq, 0, N_("comes after records that follow it"),
		    where);
		remember(v, rec->seq, rec->hash);
	} else if (h && memcmp(h, rec->hash, 32) == 0) {
		say(v, VERIFY_DUPLICATE, rec->seq, 0, N_("the same record again"), where);
	} else {
		say(v, VERIFY_FORK, rec->seq, 0, N_("a second, different record at this seq"),
		    where);
	}
}

/* Checks the signature when the key is known; after a gap that hid the
 * key's announcement the record is counted as unverified instead. */
static bool signature_ok(struct verifier *v, const struct record_info *rec, const char **why)
{
	if (!v->key_known) {
		v->unverified++;
		return true;
	}
	if (rec->ratchet != v->st.key_index)
		return *why = N_("signed with a ratchet key other than the one announced"), false;
	if (!ed25519_verify_raw(v->st.key, rec->jws.signing_input, rec->jws.signing_len,
				rec->jws.sig))
		return *why = N_("the signature does not verify with the announced key"), false;
	return true;
}

void verifier_start_at(struct verifier *v, uint64_t seq, const unsigned char prev[32])
{
	v->anchored = true;
	v->st.head.seq = seq - 1;
	memcpy(v->st.head.hash, prev, sizeof(v->st.head.hash));
}

static void start(struct verifier *v, const struct record_info *rec)
{
	v->started = true;
	if (!v->st.agent_id[0])
		memcpy(v->st.agent_id, rec->agent_id, sizeof(v->st.agent_id));
	v->key_known = v->have_key;
	if (v->anchored) {
		v->hash_known = true;
		return;
	}
	v->st.head.seq = rec->seq - 1;
	v->hash_known = rec->seq == 1; /* record 1's prev is 64 zeros */
	memset(v->st.head.hash, 0, sizeof(v->st.head.hash));
	/* A key given without its index is the one the first record names. */
	if (v->have_key && v->st.key_index == 0)
		v->st.key_index = rec->ratchet;
}

static void feed_record(struct verifier *v, const struct record_info *rec, const char *where)
{
	const char *why = NULL;
	bool gap;

	if (!v->started)
		start(v, rec);
	if (strcmp(rec->agent_id, v->st.agent_id) != 0) {
		say(v, VERIFY_FOREIGN, rec->seq, 0, N_("the record names another agent"), where);
		return;
	}
	if (rec->seq <= v->st.head.seq) {
		feed_old(v, rec, where);
		return;
	}
	gap = rec->seq > v->st.head.seq + 1;
	if (gap) {
		open_gap(v, v->st.head.seq + 1, rec->seq - 1, where);
		v->hash_known = false;
		/* The missing records may have announced the key this one uses. */
		if (v->key_known && rec->ratchet != v->st.key_index)
			v->key_known = false;
	}
	remember(v, rec->seq, rec->hash);
	if (v->hash_known && memcmp(rec->prev, v->st.head.hash, 32) != 0) {
		say(v, VERIFY_FORK, rec->seq, 0, N_("prev is not the hash of the record before it"),
		    where);
	} else if (!signature_ok(v, rec, &why)) {
		say(v, VERIFY_FORGERY, rec->seq, 0, why, where);
		/* Neither its hash nor a key it announces can be trusted: what
		 * follows is checked for its chain only, and counted. */
		v->st.head.seq = rec->seq;
		v->hash_known = false;
		v->key_known = false;
		return;
	}
	v->st.head.seq = rec->seq;
	memcpy(v->st.head.hash, rec->hash, 32);
	v->hash_known = true;
	if (rec->has_next) {
		v->st.key_index = rec->ratchet + 1;
		memcpy(v->st.key, rec->next_pub, ED25519_KEY_BYTES);
	}
}

void verifier_feed(struct verifier *v, const char *jws, size_t len, const char *where)
{
	struct record_info rec;
	const char *why;

	v->records++;
	if (record_parse(jws, len, &rec, &why) < 0) {
		/* Its seq cannot be read: it is reported where the chain stands. */
		say(v, VERIFY_MALFORMED, v->st.head.seq + 1, 0, why, where);
		return;
	}
	feed_record(v, &rec, where);
	record_info_free(&rec);
}

void verifier_finish(struct verifier *v)
{
	size_t n_gaps, n;
	struct verify_gap *g = gaps(v, &n_gaps);
	struct verify_found *f;

	for (size_t i = 0; i < n_gaps; i++)
		say(v, VERIFY_GAP, g[i].first, g[i].last, N_("records are missing"), g[i].where);
	buf_reset(&v->gaps);
	f = (struct verify_found *)v->found.data;
	n = v->found.len / sizeof(*f);
	if (n)
		qsort(f, n, sizeof(*f), cmp_found);
	for (size_t i = 0; v->report && i < n; i++) {
		struct verify_break b = {f[i].kind, f[i].seq, f[i].last, f[i].why,
					 f[i].where[0] ? f[i].where : NULL};

		v->report(v->ctx, &b);
	}
	buf_reset(&v->found);
}

static int feed_file(struct verifier *v, const char *path)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, where[4096 + 32];
	const char *base;
	size_t cap = 0;
	ssize_t n;
	uint64_t line_no = 0;

	if (!f)
		return -errno;
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	while ((n = getline(&line, &cap, f)) > 0) {
		line_no++;
		snprintf(where, sizeof(where), "%s:%llu", base, (unsigned long long)line_no);
		if (line[n - 1] != '\n') {
			say(v, VERIFY_MALFORMED, v->st.head.seq + 1, 0,
			    N_("unterminated last line (a torn write)"), where);
			break;
		}
		line[--n] = '\0';
		verifier_feed(v, line, (size_t)n, where);
	}
	free(line);
	fclose(f);
	return 0;
}

int verify_path(struct verifier *v, const char *path)
{
	char file[4096 + SEGMENT_NAME_MAX + 2], name[SEGMENT_NAME_MAX];
	uint64_t *firsts;
	struct stat st;
	size_t n;
	int r;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return feed_file(v, path);
	r = segment_list(path, &firsts, &n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		segment_name(firsts[i], name);
		snprintf(file, sizeof(file), "%s/%s", path, name);
		r = feed_file(v, file);
	}
	free(firsts);
	return r;
}
