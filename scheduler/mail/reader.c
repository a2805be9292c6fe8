/*
 * reader.c - sorting received mail with GMime (docs/email.md, "Replies").
 *
 * Order of the checks, first match wins:
 *   1. over READER_MAX_SIZE, too many parts, or no headers: junk;
 *   2. multipart/report; report-type=delivery-status: bounce (DSNs carry
 *      Auto-Submitted and Return-Path <> too, so this goes before 4);
 *   3. a calendar part with METHOD REPLY or COUNTER: calendar (some
 *      servers mark their calendar answers as auto-submitted);
 *   4. RFC 3834 and its older cousins: auto;
 *   5. some text from the person: human;
 *   6. anything else: junk.
 *
 * Why GMime: it is a maintained MIME parser (Evolution, notmuch) that
 * copes with the mail that real MTAs and clients write, broken or not:
 * folded and encoded headers, RFC 2047/2231, every transfer encoding,
 * charsets, missing boundaries.  Writing that again here would be the
 * larger and buggier part of the reader.
 */
#include <ctype.h>
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "reader.h"
#include "xalloc.h"

/* More Content-Type lines than this is junk before GMime parses it: its
 * parser recurses once per nested part, so this also bounds the stack. */
#define MAX_CONTENT_TYPES	1000

struct walk {
	struct reader_msg *m;
	int parts;		/* parts visited so far */
	int calendars;		/* calendar parts parsed so far */
	bool have_text;		/* a text/plain was kept */
	bool have_html;		/* HTML text was kept (text/plain wins) */
};

const char *
reader_kind_name(enum reader_kind k)
{
	switch (k) {
	case READER_CALENDAR:	return "calendar";
	case READER_BOUNCE:	return "bounce";
	case READER_AUTO:	return "auto";
	case READER_HUMAN:	return "human";
	case READER_JUNK:	break;
	}
	return "junk";
}

void
reader_init(void)
{
	g_mime_init();
}

void
reader_shutdown(void)
{
	g_mime_shutdown();
}

/* ------------------------------------------------------------------ */
/* Text helpers                                                        */
/* ------------------------------------------------------------------ */

/* Appends at most max - b->len bytes of s[0..n) to b as valid UTF-8: a
 * bad byte becomes '?'; C0 and C1 controls become a space when
 * single_line, and are dropped but for \n and \t otherwise (so \r\n
 * becomes \n).  Returns false when s did not fit whole. */
static bool
utf8_add(struct buf *b, const char *s, size_t n, size_t max,
    bool single_line)
{
	size_t i = 0, k;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		k = text_utf8_char_len((const unsigned char *)s + i, n - i);
		if (b->len + (k ? k : 1) > max)
			return false;
		if (k == 0) {
			buf_addc(b, '?');
			i++;
			continue;
		}
		if (k == 1 && (c < 0x20 || c == 0x7f)) {
			if (single_line)
				buf_addc(b, ' ');
			else if (c == '\n' || c == '\t')
				buf_addc(b, (char)c);
			i++;
			continue;
		}
		if (k == 2 && c == 0xc2 && (unsigned char)s[i + 1] < 0xa0) {
			/* C1 controls, NEL among them. */
			buf_addc(b, ' ');
			i += 2;
			continue;
		}
		buf_add(b, s + i, k);
		i += k;
	}
	return true;
}

/* A new clean single-line copy of s (at most 998 bytes), or NULL. */
static char *
clean_line(const char *s)
{
	struct buf b;

	if (s == NULL || *s == '\0')
		return NULL;
	buf_init(&b);
	utf8_add(&b, s, strlen(s), 998, true);
	return buf_take(&b, NULL);
}

/* "<abc@x>" or "abc@x" -> "abc@x"; the first id only; NULL if none. */
static char *
msgid_of(const char *v)
{
	char *raw, *id;
	const char *p, *e;

	if (v == NULL)
		return NULL;
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v == '<') {
		p = v + 1;
		e = strchr(p, '>');
		if (e == NULL)
			return NULL;
	} else {
		p = v;
		for (e = p; *e && *e != ' ' && *e != '\t' && *e != '\r' &&
		    *e != '\n'; e++)
			;
	}
	if (e == p || e - p > 998)
		return NULL;
	raw = xstrndup(p, (size_t)(e - p));
	id = clean_line(raw);
	free(raw);
	return id;
}

static void
lower_copy(char *dst, size_t size, const char *s, size_t n)
{
	size_t i;

	if (n >= size) {
		dst[0] = '\0';
		return;
	}
	for (i = 0; i < n; i++)
		dst[i] = (char)tolower((unsigned char)s[i]);
	dst[n] = '\0';
}

static bool
starts_with_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* ------------------------------------------------------------------ */
/* Addresses and tags                                                  */
/* ------------------------------------------------------------------ */

static void
tag_add(struct reader_msg *m, const char *tag, size_t n)
{
	char t[READER_TAG_MAX + 1];
	size_t i;

	if (n < READER_TAG_MIN || n > READER_TAG_MAX ||
	    m->n_tags == READER_MAX_TAGS)
		return;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)tag[i]))
			return;
	}
	lower_copy(t, sizeof(t), tag, n);
	for (i = 0; i < m->n_tags; i++) {
		if (strcmp(m->tags[i], t) == 0)
			return;
	}
	memcpy(m->tags[m->n_tags++], t, n + 1);
}

/* addr is LOCAL+TAG@DOMAIN of mail_from: add TAG. */
static void
tag_match(struct reader_msg *m, const char *addr, const char *mail_from)
{
	const char *at = strrchr(addr, '@'), *fat = strrchr(mail_from, '@');
	size_t llen;

	if (at == NULL || fat == NULL || strcasecmp(at, fat) != 0)
		return;
	llen = (size_t)(fat - mail_from);
	if ((size_t)(at - addr) <= llen + 1 ||
	    strncasecmp(addr, mail_from, llen) != 0 || addr[llen] != '+')
		return;
	tag_add(m, addr + llen + 1, (size_t)(at - addr) - llen - 1);
}

static void
tags_from_list(struct reader_msg *m, InternetAddressList *list,
    const char *mail_from, int depth)
{
	int i, n;

	if (list == NULL || depth > 2)
		return;
	n = internet_address_list_length(list);
	for (i = 0; i < n && i < 100; i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			const char *addr = internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(a));

			if (addr != NULL)
				tag_match(m, addr, mail_from);
		} else if (INTERNET_ADDRESS_IS_GROUP(a)) {
			tags_from_list(m, internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(a)), mail_from, depth + 1);
		}
	}
}

static void
read_tags(struct reader_msg *m, GMimeMessage *msg, const char *mail_from)
{
	static const char *const names[] = { "To", "Cc", "Delivered-To",
	    "X-Original-To" };
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	int i, n = g_mime_header_list_get_count(hl);
	size_t k;

	for (i = 0; i < n && i < 1000; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h);
		const char *value = g_mime_header_get_value(h);
		InternetAddressList *list;

		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			if (strcasecmp(name, names[k]) == 0)
				break;
		}
		if (k == sizeof(names) / sizeof(names[0]) || value == NULL)
			continue;
		list = internet_address_list_parse(NULL, value);
		tags_from_list(m, list, mail_from, 0);
		if (list != NULL)
			g_object_unref(list);
	}
}

static void
read_from(struct reader_msg *m, GMimeMessage *msg)
{
	InternetAddressList *list = g_mime_message_get_from(msg);
	InternetAddress *a;
	const char *addr, *name;

	if (list == NULL || internet_address_list_length(list) < 1)
		return;
	a = internet_address_list_get_address(list, 0);
	if (!INTERNET_ADDRESS_IS_MAILBOX(a))
		return;
	addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
	if (addr != NULL)
		lower_copy(m->from, sizeof(m->from), addr, strlen(addr));
	name = internet_address_get_name(a);
	m->from_name = clean_line(name);
}

/* ------------------------------------------------------------------ */
/* Part contents                                                       */
/* ------------------------------------------------------------------ */

/* The decoded bytes of a leaf part (transfer encoding undone), NUL-ended;
 * NULL when it has none. */
static char *
part_bytes(GMimePart *part, size_t *len)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *s;
	GByteArray *a;
	char *out;

	if (w == NULL)
		return NULL;
	s = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(w, s) < 0) {
		g_object_unref(s);
		return NULL;
	}
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	out = xmalloc(a->len + 1);
	if (a->len > 0)		/* an empty array may have no data at all */
		memcpy(out, a->data, a->len);
	out[a->len] = '\0';
	*len = a->len;
	g_object_unref(s);
	return out;
}

static bool
is_calendar_part(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *fn;
	size_t n;

	if (g_mime_content_type_is_type(ct, "text", "calendar") ||
	    g_mime_content_type_is_type(ct, "application", "ics"))
		return true;
	fn = g_mime_part_get_filename(GMIME_PART(obj));
	if (fn == NULL)
		return false;
	n = strlen(fn);
	return n > 4 && strcasecmp(fn + n - 4, ".ics") == 0;
}

static void
try_calendar(struct walk *w, GMimeObject *obj)
{
	struct reader_msg *m = w->m;
	struct ics_reply *r = NULL;
	struct err e;
	char *text;
	size_t len = 0;

	if (m->reply != NULL || w->calendars >= READER_MAX_CALENDARS)
		return;
	w->calendars++;
	text = part_bytes(GMIME_PART(obj), &len);
	if (text == NULL)
		return;
	err_clear(&e);
	if (ics_reply_parse(text, len, &r, &e) != 0 ||
	    r->method == ICS_REPLY_METHOD_OTHER) {
		ics_reply_free(r);
		free(text);
		return;
	}
	m->reply = r;
	m->calendar = text;
	m->calendar_len = len;
}

/* HTML to plain text, roughly: tags dropped (<br>, <p>, <div>, <li>, <tr>
 * end a line), style and script contents dropped, the common entities
 * decoded.  Only for forwarding a person's words; nothing parses it. */
static void
html_to_text(struct buf *out, const char *s, size_t n)
{
	static const struct { const char *name; const char *text; } ent[] = {
		{ "amp;", "&" }, { "lt;", "<" }, { "gt;", ">" },
		{ "quot;", "\"" }, { "#39;", "'" }, { "apos;", "'" },
		{ "nbsp;", " " },
	};
	size_t i = 0, k, e;
	const char *skip_to = NULL;

	while (i < n) {
		if (s[i] == '<') {
			const char *t = s + i + 1;
			const char *gt = memchr(s + i, '>', n - i);

			if (gt == NULL)
				break;
			if (skip_to == NULL && (starts_with_ci(t, "style") ||
			    starts_with_ci(t, "script")))
				skip_to = starts_with_ci(t, "style") ?
				    "</style" : "</script";
			else if (skip_to != NULL && starts_with_ci(s + i,
			    skip_to))
				skip_to = NULL;
			else if (skip_to == NULL && (starts_with_ci(t, "br") ||
			    starts_with_ci(t, "p") || starts_with_ci(t, "/p") ||
			    starts_with_ci(t, "div") || starts_with_ci(t,
			    "/div") || starts_with_ci(t, "li") ||
			    starts_with_ci(t, "tr")))
				buf_addc(out, '\n');
			i = (size_t)(gt - s) + 1;
			continue;
		}
		if (skip_to != NULL) {
			i++;
			continue;
		}
		if (s[i] == '&') {
			for (e = 0; e < sizeof(ent) / sizeof(ent[0]); e++) {
				k = strlen(ent[e].name);
				if (i + 1 + k <= n &&
				    strncasecmp(s + i + 1, ent[e].name, k) == 0)
					break;
			}
			if (e < sizeof(ent) / sizeof(ent[0])) {
				buf_adds(out, ent[e].text);
				i += 1 + strlen(ent[e].name);
				continue;
			}
		}
		if (s[i] == '\r' || s[i] == '\n')
			buf_addc(out, ' ');
		else
			buf_addc(out, s[i]);
		i++;
	}
}

static void
keep_text(struct reader_msg *m, const char *s, size_t n)
{
	struct buf b;

	free(m->text);
	buf_init(&b);
	m->text_truncated = !utf8_add(&b, s, n, READER_TEXT_MAX, false);
	m->text = buf_take(&b, &m->text_len);
}

static void
try_text(struct walk *w, GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *disp = g_mime_object_get_disposition(obj);
	bool html;
	char *t;
	struct buf b;

	if (w->have_text || (disp != NULL &&
	    strcasecmp(disp, "attachment") == 0))
		return;
	html = g_mime_content_type_is_type(ct, "text", "html");
	if (!html && !g_mime_content_type_is_type(ct, "text", "plain"))
		return;
	if (html && w->have_html)
		return;
	t = g_mime_text_part_get_text(GMIME_TEXT_PART(obj));
	if (t == NULL)
		return;
	if (html) {
		buf_init(&b);
		html_to_text(&b, t, strlen(t));
		keep_text(w->m, b.data, b.len);
		buf_release(&b);
		w->have_html = true;
	} else {
		keep_text(w->m, t, strlen(t));
		w->have_text = true;
	}
	g_free(t);
}

static void
walk(struct walk *w, GMimeObject *obj, int depth)
{
	int i, n;

	if (obj == NULL || depth > READER_MAX_DEPTH ||
	    ++w->parts > READER_MAX_PARTS)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n; i++)
			walk(w, g_mime_multipart_get_part(GMIME_MULTIPART(obj),
			    i), depth + 1);
		return;
	}
	/* An attached message (a forward) is not the sender's own words
	 * and not their calendar: not walked. */
	if (!GMIME_IS_PART(obj))
		return;
	if (is_calendar_part(obj))
		try_calendar(w, obj);
	else if (GMIME_IS_TEXT_PART(obj))
		try_text(w, obj);
}

/* ------------------------------------------------------------------ */
/* Delivery status reports (RFC 3464)                                  */
/* ------------------------------------------------------------------ */

static bool
is_dsn(GMimeMessage *msg)
{
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	GMimeContentType *ct;
	const char *rt;

	if (top == NULL || !GMIME_IS_MULTIPART(top))
		return false;
	ct = g_mime_object_get_content_type(top);
	if (!g_mime_content_type_is_type(ct, "multipart", "report"))
		return false;
	rt = g_mime_content_type_get_parameter(ct, "report-type");
	return rt != NULL && (strcasecmp(rt, "delivery-status") == 0 ||
	    strcasecmp(rt, "global-delivery-status") == 0);
}

/* "rfc822; Nobody@Example.com" -> "nobody@example.com". */
static void
dsn_address(char *dst, size_t size, const char *v, size_t n)
{
	const char *semi = memchr(v, ';', n);
	size_t k;

	if (semi != NULL) {
		n -= (size_t)(semi + 1 - v);
		v = semi + 1;
	}
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n >= 2 && v[0] == '<' && v[n - 1] == '>') {
		v++;
		n -= 2;
	}
	for (k = 0; k < n; k++) {
		if ((unsigned char)v[k] <= ' ' || v[k] == '<' || v[k] == '>') {
			dst[0] = '\0';
			return;
		}
	}
	lower_copy(dst, size, v, n);
}

/* "5.1.1 (user unknown)" -> "5.1.1" when it is class.subject.detail. */
static void
dsn_status(char *dst, size_t size, const char *v, size_t n)
{
	size_t k = 0, dots = 0, digits = 0;

	while (k < n && (v[k] == ' ' || v[k] == '\t'))
		k++;
	v += k;
	n -= k;
	for (k = 0; k < n && (isdigit((unsigned char)v[k]) || v[k] == '.');
	    k++) {
		if (v[k] == '.') {
			if (digits == 0)
				break;
			dots++;
			digits = 0;
		} else if (++digits > 3) {
			break;
		}
	}
	if (dots != 2 || digits == 0 || (v[0] != '2' && v[0] != '4' &&
	    v[0] != '5') || v[1] != '.') {
		dst[0] = '\0';
		return;
	}
	lower_copy(dst, size, v, k);
}

static void
dsn_field(struct reader_dsn_rcpt *r, bool *any, const char *name,
    size_t nlen, const char *v, size_t vlen)
{
	if (nlen == 15 && strncasecmp(name, "final-recipient", 15) == 0) {
		dsn_address(r->final_recipient, sizeof(r->final_recipient),
		    v, vlen);
		*any = true;
	} else if (nlen == 6 && strncasecmp(name, "action", 6) == 0) {
		while (vlen > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vlen--;
		}
		while (vlen > 0 && (unsigned char)v[vlen - 1] <= ' ')
			vlen--;
		lower_copy(r->action, sizeof(r->action), v, vlen);
		*any = true;
	} else if (nlen == 6 && strncasecmp(name, "status", 6) == 0) {
		dsn_status(r->status, sizeof(r->status), v, vlen);
		*any = true;
	}
}

/*
 * The message/delivery-status body: a per-message block, then one block
 * per recipient, blocks separated by empty lines, fields "Name: value"
 * with folded continuation lines (RFC 3464 §2.1).
 */
static void
dsn_parse(struct reader_msg *m, const char *s, size_t n)
{
	struct reader_dsn_rcpt cur;
	bool any = false, lines = false;
	size_t i = 0, block = 0;

	memset(&cur, 0, sizeof(cur));
	for (;;) {
		const char *line = s + i;
		const char *nl = i < n ? memchr(line, '\n', n - i) : NULL;
		size_t len = nl != NULL ? (size_t)(nl - line) : n - i;
		const char *colon;

		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len > 0) {
			lines = true;
			colon = memchr(line, ':', len);
			if (colon != NULL && line[0] != ' ' && line[0] != '\t')
				dsn_field(&cur, &any, line,
				    (size_t)(colon - line), colon + 1,
				    len - (size_t)(colon + 1 - line));
		}
		if ((len == 0 || nl == NULL) && lines) {
			/* The end of a block; the first is per-message. */
			if (block > 0 && any && m->n_dsn < READER_MAX_DSN) {
				cur.permanent = cur.status[0] != '\0' ?
				    cur.status[0] == '5' :
				    strcmp(cur.action, "failed") == 0;
				m->dsn[m->n_dsn++] = cur;
			}
			block++;
			memset(&cur, 0, sizeof(cur));
			any = lines = false;
		}
		if (nl == NULL)
			break;
		i = (size_t)(nl - s) + 1;
	}
}

/* The Message-ID of the headers in text (text/rfc822-headers). */
static char *
headers_message_id(const char *text, size_t len)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(text, len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);
	char *id = NULL;

	if (msg != NULL) {
		id = msgid_of(g_mime_object_get_header(GMIME_OBJECT(msg),
		    "Message-ID"));
		g_object_unref(msg);
	}
	g_object_unref(p);
	g_object_unref(s);
	return id;
}

static void
read_dsn(struct reader_msg *m, GMimeMessage *msg)
{
	GMimeMultipart *mp = GMIME_MULTIPART(g_mime_message_get_mime_part(msg));
	int i, n = g_mime_multipart_get_count(mp);

	for (i = 0; i < n && i < READER_MAX_PARTS; i++) {
		GMimeObject *o = g_mime_multipart_get_part(mp, i);
		GMimeContentType *ct = g_mime_object_get_content_type(o);
		char *bytes;
		size_t len = 0;

		if (GMIME_IS_MESSAGE_PART(o)) {
			GMimeMessage *orig = g_mime_message_part_get_message(
			    GMIME_MESSAGE_PART(o));

			if (orig != NULL && m->original_message_id == NULL)
				m->original_message_id = msgid_of(
				    g_mime_object_get_header(GMIME_OBJECT(orig),
				    "Message-ID"));
			continue;
		}
		if (!GMIME_IS_PART(o))
			continue;
		if (g_mime_content_type_is_type(ct, "message",
		    "delivery-status") || g_mime_content_type_is_type(ct,
		    "message", "global-delivery-status")) {
			bytes = part_bytes(GMIME_PART(o), &len);
			if (bytes != NULL && m->n_dsn == 0)
				dsn_parse(m, bytes, len);
			free(bytes);
		} else if ((g_mime_content_type_is_type(ct, "text",
		    "rfc822-headers") || g_mime_content_type_is_type(ct,
		    "message", "global-headers")) &&
		    m->original_message_id == NULL) {
			bytes = part_bytes(GMIME_PART(o), &len);
			if (bytes != NULL)
				m->original_message_id =
				    headers_message_id(bytes, len);
			free(bytes);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Auto-replies (RFC 3834 and what came before it)                     */
/* ------------------------------------------------------------------ */

static const char *
auto_reason(GMimeMessage *msg)
{
	static const char *const subjects[] = {
		"out of office", "automatic reply", "auto:", "autoreply",
		"auto-reply", "auto reply", "auto response", "autoresponse",
		"vacation", "away from", "abwesenheit", "absence",
		"r\xc3\xa9ponse automatique", "respuesta autom\xc3\xa1tica",
	};
	GMimeObject *o = GMIME_OBJECT(msg);
	const char *v, *subject;
	size_t k;

	v = g_mime_object_get_header(o, "Auto-Submitted");
	if (v != NULL) {
		while (*v == ' ' || *v == '\t')
			v++;
		if (!(strncasecmp(v, "no", 2) == 0 && (v[2] == '\0' ||
		    v[2] == ';' || v[2] == ' ' || v[2] == '\t' ||
		    v[2] == '(')))
			return "auto-submitted";
	}
	v = g_mime_object_get_header(o, "Precedence");
	if (v != NULL) {
		while (*v == ' ' || *v == '\t')
			v++;
		if (starts_with_ci(v, "bulk") || starts_with_ci(v, "junk") ||
		    starts_with_ci(v, "list"))
			return "precedence";
	}
	if (g_mime_object_get_header(o, "X-Autoreply") != NULL ||
	    g_mime_object_get_header(o, "X-Autorespond") != NULL)
		return "x-autoreply";
	v = g_mime_object_get_header(o, "Return-Path");
	if (v != NULL) {
		while (*v == ' ' || *v == '\t')
			v++;
		if (strncmp(v, "<>", 2) == 0)
			return "null return-path";
	}
	subject = g_mime_message_get_subject(msg);
	if (subject != NULL) {
		while (*subject == ' ')
			subject++;
		for (k = 0; k < sizeof(subjects) / sizeof(subjects[0]); k++) {
			if (starts_with_ci(subject, subjects[k]))
				return "out-of-office subject";
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The whole message                                                   */
/* ------------------------------------------------------------------ */

/* Counts header lines "Content-Type:" anywhere in the text. */
static bool
too_many_parts(const char *data, size_t len)
{
	size_t i = 0, count = 0;

	while (i < len) {
		const char *nl;

		if (len - i >= 13 && strncasecmp(data + i, "content-type:",
		    13) == 0 && ++count > MAX_CONTENT_TYPES)
			return true;
		nl = memchr(data + i, '\n', len - i);
		if (nl == NULL)
			break;
		i = (size_t)(nl - data) + 1;
	}
	return false;
}

static void
classify(struct reader_msg *m, GMimeMessage *msg, const char *mail_from)
{
	struct walk w;
	const char *why;

	m->message_id = msgid_of(g_mime_object_get_header(GMIME_OBJECT(msg),
	    "Message-ID"));
	m->in_reply_to = msgid_of(g_mime_object_get_header(GMIME_OBJECT(msg),
	    "In-Reply-To"));
	m->subject = clean_line(g_mime_message_get_subject(msg));
	read_from(m, msg);
	read_tags(m, msg, mail_from);

	if (is_dsn(msg)) {
		read_dsn(m, msg);
		m->kind = READER_BOUNCE;
		m->reason = "delivery status report";
		return;
	}
	memset(&w, 0, sizeof(w));
	w.m = m;
	walk(&w, g_mime_message_get_mime_part(msg), 0);
	if (m->reply != NULL) {
		m->kind = READER_CALENDAR;
		m->reason = m->reply->method == ICS_REPLY_METHOD_COUNTER ?
		    "calendar counter" : "calendar reply";
		return;
	}
	if (w.calendars > 0) {
		/* A calendar we cannot read (truncated, bad base64, not a
		 * REPLY) is a client's answer gone wrong, not a person's
		 * words for the secretary (docs/email.md, "Replies"). */
		m->kind = READER_JUNK;
		m->reason = "a calendar part that is not a readable reply";
		return;
	}
	why = auto_reason(msg);
	if (why != NULL) {
		m->kind = READER_AUTO;
		m->reason = why;
		return;
	}
	if (m->text != NULL && !text_is_blank(m->text)) {
		m->kind = READER_HUMAN;
		m->reason = w.have_text ? "text" : "html";
		return;
	}
	m->kind = READER_JUNK;
	m->reason = "no reply, report or text";
}

int
reader_parse(const char *data, size_t len, const char *mail_from,
    struct reader_msg *out, struct err *err)
{
	struct reader_msg m;
	GMimeStream *s;
	GMimeParser *p;
	GMimeMessage *msg;

	if (mail_from == NULL)
		return err_set(err, ERR_INVALID, "no --mail-from address");
	memset(&m, 0, sizeof(m));
	m.kind = READER_JUNK;
	if (len > READER_MAX_SIZE) {
		m.reason = "too large";
		goto out;
	}
	if (data == NULL || len == 0) {
		m.reason = "empty";
		goto out;
	}
	if (too_many_parts(data, len)) {
		m.reason = "too many parts";
		goto out;
	}
	s = g_mime_stream_mem_new_with_buffer(data, len);
	p = g_mime_parser_new_with_stream(s);
	msg = g_mime_parser_construct_message(p, NULL);
	if (msg == NULL ||
	    g_mime_header_list_get_count(g_mime_object_get_header_list(
	    GMIME_OBJECT(msg))) == 0) {
		m.reason = "unparseable";
	} else {
		classify(&m, msg, mail_from);
	}
	if (msg != NULL)
		g_object_unref(msg);
	g_object_unref(p);
	g_object_unref(s);
out:
	*out = m;
	return 0;
}

void
reader_msg_free(struct reader_msg *m)
{
	if (m == NULL)
		return;
	free(m->message_id);
	free(m->in_reply_to);
	free(m->from_name);
	free(m->subject);
	free(m->calendar);
	ics_reply_free(m->reply);
	free(m->original_message_id);
	free(m->text);
	memset(m, 0, sizeof(*m));
	m->kind = READER_JUNK;
}
