#include "agent/decide.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"

struct decide {
	pthread_mutex_t lock; /* guards current only; never held while deciding */
	struct policy *current;
	char path[PATH_MAX];
	unsigned reloads_ok, reloads_failed;
};

const struct ward_device decide_internal_device = {.bus = DEVICE_BUS_INTERNAL};

static struct policy *load_logged(const char *path)
{
	struct policy_diag diag = {0};
	struct policy *p = policy_load(path, &diag);

	if (p) {
		const struct policy_token_problem *probs = NULL;
		size_t n = policy_token_problems(p, &probs);

		/* A refused approval must not fail silently: the supervisor
		 * believes it is in force. */
		for (size_t i = 0; i < n; i++)
			log_warnx("approval token %s refused: %s (%s)", probs[i].path,
				  policy_token_status_text(probs[i].status),
				  probs[i].detail ? probs[i].detail : "");
		if (policy_tokens_dir(p))
			log_info("%zu approval token(s) in force from %s", policy_tokens_loaded(p),
				 policy_tokens_dir(p));
	} else {
		for (size_t i = 0; i < diag.n_errors; i++)
			log_warnx("policy %s:%u:%u: %s", diag.errors[i].file, diag.errors[i].line,
				  diag.errors[i].col, diag.errors[i].message);
		if (diag.n_errors == 0)
			log_warnx("policy %s: cannot be loaded", path);
	}
	policy_diag_free(&diag);
	return p;
}

int decide_open(const char *path, struct decide **out)
{
	struct decide *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	if (!str_copy(d->path, sizeof(d->path), path)) {
		free(d);
		return -ENAMETOOLONG;
	}
	d->current = load_logged(path);
	if (!d->current) {
		free(d);
		return -EINVAL;
	}
	pthread_mutex_init(&d->lock, NULL);
	*out = d;
	return 0;
}

void decide_free(struct decide *d)
{
	if (!d)
		return;
	policy_unref(d->current);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

int decide_reload(struct decide *d)
{
	struct policy *next = load_logged(d->path);
	struct policy *old;
	char summary[256];

	if (!next) {
		log_warnx("policy reload from %s failed: keeping the policy in force", d->path);
		pthread_mutex_lock(&d->lock);
		d->reloads_failed++;
		pthread_mutex_unlock(&d->lock);
		return -EINVAL;
	}
	pthread_mutex_lock(&d->lock);
	old = d->current;
	d->current = next;
	d->reloads_ok++;
	pthread_mutex_unlock(&d->lock);
	policy_unref(old);
	policy_summary(next, summary, sizeof(summary));
	log_info("policy reloaded from %s: %s", d->path, summary);
	return 0;
}

struct policy *decide_acquire(struct decide *d)
{
	struct policy *p;

	pthread_mutex_lock(&d->lock);
	p = policy_ref(d->current);
	pthread_mutex_unlock(&d->lock);
	return p;
}

void decide_reload_counts(struct decide *d, unsigned *ok, unsigned *failed)
{
	pthread_mutex_lock(&d->lock);
	*ok = d->reloads_ok;
	*failed = d->reloads_failed;
	pthread_mutex_unlock(&d->lock);
}
