/* What the policy unit tests share: loading a text that must be valid, and
 * one copy event to a named SanDisk stick on a Tuesday morning in Taipei.
 * Included by tests/unit/test_policy*.c after cmocka.h. */
#ifndef WARD_TESTS_POLICY_FIXTURE_H
#define WARD_TESTS_POLICY_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "policy/policy.h"

static struct policy *load_ok(const char *text)
{
	struct policy_diag diag = {0};
	struct policy *p = policy_load_buffer("t.rules", text, strlen(text), NULL, &diag);

	if (!p)
		policy_diag_print(&diag, stderr);
	assert_non_null(p);
	assert_int_equal(diag.n_errors, 0);
	policy_diag_free(&diag);
	return p;
}

/* ---- events ---- */

/* 2022-01-25 (Tuesday) 10:00 in Taipei (+08:00) */
#define TUE_1000 ((time_t)1643076000)

struct fixture {
	struct classify_result content;
	struct ward_device dev;
	struct policy_event ev;
	const char *groups[2];
};

static void event_init(struct fixture *f, enum ward_level level)
{
	memset(f, 0, sizeof(*f));
	f->content.level = level;
	str_copy(f->content.mime, sizeof(f->content.mime), "application/pdf");
	f->content.size = 1000;
	f->dev.bus = DEVICE_BUS_USB;
	f->dev.removable = true;
	f->dev.vendor_id = 0x0781;
	f->dev.product_id = 0x5567;
	str_copy(f->dev.serial, sizeof(f->dev.serial), "4C530001");
	str_copy(f->dev.vendor, sizeof(f->dev.vendor), "SanDisk");
	str_copy(f->dev.model, sizeof(f->dev.model), "Cruzer Blade");
	str_copy(f->dev.interfaces, sizeof(f->dev.interfaces), ":080650:");
	str_copy(f->dev.fs_type, sizeof(f->dev.fs_type), "exfat");
	str_copy(f->dev.fs_label, sizeof(f->dev.fs_label), "OFFICE");
	f->ev.kind = POLICY_EVENT_COPY;
	f->ev.content = &f->content;
	f->ev.device = &f->dev;
	f->ev.user = "alice";
	f->ev.uid = 1000;
	f->ev.gid = 1000;
	f->groups[0] = "主計室";
	f->groups[1] = "staff";
	f->ev.group_names = f->groups;
	f->ev.n_group_names = 2;
	f->ev.exe = "/usr/bin/cp";
	f->ev.time = TUE_1000;
}

#endif
