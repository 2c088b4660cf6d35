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
#include "common/cleanup.h"
#include "common/jsonw.h"
#include "common/util.h"

#define HEADER "# ward device inventory v1"
#define N_COLUMNS 18

struct inventory {
	char *path;
	struct inventory_entry *entries;
	size_t n, cap;
};

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

static int grow(struct inventory *inv)
{
	if (inv->n < inv->cap)
		return 0;
	size_t cap = inv->cap ? inv->cap * 2 : 16;
	struct inventory_entry *bigger = realloc(inv->entries, cap * sizeof(*bigger));
	if (!bigger)
		return -ENOMEM;
	inv->entries = bigger;
	inv->cap = cap;
	return 0;
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

int inventory_open(const char *state_dir, struct inventory **out)
{
	_cleanup_free_ char *line = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	struct inventory *inv = calloc(1, sizeof(*inv));
	size_t cap = 0;
	ssize_t len;
	int r = 0;

	if (!inv)
		return -ENOMEM;
	if (asprintf(&inv->path, "%s/%s", state_dir, INVENTORY_FILE) < 0) {
		inv->path = NULL;
		inventory_free(inv);
		return -ENOMEM;
	}
	f = fopen(inv->path, "re");
	if (!f) {
		if (errno == ENOENT) {
			*out = inv;
			return 0;
		}
		r = -errno;
		inventory_free(inv);
		return r;
	}
	len = getline(&line, &cap, f);
	if (len < 0 && !ferror(f)) {
		*out = inv; /* an empty file: nothing seen yet */
		return 0;
	}
	if (len < 0 || strncmp(line, HEADER, strlen(HEADER)) != 0) {
		inventory_free(inv);
		return -EINVAL;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if ((r = grow(inv)) < 0) {
			inventory_free(inv);
			return r;
		}
		/* A damaged line is dropped, not fatal: the next save rewrites
		 * the file from what could be read. */
		if (parse_entry(line, &inv->entries[inv->n]))
			inv->n++;
	}
	*out = inv;
	return 0;
}

void inventory_free(struct inventory *inv)
{
	if (!inv)
		return;
	free(inv->entries);
	free(inv->path);
	free(inv);
}

size_t inventory_count(const struct inventory *inv)
{
	return inv->n;
}

const struct inventory_entry *inventory_get(const struct inventory *inv, size_t i)
{
	return i < inv->n ? &inv->entries[i] : NULL;
}

int inventory_record(struct inventory *inv, const struct ward_device *dev, const char *decision,
		     const char *rule, time_t now)
{
	char key[sizeof(inv->entries[0].key)];
	struct inventory_entry *e = NULL;

	inventory_key(dev, key, sizeof(key));
	for (size_t i = 0; i < inv->n; i++) {
		if (strcmp(inv->entries[i].key, key) == 0) {
			e = &inv->entries[i];
			break;
		}
	}
	if (!e) {
		int r = grow(inv);
		if (r < 0)
			return r;
		e = &inv->entries[inv->n++];
		memset(e, 0, sizeof(*e));
		str_copy(e->key, sizeof(e->key), key);
		e->first_seen = now;
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
	for (size_t i = 0; i < inv->n; i++)
		write_entry(f, &inv->entries[i]);
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

static void print_json(const struct inventory *inv, FILE *out)
{
	fputc('[', out);
	for (size_t i = 0; i < inv->n; i++) {
		const struct inventory_entry *e = &inv->entries[i];
		const struct ward_device *d = &e->device;
		char num[16];
		bool first = true;

		fputs(i ? ",\n{" : "\n{", out);
		json_write_key(out, &first, "key");
		json_write_cstr(out, e->key);
		json_write_key(out, &first, "first_seen");
		fprintf(out, "%lld", (long long)e->first_seen);
		json_write_key(out, &first, "last_seen");
		fprintf(out, "%lld", (long long)e->last_seen);
		json_write_key(out, &first, "times_seen");
		fprintf(out, "%lu", e->times_seen);
		json_write_key(out, &first, "decision");
		json_write_cstr(out, e->decision);
		json_write_key(out, &first, "rule");
		json_write_cstr(out, e->rule);
		json_write_key(out, &first, "bus");
		json_write_cstr(out, device_bus_name(d->bus));
		json_write_key(out, &first, "vendor_id");
		snprintf(num, sizeof(num), "%04x", d->vendor_id);
		json_write_cstr(out, num);
		json_write_key(out, &first, "product_id");
		snprintf(num, sizeof(num), "%04x", d->product_id);
		json_write_cstr(out, num);
		json_write_key(out, &first, "serial");
		json_write_cstr(out, d->serial);
		json_write_key(out, &first, "vendor");
		json_write_cstr(out, d->vendor);
		json_write_key(out, &first, "model");
		json_write_cstr(out, d->model);
		json_write_key(out, &first, "interfaces");
		json_write_cstr(out, d->interfaces);
		json_write_key(out, &first, "fs_type");
		json_write_cstr(out, d->fs_type);
		json_write_key(out, &first, "fs_uuid");
		json_write_cstr(out, d->fs_uuid);
		json_write_key(out, &first, "fs_label");
		json_write_cstr(out, d->fs_label);
		json_write_key(out, &first, "devnode");
		json_write_cstr(out, d->devnode);
		json_write_key(out, &first, "size_bytes");
		fprintf(out, "%" PRIu64, d->size_bytes);
		fputc('}', out);
	}
	fputs(inv->n ? "\n]\n" : "]\n", out);
}

static void print_human(const struct inventory *inv, FILE *out)
{
	if (inv->n == 0) {
		fputs("尚未見過任何儲存媒體。 No storage media seen yet.\n", out);
		return;
	}
	for (size_t i = 0; i < inv->n; i++) {
		const struct inventory_entry *e = &inv->entries[i];
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
	if (json)
		print_json(inv, out);
	else
		print_human(inv, out);
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return 0;
}
