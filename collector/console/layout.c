/* What every page has: the head (our stylesheet and script, nothing
 * inline), the navigation for the user's role, the language switch,
 * sign-out; error pages and redirects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/console/web.h"
#include "common/i18n.h"

void page_send(struct page *pg, int status)
{
	size_t len;

	pg->reply->status = status;
	pg->reply->content_type = "text/html; charset=utf-8";
	pg->reply->body = html_take(&pg->h, &len);
	pg->reply->body_len = len;
	if (!pg->reply->body) {
		pg->reply->status = 500;
		pg->reply->body = strdup("out of memory");
		pg->reply->body_len = 0;
		pg->reply->content_type = "text/plain; charset=utf-8";
	}
}

void page_redirect(struct page *pg, const char *location)
{
	html_free(&pg->h);
	http_reply_header(pg->reply, "Location", location);
	page_send(pg, 303);
}

static void nav_link(struct page *pg, const char *href, const char *label)
{
	html_raw(&pg->h, "<a");
	html_attr(&pg->h, "href", href);
	if (strncmp(pg->req->path, href, strlen(href)) == 0)
		html_raw(&pg->h, " class=\"here\"");
	html_raw(&pg->h, ">");
	html_text(&pg->h, label);
	html_raw(&pg->h, "</a>");
}

static void lang_switch(struct page *pg)
{
	struct html *h = &pg->h;

	html_raw(h, "<a class=\"lang\" href=\"/lang?to=");
	html_raw(h, pg->english ? "zh" : "en");
	html_raw(h, "&amp;next=");
	html_url_value(h, pg->req->path);
	html_raw(h, "\">");
	html_text(h, pg->english ? "中文" : "English");
	html_raw(h, "</a>");
}

static void header(struct page *pg)
{
	struct html *h = &pg->h;

	html_raw(h, "<header><a class=\"brand\" href=\"/incidents\">");
	html_text(h, _("Ward review console"));
	html_raw(h, "</a>");
	if (pg->signed_in && !pg->user.must_change) {
		html_raw(h, "<nav>");
		nav_link(pg, "/incidents", _("Incidents"));
		nav_link(pg, "/dashboard", _("Dashboard"));
		nav_link(pg, "/approvals", _("Approvals"));
		nav_link(pg, "/agents", _("Desks"));
		nav_link(pg, "/periods", _("Periods"));
		if (pg->user.role == ROLE_ADMIN)
			nav_link(pg, "/users", _("Users"));
		html_raw(h, "</nav>");
	}
	html_raw(h, "<div class=\"who\">");
	lang_switch(pg);
	if (pg->signed_in) {
		html_raw(h, "<span class=\"user\">");
		html_text(h, pg->user.display);
		html_raw(h, " (");
		html_text(h, role_label(pg->user.role));
		html_raw(h, ")</span> <a href=\"/password\">");
		html_text(h, _("Change password"));
		html_raw(h, "</a>");
		page_button(pg, "/signout", NULL, NULL, _("Sign out"));
	}
	html_raw(h, "</div></header>");
}

void page_begin(struct page *pg, const char *title)
{
	struct html *h = &pg->h;

	html_raw(h, "<!DOCTYPE html><html");
	html_attr(h, "lang", pg->english ? "en" : "zh-Hant-TW");
	html_raw(h, "><head><meta charset=\"utf-8\"><meta name=\"viewport\""
		    " content=\"width=device-width, initial-scale=1\"><title>");
	html_text(h, title);
	html_raw(h, " · Ward</title><link rel=\"stylesheet\" href=\"/static/console.css\">"
		    "<script src=\"/static/console.js\" defer></script></head><body>");
	header(pg);
	html_raw(h, "<main><h1>");
	html_text(h, title);
	html_raw(h, "</h1>");
	page_notice(pg);
}

void page_end(struct page *pg)
{
	html_raw(&pg->h, "</main><footer>");
	html_text(&pg->h, _("Times are Asia/Taipei; hover a date for ISO 8601."));
	html_raw(&pg->h, "</footer></body></html>");
}

void page_form(struct page *pg, const char *action, const char *cls)
{
	html_raw(&pg->h, "<form method=\"post\"");
	html_attr(&pg->h, "action", action);
	if (cls)
		html_attr(&pg->h, "class", cls);
	html_raw(&pg->h, ">");
	html_hidden(&pg->h, "csrf", pg->csrf);
}

void page_field(struct page *pg, const char *label, const char *markup)
{
	html_raw(&pg->h, "<label>");
	html_text(&pg->h, label);
	html_raw(&pg->h, markup);
	html_raw(&pg->h, "</label>");
}

void page_submit(struct page *pg, const char *label)
{
	html_raw(&pg->h, "<button type=\"submit\">");
	html_text(&pg->h, label);
	html_raw(&pg->h, "</button></form>");
}

void page_button(struct page *pg, const char *action, const char *name, const char *value,
		 const char *label)
{
	page_form(pg, action, "inline");
	if (name)
		html_hidden(&pg->h, name, value);
	page_submit(pg, label);
}

/* The labels are message ids, translated here. */
void page_heads(struct page *pg, const char *const *labels, size_t n)
{
	html_raw(&pg->h, "<thead><tr>");
	for (size_t i = 0; i < n; i++)
		html_el(&pg->h, "th", _(labels[i]));
	html_raw(&pg->h, "</tr></thead>");
}

/* The outcome of the last form, named by a code in ?done= (never text
 * from the address: only our own messages are shown). */
void page_notice(struct page *pg)
{
	static const struct {
		const char *code, *text;
	} notices[] = {
	    {"state", N_("The state was changed and recorded in the log.")},
	    {"assign", N_("The assignment was recorded in the log.")},
	    {"comment", N_("The comment was added to the log.")},
	    {"approved", N_("The approval token was issued; it reaches the desk with its next "
			    "acknowledgement.")},
	    {"revoked", N_("Revoked: the desk is told with its next acknowledgement.")},
	    {"password", N_("Your password was changed.")},
	    {"saved", N_("Saved.")},
	};
	const char *done = http_arg(pg->req, "done");

	for (size_t i = 0; done && i < sizeof(notices) / sizeof(notices[0]); i++)
		if (strcmp(done, notices[i].code) == 0) {
			html_elc(&pg->h, "p", "notice", _(notices[i].text));
			return;
		}
}

void page_error(struct page *pg, int status, const char *message)
{
	html_free(&pg->h);
	page_begin(pg, status == 404 ? _("Not found") : _("Not possible"));
	html_elc(&pg->h, "p", "error", message);
	html_raw(&pg->h, "<p><a href=\"/incidents\">");
	html_text(&pg->h, _("Back to the incidents"));
	html_raw(&pg->h, "</a></p>");
	page_end(pg);
	page_send(pg, status);
}
