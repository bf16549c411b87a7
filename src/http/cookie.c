/*
 * cookie.c - the Cookie request header (RFC 6265 section 5.4 for what user
 * agents send, section 4.2.1 for its grammar).  See params.h for the contract.
 *
 * The parser is lenient per cookie and strict per byte: a malformed cookie is
 * dropped alone, because the header also carries cookies that other
 * applications on the same host set, and one of them must not lock visitors
 * out of this site.
 */
#include "http/params.h"

#include <string.h>

#include "core/limits.h"
#include "core/utf8.h"

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* No C0 control, no DEL, valid UTF-8 (which also excludes NUL). */
static bool clean_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F)
            return false;
    }
    return utf8_valid(s, n);
}

static void trim(const char **s, size_t *n)
{
    while (*n && is_ows(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_ows((*s)[*n - 1]))
        (*n)--;
}

/* Adds the cookie pair[0..len) to out if it is well formed.  Returns false
 * only on OOM. */
static bool add_cookie(arena *a, const char *pair, size_t len, http_params *out)
{
    const char *eq = memchr(pair, '=', len);
    if (!eq)
        return true; /* no '=': not a cookie-pair, ignored */
    const char *name = pair;
    size_t name_len = (size_t)(eq - pair);
    const char *value = eq + 1;
    size_t value_len = len - name_len - 1;
    trim(&name, &name_len);
    trim(&value, &value_len);
    if (value_len >= 2 && value[0] == '"' && value[value_len - 1] == '"') {
        value++;
        value_len -= 2;
    }
    if (name_len == 0 || name_len > LIMIT_FIELD_NAME || value_len > LIMIT_COOKIE_VALUE)
        return true;
    if (!clean_text(name, name_len) || !clean_text(value, value_len))
        return true;
    char *n = arena_strndup(a, name, name_len);
    char *v = arena_strndup(a, value, value_len);
    return n && v && http_params_add(a, out, n, v, value_len);
}

parse_status http_parse_cookies(arena *a, const char *header, http_params *out)
{
    if (!header)
        return PARSE_OK;
    size_t added = 0;
    const char *s = header;
    while (*s && added < LIMIT_COOKIES) {
        size_t len = strcspn(s, ";");
        size_t before = out->count;
        if (!add_cookie(a, s, len, out))
            return PARSE_NOMEM;
        added += out->count - before;
        s += len;
        if (*s == ';')
            s++;
    }
    return PARSE_OK;
}
