/* The policy engine: a table of (event, expected action, matched rule),
 * device rules, settings, explanations, time zones, the shipped default
 * policy and reload under load.  The language's own tests (layout, errors,
 * limits) are tests/unit/test_policy_parse.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include "common/util.h"
#include "policy/policy.h"
#include "tests/unit/policy_fixture.h"

static const char table_policy[] =
    "# the rule line numbers below are checked by the table\n"
    "timezone Asia/Taipei\n"
    "period 春節加強期 2022-01-24 .. 2022-02-07\n"
    "hours office mon-fri 08:00-12:00 mon-fri 13:30-17:30\n"
    "holiday 2022-02-28 和平紀念日\n"
    "devices registered { id 0781:5567 serial \"4C530001\" ; id 090c:1000 serial \"AA00017\" }\n"
    "fingerprints 公開文件 { " /* sha256 of "" and of "a" */
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 "
    "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb }\n"
    "\n"
    "device block     with-interface 03:**:**            # 鍵盤類裝置不得當作儲存媒體\n"
    "device allow     registered\n"
    "device read-only during 春節加強期\n"
    "device block     bus mmc outside office\n"
    "device allow     *\n"
    "\n"
    "copy allow      sha256 in 公開文件\n"					   /* 15 */
    "copy audit      declassified level >= 密 to removable\n"			   /* 16 */
    "copy block      level >= 極機密 to removable no-exemption\n"		   /* 17 */
    "copy block      level >= 密 to removable    # 公務機密非經核准不得複製攜出\n" /* 18 */
    "copy block      pii roc-national-id >= 5 to removable\n"			   /* 19 */
    "copy quarantine pii any >= 50 event close-write to removable\n"		   /* 20 */
    "copy block      * to removable not to registered during 春節加強期\n"	   /* 21 */
    "copy warn       uninspectable to removable\n"				   /* 22 */
    "copy warn       mime one-of { application/zip application/x-7z* } to usb\n"   /* 23 */
    "copy block      size > 100M to removable user one-of { bob carol }\n"	   /* 24 */
    "copy audit      group 主計室 to removable outside office\n"		   /* 25 */
    "copy audit      exe \"/usr/bin/rsync\" to removable\n"			   /* 26 */
    "copy allow      fs ext4 label BACKUP to removable\n"			   /* 27 */
    "copy audit      * to removable during holiday\n"				   /* 28 */
    "copy allow      *\n";							   /* 29 */

struct table_case {
	const char *name;
	void (*setup)(struct fixture *f);
	enum policy_action action;
	unsigned line;
};

static void s_level_restricted(struct fixture *f)
{
	event_init(f, WARD_LEVEL_RESTRICTED);
}
static void s_level_confidential(struct fixture *f)
{
	event_init(f, WARD_LEVEL_CONFIDENTIAL);
}
static void s_level_secret(struct fixture *f)
{
	event_init(f, WARD_LEVEL_SECRET);
}
static void s_declassified(struct fixture *f)
{
	event_init(f, WARD_LEVEL_CONFIDENTIAL);
	f->content.declassified = true;
}
static void s_clean(struct fixture *f)
{
	event_init(f, WARD_LEVEL_NONE);
}
static void s_internal(struct fixture *f)
{
	event_init(f, WARD_LEVEL_TOP_SECRET);
	f->dev.bus = DEVICE_BUS_INTERNAL;
}
static void s_pii_4(struct fixture *f)
{
	event_init(f, WARD_LEVEL_NONE);
	str_copy(f->content.pii[0].type, sizeof(f->content.pii[0].type), "roc-national-id");
	f->content.pii[0].count = 4;
	f->content.n_pii = 1;
}
static void s_pii_5(struct fixture *f)
{
	s_pii_4(f);
	f->content.pii[0].count = 5;
}
static void s_pii_mixed_close(struct fixture *f)
{
	event_init(f, WARD_LEVEL_NONE);
	f->ev.kind = POLICY_EVENT_CLOSE_WRITE;
	str_copy(f->content.pii[0].type, sizeof(f->content.pii[0].type), "roc-resident-id");
	f->content.pii[0].count = 30;
	str_copy(f->content.pii[1].type, sizeof(f->content.pii[1].type), "land-register");
	f->content.pii[1].count = 20;
	f->content.n_pii = 2;
}
static void s_pii_mixed_copy(struct fixture *f)
{
	s_pii_mixed_close(f);
	f->ev.kind = POLICY_EVENT_COPY;
}
static void s_festival_unregistered(struct fixture *f)
{
	event_init(f, WARD_LEVEL_NONE);
	str_copy(f->dev.serial, sizeof(f->dev.serial), "UNKNOWN1");
}
static void s_after_festival_unregistered(struct fixture *f)
{
	s_festival_unregistered(f);
	f->ev.time = TUE_1000 + 14 * 86400; /* 2022-02-08 */
}
static void s_festival_last_day(struct fixture *f)
{
	s_festival_unregistered(f);
	f->ev.time = TUE_1000 + 13 * 86400 + 13 * 3600; /* 2022-02-07 23:00 Taipei */
}
static void s_uninspectable(struct fixture *f)
{
	s_after_festival_unregistered(f);
	f->content.uninspectable = true;
}
static void s_zip_usb(struct fixture *f)
{
	s_after_festival_unregistered(f);
	str_copy(f->content.mime, sizeof(f->content.mime), "application/x-7z-compressed");
}
static void s_zip_mmc(struct fixture *f)
{
	s_zip_usb(f);
	f->dev.bus = DEVICE_BUS_MMC;
}
static void s_big_bob(struct fixture *f)
{
	s_after_festival_unregistered(f);
	f->content.size = 200u << 20;
	f->ev.user = "bob";
}
static void s_big_alice(struct fixture *f)
{
	s_big_bob(f);
	f->ev.user = "alice";
}
static void s_evening_accounting(struct fixture *f)
{
	s_after_festival_unregistered(f);
	f->ev.time += 9 * 3600; /* 19:00 */
}
static void s_lunch_accounting(struct fixture *f)
{
	s_after_festival_unregistered(f);
	f->ev.time += 3 * 3600; /* 13:00, between the two spans */
}
static void s_evening_other_group(struct fixture *f)
{
	s_evening_accounting(f);
	f->ev.n_group_names = 0;
}
static void s_rsync(struct fixture *f)
{
	s_after_festival_unregistered(f);
	f->ev.exe = "/usr/bin/rsync";
}
static void s_backup_disk(struct fixture *f)
{
	s_after_festival_unregistered(f);
	str_copy(f->dev.fs_type, sizeof(f->dev.fs_type), "ext4");
	str_copy(f->dev.fs_label, sizeof(f->dev.fs_label), "BACKUP");
}
static void s_holiday(struct fixture *f)
{
	s_after_festival_unregistered(f);
	f->ev.time = TUE_1000 + 34 * 86400; /* 2022-02-28 10:00, a Monday */
	f->ev.n_group_names = 0;
}
static void s_public_doc(struct fixture *f)
{
	event_init(f, WARD_LEVEL_TOP_SECRET);
	memcpy(f->content.sha256,
	       "\xca\x97\x81\x12\xca\x1b\xbd\xca\xfa\xc2\x31\xb3\x9a\x23\xdc\x4d\xa7\x86\xef\xf8"
	       "\x14\x7c\x4e\x72\xb9\x80\x77\x85\xaf\xee\x48\xbb",
	       32);
}
static void s_no_content(struct fixture *f)
{
	s_after_festival_unregistered(f);
	f->ev.content = NULL;
}

static const struct table_case copy_cases[] = {
    {"密 to usb is blocked", s_level_restricted, POLICY_BLOCK, 18},
    {"機密 to usb is blocked", s_level_confidential, POLICY_BLOCK, 18},
    {"極機密 hits the strict rule", s_level_secret, POLICY_BLOCK, 17},
    {"declassified 機密 is audited", s_declassified, POLICY_AUDIT, 16},
    {"unmarked to a registered stick in 春節 is allowed", s_clean, POLICY_ALLOW, 29},
    {"絕對機密 to an internal disk is allowed", s_internal, POLICY_ALLOW, 29},
    {"4 national ids is not many", s_pii_4, POLICY_ALLOW, 29},
    {"5 national ids are blocked", s_pii_5, POLICY_BLOCK, 19},
    {"50 mixed pii on close-write is quarantined", s_pii_mixed_close, POLICY_QUARANTINE, 20},
    {"50 mixed pii on copy is not quarantined", s_pii_mixed_copy, POLICY_ALLOW, 29},
    {"unregistered stick during 春節 is blocked", s_festival_unregistered, POLICY_BLOCK, 21},
    {"last day of 春節 (local time) is in the period", s_festival_last_day, POLICY_BLOCK, 21},
    {"after 春節 an unregistered stick is allowed", s_after_festival_unregistered, POLICY_ALLOW,
     29},
    {"uninspectable warns", s_uninspectable, POLICY_WARN, 22},
    {"7z to usb warns (glob in one-of)", s_zip_usb, POLICY_WARN, 23},
    {"7z to sd card does not match 'to usb'", s_zip_mmc, POLICY_ALLOW, 29},
    {"big file by bob is blocked", s_big_bob, POLICY_BLOCK, 24},
    {"big file by alice is not", s_big_alice, POLICY_ALLOW, 29},
    {"accounting after hours is audited", s_evening_accounting, POLICY_AUDIT, 25},
    {"accounting at lunch is outside office", s_lunch_accounting, POLICY_AUDIT, 25},
    {"other groups after hours fall through", s_evening_other_group, POLICY_ALLOW, 29},
    {"rsync is audited", s_rsync, POLICY_AUDIT, 26},
    {"ext4 BACKUP disk is allowed", s_backup_disk, POLICY_ALLOW, 27},
    {"a holiday is audited", s_holiday, POLICY_AUDIT, 28},
    {"registered public document is allowed even if marked", s_public_doc, POLICY_ALLOW, 15},
    {"no content: content rules do not match", s_no_content, POLICY_ALLOW, 29},
};

static void decision_table(void **state)
{
	struct policy *p = load_ok(table_policy);
	struct fixture f;
	struct policy_decision d;

	(void)state;
	for (size_t i = 0; i < sizeof(copy_cases) / sizeof(copy_cases[0]); i++) {
		const struct table_case *c = &copy_cases[i];

		c->setup(&f);
		assert_int_equal(policy_decide(p, &f.ev, &d), 0);
		if (d.action != c->action || d.rule_line != c->line) {
			fprintf(stderr, "case '%s': got %s at line %u, expected %s at line %u\n",
				c->name, policy_action_name(d.action), d.rule_line,
				policy_action_name(c->action), c->line);
			fail();
		}
		assert_string_equal(d.rule_file, "t.rules");
	}
	policy_unref(p);
}

static void device_rules(void **state)
{
	struct policy *p = load_ok(table_policy);
	struct fixture f;
	struct policy_decision d;

	(void)state;
	event_init(&f, WARD_LEVEL_NONE);
	f.ev.kind = POLICY_EVENT_DEVICE;
	f.ev.content = NULL;
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.device_action, POLICY_DEVICE_ALLOW);
	assert_int_equal(d.rule_line, 10);

	str_copy(f.dev.serial, sizeof(f.dev.serial), "OTHER");
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.device_action, POLICY_DEVICE_READ_ONLY);
	assert_int_equal(d.rule_line, 11);

	f.ev.time += 30 * 86400; /* 2022-02-24 10:00, Thursday */
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.device_action, POLICY_DEVICE_ALLOW);
	assert_int_equal(d.rule_line, 13);

	f.dev.bus = DEVICE_BUS_MMC;
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.device_action, POLICY_DEVICE_ALLOW); /* office hours */
	f.ev.time += 10 * 3600;					/* 20:00 */
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.device_action, POLICY_DEVICE_BLOCK);
	assert_int_equal(d.rule_line, 12);

	str_copy(f.dev.interfaces, sizeof(f.dev.interfaces), ":080650:030101:");
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.device_action, POLICY_DEVICE_BLOCK);
	assert_int_equal(d.rule_line, 9);
	assert_string_equal(d.rule_reason, "鍵盤類裝置不得當作儲存媒體");

	/* the second registered stick, by id and serial */
	f.dev.vendor_id = 0x090c;
	f.dev.product_id = 0x1000;
	str_copy(f.dev.serial, sizeof(f.dev.serial), "AA00017");
	str_copy(f.dev.interfaces, sizeof(f.dev.interfaces), ":080650:");
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.device_action, POLICY_DEVICE_ALLOW);
	assert_int_equal(d.rule_line, 10);
	policy_unref(p);
}

static void default_when_no_rules(void **state)
{
	struct policy *p = load_ok("# nothing but a comment\n");
	struct fixture f;
	struct policy_decision d;

	(void)state;
	event_init(&f, WARD_LEVEL_TOP_SECRET);
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.action, POLICY_ALLOW);
	assert_true(d.matched_default);
	assert_int_equal(d.rule_line, 0);
	assert_false(d.report);
	f.ev.kind = 42;
	assert_int_equal(policy_decide(p, &f.ev, &d), -22);
	assert_int_equal(d.action, POLICY_BLOCK); /* the fail mode for usb */
	policy_unref(p);
}

static void assert_block_notice(const struct policy *p, const struct policy_decision *d,
				const struct policy_event *ev, const char *zh, const char *en)
{
	char buf[512];

	policy_render_notice(p, POLICY_NOTICE_BLOCK, POLICY_LANG_ZH_TW, d, ev, buf, sizeof(buf));
	assert_string_equal(buf, zh);
	policy_render_notice(p, POLICY_NOTICE_BLOCK, POLICY_LANG_EN, d, ev, buf, sizeof(buf));
	assert_string_equal(buf, en);
}

static void settings(void **state)
{
	struct policy *p =
	    load_ok("contact \"政風處 (089)320247 分機 123\"\n"
		    "fail-mode removable quarantine\n"
		    "fail-mode usb warn\n"
		    "fail-mode internal audit\n"
		    "deadline 2s\n"
		    "report block quarantine\n"
		    "report device-events no\n"
		    "report file-names no\n"
		    "tokens /etc/ward/tokens.d\n"
		    "message block zh-TW \"已阻擋 {level}：{reason}。洽 {contact}\"\n"
		    "message block en \"Blocked {level}: {reason}. Ask {contact} \\\"now\\\"\"\n"
		    "copy block level >= 密 # 不得攜出\n"
		    "copy allow *\n");
	struct ward_device dev = {.bus = DEVICE_BUS_MMC};
	struct fixture f;
	struct policy_decision d;

	(void)state;
	assert_string_equal(policy_contact(p), "政風處 (089)320247 分機 123");
	assert_int_equal(policy_fail_mode(p, &dev), POLICY_QUARANTINE);
	dev.bus = DEVICE_BUS_USB;
	assert_int_equal(policy_fail_mode(p, &dev), POLICY_WARN);
	dev.bus = DEVICE_BUS_INTERNAL;
	assert_int_equal(policy_fail_mode(p, &dev), POLICY_AUDIT);
	assert_int_equal(policy_deadline_ms(p), 2000);
	assert_false(policy_reports(p, POLICY_AUDIT));
	assert_false(policy_reports(p, POLICY_WARN));
	assert_true(policy_reports(p, POLICY_BLOCK));
	assert_true(policy_reports(p, POLICY_QUARANTINE));
	assert_false(policy_reports_devices(p));
	assert_false(policy_reports_file_names(p));
	assert_string_equal(policy_tokens_dir(p), "/etc/ward/tokens.d");

	event_init(&f, WARD_LEVEL_CONFIDENTIAL);
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.action, POLICY_BLOCK);
	assert_true(d.report);
	assert_block_notice(
	    p, &d, &f.ev, "已阻擋 機密：不得攜出。洽 政風處 (089)320247 分機 123",
	    "Blocked confidential: 不得攜出. Ask 政風處 (089)320247 分機 123 \"now\"");
	/* A file blocked for what it holds, not its marking, has no level. */
	f.content.level = WARD_LEVEL_NONE;
	assert_block_notice(
	    p, &d, &f.ev, "已阻擋 未標示密等：不得攜出。洽 政風處 (089)320247 分機 123",
	    "Blocked not marked: 不得攜出. Ask 政風處 (089)320247 分機 123 \"now\"");
	f.ev.content = NULL;
	assert_block_notice(
	    p, &d, &f.ev, "已阻擋 密等未判定：不得攜出。洽 政風處 (089)320247 分機 123",
	    "Blocked level not determined: 不得攜出. Ask 政風處 (089)320247 分機 123 \"now\"");
	policy_unref(p);

	/* defaults */
	p = load_ok("copy allow *\n");
	dev.bus = DEVICE_BUS_USB;
	assert_int_equal(policy_fail_mode(p, &dev), POLICY_BLOCK);
	dev.bus = DEVICE_BUS_INTERNAL;
	assert_int_equal(policy_fail_mode(p, &dev), POLICY_ALLOW);
	assert_int_equal(policy_deadline_ms(p), 3000);
	assert_string_equal(policy_contact(p), "政風處 (089)320247");
	assert_non_null(
	    strstr(policy_message(p, POLICY_NOTICE_BLOCK, POLICY_LANG_ZH_TW), "{contact}"));
	assert_true(policy_reports(p, POLICY_AUDIT));
	assert_false(policy_reports(p, POLICY_ALLOW));
	assert_null(policy_tokens_dir(p));
	policy_unref(p);
}

static void explain_and_names(void **state)
{
	struct policy *p = load_ok(table_policy);
	struct fixture f;
	struct policy_decision d;
	char buf[1024];

	(void)state;
	s_pii_5(&f);
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	policy_explain(p, &f.ev, &d, buf, sizeof(buf));
	assert_string_equal(buf, "pii roc-national-id 5 >= 5; to usb");
	s_level_confidential(&f);
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	policy_explain(p, &f.ev, &d, buf, sizeof(buf));
	assert_string_equal(buf, "level 機密 >= 密; to usb (公務機密非經核准不得複製攜出)");
	assert_string_equal(d.rule_text, "copy block      level >= 密 to removable");
	/* truncation reports the wanted length, like snprintf */
	assert_true(policy_explain(p, &f.ev, &d, buf, 8) > 8);
	assert_int_equal(strlen(buf), 7);

	assert_string_equal(policy_action_name(POLICY_QUARANTINE), "quarantine");
	assert_string_equal(policy_device_action_name(POLICY_DEVICE_READ_ONLY), "read-only");
	assert_string_equal(policy_token_status_name(POLICY_TOKEN_EXPIRED), "expired");
	policy_summary(p, buf, sizeof(buf));
	assert_non_null(strstr(buf, "5 device rules, 15 copy rules, 1 period"));
	policy_unref(p);
}

/* Every kind of condition explains itself with the event's own value. */
static void explain_every_condition(void **state)
{
	struct policy *p = load_ok(
	    "timezone Asia/Taipei\n"
	    "period 春節加強期 2022-01-24 .. 2022-02-07\n"
	    "hours office mon-fri 08:00-17:30\n"
	    "devices registered { id 0781:5567 }\n"
	    "fingerprints fp { e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 }\n"
	    "copy warn level = 機密 not declassified not uninspectable pii any < 1 mime "
	    "application/* not sha256 in fp size <= 1K to usb to registered id 0781:* serial "
	    "4C530001 name \"Cruzer Blade\" vendor SanDisk with-interface 08:06:50 fs exfat label "
	    "OFFICE not uuid X user alice group staff exe /usr/bin/cp during 春節加強期 during "
	    "office not during holiday event copy # 全部\n"
	    "copy allow *\n");
	struct fixture f;
	struct policy_decision d;
	char buf[2048];
	static const char *const parts[] = {
	    "level 機密 = 機密",
	    "not declassified",
	    "not uninspectable",
	    "pii any 0 < 1",
	    "mime \"application/pdf\"",
	    "not sha256 in fp",
	    "size 1000 <= 1024",
	    "to usb",
	    "device in list registered",
	    "id 0781:5567",
	    "serial \"4C530001\"",
	    "name \"Cruzer Blade\"",
	    "vendor \"SanDisk\"",
	    "with-interface :080650:",
	    "fs \"exfat\"",
	    "label \"OFFICE\"",
	    "not uuid \"\"",
	    "user \"alice\"",
	    "group \"staff\"",
	    "exe \"/usr/bin/cp\"",
	    "during 春節加強期",
	    "during office",
	    "outside holiday",
	    "event copy",
	    "(全部)",
	};

	(void)state;
	event_init(&f, WARD_LEVEL_CONFIDENTIAL);
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.action, POLICY_WARN);
	policy_explain(p, &f.ev, &d, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (!strstr(buf, parts[i])) {
			fprintf(stderr, "missing '%s' in: %s\n", parts[i], buf);
			fail();
		}
	}
	policy_unref(p);
}

static void times(void **state)
{
	struct policy *p = load_ok("timezone Asia/Taipei\n");
	time_t t;
	char buf[64];

	(void)state;
	assert_true(policy_parse_time(p, "2022-01-25T10:00", &t));
	assert_int_equal(t, TUE_1000);
	assert_true(policy_parse_time(p, "2022-01-25T02:00Z", &t));
	assert_int_equal(t, TUE_1000);
	assert_true(policy_parse_time(p, "2022-01-25T10:00:00+08:00", &t));
	assert_int_equal(t, TUE_1000);
	assert_true(policy_parse_time(NULL, "2022-01-25T02:00+00:00", &t));
	assert_int_equal(t, TUE_1000);
	assert_false(policy_parse_time(p, "2022-02-30T10:00", &t));
	assert_false(policy_parse_time(p, "2022-01-25T25:00", &t));
	assert_false(policy_parse_time(p, "yesterday", &t));
	policy_format_time(p, TUE_1000, buf, sizeof(buf));
	assert_string_equal(buf, "2022-01-25T10:00+08:00");
	policy_format_time(NULL, TUE_1000 + 5, buf, sizeof(buf));
	assert_string_equal(buf, "2022-01-25T02:00:05Z");
	policy_unref(p);

	/* a fixed offset and a zone with daylight saving */
	p = load_ok("timezone -05:00\n");
	assert_true(policy_parse_time(p, "2022-01-24T21:00", &t));
	assert_int_equal(t, TUE_1000);
	policy_unref(p);
	p = load_ok("timezone Europe/Berlin\n");
	assert_true(policy_parse_time(p, "2022-07-01T12:00", &t));
	assert_int_equal(t, 1656669600); /* 10:00Z: summer time */
	assert_true(policy_parse_time(p, "2022-01-25T03:00", &t));
	assert_int_equal(t, TUE_1000);
	policy_unref(p);
}

static void fingerprint_file(void **state)
{
	char dir[] = "/tmp/ward-policy-test-XXXXXX", path[128], text[512];
	FILE *f;
	struct policy_diag diag = {0};
	struct policy *p;
	struct fixture fx;
	struct policy_decision d;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/registered.sha256", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "# 登記文件\n"
		   "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb  a.txt\n");
	fclose(f);
	snprintf(text, sizeof(text),
		 "fingerprints 登記文件 file registered.sha256\ncopy block sha256 in "
		 "登記文件\ncopy allow *\n");
	p = policy_load_buffer("t.rules", text, strlen(text), dir, &diag);
	assert_non_null(p);
	s_public_doc(&fx);
	assert_int_equal(policy_decide(p, &fx.ev, &d), 0);
	assert_int_equal(d.action, POLICY_BLOCK);
	fx.content.sha256[0] ^= 1;
	assert_int_equal(policy_decide(p, &fx.ev, &d), 0);
	assert_int_equal(d.action, POLICY_ALLOW);
	policy_unref(p);

	/* without a base directory a relative path is refused */
	p = policy_load_buffer("t.rules", text, strlen(text), NULL, &diag);
	assert_null(p);
	assert_int_equal(diag.errors[0].line, 1);
	assert_int_equal(diag.errors[0].col, 24);
	policy_diag_free(&diag);
	unlink(path);
	rmdir(dir);
}

static void shipped_default_policy(void **state)
{
	const char *root = getenv("WARD_ROOT");
	char path[512];
	struct policy_diag diag = {0};
	struct policy *p;
	struct fixture f;
	struct policy_decision d;

	(void)state;
	snprintf(path, sizeof(path), "%s/policy/default", root ? root : ".");
	p = policy_load(path, &diag);
	if (!p)
		policy_diag_print(&diag, stderr);
	assert_non_null(p);
	for (int l = WARD_LEVEL_RESTRICTED; l <= WARD_LEVEL_MAX; l++) {
		event_init(&f, (enum ward_level)l);
		assert_int_equal(policy_decide(p, &f.ev, &d), 0);
		assert_int_equal(d.action, POLICY_BLOCK);
	}
	s_pii_5(&f);
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.action, POLICY_BLOCK);
	s_pii_4(&f);
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.action, POLICY_AUDIT);
	event_init(&f, WARD_LEVEL_NONE);
	f.content.uninspectable = true;
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	/* Encrypted or unreadable: not without approval. */
	assert_int_equal(d.action, POLICY_BLOCK);
	f.dev.bus = DEVICE_BUS_INTERNAL;
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.action, POLICY_ALLOW);
	assert_string_equal(policy_contact(p), "政風處 (089)320247");
	policy_unref(p);
}

/* Workers decide while the policy is reloaded under them: every decision
 * comes from a whole policy (block from A, audit from B, never anything
 * else), a broken reload keeps the policy in force, and nothing leaks
 * (ASan). */
struct reload_worker {
	struct policy_current *cur;
	volatile bool *stop;
	unsigned decisions, wrong;
};

static void *reload_worker_run(void *arg)
{
	struct reload_worker *w = arg;
	struct fixture f;

	event_init(&f, WARD_LEVEL_CONFIDENTIAL);
	while (!*w->stop || w->decisions < 1000) {
		struct policy *p = policy_current_get(w->cur);
		struct policy_decision d;

		if (policy_decide(p, &f.ev, &d) != 0 ||
		    (d.action != POLICY_BLOCK && d.action != POLICY_AUDIT) ||
		    (d.action == POLICY_BLOCK) != (strcmp(d.rule_reason, "A") == 0))
			w->wrong++;
		w->decisions++;
		policy_unref(p);
	}
	return NULL;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void reload_while_deciding(void **state)
{
	char dir[] = "/tmp/ward-policy-reload-XXXXXX", a[96], b[96], broken[96];
	struct policy_diag diag = {0};
	struct policy_current *cur;
	struct reload_worker w[2];
	pthread_t th[2];
	volatile bool stop = false;
	struct policy *p;
	struct fixture f;
	struct policy_decision d;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a.rules", dir);
	snprintf(b, sizeof(b), "%s/b.rules", dir);
	snprintf(broken, sizeof(broken), "%s/broken.rules", dir);
	write_text(a, "copy block level >= 密 # A\ncopy allow *\n");
	write_text(b, "copy audit level >= 密 # B\ncopy allow *\n");
	write_text(broken, "copy block level >= 密\ncopy frob *\n");

	p = policy_load(a, &diag);
	assert_non_null(p);
	cur = policy_current_new(p);
	assert_non_null(cur);
	for (int i = 0; i < 2; i++) {
		w[i] = (struct reload_worker){.cur = cur, .stop = &stop};
		assert_int_equal(pthread_create(&th[i], NULL, reload_worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 200; i++) {
		assert_int_equal(policy_current_reload(cur, i % 2 ? a : b, &diag), 0);
		assert_int_equal(policy_current_reload(cur, broken, &diag), -1);
	}
	stop = true;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].wrong, 0);
		assert_true(w[i].decisions >= 1000);
	}
	/* the broken file's error was reported every time, with its position */
	assert_int_equal(diag.n_errors, 200);
	assert_string_equal(diag.errors[0].file, broken);
	assert_int_equal(diag.errors[0].line, 2);
	assert_int_equal(diag.errors[0].col, 6);
	policy_diag_free(&diag);

	/* the last good reload (a) is in force after the broken one */
	p = policy_current_get(cur);
	event_init(&f, WARD_LEVEL_RESTRICTED);
	assert_int_equal(policy_decide(p, &f.ev, &d), 0);
	assert_int_equal(d.action, POLICY_BLOCK);
	assert_string_equal(d.rule_reason, "A");
	policy_unref(p);
	policy_current_free(cur);
	unlink(a);
	unlink(b);
	unlink(broken);
	rmdir(dir);
}

static void references(void **state)
{
	struct policy *p = load_ok("copy allow *\n");

	(void)state;
	assert_ptr_equal(policy_ref(p), p);
	policy_unref(p);
	policy_unref(p);
	policy_unref(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(decision_table),
	    cmocka_unit_test(device_rules),
	    cmocka_unit_test(default_when_no_rules),
	    cmocka_unit_test(settings),
	    cmocka_unit_test(explain_and_names),
	    cmocka_unit_test(explain_every_condition),
	    cmocka_unit_test(times),
	    cmocka_unit_test(fingerprint_file),
	    cmocka_unit_test(shipped_default_policy),
	    cmocka_unit_test(reload_while_deciding),
	    cmocka_unit_test(references),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
