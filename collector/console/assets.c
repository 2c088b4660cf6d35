/* The console's stylesheet and script, built into the program from
 * collector/console/static/ (served as files: the pages have no inline
 * script or style), so nothing is read from disk at run time and the
 * program cannot serve anything else under /static/. */
#include <string.h>

#include "collector/console/pages.h"

#define ASSET(sym, path)                                                                           \
	__asm__(".section .rodata.console_assets,\"a\"\n"                                          \
		".balign 16\n"                                                                     \
		".hidden " #sym "\n.globl " #sym "\n" #sym ":\n"                                   \
		".incbin \"" path "\"\n"                                                           \
		".hidden " #sym "_end\n.globl " #sym "_end\n" #sym "_end:\n"                       \
		".byte 0\n.previous\n")

ASSET(console_css, "collector/console/static/console.css");
ASSET(console_js, "collector/console/static/console.js");

extern const char console_css[], console_css_end[];
extern const char console_js[], console_js_end[];

void page_static(struct page *pg)
{
	static const struct {
		const char *path, *type;
		const char *start, *end;
	} files[] = {
	    {"/static/console.css", "text/css; charset=utf-8", console_css, console_css_end},
	    {"/static/console.js", "text/javascript; charset=utf-8", console_js, console_js_end},
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (strcmp(pg->req->path, files[i].path) != 0 ||
		    strcmp(pg->req->method, "GET") != 0)
			continue;
		html_bytes(&pg->h, files[i].start, (size_t)(files[i].end - files[i].start));
		page_send(pg, 200);
		pg->reply->content_type = files[i].type;
		return;
	}
	html_raw(&pg->h, "not found");
	page_send(pg, 404);
	pg->reply->content_type = "text/plain; charset=utf-8";
}
