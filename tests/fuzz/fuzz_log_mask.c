/* libFuzzer target: log_mask() and the access-log line on arbitrary bytes.
 * Must hold: no crash or leak; masking never grows text past a small factor;
 * an access-log line is one line of printable ASCII/UTF-8 with no raw control
 * characters or invalid UTF-8 (so it stays one valid JSON object). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    buf out = BUF_INIT;
    log_mask((const char *)data, size, &out);
    if (!buf_ok(&out) || out.len > 2 * size + 16)
        abort();
    /* valid UTF-8 in, valid UTF-8 out: masks never cut a character */
    if (utf8_valid((const char *)data, size) && !utf8_valid(out.data ? out.data : "", out.len))
        abort();
    buf_free(&out);

    /* split the input into path and query at the first '?' */
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    char *q = strchr(s, '?');
    if (q)
        *q++ = '\0';
    log_access_entry e = {.method = s, .path = s, .query = q, .status = 200, .addr = s};
    buf line = BUF_INIT;
    if (!log_access_format(&e, (struct timespec){0, 0}, &line))
        abort();
    if (!utf8_valid(line.data, line.len) || line.data[line.len - 1] != '\n')
        abort();
    for (size_t i = 0; i + 1 < line.len; i++)
        if ((unsigned char)line.data[i] < 0x20 || line.data[i] == 0x7F)
            abort();
    buf_free(&line);
    free(s);
    return 0;
}
