/*
 * assets.S - the dashboard's files, embedded in the binary at build time
 * so that `clubmatch serve` needs nothing beside it (no CDN either).
 * Each file gets web_<name>_start / web_<name>_end symbols.
 */
#define ASSET(name, path) \
	.section .rodata; \
	.global web_##name##_start; \
	.global web_##name##_end; \
	.balign 16; \
web_##name##_start: \
	.incbin path; \
web_##name##_end: \
	.byte 0

ASSET(secretary_html, "web/secretary.html")
ASSET(app_js, "web/app.js")
ASSET(dom_js, "web/dom.js")
ASSET(app_css, "web/app.css")
ASSET(admin_html, "web/admin.html")
ASSET(admin_js, "web/admin.js")
ASSET(admin_css, "web/admin.css")

	.section .note.GNU-stack,"",%progbits
