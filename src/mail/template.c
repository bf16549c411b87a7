/* template.c - see template.h. */
#include "mail/template.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/fault.h"
#include "core/utf8.h"

#define BOM "\xEF\xBB\xBF"
#define IDEOGRAPHIC_SPACE "\xE3\x80\x80"   /* U+3000, typed by Japanese input methods */
#define FULLWIDTH_COLON "\xEF\xBC\x9A"     /* U+FF1A */

/* Length of the blank (space, tab, U+3000) at s[0..n), or 0. */
static size_t blank_at(const char *s, size_t n)
{
    if (n >= 1 && (s[0] == ' ' || s[0] == '\t'))
        return 1;
    if (n >= 3 && memcmp(s, IDEOGRAPHIC_SPACE, 3) == 0)
        return 3;
    return 0;
}

/* Trims blanks at both ends of s[*start..*end). */
static void trim(const char *s, size_t *start, size_t *end)
{
    size_t k;
    while (*start < *end && (k = blank_at(s + *start, *end - *start)) > 0)
        *start += k;
    for (;;) {
        if (*end > *start && (s[*end - 1] == ' ' || s[*end - 1] == '\t'))
            *end -= 1;
        else if (*end - *start >= 3 && memcmp(s + *end - 3, IDEOGRAPHIC_SPACE, 3) == 0)
            *end -= 3;
        else
            break;
    }
}

/* True if s[0..n) holds only blanks and LFs. */
static bool all_blank(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = s[i] == '\n' ? 1 : blank_at(s + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/* The byte-level checks every line gets, header or body. */
static bool line_checked(const char *s, size_t n, long line, char *err, size_t errlen)
{
    if (memchr(s, '\0', n)) {
        utf8_format(err, errlen, "%ld 行目: NUL 文字は使えません", line);
        return false;
    }
    if (memchr(s, '\r', n)) {
        utf8_format(err, errlen, "%ld 行目: 改行コードに CR は使えません（LF で保存してください）",
                line);
        return false;
    }
    if (!utf8_valid(s, n)) {
        utf8_format(err, errlen, "%ld 行目: 文字が UTF-8 として正しくありません", line);
        return false;
    }
    return true;
}

static char *copy(const char *s, size_t n)
{
    char *p = fault_malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

typedef struct header_state {
    const char *subject;
    size_t subject_len;
    bool have_subject, have_bcc, bcc;
} header_state;

/* Parses one header line "Key: value" (already byte-checked). */
static bool header_line(const char *s, size_t n, long line, header_state *h, char *err,
                        size_t errlen)
{
    const char *colon = memchr(s, ':', n);
    if (!colon) {
        if (memmem(s, n, FULLWIDTH_COLON, 3))
            utf8_format(err, errlen, "%ld 行目: 項目名のあとの「:」は半角で書いてください", line);
        else
            utf8_format(err, errlen,
                    "%ld 行目: 「項目名: 値」の形ではありません"
                    "（本文の前には空行を 1 行入れてください）",
                    line);
        return false;
    }
    size_t ks = 0, ke = (size_t)(colon - s), vs = ke + 1, ve = n;
    trim(s, &ks, &ke);
    trim(s, &vs, &ve);
    const char *key = s + ks;
    size_t key_len = ke - ks;
    if (key_len == 0) {
        utf8_format(err, errlen, "%ld 行目: 項目名がありません", line);
        return false;
    }
    if (key_len == 7 && strncasecmp(key, "Subject", 7) == 0) {
        if (h->have_subject) {
            utf8_format(err, errlen, "%ld 行目: 項目「Subject」が 2 回あります", line);
            return false;
        }
        if (ve == vs) {
            utf8_format(err, errlen, "%ld 行目: 件名（Subject）が空です", line);
            return false;
        }
        h->have_subject = true;
        h->subject = s + vs;
        h->subject_len = ve - vs;
        return true;
    }
    if (key_len == 10 && strncasecmp(key, "Bcc-Centre", 10) == 0) {
        if (h->have_bcc) {
            utf8_format(err, errlen, "%ld 行目: 項目「Bcc-Centre」が 2 回あります", line);
            return false;
        }
        if (ve - vs == 3 && strncasecmp(s + vs, "yes", 3) == 0) {
            h->bcc = true;
        } else if (ve - vs == 2 && strncasecmp(s + vs, "no", 2) == 0) {
            h->bcc = false;
        } else {
            utf8_format(err, errlen, "%ld 行目: 「Bcc-Centre」には yes か no を書いてください", line);
            return false;
        }
        h->have_bcc = true;
        return true;
    }
    /* Show at most 60 bytes of a long key, cut at a character boundary so the
     * message stays valid UTF-8. */
    size_t shown = key_len;
    if (shown > 60) {
        shown = 60;
        while (shown > 0 && ((unsigned char)key[shown] & 0xC0) == 0x80)
            shown--;
    }
    utf8_format(err, errlen, "%ld 行目: 不明な項目「%.*s%s」です", line, (int)shown, key,
            shown < key_len ? "…" : "");
    return false;
}

bool mail_template_split(const char *src, size_t n, mail_template_parts *out, char *err,
                         size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (n > MAIL_TEMPLATE_MAX) {
        utf8_format(err, errlen, "メールのテンプレートが大きすぎます（%d バイトまで）",
                MAIL_TEMPLATE_MAX);
        return false;
    }
    if (!src || n == 0) {
        utf8_format(err, errlen, "メールのテンプレートが空です");
        return false;
    }
    size_t pos = 0;
    if (n >= 3 && memcmp(src, BOM, 3) == 0)
        pos = 3;

    header_state h = {0};
    bool in_header = true;
    size_t body_start = n;
    long line = 0, blank_line = 0;
    while (pos < n) {
        line++;
        const char *nl = memchr(src + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - src) : n;
        if (!line_checked(src + pos, end - pos, line, err, errlen))
            return false;
        if (in_header) {
            if (end == pos) {
                in_header = false;
                blank_line = line;
                body_start = end + 1 <= n ? end + 1 : n;
            } else if (!header_line(src + pos, end - pos, line, &h, err, errlen)) {
                return false;
            }
        }
        pos = nl ? end + 1 : n;
    }
    if (in_header) {
        utf8_format(err, errlen, "%ld 行目: 項目のあとに空行と本文がありません", line + 1);
        return false;
    }
    if (!h.have_subject) {
        utf8_format(err, errlen, "%ld 行目: 件名の項目「Subject」がありません", blank_line);
        return false;
    }
    if (all_blank(src + body_start, n - body_start)) {
        utf8_format(err, errlen, "%ld 行目: 本文が空です", blank_line + 1);
        return false;
    }
    out->subject = copy(h.subject, h.subject_len);
    out->body = copy(src + body_start, n - body_start);
    out->bcc_centre = h.bcc;
    if (!out->subject || !out->body) {
        mail_template_parts_free(out);
        utf8_format(err, errlen, "メモリが足りません");
        return false;
    }
    return true;
}

void mail_template_parts_free(mail_template_parts *p)
{
    if (!p)
        return;
    free(p->subject);
    free(p->body);
    p->subject = p->body = NULL;
    p->bcc_centre = false;
}
