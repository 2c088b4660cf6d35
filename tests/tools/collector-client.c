/* collector-client: an agent's side of protocol §3 for the collector's
 * tests and benchmark (libcurl, the CA pinned), from a record log state
 * directory that report-chain (or wardd) wrote.
 *
 *   collector-client enroll URL TOKEN STATE OUT CA
 *       enrolls STATE's identity: writes OUT/client.key, OUT/client.pem, OUT/enroll.json
 *   collector-client post URL PATH OUT CA BODYFILE
 *       POSTs BODYFILE with OUT's client certificate; prints the reply, exit 0 on 200,
 *       3 on another status (printed on stderr as "HTTP <code>")
 *   collector-client heartbeat STATE SEQ HASH BOOT OBSERVED_AT
 *       prints a heartbeat JWS signed with STATE's identity key
 *   collector-client receipts REPLY RECORDS VKEY [OLD_CHECKPOINT]
 *       checks every receipt in a /v1/records reply: the inclusion proof of each
 *       record (line i of RECORDS) against the checkpoint, the checkpoint's signature
 *       with VKEY, and consistency with OLD_CHECKPOINT; exit 0 when all hold
 *   collector-client load URL CA BATCH DIR...
 *       each DIR (an enrolled agent: DIR/state, DIR/agent) posts its whole log in
 *       batches of BATCH, all agents at once; prints records, seconds, records/s */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ed25519.h"
#include "common/json.h"
#include "common/jws.h"
#include "common/merkle.h"
#include "common/note.h"
#include "common/util.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n + 65536 + 1 > cap) {
			char *g = realloc(buf, cap = (n + 65536) * 2);

			if (!g) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = g;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static int spit(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f || fputs(text, f) < 0) {
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f);
}

struct buf {
	char *p;
	size_t n;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct buf *b = ctx;
	char *g = realloc(b->p, b->n + size * nmemb + 1);

	if (!g)
		return 0;
	memcpy(g + b->n, data, size * nmemb);
	b->p = g;
	b->n += size * nmemb;
	b->p[b->n] = '\0';
	return size * nmemb;
}

/* POSTs body to url (client certificate from out/ when out is set);
 * *reply gets the answer.  Returns the HTTP status or -1. */
static long post(CURL *curl, const char *url, const char *out, const char *ca, const char *body,
		 size_t len, char **reply)
{
	char cert[4096], key[4096];
	struct buf b = {0};
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	long code = -1;

	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CAINFO, ca);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
	if (out) {
		snprintf(cert, sizeof(cert), "%s/client.pem", out);
		snprintf(key, sizeof(key), "%s/client.key", out);
		curl_easy_setopt(curl, CURLOPT_SSLCERT, cert);
		curl_easy_setopt(curl, CURLOPT_SSLKEY, key);
	}
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	*reply = b.p ? b.p : strdup("");
	return code;
}

/* A P-256 key and a CSR naming cn, both PEM. */
static int make_csr(const char *cn, char **key_pem, char **csr_pem)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509_REQ *req = X509_REQ_new();
	BIO *kb = BIO_new(BIO_s_mem()), *cb = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int ok = k && req && kb && cb &&
		 X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_UTF8,
					    (const unsigned char *)cn, -1, -1, 0) == 1 &&
		 X509_REQ_set_pubkey(req, k) == 1 && X509_REQ_sign(req, k, EVP_sha256()) > 0 &&
		 PEM_write_bio_PrivateKey(kb, k, NULL, NULL, 0, NULL, NULL) == 1 &&
		 PEM_write_bio_X509_REQ(cb, req) == 1;

	if (ok) {
		n = BIO_get_mem_data(kb, &data);
		*key_pem = strndup(data, (size_t)n);
		n = BIO_get_mem_data(cb, &data);
		*csr_pem = strndup(data, (size_t)n);
	}
	BIO_free(kb);
	BIO_free(cb);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
	return ok ? 0 : -1;
}

static void agent_id_of(const unsigned char pub[32], char out[33])
{
	unsigned char md[32];

	EVP_Digest(pub, 32, md, NULL, EVP_sha256(), NULL);
	hex_encode(md, 16, out);
}

static int cmd_enroll(const char *url, const char *token, const char *state, const char *out,
		      const char *ca)
{
	char path[4096], id[33], jwk[ED25519_JWK_MAX], kid[64], full[4096];
	char *r1 = NULL, *key = NULL, *csr = NULL, *payload, *jws = NULL, *reply = NULL;
	struct ed25519_key ik;
	size_t plen, jlen;
	json_t *p;
	long code;
	CURL *curl = curl_easy_init();

	snprintf(path, sizeof(path), "%s/keys/identity.key", state);
	if (ed25519_load_private_pem(path, &ik) < 0)
		return fprintf(stderr, "%s: no identity key\n", path), 1;
	snprintf(path, sizeof(path), "%s/keys/ratchet-1.pub", state);
	r1 = slurp(path, NULL);
	agent_id_of(ik.pub, id);
	ed25519_jwk(ik.pub, jwk);
	if (!r1 || make_csr(id, &key, &csr) < 0)
		return fprintf(stderr, "enroll: ratchet-1.pub or CSR\n"), 1;
	json_error_t jerr;

	p = json_pack_ex(&jerr, 0, "{sisssososss{ssssss}ss}", "v", 1, "token", token,
			 "identity_key", wjson_parse(jwk, strlen(jwk), NULL, 0), "ratchet_key",
			 wjson_parse(r1, strlen(r1), NULL, 0), "csr", csr, "host", "hostname",
			 "test-desk", "machine_id", id, "os", "Debian 12", "observed_at",
			 "2022-01-25T02:00:00.000Z");
	payload = p ? wjson_canonical(p, &plen) : NULL;
	snprintf(kid, sizeof(kid), "%s/id", id);
	if (!payload || jws_sign(&ik, kid, payload, plen, &jws, &jlen) < 0)
		return fprintf(stderr, "enroll: cannot build the request: %s\n", jerr.text), 1;
	snprintf(full, sizeof(full), "%s/v1/enroll", url);
	code = post(curl, full, NULL, ca, jws, jlen, &reply);
	printf("%s\n", reply);
	if (code == 200) {
		json_t *r = wjson_parse(reply, strlen(reply), NULL, 0);

		spit(out, "client.key", key);
		spit(out, "client.pem", wjson_str(r, "client_cert"));
		spit(out, "enroll.json", reply);
		json_decref(r);
	} else {
		fprintf(stderr, "HTTP %ld\n", code);
	}
	curl_easy_cleanup(curl);
	json_decref(p);
	free(payload);
	free(jws);
	free(reply);
	free(r1);
	free(key);
	free(csr);
	ed25519_free(&ik);
	return code == 200 ? 0 : 3;
}

static int cmd_post(const char *url, const char *path, const char *out, const char *ca,
		    const char *file)
{
	char full[4096], *reply = NULL;
	size_t len;
	char *body = slurp(file, &len);
	CURL *curl = curl_easy_init();
	long code;

	if (!body)
		return fprintf(stderr, "%s: unreadable\n", file), 1;
	snprintf(full, sizeof(full), "%s%s", url, path);
	code = post(curl, full, out, ca, body, len, &reply);
	printf("%s\n", reply);
	if (code != 200)
		fprintf(stderr, "HTTP %ld\n", code);
	curl_easy_cleanup(curl);
	free(body);
	free(reply);
	return code == 200 ? 0 : 3;
}

static int cmd_heartbeat(const char *state, const char *seq, const char *hash, const char *boot,
			 const char *at)
{
	char path[4096], id[33], kid[64];
	struct ed25519_key ik;
	char *payload, *jws = NULL;
	size_t plen, jlen;
	json_t *p;

	snprintf(path, sizeof(path), "%s/keys/identity.key", state);
	if (ed25519_load_private_pem(path, &ik) < 0)
		return 1;
	agent_id_of(ik.pub, id);
	p = json_pack("{sisssssssssIsssIssssss}", "v", 1, "kind", "heartbeat", "agent_id", id,
		      "host", "test-desk", "boot_id", boot, "head_seq",
		      (json_int_t)strtoll(seq, NULL, 10), "head_hash", hash, "backlog",
		      (json_int_t)0, "observed_at", at, "version", "test", "policy_version", "0");
	payload = wjson_canonical(p, &plen);
	snprintf(kid, sizeof(kid), "%s/id", id);
	jws_sign(&ik, kid, payload, plen, &jws, &jlen);
	printf("%s\n", jws);
	json_decref(p);
	free(payload);
	free(jws);
	ed25519_free(&ik);
	return 0;
}

/* line i (0-based) of text, as [*p, *len). */
static bool nth_line(const char *text, size_t i, const char **p, size_t *len)
{
	const char *s = text;

	while (i-- > 0 && (s = strchr(s, '\n')))
		s++;
	if (!s || !*s)
		return false;
	*p = s;
	*len = strcspn(s, "\n");
	return true;
}

static int cmd_receipts(const char *reply_file, const char *records_file, const char *vkey,
			const char *old_file)
{
	char *reply = slurp(reply_file, NULL), *records = slurp(records_file, NULL);
	json_t *r = reply ? wjson_parse(reply, strlen(reply), NULL, 0) : NULL, *res;
	const char *note = wjson_str(r, "checkpoint");
	struct note_verifier v;
	struct checkpoint cp, old;
	merkle_hash proof[MERKLE_MAX_PROOF], leaf;
	size_t count, i, bad = 0, checked = 0;

	if (!r || !records || !note || note_verifier_parse(vkey, &v) < 0 ||
	    checkpoint_open(note, strlen(note), &v, NULL, &cp) < 0) {
		fprintf(stderr, "receipts: reply, records, key or checkpoint unusable\n");
		json_decref(r);
		free(reply);
		free(records);
		return 1;
	}
	json_array_foreach(json_object_get(r, "results"), i, res)
	{
		const char *line;
		size_t len;
		int64_t index;

		if (!wjson_int(res, "index", &index))
			continue;
		checked++;
		if (!nth_line(records, i, &line, &len) ||
		    !wjson_hash_array_parse(json_object_get(res, "proof"), proof, MERKLE_MAX_PROOF,
					    &count) ||
		    merkle_leaf_hash(line, len, leaf) < 0 ||
		    !merkle_verify_inclusion(leaf, (uint64_t)index, cp.size, proof, count,
					     cp.root)) {
			fprintf(stderr, "receipt %zu (index %" PRId64 ") does not verify\n", i,
				index);
			bad++;
		}
	}
	if (old_file) {
		char *o = slurp(old_file, NULL);

		if (!o || checkpoint_open(o, strlen(o), &v, NULL, &old) < 0 ||
		    !wjson_hash_array_parse(json_object_get(r, "consistency"), proof,
					    MERKLE_MAX_PROOF, &count) ||
		    !merkle_verify_consistency(old.size, cp.size, old.root, cp.root, proof,
					       count)) {
			fprintf(stderr, "the checkpoint is not consistent with the old one\n");
			bad++;
		}
		free(o);
	}
	printf("receipts: %zu checked, %zu bad, tree %" PRIu64 "\n", checked, bad, cp.size);
	json_decref(r);
	free(reply);
	free(records);
	return bad ? 1 : 0;
}

struct load_job {
	const char *url, *ca, *dir;
	int batch;
	uint64_t records;
	int error;
};

/* Every line of DIR/state/log/seg-*.jws, in order. */
static char *all_records(const char *dir, size_t *len)
{
	char pattern[4096];
	glob_t g;
	char *all = NULL;
	size_t n = 0;

	snprintf(pattern, sizeof(pattern), "%s/state/log/seg-*.jws", dir);
	if (glob(pattern, 0, NULL, &g) != 0)
		return NULL;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		size_t l;
		char *t = slurp(g.gl_pathv[i], &l), *grown;

		if (!t || !(grown = realloc(all, n + l + 1))) {
			free(t);
			free(all);
			globfree(&g);
			return NULL;
		}
		all = grown;
		memcpy(all + n, t, l);
		n += l;
		all[n] = '\0';
		free(t);
	}
	globfree(&g);
	*len = n;
	return all;
}

static void *load_agent(void *arg)
{
	struct load_job *j = arg;
	char url[4096], out[4096], *reply = NULL;
	size_t len;
	char *all = all_records(j->dir, &len), *p = all;
	CURL *curl = curl_easy_init();

	snprintf(url, sizeof(url), "%s/v1/records", j->url);
	snprintf(out, sizeof(out), "%s/agent", j->dir);
	while (p && *p && !j->error) {
		json_t *body = json_pack("{s[]sI}", "records", "known_size", (json_int_t)0);
		json_t *recs = json_object_get(body, "records");
		char *text;
		size_t tlen;

		for (int k = 0; k < j->batch && *p; k++) {
			size_t l = strcspn(p, "\n");

			json_array_append_new(recs, json_stringn(p, l));
			p += l + (p[l] == '\n');
		}
		text = wjson_canonical(body, &tlen);
		if (post(curl, url, out, j->ca, text, tlen, &reply) != 200)
			j->error = 1;
		else
			j->records += json_array_size(recs);
		free(reply);
		free(text);
		json_decref(body);
	}
	if (!all)
		j->error = 1;
	curl_easy_cleanup(curl);
	free(all);
	return NULL;
}

static int cmd_load(const char *url, const char *ca, int batch, int n, char **dirs)
{
	struct load_job *jobs = calloc((size_t)n, sizeof(*jobs));
	pthread_t *threads = calloc((size_t)n, sizeof(*threads));
	uint64_t start = monotonic_ns(), total = 0;
	double secs;
	int errors = 0;

	for (int i = 0; i < n; i++) {
		jobs[i] = (struct load_job){.url = url, .ca = ca, .dir = dirs[i], .batch = batch};
		pthread_create(&threads[i], NULL, load_agent, &jobs[i]);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(threads[i], NULL);
		total += jobs[i].records;
		errors += jobs[i].error;
	}
	secs = (double)(monotonic_ns() - start) / 1e9;
	printf("records %" PRIu64 " seconds %.3f rate %.0f errors %d\n", total, secs,
	       (double)total / secs, errors);
	free(jobs);
	free(threads);
	return errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (argc == 7 && strcmp(argv[1], "enroll") == 0)
		return cmd_enroll(argv[2], argv[3], argv[4], argv[5], argv[6]);
	if (argc == 7 && strcmp(argv[1], "post") == 0)
		return cmd_post(argv[2], argv[3], argv[4], argv[5], argv[6]);
	if (argc == 7 && strcmp(argv[1], "heartbeat") == 0)
		return cmd_heartbeat(argv[2], argv[3], argv[4], argv[5], argv[6]);
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "receipts") == 0)
		return cmd_receipts(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
	if (argc >= 6 && strcmp(argv[1], "load") == 0)
		return cmd_load(argv[2], argv[3], atoi(argv[4]), argc - 5, argv + 5);
	fprintf(stderr, "usage: collector-client enroll|post|heartbeat|receipts|load ...\n");
	return 2;
}
