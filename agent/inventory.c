#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/inventory.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"

#define HEADER "# ward device inventory v1"
#define N_COLUMNS 18
/* Some thousands of media at most; a file much larger is not ours. */
#define INVENTORY_FILE_MAX (16u << 20)

struct inventory {
	char *path;
	struct buf entries; /* of struct inventory_entry */
};

static struct inventory_entry *entry_at(const struct inventory *inv, size_t i)
{
	return &((struct inventory_entry *)inv->entries.data)[i];
}

static size_t count(const struct inventory *inv)
{
	return inv->entries.len / sizeof(struct inventory_entry);
}

void inventory_key(const struct ward_device *dev, char *out, size_t size)
{
	if (dev->serial[0])
		snprintf(out, size, "%s:%04x:%04x:%s", device_bus_name(dev->bus), dev->vendor_id,
			 dev->product_id, dev->serial);
	else if (dev->fs_uuid[0])
		snprintf(out, size, "fs:%s", dev->fs_uuid);
	else
		snprintf(out, size, "model:%s:%s:%" PRIu64, dev->vendor, dev->model,
			 dev->size_bytes);
}

/* Escape \, tab, newline, CR so a field never breaks the line format. */
static void put_field(FILE *f, const char *s, bool last)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\':
			fputs("\\\\", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			fputc(*s, f);
		}
	}
	fputc(last ? '\n' : '\t', f);
}

static void unescape_field(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (*r == '\\' && r[1]) {
			r++;
			*w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static enum device_bus bus_from_name(const char *s)
{
	if (strcmp(s, "usb") == 0)
		return DEVICE_BUS_USB;
	if (strcmp(s, "mmc") == 0)
		return DEVICE_BUS_MMC;
	if (strcmp(s, "internal") == 0)
		return DEVICE_BUS_INTERNAL;
	return DEVICE_BUS_OTHER;
}

static bool parse_entry(char *line, struct inventory_entry *e)
{
	char *col[N_COLUMNS];
	size_t n = 0;

	for (char *p = line; p && n < N_COLUMNS;) {
		char *tab = strchr(p, '\t');
		if (tab)
			*tab = '\0';
		col[n++] = p;
		p = tab ? tab + 1 : NULL;
	}
	if (n != N_COLUMNS)
		return false;
	for (size_t i = 0; i < n; i++)
		unescape_field(col[i]);
	memset(e, 0, sizeof(*e));
	str_copy(e->key, sizeof(e->key), col[0]);
	e->first_seen = (time_t)strtoll(col[1], NULL, 10);
	e->last_seen = (time_t)strtoll(col[2], NULL, 10);
	e->times_seen = strtoul(col[3], NULL, 10);
	str_copy(e->decision, sizeof(e->decision), col[4]);
	str_copy(e->rule, sizeof(e->rule), col[5]);
	e->device.bus = bus_from_name(col[6]);
	e->device.removable = e->device.bus != DEVICE_BUS_INTERNAL;
	e->device.vendor_id = (uint16_t)strtoul(col[7], NULL, 16);
	e->device.product_id = (uint16_t)strtoul(col[8], NULL, 16);
	str_copy(e->device.serial, sizeof(e->device.serial), col[9]);
	str_copy(e->device.vendor, sizeof(e->device.vendor), col[10]);
	str_copy(e->device.model, sizeof(e->device.model), col[11]);
	str_copy(e->device.interfaces, sizeof(e->device.interfaces), col[12]);
	str_copy(e->device.fs_type, sizeof(e->device.fs_type), col[13]);
	str_copy(e->device.fs_uuid, sizeof(e->device.fs_uuid), col[14]);
	str_copy(e->device.fs_label, sizeof(e->device.fs_label), col[15]);
	str_copy(e->device.devnode, sizeof(e->device.devnode), col[16]);
	e->device.size_bytes = strtoull(col[17], NULL, 10);
	return e->key[0] != '\0';
}

/* Fills inv from the file's text; a damaged line is dropped, not fatal:
 * the next save rewrites the file from what could be read. */
static int parse_text(struct inventory *inv, char *text)
{
	char *next = text, *line = strsep(&next, "\n");

	if (strncmp(line, HEADER, strlen(HEADER)) != 0)
		return -EINVAL;
	while ((line = strsep(&next, "\n")) != NULL) {
		struct inventory_entry e;

		if (line[0] == '\0' || line[0] == '#' || !parse_entry(line, &e))
			continue;
		if (buf_push(&inv->entries, &e, sizeof(e)) < 0)
			return -ENOMEM;
	}
	return 0;
}

int inventory_open(const char *state_dir, struct inventory **out)
{
	_cleanup_free_ char *text = NULL;
	struct inventory *inv = calloc(1, sizeof(*inv));
	size_t len = 0;
	int r;

	if (!inv)
		return -ENOMEM;
	if (asprintf(&inv->path, "%s/%s", state_dir, INVENTORY_FILE) < 0) {
		inv->path = NULL;
		inventory_free(inv);
		return -ENOMEM;
	}
	r = read_file(AT_FDCWD, inv->path, INVENTORY_FILE_MAX, &text, &len);
	if (r == -ENOENT || (r == 0 && len == 0)) {
		*out = inv; /* nothing seen yet */
		return 0;
	}
	if (r == 0)
		r = parse_text(inv, text);
	if (r < 0) {
		inventory_free(inv);
		return r;
	}
	*out = inv;
	return 0;
}

void inventory_free(struct inventory *inv)
{
	if (!inv)
		return;
	buf_free(&inv->entries);
	free(inv->path);
	free(inv);
}

size_t inventory_count(const struct inventory *inv)
{
	return count(inv);
}

const struct inventory_entry *inventory_get(const struct inventory *inv, size_t i)
{
	return i < count(inv) ? entry_at(inv, i) : NULL;
}

int inventory_record(struct inventory *inv, const struct ward_device *dev, const char *decision,
		     const char *rule, time_t now)
{
	char key[sizeof(((struct inventory_entry *)0)->key)];
	struct inventory_entry *e = NULL;

	inventory_key(dev, key, sizeof(key));
	for (size_t i = 0; i < count(inv) && !e; i++)
		if (strcmp(entry_at(inv, i)->key, key) == 0)
			e = entry_at(inv, i);
	if (!e) {
		struct inventory_entry fresh;

		memset(&fresh, 0, sizeof(fresh));
		str_copy(fresh.key, sizeof(fresh.key), key);
		fresh.first_seen = now;
		if (buf_push(&inv->entries, &fresh, sizeof(fresh)) < 0)
			return -ENOMEM;
		e = entry_at(inv, count(inv) - 1);
	}
	e->device = *dev;
	e->last_seen = now;
	e->times_seen++;
	str_copy(e->decision, sizeof(e->decision), decision ? decision : "");
	str_copy(e->rule, sizeof(e->rule), rule ? rule : "");
	return 0;
}

static void write_entry(FILE *f, const struct inventory_entry *e)
{
	char num[32];
	const struct ward_device *d = &e->device;

	put_field(f, e->key, false);
	snprintf(num, sizeof(num), "%lld", (long long)e->first_seen);
	put_field(f, num, false);
	snprintf(num, sizeof(num), "%lld", (long long)e->last_seen);
	put_field(f, num, false);
	snprintf(num, sizeof(num), "%lu", e->times_seen);
	put_field(f, num, false);
	put_field(f, e->decision, false);
	put_field(f, e->rule, false);
	put_field(f, device_bus_name(d->bus), false);
	snprintf(num, sizeof(num), "%04x", d->vendor_id);
	put_field(f, num, false);
	snprintf(num, sizeof(num), "%04x", d->product_id);
	put_field(f, num, false);
	put_field(f, d->serial, false);
	put_field(f, d->vendor, false);
	put_field(f, d->model, false);
	put_field(f, d->interfaces, false);
	put_field(f, d->fs_type, false);
	put_field(f, d->fs_uuid, false);
	put_field(f, d->fs_label, false);
	put_field(f, d->devnode, false);
	snprintf(num, sizeof(num), "%" PRIu64, d->size_bytes);
	put_field(f, num, true);
}

int inventory_save(struct inventory *inv)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_free_ char *dir = NULL;
	FILE *f;
	int fd, r = 0;

	if (asprintf(&tmp, "%s.XXXXXX", inv->path) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* The inventory names people's devices: root and the ward group only. */
	if (fchmod(fd, 0640) != 0 || !(f = fdopen(fd, "w"))) {
		r = -errno;
		close(fd);
		unlink(tmp);
		return r;
	}
	fprintf(f,
		"%s\tkey\tfirst_seen\tlast_seen\ttimes_seen\tdecision\trule\tbus\tvendor_id"
		"\tproduct_id\tserial\tvendor\tmodel\tinterfaces\tfs_type\tfs_uuid\tfs_label"
		"\tdevnode\tsize_bytes\n",
		HEADER);
	for (size_t i = 0; i < count(inv); i++)
		write_entry(f, entry_at(inv, i));
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		r = -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, inv->path) != 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	/* The rename is durable only once the directory is synced. */
	dir = strdup(inv->path);
	if (!dir)
		return -ENOMEM;
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	_cleanup_close_ int dfd =
	    open(slash ? (dir[0] ? dir : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0)
		return -errno;
	return 0;
}

static void format_time(time_t t, char *out, size_t size)
{
	struct tm tm;

	if (t <= 0 || !localtime_r(&t, &tm) || strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		str_copy(out, size, "-");
}

static void format_size(uint64_t bytes, char *out, size_t size)
{
	static const char *const units[] = {"B", "KB", "MB", "GB", "TB"};
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1000.0 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1000.0;
		u++;
	}
	snprintf(out, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static json_t *entry_json(const struct inventory_entry *e)
{
	const struct ward_device *d = &e->device;
	json_t *o = json_object();
	char num[16];
	int r = o ? 0 : -1;

	r |= wjson_set_text(o, "key", e->key);
	r |= wjson_set_int(o, "first_seen", (int64_t)e->first_seen);
	r |= wjson_set_int(o, "last_seen", (int64_t)e->last_seen);
	r |= wjson_set_int(o, "times_seen", (int64_t)e->times_seen);
	r |= wjson_set_text(o, "decision", e->decision);
	r |= wjson_set_text(o, "rule", e->rule);
	r |= wjson_set_text(o, "bus", device_bus_name(d->bus));
	snprintf(num, sizeof(num), "%04x", d->vendor_id);
	r |= wjson_set_text(o, "vendor_id", num);
	snprintf(num, sizeof(num), "%04x", d->product_id);
	r |= wjson_set_text(o, "product_id", num);
	r |= wjson_set_text(o, "serial", d->serial);
	r |= wjson_set_text(o, "vendor", d->vendor);
	r |= wjson_set_text(o, "model", d->model);
	r |= wjson_set_text(o, "interfaces", d->interfaces);
	r |= wjson_set_text(o, "fs_type", d->fs_type);
	r |= wjson_set_text(o, "fs_uuid", d->fs_uuid);
	r |= wjson_set_text(o, "fs_label", d->fs_label);
	r |= wjson_set_text(o, "devnode", d->devnode);
	r |= wjson_set_int(o, "size_bytes", (int64_t)d->size_bytes);
	if (r) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* One medium a line, in an array. */
static int print_json(const struct inventory *inv, FILE *out)
{
	fputc('[', out);
	for (size_t i = 0; i < count(inv); i++) {
		json_t *o = entry_json(entry_at(inv, i));
		int r;

		fputs(i ? ",\n" : "\n", out);
		r = o ? json_dumpf(o, out, JSON_COMPACT) : -1;
		json_decref(o);
		if (r < 0)
			return -ENOMEM;
	}
	fputs(count(inv) ? "\n]\n" : "]\n", out);
	return 0;
}

static void print_human(const struct inventory *inv, FILE *out)
{
	if (count(inv) == 0) {
		fputs("尚未見過任何儲存媒體。 No storage media seen yet.\n", out);
		return;
	}
	for (size_t i = 0; i < count(inv); i++) {
		const struct inventory_entry *e = entry_at(inv, i);
		const struct ward_device *d = &e->device;
		char first[32], last[32], size[32];

		format_time(e->first_seen, first, sizeof(first));
		format_time(e->last_seen, last, sizeof(last));
		format_size(d->size_bytes, size, sizeof(size));
		if (i)
			fputc('\n', out);
		fprintf(out, "%s %04x:%04x  %s %s\n", device_bus_name(d->bus), d->vendor_id,
			d->product_id, d->vendor[0] ? d->vendor : "-",
			d->model[0] ? d->model : "-");
		fprintf(out, "  序號 Serial: %s\n", d->serial[0] ? d->serial : "-");
		fprintf(out, "  決定 Decision: %s%s%s%s\n", e->decision[0] ? e->decision : "-",
			e->rule[0] ? " (規則 rule: " : "", e->rule, e->rule[0] ? ")" : "");
		fprintf(out, "  首次出現 First seen: %s  最後出現 Last seen: %s  次數 Times: %lu\n",
			first, last, e->times_seen);
		fprintf(out, "  檔案系統 Filesystem: %s  UUID: %s  標籤 Label: %s  容量 Size: %s\n",
			d->fs_type[0] ? d->fs_type : "-", d->fs_uuid[0] ? d->fs_uuid : "-",
			d->fs_label[0] ? d->fs_label : "-", size);
	}
}

int inventory_print(const struct inventory *inv, FILE *out, bool json)
{
	int r = 0;

	if (json)
		r = print_json(inv, out);
	else
		print_human(inv, out);
	if (r < 0)
		return r;
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return 0;
}
