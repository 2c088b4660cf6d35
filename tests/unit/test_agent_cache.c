#define _GNU_SOURCE
/* The classification cache (agent/cache.c) and its file (cachefile.c):
 * a version answers only for exactly that version, content for exactly
 * those bytes; a written file's version is forgotten but its content
 * stays known; the bound holds and the least recently used goes first;
 * reasons and personal data come back whole; the file survives a restart,
 * keeps versions only on the filesystem that wrote them, and is refused
 * when the classifier or policy changed, when damaged, or when others may
 * write it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/cache.h"
#include "agent/cachefile.h"

static struct file_version version(dev_t dev, ino_t ino, off_t size, long ctime_ns)
{
	struct file_version v = {.dev = dev, .ino = ino, .size = size};

	v.mtime.tv_sec = 1643068800; /* 民國 111 年 1 月 25 日 */
	v.ctime.tv_sec = 1643068800;
	v.ctime.tv_nsec = ctime_ns;
	return v;
}

static struct classify_result result(enum ward_level level, uint64_t size, unsigned char tag)
{
	struct classify_result r;

	memset(&r, 0, sizeof(r));
	r.level = level;
	r.size = size;
	snprintf(r.mime, sizeof(r.mime), "application/vnd.oasis.opendocument.text");
	memset(r.sha256, tag, sizeof(r.sha256));
	if (level != WARD_LEVEL_NONE) {
		r.n_reasons = 2;
		snprintf(r.reasons[0].rule, sizeof(r.reasons[0].rule), "header-standalone-level");
		snprintf(r.reasons[0].where, sizeof(r.reasons[0].where), "styles.xml header");
		snprintf(r.reasons[0].text, sizeof(r.reasons[0].text), "密");
		snprintf(r.reasons[1].rule, sizeof(r.reasons[1].rule), "di-xml-mideng");
		r.n_pii = 1;
		snprintf(r.pii[0].type, sizeof(r.pii[0].type), "roc-national-id");
		r.pii[0].count = 70000;
	}
	return r;
}

static void version_answers_only_for_itself(void **state)
{
	struct class_cache *c;
	struct file_version v = version(8, 42, 100, 5), w;
	struct classify_result r = result(WARD_LEVEL_SECRET, 100, 0xab), out;

	(void)state;
	assert_int_equal(class_cache_new(64, &c), 0);
	class_cache_put(c, &v, &r);
	assert_true(class_cache_get(c, &v, &out));
	assert_int_equal(out.level, WARD_LEVEL_SECRET);
	assert_int_equal(out.n_reasons, 2);
	assert_string_equal(out.reasons[0].text, "密");
	assert_string_equal(out.reasons[0].where, "styles.xml header");
	assert_int_equal(out.pii[0].count, 70000);
	assert_string_equal(out.mime, r.mime);
	/* Every field of the version counts. */
	w = v, w.ctime.tv_nsec++;
	assert_false(class_cache_get(c, &w, &out));
	w = v, w.mtime.tv_sec--; /* touch -d back in time */
	assert_false(class_cache_get(c, &w, &out));
	w = v, w.size++;
	assert_false(class_cache_get(c, &w, &out));
	w = v, w.ino++;
	assert_false(class_cache_get(c, &w, &out));
	w = v, w.dev++;
	assert_false(class_cache_get(c, &w, &out));
	/* Asking with another version let that one go; the content stays. */
	assert_false(class_cache_get(c, &v, &out));
	assert_true(class_cache_get_sha(c, r.sha256, 100, &out));
	assert_int_equal(out.level, WARD_LEVEL_SECRET);
	class_cache_free(c);
}

static void content_answers_only_for_those_bytes(void **state)
{
	struct class_cache *c;
	struct classify_result r = result(WARD_LEVEL_NONE, 100, 0x11), out;

	(void)state;
	assert_int_equal(class_cache_new(64, &c), 0);
	class_cache_put_content(c, &r);
	assert_true(class_cache_get_sha(c, r.sha256, 100, &out));
	assert_int_equal(out.level, WARD_LEVEL_NONE);
	assert_false(class_cache_get_sha(c, r.sha256, 101, &out));
	r.sha256[31] ^= 1;
	assert_false(class_cache_get_sha(c, r.sha256, 100, &out));
	class_cache_free(c);
}

static void a_written_file_is_forgotten_by_version(void **state)
{
	struct class_cache *c;
	struct file_version v = version(8, 42, 100, 5);
	struct classify_result r = result(WARD_LEVEL_NONE, 100, 0x22), out;
	struct cache_stats st;

	(void)state;
	assert_int_equal(class_cache_new(64, &c), 0);
	class_cache_put(c, &v, &r);
	class_cache_forget(c, v.dev, v.ino);
	assert_false(class_cache_get(c, &v, &out));
	assert_true(class_cache_get_sha(c, r.sha256, 100, &out));
	class_cache_get_stats(c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.versions, 0);
	/* Known again by version: the content-only entry becomes its. */
	class_cache_put(c, &v, &r);
	class_cache_get_stats(c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.versions, 1);
	class_cache_clear(c);
	assert_false(class_cache_get(c, &v, &out));
	assert_false(class_cache_get_sha(c, r.sha256, 100, &out));
	class_cache_free(c);
}

static void uninspectable_is_kept_only_when_it_would_come_again(void **state)
{
	struct class_cache *c;
	struct file_version v = version(8, 42, 100, 5), w = version(8, 43, 100, 5);
	struct classify_result r = result(WARD_LEVEL_NONE, 100, 0x33), out;

	(void)state;
	assert_int_equal(class_cache_new(64, &c), 0);
	r.uninspectable = true;
	snprintf(r.uninspectable_reason, sizeof(r.uninspectable_reason),
		 "time budget spent reading: scanned the first 9 MiB of 100 MiB");
	class_cache_put(c, &v, &r);
	assert_false(class_cache_get(c, &v, &out));
	assert_false(class_cache_get_sha(c, r.sha256, 100, &out));
	/* Too large: the same first bytes read again give the same answer,
	 * but its digest is of them alone: by version only. */
	snprintf(r.uninspectable_reason, sizeof(r.uninspectable_reason),
		 "too large: scanned the first 256 MiB of 2048 MiB (hash of that part)");
	class_cache_put(c, &w, &r);
	assert_true(class_cache_get(c, &w, &out));
	assert_true(out.uninspectable);
	assert_string_equal(out.uninspectable_reason, r.uninspectable_reason);
	assert_false(class_cache_get_sha(c, r.sha256, 100, &out));
	class_cache_put_content(c, &r);
	assert_false(class_cache_get_sha(c, r.sha256, 100, &out));
	class_cache_forget(c, w.dev, w.ino);
	assert_false(class_cache_get(c, &w, &out));
	class_cache_free(c);
}

static void an_xattr_label_is_not_content(void **state)
{
	struct class_cache *c;
	struct file_version v = version(8, 42, 100, 5);
	struct classify_result r = result(WARD_LEVEL_SECRET, 100, 0x66), out;

	(void)state;
	assert_int_equal(class_cache_new(64, &c), 0);
	snprintf(r.reasons[1].rule, sizeof(r.reasons[1].rule), "xattr-label");
	class_cache_put(c, &v, &r);
	assert_true(class_cache_get(c, &v, &out));
	assert_int_equal(out.level, WARD_LEVEL_SECRET);
	assert_false(class_cache_get_sha(c, r.sha256, 100, &out));
	class_cache_free(c);
}

static void bounded_and_the_unused_go_first(void **state)
{
	struct class_cache *c;
	struct classify_result out;
	struct cache_stats st;
	const size_t max = 3000;

	(void)state;
	assert_int_equal(class_cache_new(max, &c), 0);
	for (size_t i = 0; i < max; i++) {
		struct file_version v = version(8, (ino_t)i, 10, 0);
		struct classify_result r = result(WARD_LEVEL_NONE, 10, 0);

		memcpy(r.sha256, &i, sizeof(i));
		class_cache_put(c, &v, &r);
	}
	/* The first hundred are used again before more come. */
	for (size_t i = 0; i < 100; i++) {
		struct file_version v = version(8, (ino_t)i, 10, 0);

		assert_true(class_cache_get(c, &v, &out));
	}
	for (size_t i = max; i < max + 500; i++) {
		struct file_version v = version(8, (ino_t)i, 10, 0);
		struct classify_result r = result(WARD_LEVEL_NONE, 10, 0);

		memcpy(r.sha256, &i, sizeof(i));
		class_cache_put(c, &v, &r);
	}
	class_cache_get_stats(c, &st);
	assert_int_equal(st.entries, max);
	assert_int_equal(st.evicted, 500);
	for (size_t i = 0; i < 100; i++) {
		struct file_version v = version(8, (ino_t)i, 10, 0);

		assert_true(class_cache_get(c, &v, &out));
	}
	for (size_t i = max; i < max + 500; i++) {
		struct file_version v = version(8, (ino_t)i, 10, 0);

		assert_true(class_cache_get(c, &v, &out));
	}
	class_cache_free(c);
}

static void detail_packs_and_refuses_garbage(void **state)
{
	struct classify_result r = result(WARD_LEVEL_TOP_SECRET, 1, 0), back;
	unsigned char buf[CACHE_DETAIL_MAX];
	int len;

	(void)state;
	len = cache_detail_pack(&r, buf, sizeof(buf));
	assert_true(len > 0);
	memset(&back, 0, sizeof(back));
	assert_true(cache_detail_unpack(buf, (size_t)len, &back));
	assert_memory_equal(back.reasons, r.reasons, sizeof(r.reasons));
	assert_memory_equal(back.pii, r.pii, sizeof(r.pii));
	assert_false(cache_detail_unpack(buf, (size_t)len - 1, &back));
	buf[0] = 200; /* more personal-data kinds than a result holds */
	assert_false(cache_detail_unpack(buf, (size_t)len, &back));
	assert_int_equal(cache_detail_pack(&r, buf, 10), -1);
	r = result(WARD_LEVEL_NONE, 1, 0);
	assert_int_equal(cache_detail_pack(&r, buf, sizeof(buf)), 0);
}

/* An unmarked answer keeps its text fingerprints: a copy judged from the
 * cache is still compared with the marked documents learnt since (a
 * document pasted from one must not pass as plain unmarked). */
static void unmarked_answer_keeps_its_fingerprints(void **state)
{
	struct class_cache *c;
	struct classify_result r = result(WARD_LEVEL_NONE, 10, 0x61), back;
	struct file_version v = version(8, 42, 10, 0);

	(void)state;
	r.n_fingerprints = 40;
	r.fingerprint_shift = 1;
	for (uint32_t i = 0; i < r.n_fingerprints; i++)
		r.fingerprints[i] = 2 * (1000 + 7 * i);
	assert_int_equal(class_cache_new(16, &c), 0);
	class_cache_put(c, &v, &r);
	assert_true(class_cache_get(c, &v, &back));
	assert_int_equal(back.n_fingerprints, 40);
	assert_int_equal(back.fingerprint_shift, 1);
	assert_memory_equal(back.fingerprints, r.fingerprints, 40 * sizeof(uint32_t));
	memset(&back, 0, sizeof(back));
	assert_true(class_cache_get_sha(c, r.sha256, r.size, &back));
	assert_int_equal(back.n_fingerprints, 40);
	class_cache_free(c);
}

/* More than CACHE_FINGERPRINTS_MAX: a consistent sample (low shift bits
 * zero), as the classifier itself samples a long text. */
static void many_fingerprints_keep_a_consistent_sample(void **state)
{
	struct classify_result r = result(WARD_LEVEL_NONE, 10, 0x62), back;
	unsigned char buf[CACHE_DETAIL_MAX];
	uint32_t mask, j = 0;
	int len;

	(void)state;
	r.n_fingerprints = CLASSIFY_MAX_FINGERPRINTS;
	for (uint32_t i = 0; i < r.n_fingerprints; i++)
		r.fingerprints[i] = i * 2654435761u % 4000037u;
	len = cache_detail_pack(&r, buf, sizeof(buf));
	assert_true(len > 0);
	memset(&back, 0, sizeof(back));
	assert_true(cache_detail_unpack(buf, (size_t)len, &back));
	assert_true(back.fingerprint_shift > 0);
	assert_true(back.n_fingerprints > 0 && back.n_fingerprints <= CACHE_FINGERPRINTS_MAX);
	mask = (1u << back.fingerprint_shift) - 1;
	for (uint32_t i = 0; i < r.n_fingerprints; i++) {
		if (r.fingerprints[i] & mask)
			continue;
		assert_true(j < back.n_fingerprints);
		assert_int_equal(back.fingerprints[j++], r.fingerprints[i]);
	}
	assert_int_equal(j, back.n_fingerprints);
	assert_false(cache_detail_unpack(buf, (size_t)len - 4, &back));
}

/* ---- the file ---- */

static uint64_t fs_now_on_dev_8 = 0x1234; /* which filesystem dev 8 holds now */

static bool fsid_of(void *arg, dev_t dev, uint64_t *fsid)
{
	(void)arg;
	if (dev != 8)
		return false;
	*fsid = fs_now_on_dev_8;
	return true;
}

struct files {
	char dir[64], path[96];
	struct cache_identity id;
};

static int files_setup(void **state)
{
	struct files *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/ward-cache-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, CACHEFILE_NAME);
	memset(f->id.classifier, 0xc1, 32);
	memset(f->id.policy, 0x90, 32);
	fs_now_on_dev_8 = 0x1234;
	*state = f;
	return 0;
}

static int files_teardown(void **state)
{
	struct files *f = *state;
	char tmp[128];

	unlink(f->path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	unlink(tmp);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* A cache of two entries saved to f->path. */
static void save_two(struct files *f)
{
	struct class_cache *c;
	struct file_version v = version(8, 42, 100, 5);
	struct classify_result marked = result(WARD_LEVEL_CONFIDENTIAL, 100, 0x44);
	struct classify_result clean = result(WARD_LEVEL_NONE, 7, 0x55);

	assert_int_equal(class_cache_new(64, &c), 0);
	class_cache_put(c, &v, &marked);
	class_cache_put_content(c, &clean);
	assert_int_equal(cachefile_save(c, f->path, &f->id, fsid_of, NULL), 0);
	class_cache_free(c);
}

static void survives_a_restart(void **state)
{
	struct files *f = *state;
	struct class_cache *c;
	struct file_version v = version(8, 42, 100, 5);
	struct classify_result out, clean = result(WARD_LEVEL_NONE, 7, 0x55);
	struct stat st;
	size_t loaded = 0;

	save_two(f);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(class_cache_new(64, &c), 0);
	assert_int_equal(cachefile_load(c, f->path, &f->id, fsid_of, NULL, &loaded), 0);
	assert_int_equal(loaded, 2);
	assert_true(class_cache_get(c, &v, &out));
	assert_int_equal(out.level, WARD_LEVEL_CONFIDENTIAL);
	assert_int_equal(out.n_reasons, 2);
	assert_string_equal(out.reasons[0].text, "密");
	assert_true(class_cache_get_sha(c, clean.sha256, 7, &out));
	assert_int_equal(out.level, WARD_LEVEL_NONE);
	class_cache_free(c);
}

static void another_filesystem_keeps_only_content(void **state)
{
	struct files *f = *state;
	struct class_cache *c;
	struct file_version v = version(8, 42, 100, 5);
	struct classify_result out, marked = result(WARD_LEVEL_CONFIDENTIAL, 100, 0x44);
	size_t loaded = 0;

	save_two(f);
	fs_now_on_dev_8 = 0x9999; /* the disks were renumbered */
	assert_int_equal(class_cache_new(64, &c), 0);
	assert_int_equal(cachefile_load(c, f->path, &f->id, fsid_of, NULL, &loaded), 0);
	assert_false(class_cache_get(c, &v, &out));
	assert_true(class_cache_get_sha(c, marked.sha256, 100, &out));
	class_cache_free(c);
}

static void another_classifier_or_policy_loads_nothing(void **state)
{
	struct files *f = *state;
	struct class_cache *c;
	struct cache_identity other = f->id;
	struct cache_stats st;
	size_t loaded = 9;

	save_two(f);
	assert_int_equal(class_cache_new(64, &c), 0);
	other.policy[3] ^= 1;
	assert_int_equal(cachefile_load(c, f->path, &other, fsid_of, NULL, &loaded), -ESTALE);
	other = f->id;
	other.classifier[0] ^= 1;
	assert_int_equal(cachefile_load(c, f->path, &other, fsid_of, NULL, &loaded), -ESTALE);
	assert_int_equal(loaded, 0);
	class_cache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
	class_cache_free(c);
}

static void damage_and_loose_permissions_are_refused(void **state)
{
	struct files *f = *state;
	struct class_cache *c;
	size_t loaded = 0;
	int fd;

	assert_int_equal(class_cache_new(64, &c), 0);
	assert_int_equal(cachefile_load(c, f->path, &f->id, fsid_of, NULL, &loaded), -ENOENT);
	save_two(f);
	fd = open(f->path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\x07", 1, 100), 1); /* one byte changed */
	close(fd);
	assert_int_equal(cachefile_load(c, f->path, &f->id, fsid_of, NULL, &loaded), -EBADMSG);
	save_two(f);
	assert_int_equal(truncate(f->path, 150), 0); /* torn */
	assert_int_equal(cachefile_load(c, f->path, &f->id, fsid_of, NULL, &loaded), -EBADMSG);
	save_two(f);
	assert_int_equal(chmod(f->path, 0666), 0);
	assert_int_equal(cachefile_load(c, f->path, &f->id, fsid_of, NULL, &loaded), -EPERM);
	assert_int_equal(loaded, 0);
	class_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(version_answers_only_for_itself),
	    cmocka_unit_test(content_answers_only_for_those_bytes),
	    cmocka_unit_test(a_written_file_is_forgotten_by_version),
	    cmocka_unit_test(uninspectable_is_kept_only_when_it_would_come_again),
	    cmocka_unit_test(an_xattr_label_is_not_content),
	    cmocka_unit_test(bounded_and_the_unused_go_first),
	    cmocka_unit_test(detail_packs_and_refuses_garbage),
	    cmocka_unit_test(unmarked_answer_keeps_its_fingerprints),
	    cmocka_unit_test(many_fingerprints_keep_a_consistent_sample),
	    cmocka_unit_test_setup_teardown(survives_a_restart, files_setup, files_teardown),
	    cmocka_unit_test_setup_teardown(another_filesystem_keeps_only_content, files_setup,
					    files_teardown),
	    cmocka_unit_test_setup_teardown(another_classifier_or_policy_loads_nothing, files_setup,
					    files_teardown),
	    cmocka_unit_test_setup_teardown(damage_and_loose_permissions_are_refused, files_setup,
					    files_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
