/* The policy's internal representation, shared by the parser (parser.h
 * lists its files), the engine (engine.c), tokens (token.c) and time zones
 * (tz.c).  Nothing outside policy/ includes this. */
#ifndef WARD_POLICY_INTERNAL_H
#define WARD_POLICY_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "policy/policy.h"

/* ---- time zones (tz.c) ---- */

/* UTC offsets over time, from a TZif file or a fixed offset.  Looked up
 * without I/O. */
struct tz {
	int64_t *at;	 /* transition instants, ascending */
	int32_t *offset; /* UTC offset in seconds from at[i] on */
	size_t n;
	int32_t before; /* offset before the first transition (or fixed) */
};

/* Loads name ("Asia/Taipei", "UTC", "+08:00", or NULL for the system's
 * /etc/localtime).  Returns false with a message in err. */
bool tz_load(struct tz *tz, const char *name, char *err, size_t errlen);
void tz_free(struct tz *tz);
int32_t tz_offset(const struct tz *tz, int64_t utc);
/* UTC instant of a local wall-clock time. */
int64_t tz_from_local(const struct tz *tz, int64_t local);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* "YYYY-MM-DD" exactly; checks the day exists. */
bool parse_date(const char *s, size_t len, int64_t *day);

/* ---- the compiled policy ---- */

enum section { SECTION_DEVICE = 0, SECTION_COPY, SECTION_COUNT };

enum cond_kind {
	C_ANY = 0,
	C_LEVEL,
	C_DECLASSIFIED,
	C_UNINSPECTABLE,
	C_DERIVED,
	C_PII,
	C_MIME,
	C_SHA256_SET,
	C_SIZE,
	C_BUS,	   /* to removable / usb / mmc / other / internal */
	C_DEVLIST, /* to registered / a bare list name in device rules */
	C_DEV_ID,
	C_DEV_SERIAL,
	C_DEV_NAME,
	C_DEV_VENDOR,
	C_DEV_IFACE,
	C_DEV_FS,
	C_DEV_UUID,
	C_DEV_LABEL,
	C_USER,
	C_GROUP,
	C_EXE,
	C_TIME,
	C_EVENT,
};

enum cmp_op { OP_EQ = 0, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

struct pattern {
	const char *s;
	bool glob;   /* has * ? or [: matched with fnmatch */
	long number; /* for groups: the gid when s is all digits, else -1 */
};

struct idpat {
	uint16_t vid, pid;
	bool vid_any, pid_any;
};

struct ifpat {
	uint8_t v[3];
	bool any[3];
};

enum time_ref { TIME_PERIOD = 0, TIME_HOURS, TIME_HOLIDAY };

struct cond {
	uint8_t kind; /* enum cond_kind */
	uint8_t op;   /* enum cmp_op */
	bool negate;
	union {
		enum ward_level level;
		struct {
			int32_t type; /* index in pii_types, -1 for any */
			uint32_t count;
		} pii;
		uint64_t size;
		uint32_t bus_mask; /* 1 << enum device_bus */
		uint32_t index;	   /* devlist, fingerprint set */
		struct {
			struct pattern *v;
			uint32_t n;
		} strs;
		struct {
			struct idpat *v;
			uint32_t n;
		} ids;
		struct {
			struct ifpat *v;
			uint32_t n;
		} ifs;
		struct {
			uint8_t ref; /* enum time_ref */
			uint32_t index;
		} time;
		uint8_t event_mask; /* 1 << enum policy_event_kind */
	} u;
};

struct rule {
	uint8_t section; /* enum section */
	uint8_t action;	 /* enum policy_action or enum policy_device_action */
	bool strict;	 /* no-exemption */
	bool catch_all;
	bool uses_time;
	uint16_t n_conds;
	struct cond *conds;
	const char *file; /* base name */
	const char *path; /* as given, for errors */
	unsigned line;
	const char *text;
	const char *reason;
};

struct period {
	const char *name;
	int64_t first_day, last_day; /* local days, inclusive */
};

#define HOURS_MAX_SPANS 4
struct hours {
	const char *name;
	uint8_t n_spans[7]; /* by weekday, 0 = Sunday */
	struct {
		uint16_t start, end; /* minutes of the day, end exclusive */
	} spans[7][HOURS_MAX_SPANS];
};

struct devlist_entry {
	struct cond *conds; /* all must match */
	uint32_t n_conds;
};

struct devlist {
	const char *name;
	struct devlist_entry *entries; /* any may match */
	uint32_t n_entries;
};

struct fpset {
	const char *name;
	unsigned char (*digests)[32]; /* sorted */
	uint32_t n;
};

struct trusted_key {
	const char *name;
	const char *path;
	unsigned char raw[32]; /* Ed25519 public key */
};

struct arena_block;

struct policy {
	atomic_int refs;
	struct arena_block *arena;

	struct rule *rules[SECTION_COUNT];
	size_t n_rules[SECTION_COUNT], cap_rules[SECTION_COUNT];

	struct period *periods;
	size_t n_periods;
	struct hours *hours;
	size_t n_hours;
	int64_t *holidays; /* sorted local days */
	size_t n_holidays;
	struct devlist *devlists;
	size_t n_devlists;
	struct fpset *fpsets;
	size_t n_fpsets;
	struct trusted_key *keys;
	size_t n_keys;

	struct tz tz;
	const char *tz_name;

	const char *messages[POLICY_NOTICE_MAX + 1][2];
	const char *contact;
	uint8_t fail_mode[4];	       /* by enum device_bus */
	bool report_failure_blocks[4]; /* by enum device_bus */
	uint32_t deadline_ms;
	uint32_t report_mask; /* 1 << enum policy_action */
	bool report_devices;
	bool report_file_names;
	const char *tokens_dir;
	/* approvals found in tokens_dir at load time, signatures checked */
	struct policy_token **tokens;
	size_t n_tokens;
	struct policy_token_problem *token_problems;
	size_t n_token_problems;

	size_t n_files;
	unsigned char version[32]; /* policy_version() */
	bool oom;		   /* an allocation failed while loading: the load fails */
};

/* Known personal-data types, as classify_result.pii[].type names them. */
extern const char *const pii_types[];
extern const size_t n_pii_types;

void *arena_alloc(struct policy *p, size_t size);
char *arena_strndup(struct policy *p, const char *s, size_t len);
void arena_free_all(struct policy *p);

/* Engine helpers the parser uses for defaults. */
void policy_set_defaults(struct policy *p);

/* ---- tokens (token.c) ---- */

struct policy_token {
	struct policy_token_fields f;
	bool signature_checked; /* policy_token_attach said the signature is good */
	unsigned char key[32];	/* ... with this supervisor key */
	unsigned char signature[64];
};

/* Does a verified token lift a block for this event?  Returns APPLIED, or
 * the first reason it does not; *progress says how many checks passed (to
 * report the nearest miss among several tokens).  No I/O. */
/* Reads every *.tok file in p->tokens_dir (a missing directory holds
 * none), keeps those whose signature a trusted supervisor made, and lists
 * the others in p->token_problems.  Load time only. */
void tokens_load_dir(struct policy *p);
void tokens_free_all(struct policy *p);
/* Index of the first of p->tokens (sorted by user) for user, or n_tokens. */
size_t tokens_first_of_user(const struct policy *p, const char *user);

enum policy_token_status token_match(const struct policy *p, const struct policy_token *tok,
				     const struct policy_event *ev, int *progress);

#endif
