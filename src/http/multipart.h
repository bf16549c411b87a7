/*
 * multipart.h - a streaming multipart/form-data parser (RFC 7578, RFC 2046
 * section 5.1).
 *
 * The body is fed in chunks of any size (one byte at a time works) and part
 * contents are passed to a callback as they arrive: no part is ever buffered
 * whole, so memory use does not depend on the size of an upload.  Only each
 * part's header block is buffered, up to LIMIT_MULTIPART_HEADER bytes.
 *
 * Ownership: the parser and every string it hands out (part names, file
 * names, content types) live in the arena given to multipart_new() and stay
 * valid until that arena is freed.  The parser holds no other resource, so
 * there is nothing to free or close.
 */
#ifndef TSUNAGU_HTTP_MULTIPART_H
#define TSUNAGU_HTTP_MULTIPART_H

#include <stddef.h>

#include "core/arena.h"
#include "http/params.h"

typedef struct multipart_parser multipart_parser;

typedef struct multipart_part_info {
    /* From Content-Disposition: form-data; name="..." (required; valid UTF-8,
     * at most LIMIT_FIELD_NAME bytes). */
    const char *name;
    /* NULL for a plain field; "" when a file input was left empty.  From
     * filename*=UTF-8''... (RFC 5987/8187, UTF-8 or ISO-8859-1) when given,
     * else from filename="...".  Valid UTF-8, exactly as the client sent it:
     * it may hold a path ("C:\x\a.pdf"); stripping that is the caller's job. */
    const char *filename;
    /* The part's Content-Type (valid UTF-8, spaces trimmed), NULL if absent. */
    const char *content_type;
} multipart_part_info;

/* Any callback may be NULL (then it is skipped).  A callback that returns
 * anything but PARSE_OK stops the parser: multipart_feed() returns that
 * status now and on every later call.  part_data gets each part's content
 * in pieces of any size (never empty; possibly a single byte);
 * part_end is called only after the part's closing delimiter was seen, so a
 * body cut short leaves a part begun but never ended. */
typedef struct multipart_callbacks {
    parse_status (*part_begin)(void *ctx, const multipart_part_info *info);
    parse_status (*part_data)(void *ctx, const char *data, size_t n);
    parse_status (*part_end)(void *ctx);
} multipart_callbacks;

/* Makes a parser for a body sent with the request header Content-Type:
 * content_type (NUL-terminated).  It must be multipart/form-data with a
 * boundary parameter of 1..70 characters from RFC 2046's bchars (quoted or
 * not).  cb is copied; ctx is passed to every callback.
 * Returns NULL with *status = PARSE_BAD_ENCODING when content_type is not
 * such a header, or PARSE_NOMEM on OOM; otherwise *status = PARSE_OK. */
multipart_parser *multipart_new(arena *a, const char *content_type, const multipart_callbacks *cb,
                                void *ctx, parse_status *status);

/* Feeds the next n bytes of the body.  Fails with PARSE_BAD_ENCODING on a
 * syntax error (a part without Content-Disposition: form-data and a name, a
 * malformed header line, text after a delimiter), PARSE_BAD_UTF8 when a name
 * or file name is not UTF-8, PARSE_TOO_MANY past LIMIT_MULTIPART_PARTS parts,
 * PARSE_TOO_LONG when a part's header block passes LIMIT_MULTIPART_HEADER or a
 * name LIMIT_FIELD_NAME, PARSE_NOMEM, or whatever a callback returned.  An
 * error is sticky: later calls return it again without parsing.  Bytes after
 * the closing delimiter (the epilogue) are ignored. */
parse_status multipart_feed(multipart_parser *p, const char *data, size_t n);

/* Ends the body.  PARSE_BAD_ENCODING if the closing delimiter was never seen,
 * the sticky error if feeding failed, else PARSE_OK. */
parse_status multipart_finish(multipart_parser *p);

#endif
