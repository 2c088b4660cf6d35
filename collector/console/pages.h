/* The console's pages: one handler per route (server.c's table), each in
 * the file of its part. */
#ifndef WARD_CONSOLE_PAGES_H
#define WARD_CONSOLE_PAGES_H

#include "collector/console/web.h"

/* signin.c */
void page_signin_form(struct page *pg);
void page_signin(struct page *pg);
void page_signout(struct page *pg);
void page_password_form(struct page *pg);
void page_password(struct page *pg);
void page_lang(struct page *pg);
void page_home(struct page *pg);

/* incidents.c, incident.c, review.c */
void page_incidents(struct page *pg);
void page_incident(struct page *pg);
void page_incident_state(struct page *pg);
void page_incident_assign(struct page *pg);
void page_incident_comment(struct page *pg);

/* approve.c */
void page_approve_form(struct page *pg);
void page_approve(struct page *pg);
void page_approvals(struct page *pg);
void page_approval_revoke(struct page *pg);

/* agents.c */
void page_agents(struct page *pg);
void page_token_create(struct page *pg);
void page_token_revoke(struct page *pg);
void page_desk(struct page *pg);

/* dashboard.c */
void page_dashboard(struct page *pg);

/* export.c */
void page_csv(struct page *pg);
void page_bundle(struct page *pg);

/* admin.c */
void page_users(struct page *pg);
void page_user_create(struct page *pg);
void page_user_change(struct page *pg);
void page_periods(struct page *pg);
void page_period_add(struct page *pg);
void page_period_delete(struct page *pg);
void page_trust(struct page *pg);

/* assets.c: /static/NAME from the files built into the program. */
void page_static(struct page *pg);

#endif
