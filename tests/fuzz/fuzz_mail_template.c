/* libFuzzer target: mail_template_split() (src/mail/template.c) on arbitrary
 * bytes.  It must never crash or leak; on success the subject is one
 * non-empty line (no CR, LF) and both parts are valid UTF-8 without NUL, the
 * body is the tail of the input; on failure the message is valid UTF-8 and
 * nothing is left allocated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "mail/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mail_template_parts p;
    char err[256] = "";
    const char *src = (const char *)data;
    if (!mail_template_split(src, size, &p, err, sizeof err)) {
        if (!err[0] || !utf8_valid(err, strlen(err)) || p.subject || p.body)
            abort();
        return 0;
    }
    size_t sn = strlen(p.subject), bn = strlen(p.body);
    if (sn == 0 || bn == 0 || strpbrk(p.subject, "\r\n") || strchr(p.body, '\r') ||
        !utf8_valid(p.subject, sn) || !utf8_valid(p.body, bn) || size > MAIL_TEMPLATE_MAX)
        abort();
    if (bn > size || memcmp(src + size - bn, p.body, bn) != 0)
        abort();
    /* the subject is a part of the input too */
    if (!memmem(src, size, p.subject, sn))
        abort();
    mail_template_parts_free(&p);
    return 0;
}
