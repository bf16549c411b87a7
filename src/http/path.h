/*
 * path.h - request-path canonicalisation, done once before any lookup
 * (router, static files), as OpenBSD httpd does.
 *
 * The canonical path is decoded exactly once, so nothing downstream decodes
 * it again: "%252e%252e" stays the literal name "%2e%2e".
 */
#ifndef TSUNAGU_HTTP_PATH_H
#define TSUNAGU_HTTP_PATH_H

#include "core/arena.h"
#include "http/params.h"

/* Canonicalises raw, the path of the request target (the part before '?',
 * NUL-terminated, as sent).  raw must start with '/'.  It is percent-decoded
 * once (no '+' to space; "%2F" becomes a separator like '/'), then:
 *   - refused with PARSE_BAD_ENCODING: a malformed escape, NUL (raw or %00),
 *     a backslash, any other control character (C0 or DEL), and any segment
 *     that is "." or ".." after decoding (so /a/%2e%2e/b, /a/..%2f/b and
 *     /a/%2e./ are refused, never resolved);
 *   - refused with PARSE_BAD_UTF8: decoded bytes that are not strict UTF-8
 *     (the overlong %c0%ae%c0%ae among them);
 *   - refused with PARSE_TOO_LONG: more than LIMIT_PATH decoded bytes;
 *   - repeated slashes collapse into one; a trailing slash is kept.
 * On success *out is the canonical path in arena a, always starting with '/'
 * and never holding "//", a "." or ".." segment, NUL or a control character.
 * PARSE_NOMEM on OOM.  *out is NULL on any failure. */
parse_status http_path_normalise(arena *a, const char *raw, char **out);

#endif
