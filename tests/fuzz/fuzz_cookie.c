/* libFuzzer target: http_parse_cookies() on any header value.  It never
 * fails except on OOM, and every cookie it keeps is clean: a non-empty name
 * and a value without control characters, valid UTF-8, within the limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "http/params.h"

static int clean(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
            return 0;
    return utf8_valid(s, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* libmicrohttpd hands over a NUL-terminated header value. */
    char *header = malloc(size + 1);
    if (!header)
        return 0;
    memcpy(header, data, size);
    header[size] = '\0';

    arena a;
    arena_init(&a);
    http_params p = {0};
    if (http_parse_cookies(&a, header, &p) != PARSE_OK)
        abort();
    if (p.count > LIMIT_COOKIES)
        abort();
    for (size_t i = 0; i < p.count; i++) {
        const http_param_item *c = &p.items[i];
        size_t nl = strlen(c->name);
        if (nl == 0 || nl > LIMIT_FIELD_NAME || !clean(c->name, nl))
            abort();
        if (c->value_len > LIMIT_COOKIE_VALUE || strlen(c->value) != c->value_len ||
            !clean(c->value, c->value_len))
            abort();
        if (strchr(c->name, ';') || strchr(c->value, ';') || strchr(c->name, '='))
            abort();
    }
    arena_free(&a);
    free(header);
    return 0;
}
