/* The policy in force, swapped atomically on reload while workers decide
 * with the one they hold.  A mutex guards only the pointer and the
 * reference count taken under it; loading and freeing happen outside. */
#include <pthread.h>
#include <stdlib.h>

#include "policy/internal.h"

struct policy_current {
	pthread_mutex_t lock;
	struct policy *policy;
};

struct policy_current *policy_current_new(struct policy *initial)
{
	struct policy_current *cur = calloc(1, sizeof(*cur));

	if (!cur)
		return NULL;
	if (pthread_mutex_init(&cur->lock, NULL) != 0) {
		free(cur);
		return NULL;
	}
	cur->policy = initial;
	return cur;
}

struct policy *policy_current_get(struct policy_current *cur)
{
	struct policy *p;

	pthread_mutex_lock(&cur->lock);
	p = policy_ref(cur->policy);
	pthread_mutex_unlock(&cur->lock);
	return p;
}

void policy_current_set(struct policy_current *cur, struct policy *next)
{
	struct policy *old;

	pthread_mutex_lock(&cur->lock);
	old = cur->policy;
	cur->policy = next;
	pthread_mutex_unlock(&cur->lock);
	policy_unref(old);
}

int policy_current_reload(struct policy_current *cur, const char *path, struct policy_diag *diag)
{
	struct policy *next = policy_load(path, diag);

	if (!next)
		return -1;
	policy_current_set(cur, next);
	return 0;
}

void policy_current_free(struct policy_current *cur)
{
	if (!cur)
		return;
	policy_unref(cur->policy);
	pthread_mutex_destroy(&cur->lock);
	free(cur);
}
