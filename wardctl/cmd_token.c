/* wardctl token keygen|sign|verify: supervisor approval tokens.
 *
 *   wardctl token keygen --out-key K --out-pub P
 *   wardctl token sign --key K --approver NAME --user U
 *        [--device-serial S | --any-device] [--sha256 H | --level-max L]
 *        --from T --until T [--note TEXT] --out F
 *   wardctl token verify --pub P FILE
 *
 * The format and the signature are policy/'s (policy/README.md); this is
 * only the command line.  Exit status: 0 done (token good), 1 failed,
 * 2 usage. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/i18n.h"
#include "common/util.h"
#include "policy/policy.h"
#include "wardctl/commands.h"

static int token_usage(void)
{
	fputs(_("usage: wardctl token keygen --out-key KEY.pem --out-pub PUB.pem\n"
		"       wardctl token sign --key KEY.pem --approver NAME --user USER\n"
		"           [--device-serial S | --any-device] [--sha256 HEX | --level-max LEVEL]\n"
		"           --from TIME --until TIME [--note TEXT] --out FILE\n"
		"       wardctl token verify --pub PUB.pem FILE\n"
		"TIME is 2022-01-25T08:00+08:00 (without an offset: the system's local time)\n"),
	      stderr);
	return 2;
}

static int token_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"out-key", required_argument, NULL, 'k'},
	    {"out-pub", required_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	const char *key = NULL, *pub = NULL;
	char err[256];
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'k')
			key = optarg;
		else if (opt == 'p')
			pub = optarg;
		else
			return token_usage();
	}
	if (!key || !pub || optind != argc)
		return token_usage();
	if (policy_token_keygen(key, pub, err, sizeof(err)) < 0) {
		fprintf(stderr, _("wardctl token keygen: %s\n"), err);
		return 1;
	}
	printf(_("private key %s (keep it with the supervisor, mode 0600), public key %s (install "
		 "it and name it in the policy: trust supervisor NAME %s)\n"),
	       key, pub, pub);
	return 0;
}

static int token_sign(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"key", required_argument, NULL, 'k'},
	    {"approver", required_argument, NULL, 'a'},
	    {"user", required_argument, NULL, 'u'},
	    {"device-serial", required_argument, NULL, 'd'},
	    {"any-device", no_argument, NULL, 'D'},
	    {"sha256", required_argument, NULL, 's'},
	    {"level-max", required_argument, NULL, 'l'},
	    {"from", required_argument, NULL, 'f'},
	    {"until", required_argument, NULL, 't'},
	    {"note", required_argument, NULL, 'n'},
	    {"out", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	struct policy_token_fields f = {0};
	const char *key = NULL, *out = NULL;
	bool have_dev = false, have_what = false, have_from = false, have_until = false;
	char err[256];
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	int opt, longindex = 0, r = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, &longindex)) != -1) {
		switch (opt) {
		case 'k':
			key = optarg;
			break;
		case 'a':
			if (!str_copy(f.approver, sizeof(f.approver), optarg))
				goto bad;
			break;
		case 'u':
			if (!str_copy(f.user, sizeof(f.user), optarg))
				goto bad;
			break;
		case 'd':
			if (have_dev || !optarg[0] ||
			    !str_copy(f.device_serial, sizeof(f.device_serial), optarg))
				goto bad;
			have_dev = true;
			break;
		case 'D':
			if (have_dev)
				goto bad;
			have_dev = true;
			break;
		case 's':
			if (have_what ||
			    !hex_decode(optarg, strlen(optarg), f.sha256, sizeof(f.sha256)))
				goto bad;
			f.has_sha256 = true;
			have_what = true;
			break;
		case 'l':
			if (have_what || !level_parse(optarg, strlen(optarg), &f.level_max))
				goto bad;
			have_what = true;
			break;
		case 'f':
			if (!policy_parse_time(NULL, optarg, &f.from))
				goto bad;
			have_from = true;
			break;
		case 't':
			if (!policy_parse_time(NULL, optarg, &f.until))
				goto bad;
			have_until = true;
			break;
		case 'n':
			if (!str_copy(f.note, sizeof(f.note), optarg))
				goto bad;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return token_usage();
		}
	}
	if (!key || !out || !f.approver[0] || !f.user[0] || !have_dev || !have_what || !have_from ||
	    !have_until || optind != argc) {
		fputs(_("wardctl token sign: --key, --approver, --user, --device-serial or "
			"--any-device, --sha256 or --level-max, --from, --until and --out "
			"are all required\n"),
		      stderr);
		return token_usage();
	}
	if (policy_token_sign(&f, key, &text, err, sizeof(err)) < 0) {
		fprintf(stderr, _("wardctl token sign: %s\n"), err);
		return 1;
	}
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (r = write_all(fd, text, strlen(text))) < 0) {
		fprintf(stderr, _("wardctl token sign: cannot write %s: %s\n"), out,
			strerror(fd < 0 ? errno : -r));
		return 1;
	}
	return 0;
bad:
	fprintf(stderr, _("wardctl token sign: bad or repeated value for --%s: '%s'\n"),
		opts[longindex].name, optarg ? optarg : "");
	return 2;
}

static int token_verify(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"pub", required_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	const char *pub = NULL;
	char err[256], from[48], until[48], sha[65];
	struct policy_token *t;
	const struct policy_token_fields *f;
	enum policy_token_status st;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'p')
			pub = optarg;
		else
			return token_usage();
	}
	if (!pub || optind != argc - 1)
		return token_usage();
	t = policy_token_read(argv[optind], err, sizeof(err));
	if (!t) {
		fprintf(stderr, _("wardctl token verify: %s: %s\n"), argv[optind], err);
		return 1;
	}
	st = policy_token_verify_pub(t, pub, err, sizeof(err));
	f = policy_token_get_fields(t);
	if (st != POLICY_TOKEN_APPLIED) {
		fprintf(stderr, _("wardctl token verify: %s: %s\n"), argv[optind], err);
		policy_token_free(t);
		return 1;
	}
	policy_format_time(NULL, f->from, from, sizeof(from));
	policy_format_time(NULL, f->until, until, sizeof(until));
	if (f->has_sha256)
		hex_encode(f->sha256, 32, sha);
	printf(f->has_sha256
		   ? _("%s: signature good: approved by %s for user %s, device %s, file sha256 %s, "
		       "valid %s .. %s")
		   : _("%s: signature good: approved by %s for user %s, device %s, files up to "
		       "level %s, valid %s .. %s"),
	       argv[optind], f->approver, f->user,
	       f->device_serial[0] ? f->device_serial : _("any"),
	       f->has_sha256 ? sha : level_name(f->level_max), from, until);
	if (f->note[0])
		printf(_("; note: %s"), f->note);
	putchar('\n');
	policy_token_free(t);
	return 0;
}

int cmd_token(int argc, char **argv)
{
	if (argc < 2)
		return token_usage();
	if (strcmp(argv[1], "keygen") == 0)
		return token_keygen(argc - 1, argv + 1);
	if (strcmp(argv[1], "sign") == 0)
		return token_sign(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return token_verify(argc - 1, argv + 1);
	fprintf(stderr, _("wardctl token: unknown sub-command '%s'\n"), argv[1]);
	return token_usage();
}
