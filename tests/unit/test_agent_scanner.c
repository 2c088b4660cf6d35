/* The sandboxed classifier process: answers travel over the socketpair,
 * a crash or a hang becomes an uninspectable result and a fresh process,
 * a malformed answer is refused, and inside the sandbox the network, file
 * opens and writes are refused.  A fake classifier stands in for the real
 * one; what it does is chosen by the first bytes of the file it is given. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/scanner.h"

static int fake_ctx;

static void *fake_init(const char **err)
{
	(void)err;
	return &fake_ctx;
}

static bool fake_sane(const struct classify_result *res)
{
	return res->n_reasons <= CLASSIFY_MAX_REASONS && res->n_pii <= CLASSIFY_MAX_PII &&
	       res->level <= WARD_LEVEL_MAX && memchr(res->mime, 0, sizeof(res->mime)) != NULL;
}

static int fake_classify(void *ctx, int fd, const char *name_hint,
			 const struct classify_budget *budget, struct classify_result *out)
{
	char buf[64] = {0};
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	(void)ctx;
	(void)budget;
	memset(out, 0, sizeof(*out));
	if (n < 0)
		return -errno;
	strcpy(out->mime, "text/plain");
	out->size = (uint64_t)n;
	if (strncmp(buf, "CRASH", 5) == 0) {
		signal(SIGSEGV, SIG_DFL); /* cmocka catches it otherwise */
		raise(SIGSEGV);
	}
	if (strncmp(buf, "HANG", 4) == 0)
		for (;;)
			;
	if (strncmp(buf, "BAD", 3) == 0) {
		out->n_reasons = 1000;
		return 0;
	}
	if (strncmp(buf, "PROBE", 5) == 0) {
		/* Report what the sandbox let through, one errno per probe. */
		int s = socket(AF_INET, SOCK_STREAM, 0);
		int e_socket = s < 0 ? errno : 0;
		int o = open("/etc/hostname", O_RDONLY);
		int e_open = o < 0 ? errno : 0;
		int w = open("/tmp/ward-scanner-escape", O_WRONLY | O_CREAT, 0644);
		int e_create = w < 0 ? errno : 0;
		pid_t p = fork();
		int e_fork = p < 0 ? errno : 0;

		if (p == 0)
			_exit(0);
		snprintf(out->reasons[0].text, sizeof(out->reasons[0].text),
			 "socket=%d open=%d create=%d fork=%d uid=%d", e_socket, e_open, e_create,
			 e_fork, (int)getuid());
		out->n_reasons = 1;
		return 0;
	}
	out->level = (buf[0] >= '0' && buf[0] <= '4') ? (enum ward_level)(buf[0] - '0') : 0;
	snprintf(out->reasons[0].where, sizeof(out->reasons[0].where), "%s", name_hint);
	out->n_reasons = 1;
	return 0;
}

static void test_budget(struct classify_budget *b)
{
	memset(b, 0, sizeof(*b));
	b->max_input_bytes = 1 << 20;
	b->max_millis = 1000;
}

static const struct scanner_ops fake_ops = {fake_init, fake_classify, fake_sane};

static int file_with(const char *text)
{
	char path[] = "/tmp/ward-scanner-test-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	return fd;
}

static struct scanner *start(void)
{
	struct scanner_options opts = {.exec_path = NULL, .sandbox = true};
	struct scanner *s = NULL;

	assert_int_equal(scanner_start(&fake_ops, &opts, &s), 0);
	return s;
}

static void classifies_through_the_socket(void **state)
{
	struct classify_budget budget;
	struct classify_result res;
	struct scanner *s = start();
	int fd = file_with("3 a secret");

	(void)state;
	test_budget(&budget);
	assert_true(scanner_pid(s) > 0);
	assert_int_equal(scanner_classify(s, fd, "plan.odt", &budget, 2000, &res), 0);
	assert_false(res.uninspectable);
	assert_int_equal(res.level, WARD_LEVEL_SECRET);
	assert_string_equal(res.reasons[0].where, "plan.odt");
	assert_int_equal(res.size, 10);
	assert_int_equal(scanner_restarts(s), 0);
	close(fd);
	scanner_stop(s);
}

static void crash_is_uninspectable_and_restarts(void **state)
{
	struct classify_budget budget;
	struct classify_result res;
	struct scanner *s = start();
	int crash = file_with("CRASH");
	int good = file_with("2");
	pid_t before = scanner_pid(s);

	(void)state;
	test_budget(&budget);
	assert_int_equal(scanner_classify(s, crash, "x", &budget, 2000, &res), -ECHILD);
	assert_true(res.uninspectable);
	assert_non_null(strstr(res.uninspectable_reason, "crashed (signal 11)"));
	assert_int_equal(scanner_restarts(s), 1);
	assert_true(scanner_pid(s) > 0);
	assert_int_not_equal(scanner_pid(s), before);
	assert_int_equal(scanner_classify(s, good, "y", &budget, 2000, &res), 0);
	assert_false(res.uninspectable);
	assert_int_equal(res.level, WARD_LEVEL_CONFIDENTIAL);
	close(crash);
	close(good);
	scanner_stop(s);
}

static void hang_times_out(void **state)
{
	struct classify_budget budget;
	struct classify_result res;
	struct scanner *s = start();
	int hang = file_with("HANG");
	int good = file_with("1");
	uint64_t t0 = (uint64_t)time(NULL);

	(void)state;
	test_budget(&budget);
	assert_int_equal(scanner_classify(s, hang, "x", &budget, 300, &res), -ETIMEDOUT);
	assert_true(res.uninspectable);
	assert_non_null(strstr(res.uninspectable_reason, "within 300 ms"));
	assert_true((uint64_t)time(NULL) - t0 <= 2);
	assert_int_equal(scanner_classify(s, good, "y", &budget, 2000, &res), 0);
	assert_int_equal(res.level, WARD_LEVEL_RESTRICTED);
	close(hang);
	close(good);
	scanner_stop(s);
}

static void malformed_answer_is_refused(void **state)
{
	struct classify_budget budget;
	struct classify_result res;
	struct scanner *s = start();
	int bad = file_with("BAD");

	(void)state;
	test_budget(&budget);
	assert_int_equal(scanner_classify(s, bad, "x", &budget, 2000, &res), -EBADMSG);
	assert_true(res.uninspectable);
	assert_int_equal(res.n_reasons, 0);
	assert_int_equal(scanner_restarts(s), 1);
	close(bad);
	scanner_stop(s);
}

static void sandbox_refuses_network_files_and_processes(void **state)
{
	struct classify_budget budget;
	struct classify_result res;
	struct scanner *s = start();
	int probe = file_with("PROBE");
	char expect[96];

	(void)state;
	test_budget(&budget);
	assert_int_equal(scanner_classify(s, probe, "x", &budget, 2000, &res), 0);
	snprintf(expect, sizeof(expect), "socket=%d open=%d create=%d fork=%d uid=%d", EPERM, EPERM,
		 EPERM, EPERM, geteuid() == 0 ? 65534 : (int)getuid());
	assert_string_equal(res.reasons[0].text, expect);
	assert_int_equal(access("/tmp/ward-scanner-escape", F_OK), -1);
	close(probe);
	scanner_stop(s);
}

/* A limit the sandbox cannot set fails the sandbox, and so the scanner:
 * with the open-files hard limit already below the sandbox's 16, raising
 * it back is refused once privileges are gone. */
static void a_limit_that_cannot_be_set_fails_the_sandbox(void **state)
{
	struct rlimit low = {8, 8};
	int status = 0;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setrlimit(RLIMIT_NOFILE, &low) < 0)
			_exit(2);
		_exit(scanner_enter_sandbox() == -EPERM ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(classifies_through_the_socket),
	    cmocka_unit_test(crash_is_uninspectable_and_restarts),
	    cmocka_unit_test(hang_times_out),
	    cmocka_unit_test(malformed_answer_is_refused),
	    cmocka_unit_test(sandbox_refuses_network_files_and_processes),
	    cmocka_unit_test(a_limit_that_cannot_be_set_fails_the_sandbox),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
