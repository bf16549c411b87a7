/* escape.c - see escape.h. */
#include "tmpl/escape.h"

#include <string.h>

/* Entity for each byte that needs one in HTML text and quoted attributes. */
static const char *const html_entity[256] = {
    ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;",
};
static const unsigned char html_entity_len[256] = {
    ['&'] = 5, ['<'] = 4, ['>'] = 4, ['"'] = 6, ['\''] = 5,
};

void esc_html(buf *out, const char *s, size_t n)
{
    size_t run = 0;   /* start of the pending run of bytes that need no escaping */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!html_entity_len[c])
            continue;
        buf_append(out, s + run, i - run);
        buf_append(out, html_entity[c], html_entity_len[c]);
        run = i + 1;
    }
    buf_append(out, s + run, n - run);
}

/* RFC 3986 section 2.3 unreserved characters. */
static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

void esc_percent(buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c))
            continue;
        buf_append(out, s + run, i - run);
        char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
        buf_append(out, enc, 3);
        run = i + 1;
    }
    buf_append(out, s + run, n - run);
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
            return true;              /* no scheme: a relative URL */
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
    return true;                      /* no ':' at all: a relative URL */
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
    case ESC_NONE:
        buf_append(out, s, n);
        break;
    case ESC_TEXT:
    case ESC_ATTR:
        esc_html(out, s, n);
        break;
    case ESC_URL:
        esc_url(out, s, n);
        break;
    case ESC_URL_PART:
        esc_percent(out, s, n);
        break;
    }
}
