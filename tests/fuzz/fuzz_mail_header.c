/* libFuzzer target: mail composition (src/mail/message.c) and address syntax
 * (src/mail/addr.c) against header injection, security spec 8.10 class 7.
 *
 * The input is split at 0xFF bytes (never part of UTF-8, so every field can
 * still hold NUL, CR, LF and any valid text) into:
 *   subject | display name | body | address | header field name
 * A whole message is composed with them.  It aborts if
 *   - composition succeeds although an input holds CR, LF, NUL or invalid
 *     UTF-8, or fails although every input is good;
 *   - an output line is over 998 characters or not ended by CRLF, or the
 *     output holds a bare CR or LF, NUL, or a byte >= 0x80;
 *   - the header does not hold exactly the expected fields;
 *   - the Subject's encoded words, the display name or the base64 body do
 *     not decode to exactly the input (the body after CRLF normalisation);
 *   - an accepted address holds CR, LF, space, '<', '>' or ',' or is longer
 *     than 254 bytes;
 *   - mail_header_add_n() accepts a bad field name or value.
 * The decoders live here on purpose: the library never reads mail back. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/utf8.h"
#include "mail/addr.h"
#include "mail/message.h"

#define FIELDS 5

#include "../support/mail_decode.h"

/* 7-bit, no NUL, every line CRLF-terminated and <= 998 characters. */
static void check_lines(const char *s, size_t n)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0 || c >= 0x80 || c == '\n')
            abort();
        if (c == '\r') {
            if (i + 1 >= n || s[i + 1] != '\n')
                abort();
            i++;
            col = 0;
        } else if (++col > MAIL_LINE_MAX) {
            abort();
        }
    }
    if (col != 0)
        abort();
}

typedef struct field {
    const char *name;
    size_t name_len;
    buf value;   /* unfolded */
} field;

/* Splits the header block into unfolded fields; returns the count (at most max). */
static size_t parse_header(const char *msg, size_t hlen, field *f, size_t max)
{
    size_t count = 0;
    for (size_t pos = 0; pos < hlen;) {
        const char *eol = strstr(msg + pos, "\r\n");
        size_t end = (size_t)(eol - msg);
        if (msg[pos] == ' ' || msg[pos] == '\t') {
            if (count == 0)
                abort();   /* continuation without a field */
            buf_append(&f[count - 1].value, msg + pos, end - pos);
        } else {
            const char *colon = memchr(msg + pos, ':', end - pos);
            if (!colon || count == max)
                abort();
            f[count].name = msg + pos;
            f[count].name_len = (size_t)(colon - (msg + pos));
            buf_init(&f[count].value, 0);
            size_t v = (size_t)(colon - msg) + 1;
            buf_append(&f[count].value, msg + v, end - v);
            count++;
        }
        pos = end + 2;
    }
    /* the space after the colon belongs to the syntax, not the value */
    for (size_t i = 0; i < count; i++) {
        buf *b = &f[i].value;
        if (b->len > 0 && b->data[0] == ' ') {
            memmove(b->data, b->data + 1, b->len);
            b->len--;
        }
    }
    return count;
}

static bool text_ok(const char *s, size_t n)
{
    return !memchr(s, '\r', n) && !memchr(s, '\n', n) && utf8_valid(s, n);
}

static void check_display_name(const buf *v, const char *name, const char *addr)
{
    char suffix[300];
    if (!name[0]) {
        if (strcmp(v->data ? v->data : "", addr) != 0)
            abort();
        return;
    }
    snprintf(suffix, sizeof suffix, " <%s>", addr);
    size_t sl = strlen(suffix);
    if (v->len <= sl || strcmp(v->data + v->len - sl, suffix) != 0)
        abort();
    size_t pl = v->len - sl;
    const char *p = v->data;
    buf got = BUF_INIT;
    if (p[0] == '"') {
        if (pl < 2 || p[pl - 1] != '"')
            abort();
        for (size_t i = 1; i + 1 < pl; i++) {
            if (p[i] == '"')
                abort();   /* unescaped quote inside */
            if (p[i] == '\\')
                i++;
            buf_putc(&got, p[i]);
        }
    } else if (!decode_unstructured(p, pl, &got)) {
        abort();
    }
    if (!buf_ok(&got) || got.len != strlen(name) || memcmp(got.data ? got.data : "", name, got.len))
        abort();
    buf_free(&got);
}

static void check_body(const char *msg, size_t n, size_t hlen, const char *body, size_t blen)
{
    buf got = BUF_INIT, want = BUF_INIT;
    const char *p = msg + hlen + 2, *end = msg + n;
    while (p < end) {
        const char *eol = strstr(p, "\r\n");
        if (!eol || eol - p > 76 || !b64_decode(p, (size_t)(eol - p), &got))
            abort();
        p = eol + 2;
    }
    for (size_t i = 0; i < blen; i++) {
        if (body[i] == '\r' || body[i] == '\n') {
            if (body[i] == '\r' && i + 1 < blen && body[i + 1] == '\n')
                i++;
            buf_append(&want, "\r\n", 2);
        } else {
            buf_putc(&want, body[i]);
        }
    }
    if (got.len != want.len || (got.len && memcmp(got.data, want.data, got.len) != 0))
        abort();
    buf_free(&got);
    buf_free(&want);
}

static void check_addr(const char *a)
{
    if (!mail_addr_valid(a))
        return;
    size_t n = strlen(a);
    if (n > MAIL_ADDR_MAX || strcspn(a, "\r\n <>,\"()[]\\;:") != n || !strchr(a, '@'))
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)a[i] <= 32 || (unsigned char)a[i] >= 127)
            abort();
    if (strchr(a, '@') != strrchr(a, '@') || !mail_domain_valid(mail_addr_domain(a)))
        abort();
}

static void check_header_add(const char *name, const char *value, size_t vlen)
{
    buf b = BUF_INIT;
    char err[256];
    bool ok = mail_header_add_n(&b, name, value, vlen, err, sizeof err);
    size_t nl = strlen(name);
    bool name_ok = nl >= 1 && nl <= MAIL_FIELD_NAME_MAX;
    for (size_t i = 0; i < nl; i++)
        if ((unsigned char)name[i] < 33 || (unsigned char)name[i] > 126 || name[i] == ':')
            name_ok = false;
    if (ok != (name_ok && text_ok(value, vlen)))
        abort();
    if (!ok) {
        if (!utf8_valid(err, strlen(err)))
            abort();
        buf_free(&b);
        return;
    }
    check_lines(b.data, b.len);
    field f[1];
    if (parse_header(b.data, b.len, f, 1) != 1 || f[0].name_len != nl ||
        memcmp(f[0].name, name, nl) != 0)
        abort();
    buf d = BUF_INIT;
    if (!decode_unstructured(f[0].value.data ? f[0].value.data : "", f[0].value.len, &d) ||
        d.len != vlen || (vlen && memcmp(d.data, value, vlen) != 0))
        abort();
    buf_free(&d);
    buf_free(&f[0].value);
    buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *part[FIELDS];
    size_t len[FIELDS];
    size_t pos = 0;
    for (int i = 0; i < FIELDS; i++) {
        size_t start = pos < size ? pos : size;
        const uint8_t *sep = start < size ? memchr(data + start, 0xFF, size - start) : NULL;
        size_t end = sep ? (size_t)(sep - data) : size;
        len[i] = end - start;
        part[i] = malloc(len[i] + 1);
        if (!part[i])
            abort();
        if (len[i])
            memcpy(part[i], data + start, len[i]);
        part[i][len[i]] = '\0';
        pos = end + 1;
    }
    const char *subject = part[0], *name = part[1], *body = part[2], *addr = part[3];

    check_addr(addr);
    check_header_add(part[4], subject, len[0]);

    const char *to = mail_addr_valid(addr) ? addr : "user@example.org";
    mail_message m = {
        .from_addr = "info@example.jp",
        .from_name = name,
        .to_addr = to,
        .to_name = NULL,
        .reply_to = to,
        .subject = subject,
        .subject_len = len[0],
        .body = body,
        .body_len = len[2],
        .message_id = "<0123456789abcdef0123456789abcdef.1740787200@example.jp>",
        .date = 1740787200,
        .list_unsubscribe = len[3] & 1 ? "https://example.jp/stop?t=1" : NULL,
    };
    bool expected = len[0] > 0 && text_ok(subject, len[0]) && text_ok(name, strlen(name)) &&
                    utf8_valid(body, len[2]);
    buf b = BUF_INIT;
    char err[256] = "";
    bool ok = mail_compose(&m, &b, err, sizeof err);
    if (ok != expected)
        abort();
    if (!ok) {
        if (!err[0] || !utf8_valid(err, strlen(err)))
            abort();
    } else {
        check_lines(b.data, b.len);
        const char *blank = strstr(b.data, "\r\n\r\n");
        if (!blank)
            abort();
        size_t hlen = (size_t)(blank - b.data) + 2;
        field f[16];
        size_t nf = parse_header(b.data, hlen, f, 16);
        static const char *const want[] = {
            "Date",         "From",
            "To",           "Reply-To",
            "Subject",      "Message-ID",
            "MIME-Version", "Content-Type",
            "Content-Transfer-Encoding", "Auto-Submitted",
            "List-Unsubscribe",
        };
        size_t nwant = m.list_unsubscribe ? 11 : 10;
        if (nf != nwant)
            abort();
        for (size_t i = 0; i < nf; i++)
            if (f[i].name_len != strlen(want[i]) || memcmp(f[i].name, want[i], f[i].name_len))
                abort();
        buf d = BUF_INIT;
        if (!decode_unstructured(f[4].value.data ? f[4].value.data : "", f[4].value.len, &d) ||
            d.len != len[0] || memcmp(d.data, subject, len[0]) != 0)
            abort();
        buf_free(&d);
        check_display_name(&f[1].value, name, "info@example.jp");
        if (strcmp(f[2].value.data, to) != 0 || strcmp(f[3].value.data, to) != 0)
            abort();
        check_body(b.data, b.len, hlen, body, len[2]);
        for (size_t i = 0; i < nf; i++)
            buf_free(&f[i].value);
    }
    buf_free(&b);
    for (int i = 0; i < FIELDS; i++)
        free(part[i]);
    return 0;
}
