/* How long one policy decision takes: on the shipped default policy and on
 * a generated 100-rule policy whose rules mostly do not match (the worst
 * case: the event walks to the catch-all).  Each figure is the median of
 * RUNS runs of ITERATIONS decisions, in nanoseconds per decision of this
 * thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that other work on a
 * shared machine does not count.
 *
 *   bench_policy [POLICY_DIR] [ITERATIONS] [CASE-SUBSTRING]
 *
 * Output: one line per case, "case<TAB>ns_per_decision<TAB>action<TAB>rule". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "policy/policy.h"

#define RUNS 7

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Keeps the compiler from dropping decisions whose result is unused. */
static volatile unsigned sink;

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double median_ns(const struct policy *p, const struct policy_event *ev, long iterations,
			struct policy_decision *d)
{
	double runs[RUNS];

	for (int r = 0; r < RUNS; r++) {
		uint64_t t0 = cpu_ns();

		for (long i = 0; i < iterations; i++) {
			policy_decide(p, ev, d);
			sink += d->action + d->rule_line;
		}
		runs[r] = (double)(cpu_ns() - t0) / (double)iterations;
	}
	qsort(runs, RUNS, sizeof(runs[0]), cmp_double);
	return runs[RUNS / 2];
}

/* 99 rules over every kind of condition that cannot match the bench
 * events, then a catch-all. */
static char *hundred_rule_policy(void)
{
	size_t cap = 64 * 1024, len = 0;
	char *text = malloc(cap);

	if (!text)
		return NULL;
	len +=
	    (size_t)snprintf(text + len, cap - len,
			     "timezone Asia/Taipei\n"
			     "period 春節加強期 2022-01-24 .. 2022-02-07\n"
			     "hours office mon-fri 08:00-17:30\n"
			     "holiday 2022-02-28\n"
			     "devices registered { id 0781:5567 serial \"4C530001\" ; id 090c:1000 "
			     "serial \"AA00017\" }\n");
	for (int i = 0; i < 99; i++) {
		switch (i % 9) {
		case 0:
			len += (size_t)snprintf(
			    text + len, cap - len,
			    "copy block level >= 絕對機密 user u%d to removable\n", i);
			break;
		case 1:
			len += (size_t)snprintf(text + len, cap - len,
						"copy block pii roc-national-id >= %d to usb\n",
						1000 + i);
			break;
		case 2:
			len += (size_t)snprintf(
			    text + len, cap - len,
			    "copy warn mime application/x-test-%d to removable\n", i);
			break;
		case 3:
			len += (size_t)snprintf(
			    text + len, cap - len,
			    "copy audit user one-of { u%d v%d w%d } to removable\n", i, i, i);
			break;
		case 4:
			len += (size_t)snprintf(text + len, cap - len,
						"copy block group g%d outside office\n", i);
			break;
		case 5:
			len += (size_t)snprintf(text + len, cap - len,
						"copy block id 1234:%04d serial \"S%d\"\n", i, i);
			break;
		case 6:
			len += (size_t)snprintf(text + len, cap - len,
						"copy block exe /opt/tool%d/* to removable\n", i);
			break;
		case 7:
			len += (size_t)snprintf(text + len, cap - len,
						"copy audit size > %dG during holiday\n", i + 1);
			break;
		case 8:
			len += (size_t)snprintf(text + len, cap - len,
						"copy block fs btrfs label \"L%d\" to registered\n",
						i);
			break;
		}
	}
	snprintf(text + len, cap - len, "copy allow *\n");
	return text;
}

static void init_event(struct policy_event *ev, struct classify_result *content,
		       struct ward_device *dev, const char *const *groups)
{
	memset(content, 0, sizeof(*content));
	memset(dev, 0, sizeof(*dev));
	memset(ev, 0, sizeof(*ev));
	content->level = WARD_LEVEL_NONE;
	str_copy(content->mime, sizeof(content->mime), "application/pdf");
	str_copy(content->pii[0].type, sizeof(content->pii[0].type), "roc-national-id");
	content->pii[0].count = 2;
	content->n_pii = 1;
	content->size = 123456;
	dev->bus = DEVICE_BUS_USB;
	dev->removable = true;
	dev->vendor_id = 0x0781;
	dev->product_id = 0x5567;
	str_copy(dev->serial, sizeof(dev->serial), "4C530001");
	str_copy(dev->fs_type, sizeof(dev->fs_type), "exfat");
	ev->kind = POLICY_EVENT_COPY;
	ev->content = content;
	ev->device = dev;
	ev->user = "alice";
	ev->group_names = groups;
	ev->n_group_names = 2;
	ev->exe = "/usr/bin/cp";
	ev->time = 1643076000; /* 2022-01-25 10:00 +08:00 */
}

static const char *only; /* run only cases whose name contains this */

static int report(const char *name, const struct policy *p, const struct policy_event *ev,
		  long iterations)
{
	struct policy_decision d;
	double ns;

	if (only && !strstr(name, only))
		return 0;
	ns = median_ns(p, ev, iterations, &d);

	printf("%s\t%.1f\t%s\t%s:%u\n", name, ns,
	       ev->kind == POLICY_EVENT_DEVICE ? policy_device_action_name(d.device_action)
					       : policy_action_name(d.action),
	       d.rule_file, d.rule_line);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "policy/default";
	long iterations = argc > 2 ? atol(argv[2]) : 2000000;
	struct policy_diag diag = {0};
	struct policy *def, *big;
	struct classify_result content;
	struct ward_device dev;
	struct policy_event ev;
	const char *groups[] = {"staff", "主計室"};
	char *text;

	if (iterations <= 0)
		iterations = 2000000;
	only = argc > 3 ? argv[3] : NULL;
	def = policy_load(dir, &diag);
	if (!def) {
		policy_diag_print(&diag, stderr);
		return 1;
	}
	text = hundred_rule_policy();
	big = text ? policy_load_buffer("generated-100.rules", text, strlen(text), NULL, &diag)
		   : NULL;
	free(text);
	if (!big) {
		policy_diag_print(&diag, stderr);
		return 1;
	}

	init_event(&ev, &content, &dev, groups);
	content.level = WARD_LEVEL_CONFIDENTIAL;
	report("default/marked-file-blocked", def, &ev, iterations);
	content.level = WARD_LEVEL_NONE;
	report("default/clean-file-audited", def, &ev, iterations);
	dev.bus = DEVICE_BUS_INTERNAL;
	report("default/internal-disk-allowed", def, &ev, iterations);
	dev.bus = DEVICE_BUS_USB;
	ev.kind = POLICY_EVENT_DEVICE;
	ev.content = NULL;
	report("default/device-insert", def, &ev, iterations);

	init_event(&ev, &content, &dev, groups);
	report("100-rules/falls-to-catch-all", big, &ev, iterations);
	content.level = WARD_LEVEL_TOP_SECRET;
	ev.user = "u0";
	report("100-rules/first-rule", big, &ev, iterations);

	policy_unref(def);
	policy_unref(big);
	return 0;
}
