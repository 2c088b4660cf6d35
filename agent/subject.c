#define _GNU_SOURCE
#include "agent/subject.h"

#include <grp.h>
#include <pwd.h>
#include <string.h>

#include "agent/agent.h"
#include "common/util.h"

void subject_init(struct subject *s, pid_t pid)
{
	s->pid = pid;
	s->have_opener = false;
	s->have_groups = false;
	s->gone = false;
	s->user[0] = '\0';
	s->n_groups = 0;
	s->n_group_names = 0;
}

const struct fan_opener *subject_opener(struct agent *a, struct subject *s)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (s->have_opener)
		return &s->opener;
	s->have_opener = true;
	memset(&s->opener, 0, sizeof(s->opener));
	if (a->ops->opener(s->pid, &s->opener) < 0) {
		memset(&s->opener, 0, sizeof(s->opener));
		s->opener.gid = (gid_t)-1;
		s->gone = true;
	}
	s->opener.pid = s->pid;
	if (s->gone)
		s->opener.uid = s->opener.euid = s->opener.loginuid = (uid_t)-1;
	if (s->opener.uid != (uid_t)-1 &&
	    getpwuid_r(s->opener.uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		str_copy(s->user, sizeof(s->user), res->pw_name);
	return &s->opener;
}

static void add_group(struct subject *s, gid_t g)
{
	for (size_t i = 0; i < s->n_groups; i++)
		if (s->groups[i] == g)
			return;
	if (s->n_groups < SUBJECT_MAX_GROUPS)
		s->groups[s->n_groups++] = g;
}

void subject_groups(struct agent *a, struct subject *s)
{
	const struct fan_opener *o = subject_opener(a, s);
	char buf[1024];

	if (s->have_groups)
		return;
	s->have_groups = true;
	if (o->uid != (uid_t)-1)
		add_group(s, o->gid);
	for (size_t i = 0; i < o->n_groups; i++)
		add_group(s, o->groups[i]);
	for (size_t i = 0; i < s->n_groups; i++) {
		struct group gr, *res = NULL;

		if (getgrgid_r(s->groups[i], &gr, buf, sizeof(buf), &res) != 0 || !res)
			continue;
		str_copy(s->group_text[s->n_group_names], sizeof(s->group_text[0]), res->gr_name);
		s->group_names[s->n_group_names] = s->group_text[s->n_group_names];
		s->n_group_names++;
	}
}
