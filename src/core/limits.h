/*
 * limits.h - every limit Tsunagu enforces, in one place.
 *
 * A request over a limit is refused before its bytes are parsed.  Each number
 * says where it comes from; change it here and nowhere else.
 */
#ifndef TSUNAGU_CORE_LIMITS_H
#define TSUNAGU_CORE_LIMITS_H

/* --- connections (http/server.c) --- */

/* Total open connections.  Far above the centre's peak (spec 1.9: a few
 * thousand page views a day) yet below the default 1024 file descriptors
 * minus the database, log and upload files each thread holds. */
#define LIMIT_CONNECTIONS_TOTAL 512

/* Connections from one address.  A browser opens 6 per host; an office behind
 * one NAT address may hold a few dozen browsers. */
#define LIMIT_CONNECTIONS_PER_ADDR 64

/* Seconds a connection may stay idle (slowloris defence).  A phone on a bad
 * mobile link still sends a form well inside this. */
#define LIMIT_CONNECTION_TIMEOUT_S 30

/* Bytes libmicrohttpd may use per connection for the request line and headers;
 * a request whose headers exceed it is refused (431) before any handler runs.
 * Browsers send 1-3 KiB; 16 KiB leaves room for long cookie headers. */
#define LIMIT_HEADER_BYTES (16 * 1024)

/* Seconds SIGTERM waits for requests in flight before stopping anyway. */
#define LIMIT_SHUTDOWN_GRACE_S 30

/* --- request bodies (per route; http/router.h uses these as defaults) --- */

/* A form without files: the longest registration form (spec 5.2, about 60
 * fields, a few 2,000-character texts) is under 64 KiB even fully
 * percent-encoded (x3). */
#define LIMIT_BODY_FORM (256 * 1024)

/* A form with files: three attachments of LIMIT_UPLOAD_FILE plus fields. */
#define LIMIT_BODY_UPLOAD (3 * LIMIT_UPLOAD_FILE + LIMIT_BODY_FORM)

/* One uploaded file: the current sites accept PDFs and photos up to 10 MB. */
#define LIMIT_UPLOAD_FILE (10 * 1024 * 1024)

/* --- parsed input --- */

/* Fields in one form or query string (checkbox lists count each value). */
#define LIMIT_FORM_FIELDS 1000

/* Bytes of one field name. */
#define LIMIT_FIELD_NAME 128

/* Bytes of one decoded field value (the longest text fields are 2,000
 * characters = 6,000 UTF-8 bytes; rich text gets more). */
#define LIMIT_FIELD_VALUE (128 * 1024)

/* Cookies in one request, and bytes of one cookie value. */
#define LIMIT_COOKIES 50
#define LIMIT_COOKIE_VALUE 4096

/* Parts in one multipart body, and bytes of one part's header block. */
#define LIMIT_MULTIPART_PARTS 100
#define LIMIT_MULTIPART_HEADER 2048

/* Bytes of a request path (after decoding). */
#define LIMIT_PATH 2048

/* Path parameters captured by one route pattern. */
#define LIMIT_ROUTE_PARAMS 8

/* --- templates --- */

/* Nesting of includes/extends; deeper is a cycle or a mistake. */
#define LIMIT_TMPL_DEPTH 16

/* --- responses --- */

/* Text responses shorter than this are not worth compressing. */
#define LIMIT_GZIP_MIN 512

/* Static files served from memory; larger ones are streamed from disk. */
#define LIMIT_STATIC_CACHE_FILE (1024 * 1024)

#endif
