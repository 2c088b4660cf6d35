/* Opening the record log: directories and keys on a new desk; after a
 * crash, the tail cut back to whole records and the ratchet walked forward
 * through the log's next_key announcements (docs/protocol.md §1), so the
 * state on disk may lag the log but a record is never signed twice at one
 * seq with a key that verifies. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"
#include "report/chain.h"
#include "report/identity.h"
#include "report/log_internal.h"
#include "report/segment.h"

/* What the walk through the tail of the log has established. */
struct walk {
	uint64_t index; /* the ratchet as far as the log announces it */
	unsigned char seed[RATCHET_SEED_BYTES];
	unsigned char pub[ED25519_KEY_BYTES];	   /* key_index's public half */
	unsigned char next_pub[ED25519_KEY_BYTES]; /* key_(index+1)'s */
	struct chain_head head;			   /* last whole record */
	struct chain_head closed;		   /* last record that announced a key */
	struct chain_head durable;		   /* the marker, seq 0 if unreadable */
	uint64_t last_ratchet;
	bool last_has_next;
	off_t cut_at; /* -1, or where the last segment is to be cut */
};

static int walk_keys(struct walk *w)
{
	unsigned char key_seed[ED25519_KEY_BYTES], next_seed[RATCHET_SEED_BYTES];
	int r = ratchet_public(w->seed, w->pub);

	ratchet_derive(w->seed, key_seed, next_seed);
	if (r == 0)
		r = ratchet_public(next_seed, w->next_pub);
	OPENSSL_cleanse(key_seed, sizeof(key_seed));
	OPENSSL_cleanse(next_seed, sizeof(next_seed));
	return r;
}

static int walk_step(struct walk *w)
{
	unsigned char key_seed[ED25519_KEY_BYTES], next_seed[RATCHET_SEED_BYTES];

	ratchet_derive(w->seed, key_seed, next_seed);
	memcpy(w->seed, next_seed, sizeof(next_seed));
	OPENSSL_cleanse(key_seed, sizeof(key_seed));
	OPENSSL_cleanse(next_seed, sizeof(next_seed));
	w->index++;
	return walk_keys(w);
}

static int make_dirs(struct rlog *lg, char *err, size_t errsize)
{
	const char *state = lg->opt.state_dir;

	if (snprintf(lg->keys_dir, sizeof(lg->keys_dir), "%s/keys", state) >=
		(int)sizeof(lg->keys_dir) ||
	    snprintf(lg->log_dir, sizeof(lg->log_dir), "%s/log", state) >= (int)sizeof(lg->log_dir))
		return errorf(err, errsize, -ENAMETOOLONG, "state directory path too long");
	if ((mkdir(state, 0755) < 0 && errno != EEXIST) || keys_dir_make(lg->keys_dir) < 0 ||
	    (mkdir(lg->log_dir, 0750) < 0 && errno != EEXIST))
		return errorf(err, errsize, -errno, "cannot create %s: %s", lg->log_dir,
			      strerror(errno));
	lg->log_dir_fd = open(lg->log_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lg->log_dir_fd < 0)
		return errorf(err, errsize, -errno, "cannot open %s: %s", lg->log_dir,
			      strerror(errno));
	/* One writer at a time: a second wardd (or tool) appending to the same
	 * log would fork its chain.  The lock goes with the descriptor, also
	 * when the holder is killed. */
	if (flock(lg->log_dir_fd, LOCK_EX | LOCK_NB) < 0)
		return errorf(err, errsize, errno == EWOULDBLOCK ? -EBUSY : -errno,
			      "%s is in use by another process: %s", lg->log_dir,
			      errno == EWOULDBLOCK ? "one writer at a time" : strerror(errno));
	/* setgid: every file made in log/ later (segments, the marker, the
	 * heartbeat) is the reader's group's by itself, also once wardd has
	 * given up the right to chown. */
	if (lg->opt.reader_gid != (gid_t)-1 &&
	    (fchown(lg->log_dir_fd, (uid_t)-1, lg->opt.reader_gid) < 0 ||
	     fchmod(lg->log_dir_fd, 02750) < 0))
		return errorf(err, errsize, -errno, "cannot give %s to its reader group: %s",
			      lg->log_dir, strerror(errno));
	return 0;
}

/* Writes content to dir/name, whole and fsynced. */
static int write_file_atomic(const char *dir, const char *name, const void *content, size_t len,
			     mode_t mode)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return -errno;
	return report_write_file(dfd, name, content, len, mode, (gid_t)-1, true);
}

/* A new desk: seed_1 at random, ratchet-1.pub for enrollment. */
static int create_state(struct rlog *lg, uint64_t *index, unsigned char seed[RATCHET_SEED_BYTES])
{
	unsigned char state[RATCHET_STATE_BYTES], pub[ED25519_KEY_BYTES];
	char jwk[ED25519_JWK_MAX + 2];
	int r;

	if (RAND_priv_bytes(seed, RATCHET_SEED_BYTES) != 1)
		return -EIO;
	*index = 1;
	r = ratchet_public(seed, pub);
	if (r < 0)
		return r;
	ed25519_jwk(pub, jwk);
	strcat(jwk, "\n");
	r = write_file_atomic(lg->keys_dir, "ratchet-1.pub", jwk, strlen(jwk), 0644);
	if (r < 0)
		return r;
	ratchet_state_encode(1, seed, state);
	r = write_file_atomic(lg->keys_dir, "ratchet.state", state, sizeof(state), 0600);
	OPENSSL_cleanse(state, sizeof(state));
	return r;
}

static int open_state(struct rlog *lg, bool log_empty, uint64_t *index,
		      unsigned char seed[RATCHET_SEED_BYTES], char *err, size_t errsize)
{
	char path[RLOG_PATH_MAX + 32];
	int r;

	snprintf(path, sizeof(path), "%s/ratchet.state", lg->keys_dir);
	lg->state_fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (lg->state_fd < 0 && errno == ENOENT && log_empty) {
		r = create_state(lg, index, seed);
		if (r < 0)
			return errorf(err, errsize, r, "cannot create the ratchet in %s: %s",
				      lg->keys_dir, strerror(-r));
		lg->state_fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	}
	if (lg->state_fd < 0)
		return errorf(err, errsize, -errno,
			      "cannot open %s: %s (the log cannot be continued without it)", path,
			      strerror(errno));
	r = ratchet_state_read(lg->state_fd, index, seed);
	if (r < 0)
		return errorf(err, errsize, r, "%s is damaged: %s", path, strerror(-r));
	return 0;
}

/* The first record of a segment, or -ENOENT for an empty one. */
static int first_ratchet(const char *log_dir, uint64_t first_seq, uint64_t *ratchet)
{
	struct segment_reader sr;
	struct record_info info;
	const char *line, *why;
	ssize_t n;
	int r = segment_reader_open(&sr, log_dir, first_seq);

	if (r < 0)
		return r;
	n = segment_reader_next(&sr, &line, NULL);
	r = n > 0 ? record_parse(line, (size_t)n, &info, &why) : n == 0 ? -ENOENT : (int)n;
	if (r == 0) {
		*ratchet = info.ratchet;
		record_info_free(&info);
	}
	segment_reader_close(&sr);
	return r;
}

/* The last segment whose first record was signed with a key at or before
 * the ratchet state's: the walk starts there. */
static size_t find_start(const char *log_dir, const uint64_t *firsts, size_t n, uint64_t index)
{
	for (size_t i = n; i-- > 0;) {
		uint64_t ratchet;
		int r = first_ratchet(log_dir, firsts[i], &ratchet);

		if (r < 0 && i == n - 1)
			continue; /* empty, or a torn first record the walk will cut */
		if (r == 0 && ratchet <= index)
			return i;
		if (r < 0)
			return i; /* the walk reports it */
	}
	return 0;
}

/* rec as the next record of the tail: 0, -EAGAIN when it is not a whole
 * successor (torn, damaged), -EBADMSG when the ratchet state and the log
 * disagree in a way no crash explains. */
static int walk_record(struct walk *w, const struct record_info *rec, bool first,
		       uint64_t seg_first, bool seg_start, const char **why)
{
	if (seg_start && rec->seq != seg_first)
		return *why = "the segment's name is not its first seq", -EAGAIN;
	if (!first && (rec->seq != w->head.seq + 1 ||
		       memcmp(rec->prev, w->head.hash, sizeof(rec->prev)) != 0))
		return *why = "not chained to the record before it", -EAGAIN;
	if (rec->ratchet < w->last_ratchet)
		return *why = "signed with an older ratchet key than the record before it", -EAGAIN;
	if (rec->ratchet > w->index)
		return *why = "signed with a ratchet key the state does not reach", -EBADMSG;
	if (rec->ratchet == w->index) {
		if (!ed25519_verify_raw(w->pub, rec->jws.signing_input, rec->jws.signing_len,
					rec->jws.sig))
			return *why = "the signature does not verify", -EAGAIN;
		if (rec->has_next && memcmp(rec->next_pub, w->next_pub, ED25519_KEY_BYTES) != 0)
			return *why = "it announces a key the ratchet state does not derive",
			       -EBADMSG;
		if (rec->has_next && walk_step(w) < 0)
			return *why = "cannot derive the next ratchet key", -EBADMSG;
	}
	w->head.seq = rec->seq;
	memcpy(w->head.hash, rec->hash, sizeof(w->head.hash));
	if (rec->has_next)
		w->closed = w->head;
	w->last_ratchet = rec->ratchet;
	w->last_has_next = rec->has_next;
	return 0;
}

/* Whether any whole record follows in sr (a torn tail has none). */
static bool more_records(struct segment_reader *sr)
{
	struct record_info info;
	const char *line, *why;
	ssize_t n;

	while ((n = segment_reader_next(sr, &line, NULL)) > 0 || n == -E2BIG || n == -EINVAL) {
		if (n > 0 && record_parse(line, (size_t)n, &info, &why) == 0) {
			record_info_free(&info);
			return true;
		}
	}
	return false;
}

/* One segment of the walk.  Returns 0 or -errno with err set. */
static int scan_segment(struct rlog *lg, uint64_t seg_first, bool last_seg, bool *first,
			struct walk *w, char *err, size_t errsize)
{
	struct segment_reader sr;
	bool seg_start = true;
	int r = segment_reader_open(&sr, lg->log_dir, seg_first);

	if (r < 0)
		return errorf(err, errsize, r, "cannot read segment %llu of %s: %s",
			      (unsigned long long)seg_first, lg->log_dir, strerror(-r));
	for (;;) {
		struct record_info info;
		const char *line, *why;
		off_t at = sr.offset, torn;
		ssize_t len = segment_reader_next(&sr, &line, &torn);

		if (len == 0)
			break;
		if (len == -EBADMSG && last_seg) {
			w->cut_at = torn;
			break;
		}
		if (len < 0 && len != -E2BIG && len != -EINVAL) {
			r = errorf(err, errsize, (int)len, "cannot read segment %llu: %s",
				   (unsigned long long)seg_first, strerror((int)-len));
			break;
		}
		why = len == -E2BIG ? "longer than any record" : "an empty line";
		r = len > 0 ? record_parse(line, (size_t)len, &info, &why) : -EINVAL;
		if (r == 0) {
			r = walk_record(w, &info, *first, seg_first, seg_start, &why);
			record_info_free(&info);
		}
		if (r == -EBADMSG) {
			r = errorf(err, errsize, r, "record %llu: %s",
				   (unsigned long long)w->head.seq + 1, why);
			break;
		}
		if (r < 0) {
			/* Only what follows the last durable record and has no whole
			 * record after it can be a crash's torn tail. */
			if (!last_seg || more_records(&sr) ||
			    (w->durable.seq && w->head.seq + 1 <= w->durable.seq)) {
				r = errorf(
				    err, errsize, -EBADMSG,
				    "segment %llu line %llu is damaged (%s) and is not a torn "
				    "tail",
				    (unsigned long long)seg_first, (unsigned long long)sr.line_no,
				    why);
				break;
			}
			w->cut_at = at;
			r = 0;
			break;
		}
		*first = false;
		seg_start = false;
	}
	segment_reader_close(&sr);
	return r;
}

/* After the walk: the ratchet must be where the log's last record says. */
static int check_walk(const struct walk *w, char *err, size_t errsize)
{
	uint64_t expected = 1;

	if (w->head.seq)
		expected = w->last_has_next ? w->last_ratchet + 1 : w->last_ratchet;
	if (w->index == expected)
		return 0;
	return errorf(err, errsize, -EBADMSG,
		      "the ratchet state (key %llu) does not follow the log (its last record, seq "
		      "%llu, leaves key %llu in force)",
		      (unsigned long long)w->index, (unsigned long long)w->head.seq,
		      (unsigned long long)expected);
}

/* Cuts the torn tail, opens the segment for appending and makes what is
 * there durable. */
static int settle_tail(struct rlog *lg, const uint64_t *firsts, size_t n, const struct walk *w,
		       char *err, size_t errsize)
{
	uint64_t last = n ? firsts[n - 1] : 1;
	int r;

	if (n == 0)
		r = rlog_open_segment(lg, 1, true);
	else
		r = rlog_open_segment(lg, last, false);
	if (r < 0)
		return errorf(err, errsize, r, "cannot open segment %llu of %s: %s",
			      (unsigned long long)last, lg->log_dir, strerror(-r));
	if (w->cut_at >= 0) {
		log_warnx(
		    "record log %s: cutting a torn tail of %lld bytes from segment %llu (never "
		    "durable, left by a crash)",
		    lg->log_dir, (long long)(lg->seg_size - w->cut_at), (unsigned long long)last);
		if (ftruncate(lg->seg_fd, w->cut_at) < 0)
			return errorf(err, errsize, -errno, "cannot cut the torn tail: %s",
				      strerror(errno));
		lg->seg_size = w->cut_at;
	}
	if (lg->seg_size == 0 && last != w->head.seq + 1)
		return errorf(err, errsize, -EBADMSG,
			      "segment %llu is empty but the log's last record is %llu",
			      (unsigned long long)last, (unsigned long long)w->head.seq);
	if (fdatasync(lg->seg_fd) < 0)
		return errorf(err, errsize, -errno, "fdatasync: %s", strerror(errno));
	return 0;
}

int rlog_recover(struct rlog *lg, char *err, size_t errsize)
{
	struct walk w = {.cut_at = -1};
	struct identity id;
	uint64_t *firsts = NULL, state_index;
	size_t n = 0, start;
	bool first;
	int r;

	if ((r = make_dirs(lg, err, errsize)) < 0)
		return r;
	if ((r = identity_load_or_create(lg->keys_dir, &id)) < 0)
		return errorf(err, errsize, r, "cannot load or create the identity key in %s: %s",
			      lg->keys_dir, strerror(-r));
	r = record_origin_init(&lg->origin, id.agent_id);
	identity_free(&id);
	if (r < 0)
		return errorf(err, errsize, r, "cannot read the host name or boot id: %s",
			      strerror(-r));
	if (lg->opt.host)
		str_copy(lg->origin.host, sizeof(lg->origin.host), lg->opt.host);
	if ((r = segment_list(lg->log_dir, &firsts, &n)) < 0)
		return errorf(err, errsize, r, "cannot list %s: %s", lg->log_dir, strerror(-r));
	r = open_state(lg, n == 0, &w.index, w.seed, err, errsize);
	state_index = w.index;
	if (r == 0 && (r = walk_keys(&w)) < 0)
		errorf(err, errsize, r, "cannot derive the ratchet keys");
	if (head_file_read(lg->log_dir, DURABLE_NAME, &w.durable) < 0)
		w.durable.seq = 0;
	start = n ? find_start(lg->log_dir, firsts, n, w.index) : 0;
	/* From the very first segment, record 1 is checked against 64 zeros
	 * like any other; from a later one the first record read is taken as
	 * it is (what came before was checked when it was written). */
	first = !(n && firsts[start] == 1);
	for (size_t i = start; r == 0 && i < n; i++)
		r = scan_segment(lg, firsts[i], i == n - 1, &first, &w, err, errsize);
	if (r == 0)
		r = check_walk(&w, err, errsize);
	if (r == 0)
		r = settle_tail(lg, firsts, n, &w, err, errsize);
	free(firsts);
	if (r == 0 && w.index != state_index &&
	    (r = ratchet_state_write(lg->state_fd, w.index, w.seed)) < 0)
		errorf(err, errsize, r, "cannot overwrite the ratchet state: %s", strerror(-r));
	if (r == 0 &&
	    (r = head_file_write(lg->log_dir_fd, DURABLE_NAME, &w.head, lg->opt.reader_gid)) < 0)
		errorf(err, errsize, r, "cannot write the durable marker: %s", strerror(-r));
	if (r == 0 && (r = ratchet_init(&lg->ratchet, w.index, w.seed)) < 0)
		errorf(err, errsize, r, "cannot set up the ratchet key");
	if (r == 0) {
		lg->head = lg->written = lg->durable = lg->marker = w.head;
		/* A tail no record closed (a crash before its group's flush) is
		 * closed by rlog_open with a key-rotation record. */
		lg->closed = w.last_has_next ? w.head : w.closed;
		lg->persist_index = w.index;
		memcpy(lg->persist_seed, w.seed, sizeof(w.seed));
	}
	OPENSSL_cleanse(&w, sizeof(w));
	return r;
}
