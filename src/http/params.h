/*
 * params.h - name/value lists parsed from requests, the parse status every
 * request parser returns, and the decoders for query strings, form bodies
 * and the Cookie header.
 *
 * Every byte these functions read is attacker-controlled.  Bad input yields a
 * parse_status (which the server turns into 400, 413 or 415 with a Japanese
 * message), never a crash and never undefined behaviour.  Decoded text is
 * always valid UTF-8 without NUL (ARCHITECTURE.md decision 8).
 *
 * Ownership: an http_params list and every string in it live in the request's
 * arena and die with it.  The lists hold no other resources, so there is
 * nothing to free.
 */
#ifndef TSUNAGU_HTTP_PARAMS_H
#define TSUNAGU_HTTP_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

/* One name=value pair.  The typedef is not called http_param because that
 * name is the route-parameter accessor of http/request.h (C gives typedefs
 * and functions one namespace); the struct tag keeps the name. */
typedef struct http_param {
    const char *name;  /* NUL-terminated, valid UTF-8 */
    const char *value; /* NUL-terminated, valid UTF-8 (no NUL inside) */
    size_t value_len;  /* strlen(value) */
} http_param_item;

/* In the order the client sent them; repeated names (checkbox lists) are kept
 * as separate items.  Zero-initialise ({0}) before first use. */
typedef struct http_params {
    http_param_item *items;
    size_t count, cap;
} http_params;

typedef enum {
    PARSE_OK = 0,
    PARSE_BAD_ENCODING, /* malformed %-escape, %00, NUL, bad syntax            -> 400 */
    PARSE_BAD_UTF8,     /* decoded bytes are not valid UTF-8 (incl. overlong)  -> 400 */
    PARSE_TOO_MANY,     /* more fields/parts/cookies than the limit            -> 413 */
    PARSE_TOO_LONG,     /* a name/value/header/file/body longer than its limit -> 413 */
    PARSE_NOMEM,        /* allocation failed                                    -> 503 */
    PARSE_IO,           /* writing an upload to disk failed                     -> 500 */
    PARSE_UNSUPPORTED,  /* a body of a Content-Type we do not accept            -> 415 */
} parse_status;

/* The HTTP status a request that failed with s is answered with: 200 for
 * PARSE_OK, then 400, 413, 503, 500 and 415 as listed above. */
int parse_status_http(parse_status s);

/* A Japanese sentence for the user explaining s (static storage; never NULL). */
const char *parse_status_message(parse_status s);

/* Appends name=value to p, growing its array in arena a.  The strings are NOT
 * copied: they must outlive p (normally they live in the same arena), and
 * value[value_len] must be '\0'.  No limit is applied here: the parsers apply
 * theirs before adding.  Returns false only when out of memory (p unchanged). */
bool http_params_add(arena *a, http_params *p, const char *name, const char *value,
                     size_t value_len);

/* The first value named name, or NULL. */
const char *http_params_get(const http_params *p, const char *name);

/* How many values are named name (a checkbox list sends one per ticked box). */
size_t http_params_count(const http_params *p, const char *name);

/* The nth (0-based) value named name, or NULL when there are not that many. */
const char *http_params_get_nth(const http_params *p, const char *name, size_t nth);

/* Percent-decodes in[0..n) into out, which the caller provides with at least
 * n + 1 bytes; the result is NUL-terminated and *out_len is its length (never
 * more than n).  With plus_is_space, '+' becomes a space (form encoding).
 * Refuses with PARSE_BAD_ENCODING: a malformed escape ("%G1", "%4", a
 * trailing "%"), "%00" and a raw NUL byte; with PARSE_BAD_UTF8: decoded bytes
 * that are not strict UTF-8 (overlong forms such as %C0%AF and %E0%80%AF,
 * surrogates, truncated sequences).  An encoded "%2F" stays a literal '/'.
 * On failure out holds garbage and *out_len is 0. */
parse_status http_pct_decode(const char *in, size_t n, bool plus_is_space, char *out,
                             size_t *out_len);

/* Parses application/x-www-form-urlencoded data or a query string (the same
 * grammar) in s[0..n): "a=1&b=2&a=3".  A key without '=' gets the value "";
 * empty pairs ("a=1&&b=2") are skipped; names and values are decoded with
 * plus_is_space.  Results are appended to out (strings in arena a).
 * Fails with PARSE_TOO_MANY past LIMIT_FORM_FIELDS pairs, PARSE_TOO_LONG when
 * a decoded name exceeds LIMIT_FIELD_NAME or a decoded value LIMIT_FIELD_VALUE,
 * the decoding errors of http_pct_decode(), or PARSE_NOMEM.  After a failure
 * out may hold some of the pairs; the caller answers with an error and does
 * not use them. */
parse_status http_parse_urlencoded(arena *a, const char *s, size_t n, http_params *out);

/* Parses a Cookie request header (RFC 6265 sections 4.2.1 and 5.4):
 * "a=1; b=2".  Values are NOT percent-decoded; a value wrapped in double
 * quotes has them stripped; spaces and tabs around names and values are
 * ignored.  A cookie whose name or value holds a control character or
 * invalid UTF-8, whose name is empty or longer than LIMIT_FIELD_NAME, whose
 * value is longer than LIMIT_COOKIE_VALUE, or which has no '=' is skipped on
 * its own: browsers also send cookies that other applications on the same
 * host set.  Cookies past LIMIT_COOKIES are ignored.  header may be NULL.
 * Results are appended to out.  Returns PARSE_OK, or PARSE_NOMEM on OOM. */
parse_status http_parse_cookies(arena *a, const char *header, http_params *out);

/* True if the media type of a Content-Type header value (the part before any
 * ';' parameters, spaces around it ignored) equals type, ignoring ASCII case.
 * content_type may be NULL (false). */
bool http_media_type_is(const char *content_type, const char *type);

#endif
