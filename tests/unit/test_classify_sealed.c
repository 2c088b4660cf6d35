/* Content that cannot be opened is uninspectable, never clean (sealed.c):
 * OpenPGP, age and LUKS by their headers, filesystem images by libmagic's
 * description, cipher-like bytes by their histogram; and files over the
 * input budget (bigfile.c): a zip read by its central directory finds the
 * marking however large its pictures, a video whose structure spans it is
 * not uninspectable, one with something appended is. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

#include "classify/sealed.h"
#include "tests/unit/classify_test.h"

static void fill_random(unsigned char *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
}

static void encrypted_headers(void **state)
{
	static const unsigned char gpg_c[] = {0x8c, 0x0d, 0x04, 0x09, 0x03, 0x02, 0x23, 0x2c,
					      0x9b, 0x64, 0x5e, 0xb3, 0x40, 0x76, 0xff, 0xd2};
	static const unsigned char pkesk[] = {0x85, 0x01, 0x0c, 0x03, 0x12, 0x34, 0x56, 0x78,
					      0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x08, 0x00, 0x00};
	static const char armor[] = "\n-----BEGIN PGP MESSAGE-----\n\njA0ECQMC...\n";
	static const char age[] = "age-encryption.org/v1\n-> X25519 abc\n";
	static const char age_armor[] = "-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n";
	static const char luks[] = "LUKS\xba\xbe\0\2";
	struct classify_result res;

	(void)state;
	assert_non_null(sealed_header(gpg_c, sizeof(gpg_c)));
	assert_non_null(sealed_header(pkesk, sizeof(pkesk)));
	assert_non_null(sealed_header(armor, strlen(armor)));
	assert_non_null(sealed_header(age, strlen(age)));
	assert_non_null(sealed_header(age_armor, strlen(age_armor)));
	assert_non_null(sealed_header(luks, sizeof(luks) - 1));
	/* Not every byte with the high bit set is a packet. */
	assert_null(sealed_header("\x8c\x0d\x07\x09junkjunk", 12));
	assert_null(sealed_header("plain words\n", 12));

	classify_mem(armor, strlen(armor), &res);
	assert_true(res.uninspectable);
	assert_non_null(strstr(res.uninspectable_reason, "OpenPGP"));
	classify_mem(gpg_c, sizeof(gpg_c), &res);
	assert_true(res.uninspectable);
}

static void random_bytes_only_when_plain_data(void **state)
{
	size_t n = 64 << 10;
	unsigned char *rnd = malloc(n);
	char *text = malloc(n);
	struct classify_result res;

	(void)state;
	assert_non_null(rnd);
	assert_non_null(text);
	fill_random(rnd, n, 7);
	for (size_t i = 0; i < n; i++)
		text[i] = "公文 secret plan 計畫\n"[i % 24];
	assert_true(sealed_chi2(rnd, n) < 390.0);
	assert_true(sealed_chi2(text, n) > 10000.0);
	assert_non_null(sealed_random(rnd, n));
	assert_null(sealed_random(text, n));
	assert_null(sealed_random(rnd, 100)); /* too short to tell */

	classify_mem(rnd, n, &res);
	assert_true(res.uninspectable);
	assert_non_null(strstr(res.uninspectable_reason, "random"));
	/* The same bytes behind a gzip header are gzip's to judge. */
	memcpy(rnd, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
	classify_mem(rnd, n, &res);
	assert_null(strstr(res.uninspectable_reason, "random"));
	free(rnd);
	free(text);
}

static void image_descriptions(void **state)
{
	(void)state;
	assert_non_null(sealed_description("Linux rev 1.0 ext4 filesystem data, UUID=..."));
	assert_non_null(sealed_description("DOS/MBR boot sector"));
	assert_non_null(sealed_description("GPG symmetrically encrypted data (AES256 cipher)"));
	assert_null(sealed_description("data"));
	assert_null(sealed_description(NULL));
}

/* ---- files over the budget ---- */

/* A zip of stored members, written by libarchive into a memfd. */
struct zipw {
	int fd;
	struct archive *a;
};

static void zip_begin(struct zipw *z, const char *name)
{
	z->fd = memfd_create(name, 0);
	assert_true(z->fd >= 0);
	z->a = archive_write_new();
	assert_int_equal(archive_write_set_format_zip(z->a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_options(z->a, "zip:compression=store"), ARCHIVE_OK);
	assert_int_equal(archive_write_open_fd(z->a, z->fd), ARCHIVE_OK);
}

static void zip_add(struct zipw *z, const char *name, const void *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	assert_int_equal(archive_write_header(z->a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(z->a, data, len), (la_ssize_t)len);
	archive_entry_free(e);
}

static off_t zip_end(struct zipw *z)
{
	assert_int_equal(archive_write_close(z->a), ARCHIVE_OK);
	archive_write_free(z->a);
	return lseek(z->fd, 0, SEEK_END);
}

static void small_budget(struct classify_budget *b)
{
	classify_budget_default(b);
	b->max_input_bytes = 64 << 10;
}

static void classify_file(int fd, struct classify_result *res)
{
	struct classify_budget b;

	small_budget(&b);
	assert_int_equal(classify_fd(ctx, fd, NULL, &b, res), 0);
	assert_true(classify_result_sane(res));
}

static void big_zip_read_by_directory(void **state)
{
	static const char note[] = "機密\n\n本案之預算分配如附表，請各單位依限辦理。\n";
	size_t big = 512 << 10;
	unsigned char *pic = malloc(big);
	struct classify_result res;
	struct zipw z;
	off_t size;

	(void)state;
	assert_non_null(pic);
	fill_random(pic, big, 3);
	zip_begin(&z, "big.zip");
	/* The picture first: a stream reader cut at the budget never sees
	 * the note. */
	zip_add(&z, "Pictures/photo.jpg", pic, big);
	zip_add(&z, "note.txt", note, strlen(note));
	size = zip_end(&z);
	classify_file(z.fd, &res);
	assert_int_equal(res.level, WARD_LEVEL_CONFIDENTIAL);
	assert_false(res.uninspectable);
	assert_int_equal(res.size, size);
	close(z.fd);

	/* A text member over the budget cannot be left out quietly. */
	zip_begin(&z, "big2.zip");
	memset(pic, 'a', big);
	zip_add(&z, "note.txt", note, strlen(note));
	zip_add(&z, "body.txt", pic, big);
	zip_end(&z);
	classify_file(z.fd, &res);
	assert_int_equal(res.level, WARD_LEVEL_CONFIDENTIAL);
	assert_true(res.uninspectable);
	assert_non_null(strstr(res.uninspectable_reason, "beyond the input budget"));
	close(z.fd);
	free(pic);
}

static void write_box(int fd, const char *type, size_t payload, const unsigned char *fill)
{
	unsigned char h[8];

	h[0] = (unsigned char)((payload + 8) >> 24);
	h[1] = (unsigned char)((payload + 8) >> 16);
	h[2] = (unsigned char)((payload + 8) >> 8);
	h[3] = (unsigned char)(payload + 8);
	memcpy(h + 4, type, 4);
	assert_int_equal(write(fd, h, 8), 8);
	assert_int_equal(write(fd, fill, payload), (ssize_t)payload);
}

static void large_video_is_not_uninspectable(void **state)
{
	static const unsigned char ftyp[] = "isom\0\0\2\0isomiso2avc1mp41";
	size_t big = 512 << 10;
	unsigned char *data = malloc(big);
	struct classify_result res;
	int fd = memfd_create("v.mp4", 0);

	(void)state;
	assert_non_null(data);
	fill_random(data, big, 9);
	write_box(fd, "ftyp", sizeof(ftyp) - 1, ftyp);
	write_box(fd, "mdat", big, data);
	classify_file(fd, &res);
	assert_string_equal(res.mime, "video/mp4");
	assert_false(res.uninspectable);
	/* Something after the last box: not what it says it is. */
	assert_int_equal(write(fd, "機密\n", strlen("機密\n")), (ssize_t)strlen("機密\n"));
	classify_file(fd, &res);
	assert_true(res.uninspectable);
	close(fd);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(encrypted_headers),
	    cmocka_unit_test(random_bytes_only_when_plain_data),
	    cmocka_unit_test(image_descriptions),
	    cmocka_unit_test(big_zip_read_by_directory),
	    cmocka_unit_test(large_video_is_not_uninspectable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
