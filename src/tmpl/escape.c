/* escape.c - see escape.h. */
#include "tmpl/escape.h"

#include <stdint.h>
#include <string.h>

/* Entity for each byte that needs one in HTML text and quoted attributes,
 * and how many bytes longer than the byte itself it is. */
static const char *const html_entity[256] = {
    ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;",
};
static const unsigned char html_extra[256] = {
    ['&'] = 4, ['<'] = 3, ['>'] = 3, ['"'] = 5, ['\''] = 4,
};

/* Appending run by run costs a call per run; instead the escapers count
 * the output first, reserve it once and write in place (buf_reserve()
 * leaves room for the terminating NUL). */
static char *reserve(buf *out, size_t n)
{
    return buf_reserve(out, n) ? out->data + out->len : NULL;
}

static void commit(buf *out, size_t n)
{
    out->len += n;
    out->data[out->len] = '\0';
}

void esc_html(buf *out, const char *s, size_t n)
{
    size_t extra = 0;
    for (size_t i = 0; i < n; i++)
        extra += html_extra[(unsigned char)s[i]];
    if (extra == 0) {
        buf_append(out, s, n);
        return;
    }
    if (extra > SIZE_MAX - n) {
        out->failed = true;
        return;
    }
    char *w = reserve(out, n + extra);
    if (!w)
        return;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (html_extra[c]) {
            memcpy(w, html_entity[c], html_extra[c] + 1u);
            w += html_extra[c] + 1u;
        } else {
            *w++ = (char)c;
        }
    }
    commit(out, n + extra);
}

/* RFC 3986 section 2.3 unreserved characters. */
static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

void esc_percent(buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t encoded = 0;
    for (size_t i = 0; i < n; i++)
        encoded += !unreserved((unsigned char)s[i]);
    if (encoded == 0) {
        buf_append(out, s, n);
        return;
    }
    if (encoded > (SIZE_MAX - n) / 2) {
        out->failed = true;
        return;
    }
    char *w = reserve(out, n + 2 * encoded);
    if (!w)
        return;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c)) {
            *w++ = (char)c;
        } else {
            *w++ = '%';
            *w++ = hex[c >> 4];
            *w++ = hex[c & 15];
        }
    }
    commit(out, n + 2 * encoded);
}

bool esc_url_safe(const char *s, size_t n)
{
    /* Collect the would-be scheme: everything before the first ':', '/',
     * '?' or '#', lower-cased, without the bytes browsers ignore.  Dropping
     * every control and space (browsers drop only leading ones and tabs and
     * newlines anywhere) can only make more text look like a scheme, so it
     * refuses more, never less. */
    char scheme[8];
    size_t len = 0;
    bool long_scheme = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20)
            continue;
        if (c == '/' || c == '?' || c == '#')
            return true; /* no scheme: a relative URL */
        if (c == ':') {
            if (long_scheme)
                return false;
            static const char *const allowed[] = {"http", "https", "mailto", "tel"};
            for (size_t k = 0; k < sizeof allowed / sizeof allowed[0]; k++)
                if (strlen(allowed[k]) == len && memcmp(allowed[k], scheme, len) == 0)
                    return true;
            return false;
        }
        if (len == sizeof scheme)
            long_scheme = true;
        else
            scheme[len++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    return true; /* no ':' at all: a relative URL */
}

void esc_url(buf *out, const char *s, size_t n)
{
    if (esc_url_safe(s, n))
        esc_html(out, s, n);
    else
        buf_putc(out, '#');
}

void esc_append(buf *out, esc_mode mode, const char *s, size_t n)
{
    switch (mode) {
    case ESC_NONE: buf_append(out, s, n); break;
    case ESC_TEXT:
    case ESC_ATTR: esc_html(out, s, n); break;
    case ESC_URL: esc_url(out, s, n); break;
    case ESC_URL_PART: esc_percent(out, s, n); break;
    }
}
