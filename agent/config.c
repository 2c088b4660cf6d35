#include "agent/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"

void config_defaults(struct agent_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	str_copy(cfg->policy_dir, sizeof(cfg->policy_dir), WARDD_DEFAULT_POLICY_DIR);
	str_copy(cfg->state_dir, sizeof(cfg->state_dir), WARDD_DEFAULT_STATE_DIR);
	str_copy(cfg->runtime_dir, sizeof(cfg->runtime_dir), WARDD_DEFAULT_RUNTIME_DIR);
	cfg->deadline_ms = WARDD_DEFAULT_DEADLINE_MS;
	cfg->workers = WARDD_DEFAULT_WORKERS;
	cfg->log_target = LOG_TO_STDERR;
	cfg->verbose = false;
	str_copy(cfg->sender_group, sizeof(cfg->sender_group), WARDD_DEFAULT_SENDER_GROUP);
	cfg->report_cap_mb = WARDD_DEFAULT_REPORT_CAP_MB;
	cfg->report_retention_days = WARDD_DEFAULT_RETENTION_DAYS;
	cfg->heartbeat_s = WARDD_DEFAULT_HEARTBEAT_S;
	cfg->coalesce_ms = WARDD_DEFAULT_COALESCE_MS;
	str_copy(cfg->crawl[0], sizeof(cfg->crawl[0]), WARDD_DEFAULT_CRAWL);
	cfg->n_crawl = 1;
	cfg->cache_entries = WARDD_DEFAULT_CACHE_ENTRIES;
	cfg->background_idle = true;
}

static int parse_uint(const char *value, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)value[0]))
		return -1;
	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* The record log's settings (report/). */
static int set_report(struct agent_config *cfg, const char *key, const char *value, char *err,
		      size_t errsize)
{
	static const struct {
		const char *key;
		size_t offset;
		uint32_t min, max;
	} nums[] = {
	    {"report_cap_mb", offsetof(struct agent_config, report_cap_mb), 0, 1u << 20},
	    {"report_retention_days", offsetof(struct agent_config, report_retention_days), 0,
	     3650},
	    {"heartbeat_s", offsetof(struct agent_config, heartbeat_s), 1, 86400},
	    {"coalesce_ms", offsetof(struct agent_config, coalesce_ms), 0, 3600000},
	};

	if (strcmp(key, "sender_group") == 0) {
		if (!str_copy(cfg->sender_group, sizeof(cfg->sender_group), value)) {
			snprintf(err, errsize, "sender_group is too long");
			return -1;
		}
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(nums); i++) {
		if (strcmp(key, nums[i].key) != 0)
			continue;
		if (parse_uint(value, nums[i].min, nums[i].max,
			       (uint32_t *)((char *)cfg + nums[i].offset)) < 0) {
			snprintf(err, errsize, "%s must be a number from %u to %u, not '%s'", key,
				 nums[i].min, nums[i].max, value);
			return -1;
		}
		return 0;
	}
	snprintf(err, errsize, "unknown setting '%s'", key);
	return -1;
}

static int set_path(char *dst, size_t dstsize, const char *key, const char *value, char *err,
		    size_t errsize)
{
	if (value[0] != '/') {
		snprintf(err, errsize, "%s must be an absolute path, not '%s'", key, value);
		return -1;
	}
	if (!str_copy(dst, dstsize, value)) {
		snprintf(err, errsize, "%s is too long", key);
		return -1;
	}
	return 0;
}

/* "crawl = DIR": the first in a file replaces the default, the next add. */
static int add_crawl(struct agent_config *cfg, const char *value, char *err, size_t errsize)
{
	if (!cfg->crawl_set) {
		cfg->crawl_set = true;
		cfg->n_crawl = 0;
	}
	if (strcmp(value, "none") == 0) {
		cfg->n_crawl = 0;
		return 0;
	}
	if (cfg->n_crawl == WARDD_MAX_CRAWL) {
		snprintf(err, errsize, "at most %d crawl directories", WARDD_MAX_CRAWL);
		return -1;
	}
	if (set_path(cfg->crawl[cfg->n_crawl], sizeof(cfg->crawl[0]), "crawl", value, err,
		     errsize) < 0)
		return -1;
	cfg->n_crawl++;
	return 0;
}

int config_set(struct agent_config *cfg, const char *key, const char *value, char *err,
	       size_t errsize)
{
	if (strcmp(key, "policy_dir") == 0)
		return set_path(cfg->policy_dir, sizeof(cfg->policy_dir), key, value, err, errsize);
	if (strcmp(key, "state_dir") == 0)
		return set_path(cfg->state_dir, sizeof(cfg->state_dir), key, value, err, errsize);
	if (strcmp(key, "runtime_dir") == 0)
		return set_path(cfg->runtime_dir, sizeof(cfg->runtime_dir), key, value, err,
				errsize);
	if (strcmp(key, "deadline_ms") == 0) {
		if (parse_uint(value, 10, 60000, &cfg->deadline_ms) < 0) {
			snprintf(err, errsize, "deadline_ms must be 10..60000, not '%s'", value);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "crawl") == 0)
		return add_crawl(cfg, value, err, errsize);
	if (strcmp(key, "cache_entries") == 0) {
		if (parse_uint(value, 1024, 4000000, &cfg->cache_entries) < 0) {
			snprintf(err, errsize, "cache_entries must be 1024..4000000, not '%s'",
				 value);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "background") == 0) {
		if (strcmp(value, "idle") != 0 && strcmp(value, "normal") != 0) {
			snprintf(err, errsize, "background must be idle or normal, not '%s'",
				 value);
			return -1;
		}
		cfg->background_idle = strcmp(value, "idle") == 0;
		return 0;
	}
	if (strcmp(key, "workers") == 0) {
		if (parse_uint(value, 1, WARDD_MAX_WORKERS, &cfg->workers) < 0) {
			snprintf(err, errsize, "workers must be 1..%d, not '%s'", WARDD_MAX_WORKERS,
				 value);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "log") == 0) {
		if (strcmp(value, "stderr") == 0)
			cfg->log_target = LOG_TO_STDERR;
		else if (strcmp(value, "syslog") == 0 || strcmp(value, "journal") == 0)
			cfg->log_target = LOG_TO_SYSLOG;
		else {
			snprintf(err, errsize, "log must be stderr or syslog, not '%s'", value);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "verbose") == 0) {
		if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0)
			cfg->verbose = true;
		else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0)
			cfg->verbose = false;
		else {
			snprintf(err, errsize, "verbose must be yes or no, not '%s'", value);
			return -1;
		}
		return 0;
	}
	return set_report(cfg, key, value, err, errsize);
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* A configuration is a dozen lines; anything much larger is not one. */
#define CONFIG_FILE_MAX (64u << 10)
#define CONFIG_LINE_MAX (PATH_MAX + 64)

int config_load(const char *path, struct agent_config *cfg, char *err, size_t errsize)
{
	_cleanup_free_ char *text = NULL;
	char *next, *line;
	size_t len = 0;
	unsigned lineno = 0;
	int r = read_file(AT_FDCWD, path, CONFIG_FILE_MAX, &text, &len);

	if (r < 0) {
		snprintf(err, errsize, "cannot open %s: %s", path,
			 r == -EINVAL ? "not a regular file" : strerror(-r));
		return -1;
	}
	for (next = text; (line = strsep(&next, "\n")) != NULL;) {
		char msg[256];
		char *hash, *eq, *key, *value;

		lineno++;
		if (strlen(line) >= CONFIG_LINE_MAX) {
			snprintf(err, errsize, "%s:%u: line too long", path, lineno);
			return -1;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			snprintf(err, errsize, "%s:%u: expected 'key = value'", path, lineno);
			return -1;
		}
		*eq = '\0';
		value = trim(eq + 1);
		key = trim(key);
		if (config_set(cfg, key, value, msg, sizeof(msg)) < 0) {
			snprintf(err, errsize, "%s:%u: %s", path, lineno, msg);
			return -1;
		}
	}
	return 0;
}
