/* wardd's config file and the source-side pid cache (the classification
 * cache has test_agent_cache.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/config.h"
#include "agent/pidcache.h"

static const char *write_conf(const char *text)
{
	static char path[64];
	FILE *f;

	strcpy(path, "/tmp/ward-conf-XXXXXX");
	close(mkstemp(path));
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void config_reads_every_key(void **state)
{
	struct agent_config cfg;
	char err[256];
	const char *p = write_conf("# comment\n"
				   "policy_dir = /etc/ward/p   # trailing comment\n"
				   "  state_dir=/srv/ward\n"
				   "runtime_dir = /run/w\n"
				   "deadline_ms = 750\n"
				   "workers = 2\n"
				   "log = syslog\n"
				   "verbose = yes\n");

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_load(p, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.policy_dir, "/etc/ward/p");
	assert_string_equal(cfg.state_dir, "/srv/ward");
	assert_string_equal(cfg.runtime_dir, "/run/w");
	assert_int_equal(cfg.deadline_ms, 750);
	assert_int_equal(cfg.workers, 2);
	assert_int_equal(cfg.log_target, LOG_TO_SYSLOG);
	assert_true(cfg.verbose);
	unlink(p);
}

static void config_defaults_are_documented_ones(void **state)
{
	struct agent_config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_string_equal(cfg.state_dir, "/var/lib/ward");
	assert_string_equal(cfg.runtime_dir, "/run/ward");
	assert_int_equal(cfg.deadline_ms, 2000);
}

static void config_errors_name_file_and_line(void **state)
{
	struct agent_config cfg;
	char err[256];
	const char *p;

	(void)state;
	config_defaults(&cfg);
	p = write_conf("policy_dir = /x\npolcy_dir = /y\n");
	assert_int_equal(config_load(p, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: unknown setting 'polcy_dir'"));
	unlink(p);
	p = write_conf("deadline_ms = 5\n");
	assert_int_equal(config_load(p, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "deadline_ms must be 10..60000"));
	unlink(p);
	p = write_conf("state_dir = relative/path\n");
	assert_int_equal(config_load(p, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "absolute path"));
	unlink(p);
	p = write_conf("workers\n");
	assert_int_equal(config_load(p, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "expected 'key = value'"));
	unlink(p);
	assert_int_equal(config_load("/nonexistent/wardd.conf", &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open /nonexistent/wardd.conf"));
}

static void pidcache_trusts_only_until_a_medium_open(void **state)
{
	static struct pidcache c;
	uint64_t gen = pidcache_generation(&c);

	(void)state;
	assert_false(pidcache_clean(&c, 1234, 1000));
	pidcache_put(&c, 1234, gen, 1000);
	assert_true(pidcache_clean(&c, 1234, 1500));
	assert_false(pidcache_clean(&c, 1235, 1500));			     /* another pid */
	assert_false(pidcache_clean(&c, 1234 + PIDCACHE_SLOTS, 1500));	     /* same slot */
	assert_false(pidcache_clean(&c, 1234, 1000 + PIDCACHE_TTL_MS + 20)); /* too old */
	pidcache_bump(&c); /* somebody opened a file on a medium */
	assert_false(pidcache_clean(&c, 1234, 1500));
	/* A scan that started before the bump proves nothing afterwards. */
	pidcache_put(&c, 1234, gen, 1500);
	assert_false(pidcache_clean(&c, 1234, 1600));
	pidcache_put(&c, 1234, pidcache_generation(&c), 1600);
	assert_true(pidcache_clean(&c, 1234, 1700));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(config_reads_every_key),
	    cmocka_unit_test(config_defaults_are_documented_ones),
	    cmocka_unit_test(config_errors_name_file_and_line),
	    cmocka_unit_test(pidcache_trusts_only_until_a_medium_open),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
