/* wardctl's record-log commands: verify (signatures, ratchet and chain of
 * a log file or directory, as an auditor would check them). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/i18n.h"
#include "common/util.h"
#include "report/anchor.h"
#include "report/identity.h"
#include "report/segment.h"
#include "report/verify.h"
#include "wardctl/commands.h"

struct verify_out {
	unsigned long long shown;
};

/* One line per break: the kind (a fixed English word scripts can match),
 * the seq, why (translated) and where the record is. */
static void print_break(void *ctx, const struct verify_break *b)
{
	struct verify_out *out = ctx;

	out->shown++;
	if (b->kind == VERIFY_GAP && b->last > b->seq)
		printf("%s seq %llu-%llu: %s [%s]\n", verify_kind_name(b->kind),
		       (unsigned long long)b->seq, (unsigned long long)b->last, _(b->why),
		       b->where ? b->where : "");
	else
		printf("%s seq %llu: %s [%s]\n", verify_kind_name(b->kind),
		       (unsigned long long)b->seq, _(b->why), b->where ? b->where : "");
}

/* Where the records and, unless --key was given, ratchet key 1 are: a
 * state directory (log/ and keys/), a log directory or one segment.
 * Returns false for a path too long. */
static bool locate(const char *path, char *log, size_t log_size, char *key, size_t key_size)
{
	char probe[PATH_MAX], *slash;
	struct stat st;

	if (snprintf(probe, sizeof(probe), "%s/log", path) >= (int)sizeof(probe))
		return false;
	if (stat(probe, &st) == 0 && S_ISDIR(st.st_mode))
		return str_copy(log, log_size, probe) &&
		       snprintf(key, key_size, "%s/keys/ratchet-1.pub", path) < (int)key_size;
	if (!str_copy(log, log_size, path) || !str_copy(probe, sizeof(probe), path))
		return false;
	if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
		slash = strrchr(probe, '/');
		if (slash)
			*slash = '\0';
		else
			str_copy(probe, sizeof(probe), ".");
	}
	return snprintf(key, key_size, "%s/../keys/ratchet-1.pub", probe) < (int)key_size;
}

/* A log whose first segments were deleted starts at its anchor: the key
 * and the hash the records before it left.  Returns whether a key is known
 * for the first record. */
static bool start_at_anchor(struct verifier *v, const char *log, bool have_key)
{
	struct anchor a;
	uint64_t *firsts;
	size_t n;
	bool found;

	if (segment_list(log, &firsts, &n) < 0 || n == 0 || firsts[0] == 1) {
		free(firsts);
		return have_key;
	}
	found = anchor_read(log, &a) == 0 && a.seq == firsts[0];
	if (found) {
		verifier_init(v, NULL, a.key, a.key_index, v->report, v->ctx);
		verifier_start_at(v, a.seq, a.prev);
		printf(_("the log starts at seq %llu (the records before it were acknowledged by "
			 "the collector and deleted)\n"),
		       (unsigned long long)a.seq);
	} else {
		printf(_("the log starts at seq %llu and has no anchor for it\n"),
		       (unsigned long long)firsts[0]);
	}
	free(firsts);
	return found;
}

static int verify_usage(void)
{
	fputs(_("usage: wardctl verify FILE|DIR [--key PUB]\n"), stderr);
	return 2;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	char log[PATH_MAX], key_path[PATH_MAX + 32];
	unsigned char key[ED25519_KEY_BYTES];
	const char *key_arg = NULL;
	struct verify_out out = {0};
	struct verifier v;
	bool have_key;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'k')
			key_arg = optarg;
		else
			return verify_usage();
	}
	if (optind != argc - 1)
		return verify_usage();
	if (!locate(argv[optind], log, sizeof(log), key_path, sizeof(key_path))) {
		fprintf(stderr, _("wardctl: path too long: %s\n"), argv[optind]);
		return 2;
	}
	r = public_key_file_load(key_arg ? key_arg : key_path, key);
	if (r < 0 && key_arg) {
		fprintf(stderr, _("wardctl: cannot read the key %s: %s\n"), key_arg, strerror(-r));
		return 1;
	}
	have_key = r == 0;
	/* ratchet-1.pub is key 1; a key given on the command line is the one
	 * in force for the first record present, whatever its index. */
	verifier_init(&v, NULL, have_key ? key : NULL, key_arg ? 0 : 1, print_break, &out);
	if (!key_arg)
		have_key = start_at_anchor(&v, log, have_key);
	r = verify_path(&v, log);
	verifier_finish(&v);
	if (r < 0) {
		fprintf(stderr, _("wardctl: cannot read %s: %s\n"), log, strerror(-r));
		verifier_free(&v);
		return 1;
	}
	if (!have_key)
		printf(_("no key: signatures were not checked (pass --key)\n"));
	if (v.incomplete)
		printf(_("memory ran out: not every break is listed\n"));
	if (v.unverified)
		printf(_("%llu records after a break could not be verified: the key in force there "
			 "is not known\n"),
		       (unsigned long long)v.unverified);
	printf(_("%llu records, last seq %llu, %llu breaks\n"), (unsigned long long)v.records,
	       (unsigned long long)v.st.head.seq, (unsigned long long)v.breaks);
	r = v.breaks || v.unverified || v.incomplete || !have_key || v.records == 0 ? 1 : 0;
	verifier_free(&v);
	return r;
}
