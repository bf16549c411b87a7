/*
 * html_ctx.h - where in an HTML document a point of a template sits.
 *
 * The compiler feeds the literal text of a template, in output order, through
 * this tokenizer (a subset of the WHATWG HTML tokenizer: text, tags,
 * attributes, comments, raw-text elements) and asks it, at each {{ }}, which
 * escaping that point needs, or whether a value may not appear there at all.
 * Template tags are transparent: {% if %} branches are scanned from the same
 * state and their end states joined (hctx_join).
 *
 * What it refuses (each a compile error, so a wrong template never starts):
 * values inside <script>, <style> and the other raw-text elements, inside
 * comments, inside a tag but outside a quoted attribute value, in unquoted
 * attribute values, in event handlers (on*), style, srcset and srcdoc, in
 * SVG animation elements, in a <meta http-equiv> content, and after an
 * unsafe literal URL scheme.  Literal "<!" inside raw-text elements, tags
 * inside <title>/<textarea> and "<![" anywhere are refused too: browsers
 * parse them differently inside SVG and MathML, and refusing them keeps this
 * scanner and every browser in the same state.
 *
 * An hctx is a plain value (no pointers): copy it, compare it with
 * hctx_equal(), and keep it in memo tables.
 */
#ifndef TSUNAGU_TMPL_HTML_CTX_H
#define TSUNAGU_TMPL_HTML_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tmpl/escape.h"

#define HCTX_TAG_MAX 16   /* longest tag name that matters: "animatetransform" */
#define HCTX_ATTR_MAX 24  /* longer attribute names only matter by their "on" prefix */
#define HCTX_SCHEME_MAX 8 /* longer literal schemes are never allowed ones */

typedef struct hctx {
    uint8_t state;        /* HS_* (html_ctx.c) */
    uint8_t tag_kind;     /* TK_* of the tag being read, or of the raw-text element */
    uint8_t end_tag;      /* the tag being read is an end tag */
    uint8_t tag_flags;    /* TF_*: facts about this tag checked when it closes */
    uint8_t attr_kind;    /* AK_* of the attribute whose value is being read */
    uint8_t url;          /* URL_*: where inside a URL attribute value */
    uint8_t url_value;    /* a value was printed before the scheme was known */
    uint8_t may_continue; /* HS_JOINED_TAG: a branch may have left a name open */
    uint8_t raw_match;    /* raw text: bytes of "</name" seen so far */
    uint8_t tag_len, attr_len, scheme_len;
    char tag[HCTX_TAG_MAX];
    char attr[HCTX_ATTR_MAX];
    char scheme[HCTX_SCHEME_MAX];
} hctx;

/* The start of an HTML template (text content), or of a plain-text one. */
void hctx_init(hctx *c, bool plain);

/* Scans the literal text p[0..n).  Returns NULL on success, or a message
 * (static Japanese text) and the offset of the offending byte in *at. */
const char *hctx_feed(hctx *c, const char *p, size_t n, size_t *at);

/* A value is printed here: returns NULL and the escaping mode, or a message
 * saying why no value may appear here.  Updates c (inside a URL, a value
 * moves the scan past the URL's start). */
const char *hctx_output(hctx *c, esc_mode *mode);

/* True when a and b behave the same for every input that may follow. */
bool hctx_equal(const hctx *a, const hctx *b);

/* The state after either a or b (the end of two branches): false when no
 * single state describes both safely. */
bool hctx_join(hctx *out, const hctx *a, const hctx *b);

/* NULL if a template may end in state c (text content), else a message. */
const char *hctx_end(const hctx *c);

/* A short Japanese name of the state, for error messages. */
const char *hctx_describe(const hctx *c);

#endif
