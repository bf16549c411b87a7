/*
 * static.h - files under static/ (CSS, JS, images, fonts), cached in memory.
 *
 * Security spec classes 3 (directory traversal) and 12 (unintended file
 * disclosure): only regular files inside the root are ever served.  The path
 * is checked lexically (no empty, ".", ".." or hidden segment, no backslash,
 * no control byte, valid UTF-8) and then opened one segment at a time with
 * openat(O_NOFOLLOW) from the root directory, so no symbolic link is followed
 * at all -- neither out of the tree nor inside it (a symlink inside static/
 * answers 404; copy the file instead).  Every refusal answers 404, the same
 * as a missing file, so a probe learns nothing.
 *
 * Pure library code: the server wraps a static_result into a libmicrohttpd
 * response (http/server.c).  Thread-safe: any number of server threads call
 * static_lookup() at once.
 */
#ifndef TSUNAGU_HTTP_STATIC_H
#define TSUNAGU_HTTP_STATIC_H

#include <stdbool.h>
#include <stddef.h>

typedef struct static_files static_files;

/* Opens the static root (resolved with realpath(); the root itself may be a
 * symlink).  Files are read lazily on first request and cached in memory
 * (files up to LIMIT_STATIC_CACHE_FILE bytes, all together up to
 * LIMIT_STATIC_CACHE_TOTAL) with a gzip'd copy when the type is compressible
 * and the copy is smaller.  Each request stats the file (one fstatat()); a
 * changed device, inode, size, mtime or ctime re-reads it, so editing CSS
 * during development needs no restart.
 * Returns NULL with a Japanese message in err (for the operator's log) when
 * the root cannot be opened or memory runs out.  The caller owns the result
 * and frees it with static_close(). */
static_files *static_open(const char *root_dir, char *err, size_t errlen);

/* Frees the cache.  Call after the server has stopped; entries still held by
 * a response stay valid until their static_release() (which never touches sf).
 * NULL is accepted. */
void static_close(static_files *sf);

typedef struct static_result {
    int status;               /* 200, 304 or 404 (every refusal is 404; 403 is not used) */
    const char *mime;         /* e.g. "text/css; charset=utf-8"; NULL for 404 */
    const char *body;         /* bytes to send: NULL for 304/404 and for a streamed file
                                 (see fd); points into the cache entry */
    size_t len;               /* bytes of body, or of the file behind fd */
    bool gzip;                /* body is gzip'd: send Content-Encoding: gzip */
    char etag[48];            /* strong ETag, quoted; empty for 404 */
    char last_modified[32];   /* IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT" */
    const char *cache_control;/* "public, max-age=31536000, immutable" for fingerprinted
                                 names, else "public, max-age=0, must-revalidate" */
    void *entry;              /* pass to static_release() when the response is done (or NULL) */

    /* Additions to the original interface: */
    bool vary_encoding;       /* the representation depends on Accept-Encoding: send
                                 "Vary: Accept-Encoding" (on 200 and 304) */
    int fd;                   /* -1, or for a 200 of a file larger than LIMIT_STATIC_CACHE_FILE:
                                 an open read-only descriptor of len bytes that the caller
                                 now owns (MHD_create_response_from_fd() takes it and
                                 closes it); body is NULL then */
} static_result;

/* Looks up url_path -- the request path after the router's decoding and
 * normalisation, relative to the /static/ prefix, e.g. "css/tsunagu.css" --
 * and fills out.  Rechecks the path (defence in depth) as described at the
 * top of this file; anything refused, missing or not a regular file (a
 * directory, a FIFO, a symlink) gives status 404.
 * accept_gzip: from http_accepts_gzip().  if_none_match / if_modified_since:
 * the raw request header values or NULL.  If-None-Match wins when present
 * ("*" and lists are supported, "W/" tags compare weakly); If-Modified-Since
 * answers 304 when the file is not newer than the date (all three HTTP-date
 * forms are read; an unreadable date is ignored).
 * ETags: cached files get a hash of their content (the gzip'd copy the same
 * hash with "-gz"), so a 304 is never given for different bytes; streamed
 * files get size and mtime.
 * Returns false only on out-of-memory or an I/O error (answer 500; out holds a
 * 404 with nothing to release).  On true, the caller must call
 * static_release(sf, out->entry) once the body is no longer used and close
 * out->fd if it is not -1 and was not handed to libmicrohttpd. */
bool static_lookup(static_files *sf, const char *url_path, bool accept_gzip,
                   const char *if_none_match, const char *if_modified_since, static_result *out);

/* As static_lookup() with an explicit length, for a decoded path that may
 * hold a NUL byte (refused: 404). */
bool static_lookup_n(static_files *sf, const char *url_path, size_t path_len, bool accept_gzip,
                     const char *if_none_match, const char *if_modified_since,
                     static_result *out);

/* Drops the reference static_lookup() handed out; the entry is freed when the
 * cache no longer holds it either.  NULL is accepted.  Never touches sf (which
 * may be NULL), so it may run after static_close(). */
void static_release(static_files *sf, void *entry);

/* The media type for a file name, by extension (case-insensitive): css, js,
 * mjs, html, htm, txt, json, svg, png, jpg, jpeg, gif, webp, ico, woff, woff2,
 * pdf, xml, webmanifest, map.  Text types carry "; charset=utf-8"; an unknown
 * extension gives "application/octet-stream" (the server adds nosniff and
 * Content-Disposition: attachment for it).  Returns a static string. */
const char *static_mime_type(const char *name);

/* True if the file name carries a content hash before its extension: a
 * segment of at least STATIC_FINGERPRINT_MIN hex digits, holding at least one
 * digit and one letter, after a '.' or '-' and before the last '.', as in
 * "tsunagu.3f2a9c1e.css" or "app-3f2a9c1e0b.min.js".  Requiring a letter keeps
 * dates ("report-20250301.pdf") from being cached forever as immutable; a hash
 * that happens to be all digits only costs a revalidation. */
bool static_is_fingerprinted(const char *name);

#define STATIC_FINGERPRINT_MIN 8

#define STATIC_CACHE_IMMUTABLE "public, max-age=31536000, immutable"
#define STATIC_CACHE_REVALIDATE "public, max-age=0, must-revalidate"

#endif
