#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/inventory.h"

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/ward-inv-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct ward_device stick(const char *serial)
{
	struct ward_device d = {0};
	d.bus = DEVICE_BUS_USB;
	d.removable = true;
	d.vendor_id = 0x0781;
	d.product_id = 0x5567;
	strcpy(d.serial, serial);
	strcpy(d.vendor, "SanDisk");
	strcpy(d.model, "Cruzer\tBlade\\x"); /* awkward characters survive */
	strcpy(d.fs_type, "exfat");
	strcpy(d.fs_uuid, "1234-ABCD");
	strcpy(d.fs_label, "公文 備份");
	strcpy(d.devnode, "/dev/sdb1");
	d.size_bytes = 30752636928ull;
	return d;
}

static void keys_name_the_medium(void **state)
{
	struct ward_device d = stick("S1");
	char key[200];

	(void)state;
	inventory_key(&d, key, sizeof(key));
	assert_string_equal(key, "usb:0781:5567:S1");
	d.serial[0] = '\0';
	inventory_key(&d, key, sizeof(key));
	assert_string_equal(key, "fs:1234-ABCD");
	d.fs_uuid[0] = '\0';
	inventory_key(&d, key, sizeof(key));
	assert_string_equal(key, "model:SanDisk:Cruzer\tBlade\\x:30752636928");
}

static void records_survive_a_save_and_reload(void **state)
{
	struct inventory *inv;
	struct ward_device a = stick("S1"), b = stick("S2");
	const struct inventory_entry *e;
	char path[128];
	struct stat st;

	(void)state;
	assert_int_equal(inventory_open(dir, &inv), 0);
	assert_int_equal(inventory_count(inv), 0);
	assert_int_equal(inventory_record(inv, &a, "allow", "", 1000), 0);
	assert_int_equal(inventory_record(inv, &b, "block", "no-sandisk", 1500), 0);
	assert_int_equal(inventory_record(inv, &a, "read-only", "ro-usb", 2000), 0);
	assert_int_equal(inventory_count(inv), 2);
	assert_int_equal(inventory_save(inv), 0);
	inventory_free(inv);

	snprintf(path, sizeof(path), "%s/%s", dir, INVENTORY_FILE);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);

	assert_int_equal(inventory_open(dir, &inv), 0);
	assert_int_equal(inventory_count(inv), 2);
	e = inventory_get(inv, 0);
	assert_string_equal(e->key, "usb:0781:5567:S1");
	assert_int_equal(e->first_seen, 1000);
	assert_int_equal(e->last_seen, 2000);
	assert_int_equal(e->times_seen, 2);
	assert_string_equal(e->decision, "read-only");
	assert_string_equal(e->rule, "ro-usb");
	assert_int_equal(e->device.bus, DEVICE_BUS_USB);
	assert_int_equal(e->device.vendor_id, 0x0781);
	assert_int_equal(e->device.product_id, 0x5567);
	assert_string_equal(e->device.model, "Cruzer\tBlade\\x");
	assert_string_equal(e->device.fs_label, "公文 備份");
	assert_int_equal(e->device.size_bytes, 30752636928ull);
	e = inventory_get(inv, 1);
	assert_string_equal(e->decision, "block");
	assert_null(inventory_get(inv, 2));
	inventory_free(inv);
	/* No temp file left behind. */
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "test $(ls '%s' | wc -l) -eq 1", dir);
	assert_int_equal(system(cmd), 0);
}

static void prints_json_and_text(void **state)
{
	struct inventory *inv;
	struct ward_device a = stick("S\"1");
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	assert_int_equal(inventory_open(dir, &inv), 0);
	assert_int_equal(inventory_record(inv, &a, "block", "r1", 1000), 0);

	out = open_memstream(&buf, &len);
	assert_int_equal(inventory_print(inv, out, true), 0);
	fclose(out);
	assert_non_null(strstr(buf, "\"serial\":\"S\\\"1\""));
	assert_non_null(strstr(buf, "\"model\":\"Cruzer\\tBlade\\\\x\""));
	assert_non_null(strstr(buf, "\"decision\":\"block\""));
	assert_non_null(strstr(buf, "\"vendor_id\":\"0781\""));
	assert_true(buf[0] == '[');
	free(buf);

	buf = NULL;
	out = open_memstream(&buf, &len);
	assert_int_equal(inventory_print(inv, out, false), 0);
	fclose(out);
	assert_non_null(strstr(buf, "usb 0781:5567"));
	assert_non_null(strstr(buf, "決定 Decision: block"));
	assert_non_null(strstr(buf, "30.8 GB"));
	free(buf);
	inventory_free(inv);
}

static void rejects_a_file_that_is_not_an_inventory(void **state)
{
	char path[128];
	struct inventory *inv;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/%s", dir, INVENTORY_FILE);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"not\": \"ours\"}\n", f);
	fclose(f);
	assert_int_equal(inventory_open(dir, &inv), -EINVAL);
	/* An empty file is an empty inventory. */
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(inventory_open(dir, &inv), 0);
	assert_int_equal(inventory_count(inv), 0);
	inventory_free(inv);
	unlink(path);
}

static void skips_damaged_lines(void **state)
{
	char path[128];
	struct inventory *inv;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/%s", dir, INVENTORY_FILE);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(
	    "# ward device inventory v1\n"
	    "only\tthree\tcolumns\n"
	    "usb:0781:5567:S9\t1\t2\t3\tallow\t\tusb\t0781\t5567\tS9\tV\tM\t\texfat\tU\tL\t/dev/sdb1\t"
	    "512\n",
	    f);
	fclose(f);
	assert_int_equal(inventory_open(dir, &inv), 0);
	assert_int_equal(inventory_count(inv), 1);
	assert_string_equal(inventory_get(inv, 0)->device.serial, "S9");
	inventory_free(inv);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(keys_name_the_medium),
	    cmocka_unit_test_setup_teardown(records_survive_a_save_and_reload, make_dir,
					    remove_dir),
	    cmocka_unit_test_setup_teardown(prints_json_and_text, make_dir, remove_dir),
	    cmocka_unit_test_setup_teardown(rejects_a_file_that_is_not_an_inventory, make_dir,
					    remove_dir),
	    cmocka_unit_test_setup_teardown(skips_damaged_lines, make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
