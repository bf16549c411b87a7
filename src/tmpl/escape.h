/*
 * escape.h - the escapers the renderer applies to values, one per context.
 *
 * The HTML context scanner (html_ctx.h) decides at compile time which mode
 * each {{ }} gets; these functions apply it.  All of them append to a buf
 * (sticky error on out-of-memory) and work byte by byte, so multi-byte UTF-8
 * passes through unchanged and even invalid UTF-8 cannot produce markup.
 */
#ifndef TSUNAGU_TMPL_ESCAPE_H
#define TSUNAGU_TMPL_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

typedef enum {
    ESC_NONE,     /* .txt templates: the text as it is */
    ESC_TEXT,     /* HTML text: entity-escape; sanitised markup passes raw */
    ESC_ATTR,     /* quoted attribute value, <title>, <textarea>: entity-escape */
    ESC_URL,      /* a whole URL at the start of a URL attribute: check, then escape */
    ESC_URL_PART, /* later inside a URL attribute: percent-encode */
} esc_mode;

/* Appends s[0..n) with & < > " ' replaced by &amp; &lt; &gt; &quot; &#39;. */
void esc_html(buf *out, const char *s, size_t n);

/* Appends s[0..n) percent-encoded: every byte except A-Z a-z 0-9 - . _ ~
 * becomes %XX, so the result cannot end a component or start a new one (and
 * needs no entity escaping). */
void esc_percent(buf *out, const char *s, size_t n);

/* True if s[0..n), used as a whole URL, is relative or has the scheme http,
 * https, mailto or tel.  Follows what browsers do before they read a scheme
 * (they drop leading controls and spaces and every tab and newline) and errs
 * on the side of refusing: any other text before a ':' that comes before the
 * first '/', '?' or '#' is refused. */
bool esc_url_safe(const char *s, size_t n);

/* Appends s[0..n) entity-escaped if esc_url_safe(), else "#". */
void esc_url(buf *out, const char *s, size_t n);

/* Appends s[0..n) escaped for mode (ESC_TEXT escapes; raw markup is the
 * caller's decision). */
void esc_append(buf *out, esc_mode mode, const char *s, size_t n);

#endif
