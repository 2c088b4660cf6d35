/* The policy parser's shared state and helpers.  The parser is one file per
 * part of the language, in the order policy/README.md describes it:
 *
 *	lex.c       diagnostics and the lexer (text -> tokens, comments)
 *	values.c    token helpers: words, sets, numbers, comparisons, names
 *	declare.c   period, hours, holiday, devices, fingerprints, trust
 *	settings.c  timezone, message, contact, fail-mode, deadline, report, tokens
 *	cond.c      the conditions of rules and device lists
 *	rule.c      device and copy rules
 *	parse.c     one file's text -> statements -> the statement parsers
 *	load.c      whole-policy checks and loading: the only file that does I/O
 *
 * Nothing outside the parser includes this. */
#ifndef WARD_POLICY_PARSER_H
#define WARD_POLICY_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "policy/internal.h"

#define POLICY_FILE_MAX (4u << 20)
#define MAX_CONDS 32
#define MAX_VALUES 256
#define MAX_DEVLIST_ENTRIES 4096
/* Bounds that keep loading linear-ish on hostile input (names are looked
 * up by linear search) and decisions bounded on absurd policies. */
#define MAX_NAMES 1024 /* periods, hours, device and fingerprint lists */
#define MAX_KEYS 64
#define MAX_HOLIDAYS 4096
#define MAX_RULES 10000 /* per section */
#define MAX_ERRORS 1000
#define MAX_FINGERPRINTS (1u << 22) /* in one sha256sum file */

enum tok_type { T_WORD, T_STRING, T_LBRACE, T_RBRACE, T_SEMI, T_OP };

struct token {
	uint8_t type;
	bool bol; /* first token on its line */
	const char *s;
	size_t len;
	unsigned line, col;
	size_t off, end; /* byte span in the source */
};

struct comment {
	unsigned line;
	const char *s;
	size_t len;
};

/* State across all files of one load. */
struct load {
	struct policy *p;
	struct policy_diag *diag;
	bool failed;
	/* the first catch-all of each section, for unreachable rules */
	const struct rule *catch_all[SECTION_COUNT];
};

struct parser {
	struct load *ld;
	struct policy *p;
	const char *path;
	const char *file;
	const char *base_dir;
	const char *text;
	size_t len;
	struct token *toks;
	size_t n_toks, cap_toks;
	struct comment *comments;
	size_t n_comments, cap_comments;
	unsigned lex_error_line; /* last line with a lexing error, 0 if none */
	/* the statement being parsed: toks[pos..end) */
	size_t start, pos, end;
};

/* ---- lex.c ---- */

/* Records an error at line:col of the file being parsed; the load fails. */
void perr_at(struct parser *ps, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define perr(ps, tok, ...) perr_at(ps, (tok)->line, (tok)->col, __VA_ARGS__)
/* Columns are counted in characters, not bytes. */
unsigned utf8_len(const char *s, size_t n);
/* Splits ps->text into ps->toks and ps->comments.  False when out of
 * memory; lexing errors are reported and lexing goes on. */
bool policy_lex(struct parser *ps);

/* ---- values.c ---- */

static inline bool tok_is(const struct token *t, const char *word)
{
	return t && (t->type == T_WORD || t->type == T_OP) && strlen(word) == t->len &&
	       memcmp(t->s, word, t->len) == 0;
}

static inline struct token *peek(struct parser *ps)
{
	return ps->pos < ps->end ? &ps->toks[ps->pos] : NULL;
}

static inline struct token *next(struct parser *ps)
{
	return ps->pos < ps->end ? &ps->toks[ps->pos++] : NULL;
}

static inline bool is_value(const struct token *t)
{
	return t && (t->type == T_WORD || t->type == T_STRING);
}

/* Where "something is missing" errors point: just after the statement. */
void perr_missing(struct parser *ps, const char *what);
char *tok_dup(struct parser *ps, const struct token *t);
/* A printable copy of a token for messages (bounded). */
const char *tok_show(const struct token *t, char *buf, size_t size);
#define SHOW(t) tok_show((t), (char[96]){0}, 96)

/* Reads one value or a set: VALUE | one-of { V V ; V } | { V V }.
 * Fills vals (up to MAX_VALUES); returns the count, or -1 after an error. */
int parse_values(struct parser *ps, const char *what, struct token **vals);
bool end_of_statement(struct parser *ps);
bool expect_name(struct parser *ps, const char *what, struct token **out);
bool expect_op(struct parser *ps, const char *what, uint8_t *op);
bool parse_u64(const char *s, size_t len, uint64_t *out);
bool parse_hex_n(const char *s, size_t len, unsigned *out);
/* Words become fnmatch patterns when they hold * or ?; quoted strings are
 * literal. */
bool to_patterns(struct parser *ps, struct token **vals, int n, struct cond *c);
/* An absolute path, or one relative to the policy's directory. */
char *resolve_path(struct parser *ps, const struct token *t);

/* Declared names, looked up in arrays of structs whose first member (at
 * name_off) is the name. */
void list_names(char *buf, size_t size, const void *arr, size_t n, size_t stride, size_t name_off);
long find_name(const void *arr, size_t n, size_t stride, size_t name_off, const struct token *t);
#define FIND(arr, n, t) find_name((arr), (n), sizeof(*(arr)), 0, (t))
/* Doubles *arr when n reaches a power of two; sets p->oom on failure. */
bool policy_grow(struct policy *p, void **arr, size_t n, size_t stride);
#define GROW(arr, n) policy_grow(p, (void **)&(arr), (n), sizeof(*(arr)))

/* ---- declare.c, settings.c, rule.c: one function a statement ---- */

void stmt_period(struct parser *ps);
void stmt_hours(struct parser *ps);
void stmt_holiday(struct parser *ps);
void stmt_devices(struct parser *ps);
void stmt_fingerprints(struct parser *ps);
void stmt_trust(struct parser *ps);

void stmt_timezone(struct parser *ps);
void stmt_message(struct parser *ps);
void stmt_fail_mode(struct parser *ps);
void stmt_deadline(struct parser *ps);
void stmt_report(struct parser *ps);
void stmt_report_failure(struct parser *ps);
void stmt_string_setting(struct parser *ps, const char **dst, bool is_path);
/* An action word of the section: enum policy_action or
 * enum policy_device_action, -1 if none. */
int parse_action(const struct token *t, enum section section);
/* A destination word (removable, usb, ...) as a mask of 1 << enum
 * device_bus; -1 if none. */
int parse_dest(const struct token *t, uint32_t *mask);

void stmt_rule(struct parser *ps, enum section section);

/* ---- cond.c ---- */

bool parse_cond(struct parser *ps, enum section section, struct cond *c, bool in_devlist);

/* ---- parse.c ---- */

/* Parses one file's text into ld->p; errors go to ld->diag. */
void parse_text(struct load *ld, const char *path, const char *base_dir, const char *text,
		size_t len);

/* ---- load.c: the files a policy names ---- */

/* Reads a sha256sum-format file into a heap array of digests (unsorted).
 * False after reporting at path_tok (*digests is then NULL). */
bool load_fingerprint_file(struct parser *ps, const struct token *path_tok, const char *path,
			   unsigned char (**digests)[32], size_t *n);
/* Reads the Ed25519 public key (PEM) a `trust supervisor` names.  False
 * after reporting at path_tok. */
bool load_trusted_key(struct parser *ps, const struct token *path_tok, const char *path,
		      unsigned char raw[32]);

#endif
