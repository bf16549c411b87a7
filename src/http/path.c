/* path.c - see path.h. */
#include "http/path.h"

#include <string.h>

#include "core/limits.h"

static bool is_dot_segment(const char *seg, size_t n)
{
    return (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.');
}

parse_status http_path_normalise(arena *a, const char *raw, char **out)
{
    *out = NULL;
    if (raw[0] != '/')
        return PARSE_BAD_ENCODING;
    /* A decoded byte takes one or three raw bytes: refuse a hopeless length
     * before copying anything. */
    size_t n = strlen(raw);
    if (n / 3 > LIMIT_PATH)
        return PARSE_TOO_LONG;
    char *dec = arena_alloc(a, n + 1);
    char *res = arena_alloc(a, n + 1);
    if (!dec || !res)
        return PARSE_NOMEM;
    size_t len;
    parse_status st = http_pct_decode(raw, n, false, dec, &len);
    if (st != PARSE_OK)
        return st;
    if (len > LIMIT_PATH)
        return PARSE_TOO_LONG;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)dec[i];
        if (c == '\\' || c < 0x20 || c == 0x7F)
            return PARSE_BAD_ENCODING;
    }

    /* Walk the segments; decoded '/' separates like a raw one. */
    size_t o = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && dec[i] == '/')
            i++;
        if (i == len)
            break;
        const char *seg = dec + i;
        const char *slash = memchr(seg, '/', len - i);
        size_t seg_len = slash ? (size_t)(slash - seg) : len - i;
        if (is_dot_segment(seg, seg_len))
            return PARSE_BAD_ENCODING;
        res[o++] = '/';
        memcpy(res + o, seg, seg_len);
        o += seg_len;
        i += seg_len;
    }
    if (o == 0 || dec[len - 1] == '/')
        res[o++] = '/';
    res[o] = '\0';
    *out = res;
    return PARSE_OK;
}
