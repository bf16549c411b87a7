/* libFuzzer target: http_parse_urlencoded() and http_pct_decode() on any
 * bytes.  An accepted result must be what the contract promises: at most
 * LIMIT_FORM_FIELDS pairs of valid UTF-8 within their length limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "http/params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;

    char *out = malloc(size + 1);
    if (!out)
        return 0;
    for (int plus = 0; plus <= 1; plus++) {
        size_t len = 0;
        if (http_pct_decode(s, size, plus, out, &len) == PARSE_OK) {
            if (len > size || out[len] != '\0' || !utf8_valid(out, len))
                abort();
            if (plus && memchr(out, '+', len) && !memchr(s, '%', size))
                abort(); /* a '+' can only come from %2B */
        }
    }
    free(out);

    arena a;
    arena_init(&a);
    http_params p = {0};
    if (http_parse_urlencoded(&a, s, size, &p) == PARSE_OK) {
        if (p.count > LIMIT_FORM_FIELDS)
            abort();
        for (size_t i = 0; i < p.count; i++) {
            const http_param_item *it = &p.items[i];
            size_t nl = strlen(it->name);
            if (nl > LIMIT_FIELD_NAME || !utf8_valid(it->name, nl))
                abort();
            if (it->value_len > LIMIT_FIELD_VALUE || strlen(it->value) != it->value_len ||
                !utf8_valid(it->value, it->value_len))
                abort();
            if (http_params_get(&p, it->name) == NULL)
                abort();
        }
    }
    arena_free(&a);
    return 0;
}
