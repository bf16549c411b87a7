/* gzip.c - see gzip.h. */
#include "http/gzip.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "core/fault.h"

/* Output grows by at least this much when deflateBound() was not reserved up
 * front (inputs larger than GZIP_BOUND_MAX): the buffer doubles anyway. */
#define GZIP_GROW 16384

/* Inputs up to this size get their worst-case output reserved in one step, so
 * deflate() finishes in one call.  Larger inputs grow the output gradually
 * rather than reserving more than the input for an output usually far smaller. */
#define GZIP_BOUND_MAX (8u * 1024 * 1024)

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    if (size && items > SIZE_MAX / size)
        return Z_NULL;
    return fault_malloc((size_t)items * size);
}

static void z_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    free(p);
}

bool http_gzip(const void *in, size_t n, int level, buf *out)
{
    if (level < 0 || level > 9)
        level = HTTP_GZIP_LEVEL_DEFAULT;
    if (!buf_ok(out))
        return false;

    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zs.zalloc = z_alloc;
    zs.zfree = z_free;
    int rc = deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    if (rc != Z_OK) {
        if (rc == Z_MEM_ERROR)
            out->failed = true;
        return false;
    }

    size_t start = out->len;
    if (n <= GZIP_BOUND_MAX && !buf_reserve(out, deflateBound(&zs, (uLong)n)))
        goto fail;

    const unsigned char *src = in;
    size_t left = n;
    for (;;) {
        if (zs.avail_in == 0 && left > 0) {
            uInt chunk = left > UINT_MAX ? UINT_MAX : (uInt)left;
            zs.next_in = (Bytef *)src;   /* zlib's API is not const-correct */
            zs.avail_in = chunk;
            src += chunk;
            left -= chunk;
        }
        int flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
        if (out->cap <= out->len + 1 && !buf_reserve(out, GZIP_GROW))
            goto fail;
        size_t room = out->cap - out->len - 1;
        if (room > UINT_MAX)
            room = UINT_MAX;
        zs.next_out = (Bytef *)out->data + out->len;
        zs.avail_out = (uInt)room;
        rc = deflate(&zs, flush);
        out->len += room - zs.avail_out;
        out->data[out->len] = '\0';
        if (rc == Z_STREAM_END)
            break;
        /* Z_BUF_ERROR only means "no progress possible": more room follows. */
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            out->len = start;
            out->data[start] = '\0';
            goto fail;
        }
    }
    deflateEnd(&zs);
    return true;

fail:
    deflateEnd(&zs);
    return false;
}

/* ---- Accept-Encoding ---------------------------------------------------- */

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static bool is_delim(char c)
{
    return c == '\0' || c == ',' || c == ';' || c == '=' || c == ' ' || c == '\t';
}

/* RFC 9110 12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
 * True if v[0..n) is a well-formed qvalue above zero; malformed -> false. */
static bool qvalue_positive(const char *v, size_t n)
{
    if (n == 0 || (v[0] != '0' && v[0] != '1'))
        return false;
    if (n == 1)
        return v[0] == '1';
    if (v[1] != '.' || n > 5)
        return false;
    bool nonzero = false;
    for (size_t i = 2; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        if (v[i] != '0')
            nonzero = true;
    }
    if (v[0] == '1')
        return !nonzero;   /* "1.5" is not a qvalue */
    return nonzero;
}

static bool name_is(const char *s, size_t n, const char *lit)
{
    return n == strlen(lit) && strncasecmp(s, lit, n) == 0;
}

/* -1 = not listed, 0 = listed and refused, 1 = listed and accepted.  Once
 * refused, a coding stays refused whatever else the list says. */
static void note(int *state, bool accepted)
{
    if (*state != 0)
        *state = accepted ? 1 : 0;
}

bool http_accepts_gzip(const char *accept_encoding)
{
    if (!accept_encoding)
        return false;
    int gzip = -1, star = -1;
    const char *p = accept_encoding;
    while (*p) {
        p = skip_ows(p);
        const char *name = p;
        while (!is_delim(*p))
            p++;
        size_t nlen = (size_t)(p - name);
        bool accepted = true;
        for (;;) {
            p = skip_ows(p);
            if (*p != ';')
                break;
            p = skip_ows(p + 1);
            const char *pn = p;
            while (!is_delim(*p))
                p++;
            size_t pnlen = (size_t)(p - pn);
            p = skip_ows(p);
            const char *pv = p;
            size_t pvlen = 0;
            if (*p == '=') {
                p = skip_ows(p + 1);
                pv = p;
                while (!is_delim(*p))
                    p++;
                pvlen = (size_t)(p - pv);
            }
            if (pnlen == 1 && (pn[0] == 'q' || pn[0] == 'Q'))
                accepted = qvalue_positive(pv, pvlen);
        }
        bool malformed = *p != '\0' && *p != ',';
        while (*p && *p != ',')
            p++;
        if (*p == ',')
            p++;
        if (malformed || nlen == 0)
            continue;   /* an element we cannot read says nothing */
        if (name_is(name, nlen, "gzip") || name_is(name, nlen, "x-gzip"))
            note(&gzip, accepted);
        else if (name_is(name, nlen, "*"))
            note(&star, accepted);
    }
    if (gzip != -1)
        return gzip == 1;
    return star == 1;
}

/* ---- compressible media types -------------------------------------------- */

bool http_mime_compressible(const char *mime)
{
    if (!mime)
        return false;
    const char *p = skip_ows(mime);
    size_t n = 0;
    while (p[n] && p[n] != ';' && p[n] != ' ' && p[n] != '\t')
        n++;
    if (n > 5 && strncasecmp(p, "text/", 5) == 0)
        return true;
    static const char *const types[] = {
        "application/javascript", "application/json", "application/xml",
        "application/manifest+json", "image/svg+xml",
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (name_is(p, n, types[i]))
            return true;
    return false;
}
