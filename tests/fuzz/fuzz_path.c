/* libFuzzer target: http_path_normalise() on any request path.  An accepted
 * path is canonical: it starts with '/', holds no "//", no "." or ".."
 * segment (so no "/../", "/./", and no trailing "/.." or "/."), no NUL,
 * backslash or control character, is valid UTF-8 and within LIMIT_PATH + 1
 * bytes; and canonicalising it again changes nothing unless it holds a '%'
 * (decoding happens exactly once, so "%2e%2e" stays literal). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "http/path.h"

static void check_canonical(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || p[0] != '/' || n > LIMIT_PATH + 1 || !utf8_valid(p, n))
        abort();
    if (strstr(p, "//") || strstr(p, "/../") || strstr(p, "/./"))
        abort();
    if ((n >= 3 && strcmp(p + n - 3, "/..") == 0) || (n >= 2 && strcmp(p + n - 2, "/.") == 0))
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7F || p[i] == '\\')
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The server passes the request target's path as a C string. */
    char *raw = malloc(size + 2);
    if (!raw)
        return 0;
    raw[0] = '/';
    memcpy(raw + 1, data, size);
    raw[size + 1] = '\0';

    arena a;
    arena_init(&a);
    for (int with_slash = 0; with_slash <= 1; with_slash++) {
        char *out = NULL;
        parse_status st = http_path_normalise(&a, with_slash ? raw : raw + 1, &out);
        if (st != PARSE_OK) {
            if (out != NULL)
                abort();
            continue;
        }
        check_canonical(out);
        if (!strchr(out, '%')) {
            char *again = NULL;
            if (http_path_normalise(&a, out, &again) != PARSE_OK || strcmp(again, out) != 0)
                abort();
        }
    }
    arena_free(&a);
    free(raw);
    return 0;
}
