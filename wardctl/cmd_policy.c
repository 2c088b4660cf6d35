/* wardctl policy check|explain and wardctl token keygen|sign|verify.
 *
 *   wardctl policy check [DIR|FILE]          (default /etc/ward/policy.d)
 *   wardctl policy explain [--policy P] [--json] [--event copy|close-write|device]
 *        [--level L] [--pii TYPE=N]... [--mime M] [--sha256 H] [--size N]
 *        [--declassified] [--uninspectable]
 *        [--device VID:PID[:SERIAL]] [--device-id VID:PID] [--serial S] [--bus B]
 *        [--fs T] [--label L] [--uuid U] [--vendor V] [--model M] [--interfaces I]
 *        [--user U] [--uid N] [--group G]... [--exe PATH] [--time T] [--token FILE]...
 *        [--file DOCUMENT]
 *   wardctl token keygen --out-key K --out-pub P
 *   wardctl token sign --key K --approver NAME --user U
 *        [--device-serial S | --any-device] [--sha256 H | --level-max L]
 *        --from T --until T [--note TEXT] --out F
 *   wardctl token verify --pub P FILE
 *
 * Exit status: 0 done (policy valid, token good), 1 failed, 2 usage. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classify/classify.h"
#include "common/cleanup.h"
#include "common/jsonw.h"
#include "common/util.h"
#include "policy/policy.h"
#include "wardctl/commands.h"

#define DEFAULT_POLICY "/etc/ward/policy.d"
#define MAX_TOKENS 8
#define MAX_GROUPS 16
#define TOKEN_FILE_MAX 65536

static int policy_usage(void)
{
	fprintf(
	    stderr,
	    "usage: wardctl policy check [DIR|FILE]\n"
	    "       wardctl policy explain [--policy DIR|FILE] [--json]\n"
	    "           [--event copy|close-write|device] [--level L] [--pii TYPE=N]\n"
	    "           [--mime M] [--sha256 HEX] [--size BYTES] [--declassified] [--uninspectable]\n"
	    "           [--device VID:PID[:SERIAL]] [--device-id VID:PID] [--serial S]\n"
	    "           [--bus usb|mmc|other|internal] [--fs TYPE] [--label L] [--uuid U]\n"
	    "           [--vendor V] [--model M] [--interfaces :080650:]\n"
	    "           [--user U] [--uid N] [--group G] [--exe PATH]\n"
	    "           [--time 2022-01-25T10:00] [--token FILE] [--file DOCUMENT]\n"
	    "  --file classifies DOCUMENT as the agent would; options after it override\n");
	return 2;
}

static struct policy *load_or_report(const char *path)
{
	struct policy_diag diag = {0};
	struct policy *p = policy_load(path, &diag);

	if (!p) {
		policy_diag_print(&diag, stderr);
		fprintf(stderr, "%s: %zu error%s; policy not valid\n", path, diag.n_errors,
			diag.n_errors == 1 ? "" : "s");
	} else {
		const struct policy_token_problem *problems;
		size_t n = policy_token_problems(p, &problems);

		/* refused approvals do not make the policy invalid, but the
		 * administrator should know they will not count */
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%s: approval token refused (%s): %s\n", problems[i].path,
				policy_token_status_name(problems[i].status), problems[i].detail);
	}
	policy_diag_free(&diag);
	return p;
}

static int policy_check(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : DEFAULT_POLICY;
	struct policy *p;
	char summary[512];

	if (argc > 2)
		return policy_usage();
	p = load_or_report(path);
	if (!p)
		return 1;
	policy_summary(p, summary, sizeof(summary));
	printf("%s: %s\n", path, summary);
	policy_unref(p);
	return 0;
}

static bool parse_hex16(const char *s, size_t len, uint16_t *out)
{
	unsigned v = 0;

	if (len != 4)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (d < 0)
			return false;
		v = v * 16 + (unsigned)d;
	}
	*out = (uint16_t)v;
	return true;
}

/* VID:PID[:SERIAL] */
static bool parse_device_arg(const char *arg, struct ward_device *dev, bool with_serial)
{
	const char *c1 = strchr(arg, ':'), *c2;

	if (!c1 || !parse_hex16(arg, (size_t)(c1 - arg), &dev->vendor_id))
		return false;
	c2 = strchr(c1 + 1, ':');
	if (c2 && !with_serial)
		return false;
	if (!parse_hex16(c1 + 1, c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1), &dev->product_id))
		return false;
	if (c2)
		str_copy(dev->serial, sizeof(dev->serial), c2 + 1);
	return true;
}

static bool parse_sha256_arg(const char *s, unsigned char out[32])
{
	if (strlen(s) != 64)
		return false;
	for (size_t i = 0; i < 32; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1 ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i + 1]))
			return false;
		out[i] = (unsigned char)v;
	}
	return true;
}

static struct policy_token *read_token(const char *path, char *err, size_t errlen)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct policy_token *t = NULL;
	char *buf;
	ssize_t n;

	if (fd < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(TOKEN_FILE_MAX);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = read_full(fd, buf, TOKEN_FILE_MAX);
	if (n < 0)
		snprintf(err, errlen, "cannot read %s: %s", path, strerror((int)-n));
	else if (n == TOKEN_FILE_MAX)
		snprintf(err, errlen, "%s: too large for a token", path);
	else
		t = policy_token_parse(buf, (size_t)n, err, errlen);
	free(buf);
	return t;
}

/* Classifies a file as the agent would, for `explain --file`. */
static int classify_path(const char *path, struct classify_result *out)
{
	struct classify_budget budget;
	struct classify_ctx *ctx;
	const char *err = NULL;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int r;

	if (fd < 0) {
		fprintf(stderr, "wardctl policy explain: %s: cannot read: %s\n", path,
			strerror(errno));
		return -1;
	}
	ctx = classify_new(&err);
	if (!ctx) {
		fprintf(stderr, "wardctl policy explain: classifier unavailable: %s\n",
			err ? err : "unknown error");
		return -1;
	}
	classify_budget_default(&budget);
	r = classify_fd(ctx, fd, path, &budget, out);
	classify_free(ctx);
	if (r < 0) {
		fprintf(stderr, "wardctl policy explain: %s: cannot classify: %s\n", path,
			strerror(-r));
		return -1;
	}
	return 0;
}

struct rejected_token {
	const char *path;
	const char *status;
	char text[256];
};

static void print_explain_json(const struct policy *p, const struct policy_event *ev,
			       const struct policy_decision *d, const char *why,
			       const struct rejected_token *rej, size_t n_rej)
{
	bool first = true, f2;
	char when[48];

	fputc('{', stdout);
	json_write_key(stdout, &first, "event");
	json_write_cstr(stdout, ev->kind == POLICY_EVENT_DEVICE ? "device"
				: ev->kind == POLICY_EVENT_COPY ? "copy"
								: "close-write");
	if (ev->kind == POLICY_EVENT_DEVICE) {
		json_write_key(stdout, &first, "device_action");
		json_write_cstr(stdout, policy_device_action_name(d->device_action));
	} else {
		json_write_key(stdout, &first, "action");
		json_write_cstr(stdout, policy_action_name(d->action));
		json_write_key(stdout, &first, "rule_action");
		json_write_cstr(stdout, policy_action_name(d->rule_action));
	}
	json_write_key(stdout, &first, "rule");
	f2 = true;
	fputc('{', stdout);
	json_write_key(stdout, &f2, "file");
	json_write_cstr(stdout, d->rule_file);
	json_write_key(stdout, &f2, "line");
	printf("%u", d->rule_line);
	json_write_key(stdout, &f2, "text");
	json_write_cstr(stdout, d->rule_text);
	json_write_key(stdout, &f2, "reason");
	json_write_cstr(stdout, d->rule_reason);
	json_write_key(stdout, &f2, "default");
	fputs(d->matched_default ? "true" : "false", stdout);
	fputc('}', stdout);
	json_write_key(stdout, &first, "why");
	json_write_cstr(stdout, why);
	json_write_key(stdout, &first, "time");
	policy_format_time(p, ev->time, when, sizeof(when));
	json_write_cstr(stdout, when);
	json_write_key(stdout, &first, "token_status");
	json_write_cstr(stdout, policy_token_status_name(d->token_status));
	if (d->approver) {
		json_write_key(stdout, &first, "approver");
		json_write_cstr(stdout, d->approver);
	}
	json_write_key(stdout, &first, "rejected_tokens");
	fputc('[', stdout);
	for (size_t i = 0; i < n_rej; i++) {
		f2 = true;
		fputs(i ? ",{" : "{", stdout);
		json_write_key(stdout, &f2, "file");
		json_write_cstr(stdout, rej[i].path);
		json_write_key(stdout, &f2, "status");
		json_write_cstr(stdout, rej[i].status);
		json_write_key(stdout, &f2, "detail");
		json_write_cstr(stdout, rej[i].text);
		fputc('}', stdout);
	}
	fputc(']', stdout);
	json_write_key(stdout, &first, "report");
	fputs(d->report ? "true" : "false", stdout);
	fputs("}\n", stdout);
}

static int policy_explain_cmd(int argc, char **argv)
{
	enum {
		O_POLICY = 256,
		O_JSON,
		O_EVENT,
		O_LEVEL,
		O_PII,
		O_MIME,
		O_SHA,
		O_SIZE,
		O_DECL,
		O_UNINSP,
		O_DEVICE,
		O_DEVID,
		O_SERIAL,
		O_BUS,
		O_FS,
		O_LABEL,
		O_UUID,
		O_VENDOR,
		O_MODEL,
		O_IFACES,
		O_USER,
		O_UID,
		O_GROUP,
		O_EXE,
		O_TIME,
		O_TOKEN,
		O_FILE,
	};
	static const struct option opts[] = {
	    {"policy", required_argument, NULL, O_POLICY},
	    {"json", no_argument, NULL, O_JSON},
	    {"event", required_argument, NULL, O_EVENT},
	    {"level", required_argument, NULL, O_LEVEL},
	    {"pii", required_argument, NULL, O_PII},
	    {"mime", required_argument, NULL, O_MIME},
	    {"sha256", required_argument, NULL, O_SHA},
	    {"size", required_argument, NULL, O_SIZE},
	    {"declassified", no_argument, NULL, O_DECL},
	    {"uninspectable", no_argument, NULL, O_UNINSP},
	    {"device", required_argument, NULL, O_DEVICE},
	    {"device-id", required_argument, NULL, O_DEVID},
	    {"serial", required_argument, NULL, O_SERIAL},
	    {"bus", required_argument, NULL, O_BUS},
	    {"fs", required_argument, NULL, O_FS},
	    {"label", required_argument, NULL, O_LABEL},
	    {"uuid", required_argument, NULL, O_UUID},
	    {"vendor", required_argument, NULL, O_VENDOR},
	    {"model", required_argument, NULL, O_MODEL},
	    {"interfaces", required_argument, NULL, O_IFACES},
	    {"user", required_argument, NULL, O_USER},
	    {"uid", required_argument, NULL, O_UID},
	    {"group", required_argument, NULL, O_GROUP},
	    {"exe", required_argument, NULL, O_EXE},
	    {"time", required_argument, NULL, O_TIME},
	    {"token", required_argument, NULL, O_TOKEN},
	    {"file", required_argument, NULL, O_FILE},
	    {NULL, 0, NULL, 0},
	};
	const char *policy_path = DEFAULT_POLICY, *time_arg = NULL;
	const char *token_paths[MAX_TOKENS];
	const char *group_names[MAX_GROUPS];
	size_t n_token_paths = 0, n_groups = 0;
	struct classify_result content = {0};
	struct ward_device dev = {.bus = DEVICE_BUS_USB, .removable = true};
	struct policy_event ev = {.kind = POLICY_EVENT_COPY};
	bool json = false, have_content = false;
	int opt, rc = 1;

	str_copy(content.mime, sizeof(content.mime), "application/octet-stream");
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case O_POLICY:
			policy_path = optarg;
			break;
		case O_JSON:
			json = true;
			break;
		case O_EVENT:
			if (strcmp(optarg, "copy") == 0)
				ev.kind = POLICY_EVENT_COPY;
			else if (strcmp(optarg, "close-write") == 0)
				ev.kind = POLICY_EVENT_CLOSE_WRITE;
			else if (strcmp(optarg, "device") == 0)
				ev.kind = POLICY_EVENT_DEVICE;
			else
				goto bad_value;
			break;
		case O_LEVEL:
			if (!level_parse(optarg, strlen(optarg), &content.level))
				goto bad_value;
			have_content = true;
			break;
		case O_PII: {
			const char *eq = strchr(optarg, '=');
			char *end;
			unsigned long n;

			if (!eq || content.n_pii == CLASSIFY_MAX_PII)
				goto bad_value;
			errno = 0;
			n = strtoul(eq + 1, &end, 10);
			if (errno || *end || end == eq + 1 || n > UINT32_MAX)
				goto bad_value;
			if (!str_copy_n(content.pii[content.n_pii].type,
					sizeof(content.pii[0].type), optarg, (size_t)(eq - optarg)))
				goto bad_value;
			content.pii[content.n_pii++].count = (uint32_t)n;
			have_content = true;
			break;
		}
		case O_MIME:
			str_copy(content.mime, sizeof(content.mime), optarg);
			have_content = true;
			break;
		case O_SHA:
			if (!parse_sha256_arg(optarg, content.sha256))
				goto bad_value;
			have_content = true;
			break;
		case O_SIZE: {
			char *end;

			errno = 0;
			content.size = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg)
				goto bad_value;
			have_content = true;
			break;
		}
		case O_DECL:
			content.declassified = true;
			have_content = true;
			break;
		case O_UNINSP:
			content.uninspectable = true;
			str_copy(content.uninspectable_reason, sizeof(content.uninspectable_reason),
				 "given on the command line");
			have_content = true;
			break;
		case O_DEVICE:
			if (!parse_device_arg(optarg, &dev, true))
				goto bad_value;
			break;
		case O_DEVID:
			if (!parse_device_arg(optarg, &dev, false))
				goto bad_value;
			break;
		case O_SERIAL:
			str_copy(dev.serial, sizeof(dev.serial), optarg);
			break;
		case O_BUS:
			if (strcmp(optarg, "usb") == 0)
				dev.bus = DEVICE_BUS_USB;
			else if (strcmp(optarg, "mmc") == 0 || strcmp(optarg, "sd") == 0)
				dev.bus = DEVICE_BUS_MMC;
			else if (strcmp(optarg, "other") == 0)
				dev.bus = DEVICE_BUS_OTHER;
			else if (strcmp(optarg, "internal") == 0)
				dev.bus = DEVICE_BUS_INTERNAL;
			else
				goto bad_value;
			dev.removable = dev.bus != DEVICE_BUS_INTERNAL;
			break;
		case O_FS:
			str_copy(dev.fs_type, sizeof(dev.fs_type), optarg);
			break;
		case O_LABEL:
			str_copy(dev.fs_label, sizeof(dev.fs_label), optarg);
			break;
		case O_UUID:
			str_copy(dev.fs_uuid, sizeof(dev.fs_uuid), optarg);
			break;
		case O_VENDOR:
			str_copy(dev.vendor, sizeof(dev.vendor), optarg);
			break;
		case O_MODEL:
			str_copy(dev.model, sizeof(dev.model), optarg);
			break;
		case O_IFACES:
			str_copy(dev.interfaces, sizeof(dev.interfaces), optarg);
			break;
		case O_USER:
			ev.user = optarg;
			break;
		case O_UID: {
			char *end;

			errno = 0;
			ev.uid = (uid_t)strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg)
				goto bad_value;
			break;
		}
		case O_GROUP:
			if (n_groups == MAX_GROUPS)
				goto bad_value;
			group_names[n_groups++] = optarg;
			break;
		case O_EXE:
			ev.exe = optarg;
			break;
		case O_TIME:
			time_arg = optarg;
			break;
		case O_TOKEN:
			if (n_token_paths == MAX_TOKENS)
				goto bad_value;
			token_paths[n_token_paths++] = optarg;
			break;
		case O_FILE:
			/* the facts the agent would find; later options override */
			if (classify_path(optarg, &content) < 0)
				return 1;
			have_content = true;
			break;
		default:
			return policy_usage();
		}
	}
	if (optind != argc)
		return policy_usage();

	struct policy *p = load_or_report(policy_path);
	struct policy_token *tokens[MAX_TOKENS];
	const struct policy_token *offered[MAX_TOKENS];
	struct rejected_token rejected[MAX_TOKENS];
	size_t n_tokens = 0, n_rejected = 0;
	struct policy_decision d;
	char why[2048];

	if (!p)
		return 1;
	ev.time = time(NULL);
	if (time_arg && !policy_parse_time(p, time_arg, &ev.time)) {
		fprintf(
		    stderr,
		    "wardctl policy explain: bad --time '%s' (expected e.g. 2022-01-25T10:00, in the policy's time zone, or with +08:00)\n",
		    time_arg);
		policy_unref(p);
		return 2;
	}
	ev.content = ev.kind != POLICY_EVENT_DEVICE && have_content ? &content : NULL;
	/* without device options the destination is an unnamed USB stick */
	ev.device = &dev;
	ev.group_names = group_names;
	ev.n_group_names = n_groups;
	for (size_t i = 0; i < n_token_paths; i++) {
		char err[256];
		struct policy_token *t = read_token(token_paths[i], err, sizeof(err));
		enum policy_token_status st;

		if (!t) {
			rejected[n_rejected].path = token_paths[i];
			rejected[n_rejected].status =
			    policy_token_status_name(POLICY_TOKEN_MALFORMED);
			str_copy(rejected[n_rejected++].text, sizeof(rejected[0].text), err);
			continue;
		}
		st = policy_token_attach(p, t);
		if (st != POLICY_TOKEN_APPLIED) {
			rejected[n_rejected].path = token_paths[i];
			rejected[n_rejected].status = policy_token_status_name(st);
			snprintf(rejected[n_rejected++].text, sizeof(rejected[0].text), "%s: %s",
				 policy_token_get_fields(t)->approver,
				 policy_token_status_text(st));
			policy_token_free(t);
			continue;
		}
		tokens[n_tokens] = t;
		offered[n_tokens] = t;
		n_tokens++;
	}
	ev.tokens = offered;
	ev.n_tokens = n_tokens;

	if (policy_decide(p, &ev, &d) < 0)
		fprintf(stderr, "wardctl policy explain: malformed event: fail mode applied\n");
	policy_explain(p, &ev, &d, why, sizeof(why));
	if (json) {
		print_explain_json(p, &ev, &d, why, rejected, n_rejected);
	} else {
		if (ev.kind == POLICY_EVENT_DEVICE)
			printf("device %s\n", policy_device_action_name(d.device_action));
		else if (d.action != d.rule_action)
			printf("%s (rule says %s)\n", policy_action_name(d.action),
			       policy_action_name(d.rule_action));
		else
			printf("%s\n", policy_action_name(d.action));
		if (d.matched_default)
			printf("  rule: %s\n", d.rule_text);
		else
			printf("  rule: %s:%u: %s\n", d.rule_file, d.rule_line, d.rule_text);
		printf("  why:  %s\n", why);
		for (size_t i = 0; i < n_rejected; i++)
			printf("  token %s rejected (%s): %s\n", rejected[i].path,
			       rejected[i].status, rejected[i].text);
		printf("  report: %s\n", d.report ? "yes" : "no");
	}
	rc = 0;
	for (size_t i = 0; i < n_tokens; i++)
		policy_token_free(tokens[i]);
	policy_unref(p);
	return rc;

bad_value:
	fprintf(stderr, "wardctl policy explain: bad value for --%s: '%s'\n",
		opts[opt - O_POLICY].name, optarg ? optarg : "");
	return 2;
}

int cmd_policy(int argc, char **argv)
{
	if (argc < 2)
		return policy_usage();
	if (strcmp(argv[1], "check") == 0)
		return policy_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "explain") == 0)
		return policy_explain_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0) {
		policy_usage();
		return 0;
	}
	fprintf(stderr, "wardctl policy: unknown sub-command '%s'\n", argv[1]);
	return policy_usage();
}

/* ---- tokens ---- */

static int token_usage(void)
{
	fprintf(stderr,
		"usage: wardctl token keygen --out-key KEY.pem --out-pub PUB.pem\n"
		"       wardctl token sign --key KEY.pem --approver NAME --user USER\n"
		"           [--device-serial S | --any-device] [--sha256 HEX | --level-max LEVEL]\n"
		"           --from TIME --until TIME [--note TEXT] --out FILE\n"
		"       wardctl token verify --pub PUB.pem FILE\n"
		"TIME is 2022-01-25T08:00+08:00 (without an offset: the system's local time)\n");
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
		fprintf(stderr, "wardctl token keygen: %s\n", err);
		return 1;
	}
	printf("private key %s (keep it with the supervisor, mode 0600), public key %s (install "
	       "it and name it in the policy: trust supervisor NAME %s)\n",
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
			if (have_what || !parse_sha256_arg(optarg, f.sha256))
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
		fprintf(stderr, "wardctl token sign: --key, --approver, --user, --device-serial or "
				"--any-device, --sha256 or --level-max, --from, --until and --out "
				"are all required\n");
		return token_usage();
	}
	if (policy_token_sign(&f, key, &text, err, sizeof(err)) < 0) {
		fprintf(stderr, "wardctl token sign: %s\n", err);
		return 1;
	}
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (r = write_all(fd, text, strlen(text))) < 0) {
		fprintf(stderr, "wardctl token sign: cannot write %s: %s\n", out,
			strerror(fd < 0 ? errno : -r));
		return 1;
	}
	return 0;
bad:
	fprintf(stderr, "wardctl token sign: bad or repeated value for --%s: '%s'\n",
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
	t = read_token(argv[optind], err, sizeof(err));
	if (!t) {
		fprintf(stderr, "wardctl token verify: %s: %s\n", argv[optind], err);
		return 1;
	}
	st = policy_token_verify_pub(t, pub, err, sizeof(err));
	f = policy_token_get_fields(t);
	if (st != POLICY_TOKEN_APPLIED) {
		fprintf(stderr, "wardctl token verify: %s: %s\n", argv[optind], err);
		policy_token_free(t);
		return 1;
	}
	policy_format_time(NULL, f->from, from, sizeof(from));
	policy_format_time(NULL, f->until, until, sizeof(until));
	if (f->has_sha256)
		hex_encode(f->sha256, 32, sha);
	printf("%s: signature good: approved by %s for user %s, device %s, %s %s, valid %s .. "
	       "%s%s%s\n",
	       argv[optind], f->approver, f->user, f->device_serial[0] ? f->device_serial : "any",
	       f->has_sha256 ? "file sha256" : "files up to level",
	       f->has_sha256 ? sha : level_name(f->level_max), from, until,
	       f->note[0] ? "; note: " : "", f->note);
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
	fprintf(stderr, "wardctl token: unknown sub-command '%s'\n", argv[1]);
	return token_usage();
}
