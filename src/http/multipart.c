/*
 * multipart.c - see multipart.h.
 *
 * The body is a state machine over bytes.  Content (and the preamble) is
 * scanned for the delimiter "\r\n--boundary"; bytes that might start it are
 * held back until it either completes or fails to.  Because CR occurs only
 * as the delimiter's first byte (RFC 2046 bchars exclude it), a failed
 * partial match never overlaps another possible start: the held-back bytes
 * are exactly the delimiter's first `matched` bytes, so they need no buffer
 * and are re-emitted from the delimiter itself.
 *
 * The body's first delimiter has no CRLF in front of it; the parser starts
 * as if that CRLF had just been read.
 */
#include "http/multipart.h"

#include <string.h>

#include "core/limits.h"
#include "core/utf8.h"

/* RFC 2046 section 5.1.1: a boundary is 1 to 70 characters. */
#define BOUNDARY_MAX 70

typedef enum {
    MP_PREAMBLE,   /* before the first delimiter: discarded */
    MP_DELIM_TAIL, /* just after a delimiter: "--", padding, or CRLF */
    MP_CLOSE_DASH, /* after "--boundary-": the second '-' of the close */
    MP_LINE_LF,    /* after "--boundary[padding]\r": the '\n' */
    MP_HEADERS,    /* in a part's header block */
    MP_DATA,       /* in a part's content */
    MP_EPILOGUE,   /* after the close delimiter: discarded */
} mp_state;

struct multipart_parser {
    arena *a;
    multipart_callbacks cb;
    void *ctx;
    char *delim; /* "\r\n--" boundary */
    size_t delim_len;
    size_t matched; /* delimiter bytes matched and held back */
    mp_state state;
    bool padding; /* transport padding seen after this delimiter */
    char *hdr;    /* this part's header block, LIMIT_MULTIPART_HEADER bytes */
    size_t hdr_len;
    size_t parts;
    parse_status error; /* sticky */
};

/* ---- header values: type *( ";" name "=" value ) ------------------------ */

typedef struct hparam {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} hparam;

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* RFC 7230 tchar. */
static bool is_tchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool ascii_ieq(const char *s, size_t n, const char *lit)
{
    if (strlen(lit) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != lit[i])
            return false;
    }
    return true;
}

static void skip_ows(const char **s, const char *end)
{
    while (*s < end && is_ows(**s))
        (*s)++;
}

/* Reads the leading type token of a header value; true if it equals type. */
static bool read_type(const char **s, const char *end, const char *type)
{
    skip_ows(s, end);
    const char *t = *s;
    while (*s < end && **s != ';' && !is_ows(**s))
        (*s)++;
    return ascii_ieq(t, (size_t)(*s - t), type);
}

/* Reads the next "; name=value" from *s.  A quoted value runs to the next
 * '"' with no escapes: browsers send Windows paths with raw backslashes and
 * escape '"' as %22 instead (HTML standard, multipart/form-data encoding).
 * An unquoted value runs to ';' or white space.  Returns 1 and fills *out,
 * 0 at the end of the value, -1 on a syntax error. */
static int next_param(const char **s, const char *end, hparam *out)
{
    skip_ows(s, end);
    if (*s == end)
        return 0;
    if (**s != ';')
        return -1;
    (*s)++;
    skip_ows(s, end);
    if (*s == end)
        return 0; /* a trailing ';' is tolerated */
    out->name = *s;
    while (*s < end && is_tchar(**s))
        (*s)++;
    out->name_len = (size_t)(*s - out->name);
    skip_ows(s, end);
    if (out->name_len == 0 || *s == end || **s != '=')
        return -1;
    (*s)++;
    skip_ows(s, end);
    if (*s < end && **s == '"') {
        (*s)++;
        out->value = *s;
        const char *q = memchr(*s, '"', (size_t)(end - *s));
        if (!q)
            return -1;
        out->value_len = (size_t)(q - *s);
        *s = q + 1;
    } else {
        out->value = *s;
        while (*s < end && **s != ';' && **s != '"' && (unsigned char)**s > 0x20)
            (*s)++;
        out->value_len = (size_t)(*s - out->value);
        if (out->value_len == 0)
            return -1;
    }
    return 1;
}

/* RFC 2046 bchars: DIGIT / ALPHA / "'()+_,-./:=?" and space, not last. */
static bool boundary_valid(const char *b, size_t n)
{
    if (n < 1 || n > BOUNDARY_MAX || b[n - 1] == ' ')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
        if (!ok)
            return false;
    }
    return true;
}

multipart_parser *multipart_new(arena *a, const char *content_type, const multipart_callbacks *cb,
                                void *ctx, parse_status *status)
{
    *status = PARSE_BAD_ENCODING;
    if (!content_type)
        return NULL;
    const char *s = content_type, *end = s + strlen(s);
    if (!read_type(&s, end, "multipart/form-data"))
        return NULL;
    const char *boundary = NULL;
    size_t boundary_len = 0;
    hparam hp;
    int r;
    while ((r = next_param(&s, end, &hp)) == 1) {
        if (!ascii_ieq(hp.name, hp.name_len, "boundary"))
            continue;
        if (boundary)
            return NULL; /* given twice: ambiguous */
        boundary = hp.value;
        boundary_len = hp.value_len;
    }
    if (r < 0 || !boundary || !boundary_valid(boundary, boundary_len))
        return NULL;

    *status = PARSE_NOMEM;
    multipart_parser *p = arena_calloc(a, 1, sizeof *p);
    char *delim = arena_printf(a, "\r\n--%.*s", (int)boundary_len, boundary);
    char *hdr = arena_alloc(a, LIMIT_MULTIPART_HEADER);
    if (!p || !delim || !hdr)
        return NULL;
    p->a = a;
    if (cb)
        p->cb = *cb;
    p->ctx = ctx;
    p->delim = delim;
    p->delim_len = strlen(delim);
    p->hdr = hdr;
    p->state = MP_PREAMBLE;
    p->matched = 2; /* the body's first delimiter lacks its CRLF */
    *status = PARSE_OK;
    return p;
}

/* ---- a part's header block ------------------------------------------------ */

/* Decodes %XX escapes of in[0..n) into raw bytes (no UTF-8 check).  out has
 * room for n bytes.  Refuses malformed escapes and %00. */
static bool pct_bytes(const char *in, size_t n, char *out, size_t *out_len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] != '%') {
            out[o++] = in[i];
            continue;
        }
        if (n - i < 3)
            return false;
        int v = 0;
        for (size_t k = 1; k <= 2; k++) {
            char c = in[i + k];
            if (c >= 'A' && c <= 'F')
                c = (char)(c - 'A' + 'a');
            const char *d = c ? strchr(hex, c) : NULL;
            if (!d)
                return false;
            v = v * 16 + (int)(d - hex);
        }
        if (v == 0)
            return false;
        out[o++] = (char)v;
        i += 2;
    }
    *out_len = o;
    return true;
}

/* filename*=charset'language'pct-encoded (RFC 8187 section 3.2, which RFC
 * 5987 defined first).  UTF-8 and ISO-8859-1 (which every recipient must
 * support) are decoded into UTF-8; any other charset leaves *out NULL so the
 * plain filename parameter is used instead. */
static parse_status decode_ext_value(arena *a, const char *v, size_t n, char **out)
{
    *out = NULL;
    const char *q1 = memchr(v, '\'', n);
    const char *q2 = q1 ? memchr(q1 + 1, '\'', n - (size_t)(q1 + 1 - v)) : NULL;
    if (!q2)
        return PARSE_BAD_ENCODING;
    size_t charset_len = (size_t)(q1 - v);
    const char *enc = q2 + 1;
    size_t enc_len = n - (size_t)(enc - v);
    bool utf8 = ascii_ieq(v, charset_len, "utf-8");
    if (!utf8 && !ascii_ieq(v, charset_len, "iso-8859-1"))
        return PARSE_OK;
    char *raw = arena_alloc(a, enc_len + 1);
    char *res = arena_alloc(a, 2 * enc_len + 1);
    if (!raw || !res)
        return PARSE_NOMEM;
    size_t raw_len;
    if (!pct_bytes(enc, enc_len, raw, &raw_len))
        return PARSE_BAD_ENCODING;
    size_t o = 0;
    if (utf8) {
        memcpy(res, raw, raw_len);
        o = raw_len;
    } else {
        for (size_t i = 0; i < raw_len; i++) {
            unsigned char c = (unsigned char)raw[i];
            if (c < 0x80) {
                res[o++] = (char)c;
            } else {
                res[o++] = (char)(0xC0 | (c >> 6));
                res[o++] = (char)(0x80 | (c & 0x3F));
            }
        }
    }
    res[o] = '\0';
    if (!utf8_valid(res, o))
        return PARSE_BAD_UTF8;
    *out = res;
    return PARSE_OK;
}

/* Fills info from a Content-Disposition value (RFC 7578 section 4.2). */
static parse_status parse_disposition(arena *a, const char *v, size_t n, multipart_part_info *info)
{
    const char *s = v, *end = v + n;
    if (!read_type(&s, end, "form-data"))
        return PARSE_BAD_ENCODING;
    hparam name = {0}, filename = {0}, filename_ext = {0}, hp;
    int r;
    while ((r = next_param(&s, end, &hp)) == 1) {
        hparam *slot = ascii_ieq(hp.name, hp.name_len, "name")        ? &name
                       : ascii_ieq(hp.name, hp.name_len, "filename")  ? &filename
                       : ascii_ieq(hp.name, hp.name_len, "filename*") ? &filename_ext
                                                                      : NULL;
        if (!slot)
            continue;
        if (slot->name)
            return PARSE_BAD_ENCODING; /* given twice: ambiguous */
        *slot = hp;
    }
    if (r < 0 || !name.name)
        return PARSE_BAD_ENCODING;
    if (name.value_len > LIMIT_FIELD_NAME)
        return PARSE_TOO_LONG;
    if (!utf8_valid(name.value, name.value_len))
        return PARSE_BAD_UTF8;
    info->name = arena_strndup(a, name.value, name.value_len);
    if (!info->name)
        return PARSE_NOMEM;

    char *fn = NULL;
    if (filename_ext.name) {
        parse_status st = decode_ext_value(a, filename_ext.value, filename_ext.value_len, &fn);
        if (st != PARSE_OK)
            return st;
    }
    if (!fn && filename.name) {
        if (!utf8_valid(filename.value, filename.value_len))
            return PARSE_BAD_UTF8;
        fn = arena_strndup(a, filename.value, filename.value_len);
        if (!fn)
            return PARSE_NOMEM;
    }
    info->filename = fn;
    return PARSE_OK;
}

/* Parses the complete header block hdr[0..len) (it ends with an empty line)
 * and begins the part. */
static parse_status begin_part(multipart_parser *p)
{
    multipart_part_info info = {0};
    bool have_disposition = false;
    const char *s = p->hdr, *end = p->hdr + p->hdr_len;
    for (;;) {
        const char *eol = memmem(s, (size_t)(end - s), "\r\n", 2);
        if (!eol)
            return PARSE_BAD_ENCODING; /* cannot happen: the block ends in CRLF */
        if (eol == s)
            break; /* the empty line */
        for (const char *c = s; c < eol; c++) {
            unsigned char b = (unsigned char)*c;
            if ((b < 0x20 && b != '\t') || b == 0x7F)
                return PARSE_BAD_ENCODING; /* lone CR/LF, NUL, other controls */
        }
        const char *colon = memchr(s, ':', (size_t)(eol - s));
        if (is_ows(*s) || !colon)
            return PARSE_BAD_ENCODING; /* obsolete line folding, or no name */
        const char *hname = s;
        size_t hname_len = (size_t)(colon - s);
        for (size_t i = 0; i < hname_len; i++)
            if (!is_tchar(hname[i]))
                return PARSE_BAD_ENCODING;
        const char *v = colon + 1, *vend = eol;
        skip_ows(&v, vend);
        while (vend > v && is_ows(vend[-1]))
            vend--;
        size_t vlen = (size_t)(vend - v);

        if (ascii_ieq(hname, hname_len, "content-disposition")) {
            if (have_disposition)
                return PARSE_BAD_ENCODING;
            have_disposition = true;
            parse_status st = parse_disposition(p->a, v, vlen, &info);
            if (st != PARSE_OK)
                return st;
        } else if (ascii_ieq(hname, hname_len, "content-type")) {
            if (info.content_type)
                return PARSE_BAD_ENCODING;
            if (!utf8_valid(v, vlen))
                return PARSE_BAD_UTF8;
            info.content_type = arena_strndup(p->a, v, vlen);
            if (!info.content_type)
                return PARSE_NOMEM;
        }
        /* Other headers (Content-Transfer-Encoding, deprecated by RFC 7578
         * section 4.7) are ignored. */
        s = eol + 2;
    }
    if (!have_disposition)
        return PARSE_BAD_ENCODING;
    return p->cb.part_begin ? p->cb.part_begin(p->ctx, &info) : PARSE_OK;
}

/* ---- the byte stream ------------------------------------------------------- */

static parse_status emit(multipart_parser *p, const char *data, size_t n)
{
    if (p->state != MP_DATA || n == 0 || !p->cb.part_data)
        return PARSE_OK; /* the preamble is discarded */
    return p->cb.part_data(p->ctx, data, n);
}

/* The delimiter was read to its end: the part (if any) ends. */
static parse_status delimiter_done(multipart_parser *p)
{
    parse_status st = PARSE_OK;
    if (p->state == MP_DATA && p->cb.part_end)
        st = p->cb.part_end(p->ctx);
    p->matched = 0;
    p->state = MP_DELIM_TAIL;
    p->padding = false;
    return st;
}

/* Scans content (or the preamble) from data[*pos] until the end of data or
 * the end of a delimiter.  Content is passed on in the longest spans the
 * chunk allows (one call per chunk unless a delimiter ends it), so a large
 * upload costs one write per chunk, not one per CR byte. */
static parse_status scan_content(multipart_parser *p, const char *data, size_t n, size_t *pos)
{
    size_t i = *pos;

    /* Delimiter bytes held back from an earlier chunk: settle them first. */
    while (p->matched > 0) {
        if (i == n) {
            *pos = i;
            return PARSE_OK;
        }
        if (data[i] == p->delim[p->matched]) {
            i++;
            if (++p->matched == p->delim_len) {
                *pos = i;
                return delimiter_done(p);
            }
            continue;
        }
        /* Not the delimiter after all: the held-back bytes are content. */
        parse_status st = emit(p, p->delim, p->matched);
        p->matched = 0;
        if (st != PARSE_OK) {
            *pos = i;
            return st;
        }
    }

    size_t start = i; /* content from here on lies in data */
    for (;;) {
        const char *cr = memchr(data + i, '\r', n - i);
        if (!cr) {
            *pos = n;
            return emit(p, data + start, n - start);
        }
        i = (size_t)(cr - data);
        size_t m = 0;
        while (i + m < n && m < p->delim_len && data[i + m] == p->delim[m])
            m++;
        if (m == p->delim_len) {
            parse_status st = emit(p, data + start, i - start);
            *pos = i + m;
            return st != PARSE_OK ? st : delimiter_done(p);
        }
        if (i + m == n) {
            /* The chunk ends inside what may be a delimiter: hold it back. */
            p->matched = m;
            *pos = n;
            return emit(p, data + start, i - start);
        }
        /* A mismatch after m >= 1 bytes.  The matched bytes hold no other
         * CR (only the delimiter's first byte is one), so the search goes
         * on right after them. */
        i += m;
    }
}

/* One byte after a delimiter or in a header block. */
static parse_status step(multipart_parser *p, char c)
{
    switch (p->state) {
    case MP_DELIM_TAIL:
        if (c == '-' && !p->padding) {
            p->state = MP_CLOSE_DASH;
        } else if (is_ows(c)) {
            p->padding = true; /* RFC 2046 transport padding */
        } else if (c == '\r') {
            p->state = MP_LINE_LF;
        } else {
            return PARSE_BAD_ENCODING;
        }
        return PARSE_OK;
    case MP_CLOSE_DASH:
        if (c != '-')
            return PARSE_BAD_ENCODING;
        p->state = MP_EPILOGUE;
        return PARSE_OK;
    case MP_LINE_LF:
        if (c != '\n')
            return PARSE_BAD_ENCODING;
        if (++p->parts > LIMIT_MULTIPART_PARTS)
            return PARSE_TOO_MANY;
        p->state = MP_HEADERS;
        p->hdr_len = 0;
        return PARSE_OK;
    case MP_HEADERS: {
        if (p->hdr_len == LIMIT_MULTIPART_HEADER)
            return PARSE_TOO_LONG;
        p->hdr[p->hdr_len++] = c;
        size_t h = p->hdr_len;
        if (c != '\n' || h < 2 || p->hdr[h - 2] != '\r')
            return PARSE_OK;
        /* A line ended: the block ends at an empty line. */
        if (h != 2 && !(h >= 4 && p->hdr[h - 4] == '\r' && p->hdr[h - 3] == '\n'))
            return PARSE_OK;
        p->state = MP_DATA;
        p->matched = 0;
        return begin_part(p);
    }
    default: return PARSE_BAD_ENCODING; /* our bug: content states are not stepped */
    }
}

parse_status multipart_feed(multipart_parser *p, const char *data, size_t n)
{
    size_t i = 0;
    while (p->error == PARSE_OK && i < n) {
        if (p->state == MP_EPILOGUE)
            break;
        if (p->state == MP_PREAMBLE || p->state == MP_DATA)
            p->error = scan_content(p, data, n, &i);
        else
            p->error = step(p, data[i++]);
    }
    return p->error;
}

parse_status multipart_finish(multipart_parser *p)
{
    if (p->error == PARSE_OK && p->state != MP_EPILOGUE)
        p->error = PARSE_BAD_ENCODING;
    return p->error;
}
