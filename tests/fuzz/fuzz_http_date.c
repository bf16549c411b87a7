/* libFuzzer target: http_date_parse() (If-Modified-Since comes from clients).
 * Must hold: no crash; whatever parses is a time that http_date() formats
 * and that parses back to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/jst.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    time_t t = http_date_parse(s);
    free(s);
    if (t == -1)
        return 0;
    if (t < 0)
        abort();
    char out[HTTP_DATE_LEN];
    http_date(t, out);
    if (http_date_parse(out) != t)
        abort();
    return 0;
}
