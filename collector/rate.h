/* Token buckets per client (a certificate's CN or an address), in a fixed
 * table: the agent listener's request rate, the console's sign-in
 * attempts.  A slot taken by someone idle for a minute is reused; two
 * active clients that hash alike share a bucket. */
#ifndef WARD_COLLECTOR_RATE_H
#define WARD_COLLECTOR_RATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define RATE_SLOTS 1024
#define RATE_KEY_MAX 128

struct rate_table {
	pthread_mutex_t lock;
	double rate;  /* tokens per second (<= 0: no limit) */
	double burst; /* bucket size */
	struct {
		char key[RATE_KEY_MAX];
		double tokens;
		uint64_t at_ms;
	} slots[RATE_SLOTS];
};

void rate_init(struct rate_table *t, double rate, double burst);
void rate_destroy(struct rate_table *t);
/* Takes a token from key's bucket; false when it is empty. */
bool rate_allow(struct rate_table *t, const char *key);

#endif
