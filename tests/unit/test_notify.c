/* The client side of the notify socket (notify/packet, notify/text): what
 * wardd's packets say, and what a person reads from them, in Traditional
 * Chinese by default and in English, with hostile names kept as text. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/i18n.h"
#include "notify/packet.h"
#include "notify/text.h"

static const char block_packet[] =
    "{\"v\":1,\"type\":\"event\",\"ref\":\"K7F3-9QX2\",\"action\":\"block\","
    "\"outcome\":\"denied\",\"level\":\"機密\",\"file\":\"報告.odt\","
    "\"device\":\"SanDisk Cruzer\",\"reason\":\"公務機密非經核准不得複製攜出\","
    "\"message_zh\":\"已阻擋：此檔案（機密）不得複製。洽詢：政風處 (089)320247。\","
    "\"message_en\":\"Blocked: this file (confidential) may not be copied. Contact: 政風處 "
    "(089)320247.\",\"contact\":\"政風處 (089)320247\",\"observed_at\":\"2022-01-25T02:00:00.123Z\","
    "\"burst\":\"1000:block:0781:5567:S1\",\"new_member\":[1,2]}";

/* gettext in Chinese (the default) or English, from the build's catalogue. */
static void speak(bool english)
{
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s/locale",
		 getenv("WARD_BUILD") ? getenv("WARD_BUILD") : "build");
	setenv("WARD_LOCALEDIR", dir, 1);
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	unsetenv("LANGUAGE");
	setenv("LANG", english ? "en_US.UTF-8" : "C", 1);
	assert_int_equal(i18n_init_staff(), english);
	if (english)
		setenv("LANGUAGE", "en", 1);
	textdomain(textdomain(NULL)); /* gettext forgets what it looked up */
}

static struct notify_packet parsed(const char *text)
{
	struct notify_packet p;

	assert_int_equal(notify_packet_parse(text, strlen(text), &p), 0);
	return p;
}

static void packets_parse_and_unknown_members_are_ignored(void **state)
{
	struct notify_packet p = parsed(block_packet);

	(void)state;
	assert_int_equal(p.type, PACKET_EVENT);
	assert_string_equal(p.ref, "K7F3-9QX2");
	assert_string_equal(p.file, "報告.odt");
	assert_string_equal(p.level, "機密");
	assert_int_equal(p.count, 1);
	assert_int_equal(p.dropped, 0);
	assert_false(p.recent);
	p = parsed("{\"v\":1,\"type\":\"event\",\"count\":300,\"dropped\":7,\"recent\":true}");
	assert_int_equal(p.count, 300);
	assert_int_equal(p.dropped, 7);
	assert_true(p.recent);
	p = parsed("{\"v\":1,\"type\":\"event\",\"count\":-5,\"dropped\":-1}");
	assert_int_equal(p.count, 1);
	assert_int_equal(p.dropped, 0);
	p = parsed("{\"v\":1,\"type\":\"end\",\"count\":0}");
	assert_int_equal(p.type, PACKET_END);
	assert_int_equal(p.count, 0);
	p = parsed("{\"v\":1,\"type\":\"something-new\"}");
	assert_int_equal(p.type, PACKET_UNKNOWN);
}

static void bad_packets_are_refused(void **state)
{
	static const char *const bad[] = {
	    "",
	    "not json",
	    "[1]",
	    "{\"type\":\"event\"}",
	    "{\"v\":2,\"type\":\"event\"}",
	    "{\"v\":1}",
	    "{\"v\":1,\"type\":7}",
	    "{\"v\":1,\"type\":\"event\"}{}",
	};
	struct notify_packet p;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(notify_packet_parse(bad[i], strlen(bad[i]), &p), -EBADMSG);
}

static void long_fields_are_cut_not_overflowed(void **state)
{
	char text[6000], name[3000];
	struct notify_packet p;

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(text, sizeof(text), "{\"v\":1,\"type\":\"event\",\"file\":\"%s\"}", name);
	assert_int_equal(notify_packet_parse(text, strlen(text), &p), 0);
	assert_int_equal(strlen(p.file), sizeof(p.file) - 1);
}

static void requests_are_what_the_agent_reads(void **state)
{
	char buf[256];

	(void)state;
	assert_true(notify_packet_hello("x11", "zh_TW.UTF-8", buf, sizeof(buf)) > 0);
	assert_string_equal(
	    buf, "{\"locale\":\"zh_TW.UTF-8\",\"session\":\"x11\",\"type\":\"hello\",\"v\":1}");
	assert_true(notify_packet_events(buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "{\"type\":\"events\",\"v\":1}");
	assert_int_equal(notify_packet_events(buf, 10), -EMSGSIZE);
}

static void a_block_in_chinese(void **state)
{
	struct notify_packet p = parsed(block_packet);
	struct text_notice t = {&p, &p, 1, 0};
	char summary[512], body[4096];

	(void)state;
	speak(false);
	text_summary(&t, summary, sizeof(summary));
	assert_string_equal(summary, "已阻擋複製：報告.odt");
	text_body(&t, false, false, body, sizeof(body));
	assert_non_null(
	    strstr(body, "已阻擋：此檔案（機密）不得複製。洽詢：政風處 (089)320247。\n"));
	assert_non_null(strstr(body, "檔案：報告.odt（機密）\n"));
	assert_non_null(strstr(body, "裝置：SanDisk Cruzer\n"));
	assert_non_null(strstr(body, "參考碼 K7F3-9QX2：向主管申請核准"));
	/* The policy's message names the contact already: not twice. */
	assert_null(strstr(body, "洽詢：政風處 (089)320247\n"));
}

static void a_block_in_english(void **state)
{
	struct notify_packet p = parsed(block_packet);
	struct text_notice t = {&p, &p, 1, 0};
	char summary[512], body[4096];

	(void)state;
	speak(true);
	text_summary(&t, summary, sizeof(summary));
	assert_string_equal(summary, "Copy blocked: 報告.odt");
	text_body(&t, true, false, body, sizeof(body));
	assert_non_null(strstr(body, "Blocked: this file (confidential) may not be copied."));
	assert_non_null(strstr(body, "File: 報告.odt (機密)"));
	assert_non_null(strstr(body, "Reference code K7F3-9QX2: quote it"));
	speak(false);
}

static void a_burst_of_300_is_one_notice_with_the_count(void **state)
{
	struct notify_packet first = parsed(block_packet), latest = first;
	struct text_notice t = {&first, &latest, 300, 0};
	char summary[512], body[4096];

	(void)state;
	speak(false);
	snprintf(latest.file, sizeof(latest.file), "第300號.odt");
	text_summary(&t, summary, sizeof(summary));
	assert_string_equal(summary, "已阻擋複製：300 個檔案");
	text_body(&t, false, false, body, sizeof(body));
	assert_non_null(strstr(body, "最近的檔案：第300號.odt（機密）"));
	assert_non_null(strstr(body, "參考碼 K7F3-9QX2（另有 299 次嘗試）：向主管申請核准"));
	t.dropped = 12;
	text_body(&t, false, false, body, sizeof(body));
	assert_non_null(strstr(body, "另有 12 則通知因系統忙碌未能顯示。"));
}

static void names_are_only_ever_text(void **state)
{
	struct notify_packet p = parsed(block_packet);
	struct text_notice t = {&p, &p, 1, 0};
	char summary[512], body[4096];

	(void)state;
	speak(false);
	snprintf(p.file, sizeof(p.file), "%%s%%n<b>&amp;</b>.odt");
	text_summary(&t, summary, sizeof(summary));
	assert_string_equal(summary, "已阻擋複製：%s%n<b>&amp;</b>.odt");
	text_body(&t, false, true, body, sizeof(body));
	assert_non_null(strstr(body, "檔案：%s%n&lt;b&gt;&amp;amp;&lt;/b&gt;.odt"));
	assert_null(strstr(body, "<b>"));
}

static void a_customised_message_without_the_contact_gets_it(void **state)
{
	struct notify_packet p = parsed(block_packet);
	struct text_notice t = {&p, &p, 1, 0};
	char body[4096];

	(void)state;
	speak(false);
	snprintf(p.message_zh, sizeof(p.message_zh), "本檔案不得攜出。");
	text_body(&t, false, false, body, sizeof(body));
	assert_non_null(strstr(body, "本檔案不得攜出。"));
	assert_non_null(strstr(body, "洽詢：政風處 (089)320247"));
}

static void media_and_approvals(void **state)
{
	struct notify_packet d = parsed(
	    "{\"v\":1,\"type\":\"device\",\"action\":\"read-only\",\"device\":\"Kingston DT\","
	    "\"message_zh\":\"此儲存裝置僅限讀取。\",\"contact\":\"政風處\"}");
	struct notify_packet a = parsed(
	    "{\"v\":1,\"type\":\"approval\",\"approver\":\"王科長\",\"until\":\"2022-01-25T10:00:00Z\","
	    "\"level\":\"機密\",\"device\":\"4C530001\",\"reason\":\"出差簡報\",\"contact\":\"政風處\"}");
	struct text_notice td = {&d, &d, 1, 0}, ta = {&a, &a, 1, 0};
	char summary[512], body[4096];

	(void)state;
	speak(false);
	setenv("TZ", "Asia/Taipei", 1);
	tzset();
	text_summary(&td, summary, sizeof(summary));
	assert_string_equal(summary, "唯讀儲存裝置：Kingston DT");
	text_body(&td, false, false, body, sizeof(body));
	assert_non_null(strstr(body, "此儲存裝置僅限讀取。"));
	text_summary(&ta, summary, sizeof(summary));
	assert_string_equal(summary, "已獲主管核准");
	text_body(&ta, false, false, body, sizeof(body));
	assert_non_null(strstr(
	    body,
	    "王科長 已核准您的複製申請，有效至 民國 111 年 1 月 25 日 18:00。現在可以再試一次。"));
	assert_non_null(strstr(body, "核准的密等上限：機密"));
	assert_non_null(strstr(body, "限用序號 4C530001 的裝置"));
	assert_non_null(strstr(body, "附註：出差簡報"));
	speak(true);
	text_body(&ta, true, false, body, sizeof(body));
	assert_non_null(strstr(body, "王科長 approved your copy until 2022-01-25 18:00."));
	speak(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(packets_parse_and_unknown_members_are_ignored),
	    cmocka_unit_test(bad_packets_are_refused),
	    cmocka_unit_test(long_fields_are_cut_not_overflowed),
	    cmocka_unit_test(requests_are_what_the_agent_reads),
	    cmocka_unit_test(a_block_in_chinese),
	    cmocka_unit_test(a_block_in_english),
	    cmocka_unit_test(a_burst_of_300_is_one_notice_with_the_count),
	    cmocka_unit_test(names_are_only_ever_text),
	    cmocka_unit_test(a_customised_message_without_the_contact_gets_it),
	    cmocka_unit_test(media_and_approvals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
