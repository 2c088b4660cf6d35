#include "agent/media.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct media {
	pthread_rwlock_t lock;
	struct medium v[MEDIA_MAX];
	size_t n;
};

int media_new(struct media **out)
{
	struct media *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	pthread_rwlock_init(&m->lock, NULL);
	*out = m;
	return 0;
}

void media_free(struct media *m)
{
	if (!m)
		return;
	pthread_rwlock_destroy(&m->lock);
	free(m);
}

int media_add(struct media *m, const struct medium *medium)
{
	int r = 0;

	pthread_rwlock_wrlock(&m->lock);
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].mount_id == medium->mount_id)
			r = -EEXIST;
	if (r == 0 && m->n == MEDIA_MAX)
		r = -ENOSPC;
	if (r == 0)
		m->v[m->n++] = *medium;
	pthread_rwlock_unlock(&m->lock);
	return r;
}

bool media_remove(struct media *m, int mount_id, struct medium *out)
{
	bool found = false;

	pthread_rwlock_wrlock(&m->lock);
	for (size_t i = 0; i < m->n; i++) {
		if (m->v[i].mount_id != mount_id)
			continue;
		if (out)
			*out = m->v[i];
		m->v[i] = m->v[--m->n];
		found = true;
		break;
	}
	pthread_rwlock_unlock(&m->lock);
	return found;
}

bool media_lookup_dev(struct media *m, dev_t st_dev, struct medium *out)
{
	bool found = false;

	pthread_rwlock_rdlock(&m->lock);
	for (size_t i = 0; i < m->n && !found; i++) {
		if (m->v[i].st_dev == st_dev) {
			if (out)
				*out = m->v[i];
			found = true;
		}
	}
	pthread_rwlock_unlock(&m->lock);
	return found;
}

bool media_lookup_mount(struct media *m, int mount_id, struct medium *out)
{
	bool found = false;

	pthread_rwlock_rdlock(&m->lock);
	for (size_t i = 0; i < m->n && !found; i++) {
		if (m->v[i].mount_id == mount_id) {
			if (out)
				*out = m->v[i];
			found = true;
		}
	}
	pthread_rwlock_unlock(&m->lock);
	return found;
}

size_t media_devs(struct media *m, dev_t *devs, size_t max)
{
	size_t n = 0;

	pthread_rwlock_rdlock(&m->lock);
	for (size_t i = 0; i < m->n && n < max; i++)
		devs[n++] = m->v[i].st_dev;
	pthread_rwlock_unlock(&m->lock);
	return n;
}

size_t media_count(struct media *m)
{
	size_t n;

	pthread_rwlock_rdlock(&m->lock);
	n = m->n;
	pthread_rwlock_unlock(&m->lock);
	return n;
}

size_t media_list(struct media *m, struct medium *out, size_t max)
{
	size_t n = 0;

	pthread_rwlock_rdlock(&m->lock);
	for (size_t i = 0; i < m->n && n < max; i++)
		out[n++] = m->v[i];
	pthread_rwlock_unlock(&m->lock);
	return n;
}
