/* `wardctl policy explain`'s options: the facts of one event (content,
 * destination, subject, time), given on the command line or found by
 * classifying a real document (--file). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/i18n.h"
#include "common/util.h"
#include "classify/winnow.h"
#include "wardctl/explain.h"

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
	O_DERIVED,
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

/* In the order of the enum: bad values are reported by this table's name. */
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
    {"derived", required_argument, NULL, O_DERIVED},
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

/* What an option handler says: done, a bad value, or failed (said why). */
enum { ARG_OK = 0, ARG_BAD = -1, ARG_FAILED = -2 };

/* Classifies a file as the agent would, for `explain --file`. */
static int classify_path(const char *path, struct classify_result *out)
{
	struct classify_budget budget;
	struct classify_ctx *ctx;
	const char *err = NULL;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int r;

	if (fd < 0) {
		fprintf(stderr, _("wardctl policy explain: %s: cannot read: %s\n"), path,
			strerror(errno));
		return -1;
	}
	ctx = classify_new(&err);
	if (!ctx) {
		fprintf(stderr, _("wardctl policy explain: classifier unavailable: %s\n"),
			err ? err : _("unknown error"));
		return -1;
	}
	classify_budget_default(&budget);
	r = classify_fd(ctx, fd, path, &budget, out);
	classify_free(ctx);
	if (r < 0) {
		fprintf(stderr, _("wardctl policy explain: %s: cannot classify: %s\n"), path,
			strerror(-r));
		return -1;
	}
	return 0;
}

static bool parse_u64_arg(const char *arg, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(arg, &end, 10);
	return !errno && !*end && end != arg;
}

/* TYPE=N */
static int pii_option(struct classify_result *c, const char *arg)
{
	const char *eq = strchr(arg, '=');
	unsigned long long n;

	if (!eq || c->n_pii == CLASSIFY_MAX_PII || !parse_u64_arg(eq + 1, &n) || n > UINT32_MAX)
		return ARG_BAD;
	if (!str_copy_n(c->pii[c->n_pii].type, sizeof(c->pii[0].type), arg, (size_t)(eq - arg)))
		return ARG_BAD;
	c->pii[c->n_pii++].count = (uint32_t)n;
	return ARG_OK;
}

/* What the document holds.  Every one of these gives the event content. */
static int content_option(struct explain_args *a, int opt, const char *arg)
{
	struct classify_result *c = &a->content;
	unsigned long long size;

	a->have_content = true;
	switch (opt) {
	case O_LEVEL:
		return level_parse(arg, strlen(arg), &c->level) ? ARG_OK : ARG_BAD;
	case O_PII:
		return pii_option(c, arg);
	case O_MIME:
		str_copy(c->mime, sizeof(c->mime), arg);
		return ARG_OK;
	case O_SHA:
		return hex_decode(arg, strlen(arg), c->sha256, sizeof(c->sha256)) ? ARG_OK
										  : ARG_BAD;
	case O_SIZE:
		if (!parse_u64_arg(arg, &size))
			return ARG_BAD;
		c->size = size;
		return ARG_OK;
	case O_DECL:
		c->declassified = true;
		return ARG_OK;
	case O_UNINSP:
		c->uninspectable = true;
		str_copy(c->uninspectable_reason, sizeof(c->uninspectable_reason),
			 "given on the command line");
		return ARG_OK;
	case O_DERIVED:
		/* The level of the marked document it shares a part with. */
		a->ev.derived_shared = WINNOW_MIN_SHARED;
		return level_parse(arg, strlen(arg), &a->ev.derived) ? ARG_OK : ARG_BAD;
	}
	/* O_FILE: the facts the agent would find; later options override */
	return classify_path(arg, c) < 0 ? ARG_FAILED : ARG_OK;
}

static bool parse_hex16(const char *s, size_t len, uint16_t *out)
{
	unsigned char b[2];

	if (!hex_decode(s, len, b, sizeof(b)))
		return false;
	*out = (uint16_t)(b[0] << 8 | b[1]);
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

static bool parse_bus(const char *arg, enum device_bus *bus)
{
	if (strcmp(arg, "usb") == 0)
		*bus = DEVICE_BUS_USB;
	else if (strcmp(arg, "mmc") == 0 || strcmp(arg, "sd") == 0)
		*bus = DEVICE_BUS_MMC;
	else if (strcmp(arg, "other") == 0)
		*bus = DEVICE_BUS_OTHER;
	else if (strcmp(arg, "internal") == 0)
		*bus = DEVICE_BUS_INTERNAL;
	else
		return false;
	return true;
}

/* The destination medium's string attributes, by option. */
#define DEV_FIELD(f) offsetof(struct ward_device, f), sizeof(((struct ward_device *)0)->f)
static const struct {
	int opt;
	size_t offset, size;
} device_strings[] = {
    {O_SERIAL, DEV_FIELD(serial)},     {O_FS, DEV_FIELD(fs_type)},
    {O_LABEL, DEV_FIELD(fs_label)},    {O_UUID, DEV_FIELD(fs_uuid)},
    {O_VENDOR, DEV_FIELD(vendor)},     {O_MODEL, DEV_FIELD(model)},
    {O_IFACES, DEV_FIELD(interfaces)},
};
#undef DEV_FIELD

static int device_option(struct ward_device *dev, int opt, const char *arg)
{
	switch (opt) {
	case O_DEVICE:
	case O_DEVID:
		return parse_device_arg(arg, dev, opt == O_DEVICE) ? ARG_OK : ARG_BAD;
	case O_BUS:
		if (!parse_bus(arg, &dev->bus))
			return ARG_BAD;
		dev->removable = dev->bus != DEVICE_BUS_INTERNAL;
		return ARG_OK;
	}
	for (size_t i = 0; i < ARRAY_SIZE(device_strings); i++) {
		if (device_strings[i].opt == opt) {
			str_copy((char *)dev + device_strings[i].offset, device_strings[i].size,
				 arg);
			return ARG_OK;
		}
	}
	return ARG_BAD;
}

/* Who copies, which event, when, with which approvals, and how to show it. */
static int event_option(struct explain_args *a, int opt, const char *arg)
{
	unsigned long long uid;

	switch (opt) {
	case O_POLICY:
		a->policy_path = arg;
		return ARG_OK;
	case O_JSON:
		a->json = true;
		return ARG_OK;
	case O_EVENT:
		if (strcmp(arg, "copy") == 0)
			a->ev.kind = POLICY_EVENT_COPY;
		else if (strcmp(arg, "close-write") == 0)
			a->ev.kind = POLICY_EVENT_CLOSE_WRITE;
		else if (strcmp(arg, "device") == 0)
			a->ev.kind = POLICY_EVENT_DEVICE;
		else
			return ARG_BAD;
		return ARG_OK;
	case O_USER:
		a->ev.user = arg;
		return ARG_OK;
	case O_UID:
		if (!parse_u64_arg(arg, &uid))
			return ARG_BAD;
		a->ev.uid = (uid_t)uid;
		return ARG_OK;
	case O_GROUP:
		if (a->n_groups == EXPLAIN_MAX_GROUPS)
			return ARG_BAD;
		a->group_names[a->n_groups++] = arg;
		return ARG_OK;
	case O_EXE:
		a->ev.exe = arg;
		return ARG_OK;
	case O_TIME:
		a->time_arg = arg;
		return ARG_OK;
	case O_TOKEN:
		if (a->n_token_paths == EXPLAIN_MAX_TOKENS)
			return ARG_BAD;
		a->token_paths[a->n_token_paths++] = arg;
		return ARG_OK;
	}
	return ARG_BAD;
}

static int explain_option(struct explain_args *a, int opt, const char *arg)
{
	if ((opt >= O_LEVEL && opt <= O_DERIVED) || opt == O_FILE)
		return content_option(a, opt, arg);
	if (opt >= O_DEVICE && opt <= O_IFACES)
		return device_option(&a->dev, opt, arg);
	return event_option(a, opt, arg);
}

int explain_parse_args(int argc, char **argv, struct explain_args *a)
{
	int opt;

	memset(a, 0, sizeof(*a));
	a->dev.bus = DEVICE_BUS_USB;
	a->dev.removable = true;
	a->ev.kind = POLICY_EVENT_COPY;
	str_copy(a->content.mime, sizeof(a->content.mime), "application/octet-stream");
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int r;

		if (opt < O_POLICY || opt > O_FILE)
			return EXPLAIN_USAGE;
		r = explain_option(a, opt, optarg);
		if (r == ARG_FAILED)
			return 1;
		if (r == ARG_BAD) {
			fprintf(stderr, _("wardctl policy explain: bad value for --%s: '%s'\n"),
				opts[opt - O_POLICY].name, optarg ? optarg : "");
			return 2;
		}
	}
	return optind == argc ? 0 : EXPLAIN_USAGE;
}
