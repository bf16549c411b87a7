/*
 * upload.h - the form collector: turns any POST body into fields and files.
 *
 * The server creates one http_form_parser per POST request, feeds it the body
 * as libmicrohttpd delivers it, calls http_form_parser_finish() when the body
 * is complete, and ALWAYS calls http_form_parser_cleanup() when the request
 * ends, after success and after every error alike.
 *
 *   application/x-www-form-urlencoded  buffered (up to max_body), then parsed
 *                                      by http_parse_urlencoded()
 *   multipart/form-data                streamed through multipart.h: plain
 *                                      fields are collected, file parts go
 *                                      straight to temp files on disk
 *   no Content-Type at all             accepted only with an empty body
 *   anything else                      PARSE_UNSUPPORTED (415)
 *
 * Ownership: the parser, the form and every string in them live in the arena
 * given to http_form_parser_new().  The parser also owns malloc'd buffers, an
 * open file and the temp files on disk; http_form_parser_cleanup() releases
 * all of them.  A handler that keeps an uploaded file moves it away with
 * rename() and sets that upload's path to NULL, which takes it out of the
 * cleanup; every other temp file is removed when the request ends.
 */
#ifndef TSUNAGU_HTTP_UPLOAD_H
#define TSUNAGU_HTTP_UPLOAD_H

#include <stddef.h>

#include "core/arena.h"
#include "http/params.h"

typedef struct http_upload {
    const char *field;        /* form field name */
    const char *filename;     /* client's name for display only: valid UTF-8, path
                                 components stripped (basename), control characters
                                 replaced by '_'; may be "" */
    const char *content_type; /* as claimed by the client, never trusted; may be NULL */
    const char *path;         /* where the bytes are on disk; set to NULL once claimed */
    size_t size;              /* bytes on disk */
} http_upload;

typedef struct http_form {
    http_params fields; /* plain fields in the order sent (valid UTF-8) */
    http_upload *files; /* file parts in the order sent */
    size_t nfiles;
} http_form;

typedef struct http_form_parser http_form_parser;

/* Makes a parser for a body sent with Content-Type content_type (NULL or ""
 * when the request had none).  tmp_dir is an existing directory for upload
 * temp files (copied).  max_body is the route's body limit in bytes.
 * Returns NULL with *st = PARSE_UNSUPPORTED for a type other than the two
 * form encodings, PARSE_BAD_ENCODING for multipart/form-data without a valid
 * boundary, or PARSE_NOMEM; otherwise *st = PARSE_OK. */
http_form_parser *http_form_parser_new(arena *a, const char *content_type, const char *tmp_dir,
                                       size_t max_body, parse_status *st);

/* Feeds the next n bytes of the body.  PARSE_TOO_LONG once the body passes
 * max_body; PARSE_UNSUPPORTED for body bytes when there was no Content-Type.
 * For multipart bodies: a plain field longer than LIMIT_FIELD_VALUE or a file
 * longer than LIMIT_UPLOAD_FILE is PARSE_TOO_LONG, more than LIMIT_FORM_FIELDS
 * fields PARSE_TOO_MANY, a failed temp-file write PARSE_IO, and the errors of
 * multipart_feed().  An error is sticky: later calls (and finish) return it. */
parse_status http_form_parser_feed(http_form_parser *fp, const char *data, size_t n);

/* Ends the body and sets *out to the form (in the arena) on PARSE_OK, else to
 * NULL.  Fails with the sticky error, the errors of http_parse_urlencoded(),
 * PARSE_BAD_ENCODING for a multipart body without its closing delimiter, or
 * PARSE_BAD_UTF8 for a plain multipart field that is not UTF-8.  Calling it
 * again returns the same result. */
parse_status http_form_parser_finish(http_form_parser *fp, http_form **out);

/* Closes the open temp file, removes every temp file whose upload path is
 * not NULL (and sets it to NULL), and frees the malloc'd buffers.  Must be
 * called once the request ends, whatever happened; calling it again is
 * harmless.  fp may be NULL.  The form's fields stay readable (arena). */
void http_form_parser_cleanup(http_form_parser *fp);

#endif
