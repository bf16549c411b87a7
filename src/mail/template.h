/*
 * template.h - the mail template file format (templates/mail/<kind>.txt):
 * splitting a file into its subject and body BEFORE anything is rendered.
 *
 * Splitting first is the point: the subject is a single line of the source,
 * so a rendered value holding a newline can never become a header line of
 * its own (security spec 8.10 class 7); such a value is refused later by
 * mail_header_add().  Each part is then compiled with the template engine
 * (tmpl/tmpl.h) by the caller.
 *
 * Format (staff edit these files, so every refusal names the line):
 *
 *     Subject: 【{{ site.name }}】仮登録のお知らせ
 *     Bcc-Centre: yes
 *
 *     {{ user.name }} 様
 *     ...
 *
 *   - Header lines "Key: value" first, then one empty line, then the body:
 *     everything after that empty line, verbatim (further empty lines
 *     included).  The body may not be empty or whitespace only.
 *   - Keys (ASCII letter case ignored): "Subject" (required, the subject
 *     template, non-empty) and "Bcc-Centre" (optional, "yes" or "no",
 *     default no: whether the centre gets a blind copy).  Spaces, tabs and
 *     U+3000 around keys and values are trimmed.
 *   - Refused: unknown or repeated keys, a header line without ':', a missing
 *     empty line, CR anywhere (save the file with LF line ends), NUL, invalid
 *     UTF-8, and files over MAIL_TEMPLATE_MAX bytes.  One UTF-8 byte order
 *     mark at the very start is skipped, since editors on Windows add it.
 *
 * Errors are Japanese and start with the line number: "3 行目: 不明な項目「Cc」です".
 */
#ifndef TSUNAGU_MAIL_TEMPLATE_H
#define TSUNAGU_MAIL_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/limits.h"

/* Largest template file in bytes (see core/limits.h). */
#define MAIL_TEMPLATE_MAX LIMIT_MAIL_TEMPLATE

typedef struct mail_template_parts {
    char *subject;   /* malloc'd (fault_malloc), NUL-terminated, one line, trimmed */
    char *body;      /* malloc'd, NUL-terminated, verbatim */
    bool bcc_centre;
} mail_template_parts;

/* Splits src[0..n) into *out.  On success the caller owns the parts and frees
 * them with mail_template_parts_free().  On failure *out is zeroed (nothing
 * is left allocated) and err holds the message; out of memory gives
 * "メモリが足りません". */
bool mail_template_split(const char *src, size_t n, mail_template_parts *out, char *err,
                         size_t errlen);

/* Frees both parts and zeroes *p; NULL or a zeroed struct is fine. */
void mail_template_parts_free(mail_template_parts *p);

#endif
