/*
 * gzip.h - response compression: the gzip encoder, Accept-Encoding parsing and
 * the list of media types worth compressing.
 *
 * Pure functions without libmicrohttpd: the server (http/server.c) compresses
 * generated pages with them, and http/static.c keeps a compressed copy of each
 * cached text file.  zlib's allocations go through fault_malloc(), so tests can
 * make them fail.
 */
#ifndef TSUNAGU_HTTP_GZIP_H
#define TSUNAGU_HTTP_GZIP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

/* Compression level used when the caller has no reason to choose: zlib's own
 * default, the usual balance of speed and size for pages built per request. */
#define HTTP_GZIP_LEVEL_DEFAULT 6

/* Compresses in[0..n) as one gzip stream (RFC 1952: zlib deflateInit2 with
 * windowBits 15+16) and appends it to out.  level is 0..9; any other value
 * means HTTP_GZIP_LEVEL_DEFAULT.  n may be 0 (a valid empty stream).
 * Returns false on out-of-memory (out is then marked failed, see buf.h) or on
 * a zlib error (out keeps its former content).  The caller owns out. */
bool http_gzip(const void *in, size_t n, int level, buf *out);

/* Parses an Accept-Encoding header value (RFC 9110 12.5.3): true if gzip (or
 * its alias x-gzip) is listed with q > 0, or if "*" is listed with q > 0 and
 * gzip is not listed at all.  A gzip entry with q=0 always refuses.  Names are
 * case-insensitive; an element with a malformed q value counts as q=0.
 * NULL or an empty value -> false (identity only). */
bool http_accepts_gzip(const char *accept_encoding);

/* True for media types worth compressing: text/x (any), application/javascript,
 * application/json, application/xml, application/manifest+json, image/svg+xml.
 * Parameters (";charset=utf-8") and case are ignored.  NULL -> false. */
bool http_mime_compressible(const char *mime);

#endif
