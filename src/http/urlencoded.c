/*
 * urlencoded.c - application/x-www-form-urlencoded bodies and query strings
 * (WHATWG URL standard, "application/x-www-form-urlencoded parsing").
 * See params.h for the contract.
 */
#include "http/params.h"

#include <string.h>

#include "core/limits.h"

/* Decodes raw[0..n) into a fresh arena string of at most limit bytes.
 * A decoded byte takes one or three raw bytes, so more than 3 * limit raw
 * bytes is too long before any decoding (and before any allocation). */
static parse_status decode_part(arena *a, const char *raw, size_t n, size_t limit, char **out,
                                size_t *out_len)
{
    if (n / 3 > limit)
        return PARSE_TOO_LONG;
    char *dst = arena_alloc(a, n + 1);
    if (!dst)
        return PARSE_NOMEM;
    parse_status st = http_pct_decode(raw, n, true, dst, out_len);
    if (st != PARSE_OK)
        return st;
    if (*out_len > limit)
        return PARSE_TOO_LONG;
    *out = dst;
    return PARSE_OK;
}

parse_status http_parse_urlencoded(arena *a, const char *s, size_t n, http_params *out)
{
    size_t pairs = 0;
    size_t i = 0;
    while (i < n) {
        const char *pair = s + i;
        const char *amp = memchr(pair, '&', n - i);
        size_t len = amp ? (size_t)(amp - pair) : n - i;
        i += len + 1; /* past the '&' (or past the end) */
        if (len == 0)
            continue; /* "a=1&&b=2": skipped */
        if (++pairs > LIMIT_FORM_FIELDS)
            return PARSE_TOO_MANY;

        const char *eq = memchr(pair, '=', len);
        size_t name_raw = eq ? (size_t)(eq - pair) : len;
        const char *value = eq ? eq + 1 : pair + len;
        size_t value_raw = eq ? len - name_raw - 1 : 0;

        char *name_dec, *value_dec;
        size_t name_len, value_len;
        parse_status st = decode_part(a, pair, name_raw, LIMIT_FIELD_NAME, &name_dec, &name_len);
        if (st != PARSE_OK)
            return st;
        st = decode_part(a, value, value_raw, LIMIT_FIELD_VALUE, &value_dec, &value_len);
        if (st != PARSE_OK)
            return st;
        if (!http_params_add(a, out, name_dec, value_dec, value_len))
            return PARSE_NOMEM;
    }
    return PARSE_OK;
}
