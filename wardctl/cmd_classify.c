/* wardctl classify [--json] PATH...: each document's marking, personal
 * data and the reasons, as the agent would see them.  Directories are
 * walked recursively (symbolic links inside them are not followed).
 * Exit status: 0 every file was read, 1 some could not be, 2 usage. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classify/classify.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/i18n.h"
#include "common/util.h"
#include "wardctl/commands.h"

struct classify_run {
	struct classify_ctx *ctx;
	struct classify_budget budget;
	bool json;
	bool failed; /* some file could not be read */
};

static void print_human(const char *path, const struct classify_result *res)
{
	char hex[2 * sizeof(res->sha256) + 1];

	printf("%s: %s", path, level_name(res->level));
	if (res->level != WARD_LEVEL_NONE)
		printf(" (%s)", level_name_en(res->level));
	if (res->declassified)
		fputs(_(", declassified (marking struck through)"), stdout);
	if (res->uninspectable)
		printf(_(", uninspectable: %s"), res->uninspectable_reason);
	for (uint32_t i = 0; i < res->n_pii; i++)
		printf("%s%s=%u", i ? ", " : _("; personal data: "), res->pii[i].type,
		       res->pii[i].count);
	printf("; %s", res->mime);
	for (uint32_t i = 0; i < res->n_reasons; i++) {
		const struct classify_reason *r = &res->reasons[i];

		printf(_("%s%s at %s: %s"), i ? "; " : " — ", r->rule, r->where, r->text);
	}
	hex_encode(res->sha256, sizeof(res->sha256), hex);
	printf(" [sha256 %.16s…]\n", hex);
}

/* Classifies the file open at fd (which it closes). */
static void classify_one(struct classify_run *run, int fd, const char *path)
{
	struct classify_result res;
	int r = classify_fd(run->ctx, fd, path, &run->budget, &res);

	close(fd);
	if (r < 0) {
		fprintf(stderr, _("wardctl classify: %s: cannot read: %s\n"), path, strerror(-r));
		run->failed = true;
		return;
	}
	if (run->json) {
		classify_result_write_json(stdout, path, &res);
		fputc('\n', stdout);
	} else {
		print_human(path, &res);
	}
}

static void walk(struct classify_run *run, int dirfd, const char *path, unsigned depth);

/* One entry by name relative to dirfd (AT_FDCWD for a command-line path,
 * whose symbolic links are followed as the user named them). */
static void visit(struct classify_run *run, int dirfd, const char *name, const char *path,
		  bool follow, unsigned depth)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW);
	struct stat st;
	int fd = openat(dirfd, name, flags);

	if (fd < 0) {
		if (errno == ELOOP && !follow)
			return; /* a symbolic link inside a directory: not followed */
		fprintf(stderr, _("wardctl classify: %s: cannot open: %s\n"), path,
			strerror(errno));
		run->failed = true;
		return;
	}
	if (fstat(fd, &st) < 0) {
		fprintf(stderr, _("wardctl classify: %s: cannot stat: %s\n"), path,
			strerror(errno));
		close(fd);
		run->failed = true;
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		walk(run, fd, path, depth + 1);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		if (follow) {
			fprintf(stderr, _("wardctl classify: %s: not a regular file\n"), path);
			run->failed = true;
		}
		return;
	}
	classify_one(run, fd, path);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Entries of the directory open at fd (which it closes), in name order so
 * that output is stable. */
static void walk(struct classify_run *run, int fd, const char *path, unsigned depth)
{
	_cleanup_closedir_ DIR *dir = NULL;
	_cleanup_buf_ struct buf list = BUF_INIT; /* of char *, each strdup'ed */
	struct dirent *de;
	char **names;
	size_t n;

	if (depth > 64) {
		fprintf(stderr, _("wardctl classify: %s: directories nested too deep\n"), path);
		close(fd);
		run->failed = true;
		return;
	}
	dir = fdopendir(fd);
	if (!dir) {
		fprintf(stderr, _("wardctl classify: %s: cannot list: %s\n"), path,
			strerror(errno));
		close(fd);
		run->failed = true;
		return;
	}
	while ((errno = 0, de = readdir(dir))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *name = strdup(de->d_name);

		if (!name || buf_push(&list, &name, sizeof(name)) < 0) {
			free(name);
			break;
		}
	}
	if (errno) {
		fprintf(stderr, _("wardctl classify: %s: cannot list: %s\n"), path,
			strerror(errno));
		run->failed = true;
	}
	names = (char **)list.data;
	n = list.len / sizeof(*names);
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *child = NULL;

		if (asprintf(&child, "%s%s%s", path,
			     path[0] && path[strlen(path) - 1] == '/' ? "" : "/", names[i]) < 0) {
			fprintf(stderr, _("wardctl classify: out of memory\n"));
			run->failed = true;
		} else {
			visit(run, dirfd(dir), names[i], child, false, depth);
		}
		free(names[i]);
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		_("usage: wardctl classify [--json] PATH...\n"
		  "  Shows each document's classification marking (%s),\n"
		  "  whether it was struck through, and the personal data it holds.\n"
		  "  Directories are read recursively.  --json prints one object per line.\n"),
		"密 機密 極機密 絕對機密");
}

int cmd_classify(int argc, char **argv)
{
	static const struct option options[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct classify_run run = {0};
	const char *err = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", options, NULL)) != -1) {
		switch (c) {
		case 'j':
			run.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	run.ctx = classify_new(&err);
	if (!run.ctx) {
		fprintf(stderr, _("wardctl classify: cannot start the classifier: %s\n"), err);
		return 1;
	}
	classify_budget_default(&run.budget);
	/* An administrator asked for these files: give each one the time a
	 * large document needs rather than the agent's hot-path budget. */
	run.budget.max_millis = 30000;

	for (int i = optind; i < argc; i++)
		visit(&run, AT_FDCWD, argv[i], argv[i], true, 0);
	classify_free(run.ctx);
	if (fflush(stdout) != 0) {
		fprintf(stderr, _("wardctl classify: cannot write the output: %s\n"),
			strerror(errno));
		return 1;
	}
	return run.failed ? 1 : 0;
}
