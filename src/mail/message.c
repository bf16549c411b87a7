/* message.c - see message.h. */
#include "mail/message.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/jst.h"
#include "core/secret.h"
#include "core/utf8.h"
#include "mail/addr.h"

/* "=?UTF-8?B?" + "?=" around the base64 text of an encoded word. */
#define EW_PREFIX "=?UTF-8?B?"
#define EW_OVERHEAD 12
/* Bytes of body text per base64 line: 76 characters (RFC 2045 section 6.8). */
#define BODY_CHUNK 57

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static bool out_ok(const buf *out, char *err, size_t errlen)
{
    if (buf_ok(out))
        return true;
    utf8_format(err, errlen, "メモリが足りません");
    return false;
}

/* Base64 of in[0..n) into out (4 * ceil(n / 3) bytes, no NUL); returns that length. */
static size_t b64_encode(const unsigned char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
    }
    return o;
}

static bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* RFC 5322 section 3.6.8 ftext, 1..MAIL_FIELD_NAME_MAX of them. */
static bool field_name_valid(const char *name)
{
    if (!name)
        return false;
    size_t n = strnlen(name, MAIL_FIELD_NAME_MAX + 1);
    if (n == 0 || n > MAIL_FIELD_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 33 || (unsigned char)name[i] > 126 || name[i] == ':')
            return false;
    return true;
}

/* The injection check shared by every entry point: CR and LF first, because
 * that is the attack and deserves the plainest message. */
static bool text_checked(const char *field, const char *what, const char *s, size_t n, char *err,
                         size_t errlen)
{
    if (memchr(s, '\r', n) || memchr(s, '\n', n)) {
        utf8_format(err, errlen, "メールの%s「%s」に改行文字は使えません", what, field);
        return false;
    }
    if (memchr(s, '\0', n)) {
        utf8_format(err, errlen, "メールの%s「%s」に NUL 文字は使えません", what, field);
        return false;
    }
    if (!utf8_valid(s, n)) {
        utf8_format(err, errlen, "メールの%s「%s」の文字が UTF-8 として正しくありません", what, field);
        return false;
    }
    return true;
}

/* True unless s[0..n) may be written as it is: printable ASCII, space and
 * tab, and no "=?" that a reader could decode as an encoded word (RFC 2047
 * section 6.1 tells readers to decode encoded words in these fields). */
static bool needs_encoding(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 32 && c != '\t') || c >= 127)
            return true;
        if (c == '=' && i + 1 < n && s[i + 1] == '?')
            return true;
    }
    return false;
}

/* Writes plain s[0..n) at column col, folding before whitespace (RFC 5322
 * section 2.2.3: a CRLF is inserted before a space or tab, so unfolding gives
 * back the text exactly).  A fold is taken only before a run of whitespace
 * that follows a non-space and precedes one, so no line is left holding
 * whitespace only.  With write false nothing is written.  Returns the length
 * of the longest line, the first one counted from column 0. */
static size_t fold_plain(buf *out, size_t col, const char *s, size_t n, bool write)
{
    size_t longest = col;
    size_t i = 0;
    bool first = true;
    while (i < n) {
        size_t j = i;
        while (j < n && is_wsp(s[j]))
            j++;
        while (j < n && !is_wsp(s[j]))
            j++;
        size_t k = j;
        while (k < n && is_wsp(s[k]))
            k++;
        if (k == n)
            j = n;   /* trailing whitespace stays with the last word */
        if (!first && col + (j - i) > MAIL_LINE_SOFT) {
            if (write)
                buf_append(out, "\r\n", 2);
            col = 0;
        }
        if (write)
            buf_append(out, s + i, j - i);
        col += j - i;
        if (col > longest)
            longest = col;
        first = false;
        i = j;
    }
    return longest;
}

static size_t utf8_lead_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Bytes of the longest prefix of valid UTF-8 s[0..n) made of whole
 * characters whose encoded word is at most width characters; 0 when not even
 * the first character fits. */
static size_t word_take(const char *s, size_t n, size_t width)
{
    if (width < EW_OVERHEAD + 4)
        return 0;
    size_t max_bytes = (width - EW_OVERHEAD) / 4 * 3;
    size_t take = 0;
    while (take < n) {
        size_t len = utf8_lead_len((unsigned char)s[take]);
        if (take + len > max_bytes)
            break;
        take += len;
    }
    return take;
}

/* Writes valid UTF-8 s[0..n) (n > 0) as encoded words, each preceded by a
 * space; the first goes on the current line (at *col) if it fits in
 * MAIL_LINE_SOFT, every later one on a line of its own.  Updates *col. */
static void put_encoded_words(buf *out, size_t *col, const char *s, size_t n)
{
    bool first = true;
    while (n > 0) {
        size_t take = 0;
        if (first && *col + 1 < MAIL_LINE_SOFT) {
            size_t width = MAIL_LINE_SOFT - *col - 1;
            take = word_take(s, n, width < MAIL_ENCODED_WORD_MAX ? width : MAIL_ENCODED_WORD_MAX);
        }
        if (take == 0) {
            buf_append(out, "\r\n", 2);
            *col = 0;
            take = word_take(s, n, MAIL_ENCODED_WORD_MAX);
        }
        char word[MAIL_ENCODED_WORD_MAX + 1];
        memcpy(word, EW_PREFIX, EW_OVERHEAD - 2);
        size_t len = EW_OVERHEAD - 2;
        len += b64_encode((const unsigned char *)s, take, word + len);
        word[len++] = '?';
        word[len++] = '=';
        buf_putc(out, ' ');
        buf_append(out, word, len);
        *col += 1 + len;
        s += take;
        n -= take;
        first = false;
    }
}

bool mail_header_add_n(buf *out, const char *name, const char *value, size_t value_len, char *err,
                       size_t errlen)
{
    if (!field_name_valid(name)) {
        utf8_format(err, errlen, "メールのヘッダー名が正しくありません");
        return false;
    }
    if (!value) {
        utf8_format(err, errlen, "メールのヘッダー「%s」の値がありません", name);
        return false;
    }
    if (!text_checked(name, "ヘッダー", value, value_len, err, errlen))
        return false;
    size_t col = strlen(name) + 1;
    buf_puts(out, name);
    buf_putc(out, ':');
    if (value_len > 0) {
        if (!needs_encoding(value, value_len) &&
            fold_plain(out, col + 1, value, value_len, false) <= MAIL_LINE_MAX) {
            buf_putc(out, ' ');
            fold_plain(out, col + 1, value, value_len, true);
        } else {
            put_encoded_words(out, &col, value, value_len);
        }
    }
    buf_append(out, "\r\n", 2);
    return out_ok(out, err, errlen);
}

bool mail_header_add(buf *out, const char *name, const char *value, char *err, size_t errlen)
{
    return mail_header_add_n(out, name, value, value ? strlen(value) : 0, err, errlen);
}

/* True if s[0..n) can be a phrase of atoms as it is: atext words joined by
 * single spaces (RFC 5322 section 3.2.5). */
static bool phrase_is_atoms(const char *s, size_t n)
{
    if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ') {
            if (s[i + 1] == ' ')
                return false;
            continue;
        }
        if (!mail_atext(c))
            return false;
    }
    return true;
}

/* Writes a plain display name as atoms or a quoted-string, then " <addr>",
 * folded; false (out untouched) if a line would pass MAIL_LINE_MAX. */
static bool put_plain_phrase(buf *out, size_t col, const char *name, size_t n, const char *addr)
{
    buf tmp = BUF_INIT;
    if (phrase_is_atoms(name, n)) {
        buf_append(&tmp, name, n);
    } else {
        buf_putc(&tmp, '"');
        for (size_t i = 0; i < n; i++) {
            if (name[i] == '"' || name[i] == '\\')
                buf_putc(&tmp, '\\');
            buf_putc(&tmp, name[i]);
        }
        buf_putc(&tmp, '"');
    }
    buf_printf(&tmp, " <%s>", addr);
    bool fits = buf_ok(&tmp) && fold_plain(out, col, tmp.data, tmp.len, false) <= MAIL_LINE_MAX;
    if (fits) {
        buf_putc(out, ' ');
        fold_plain(out, col, tmp.data, tmp.len, true);
    } else if (!buf_ok(&tmp)) {
        out->failed = true;   /* reported by the caller's out_ok() */
        fits = true;
    }
    buf_free(&tmp);
    return fits;
}

bool mail_header_addr(buf *out, const char *name, const char *addr, const char *display_name,
                      char *err, size_t errlen)
{
    if (!field_name_valid(name)) {
        utf8_format(err, errlen, "メールのヘッダー名が正しくありません");
        return false;
    }
    if (!addr || !addr[0]) {
        utf8_format(err, errlen, "メールのヘッダー「%s」のメールアドレスがありません", name);
        return false;
    }
    size_t addr_len = strlen(addr);
    if (!text_checked(name, "ヘッダー", addr, addr_len, err, errlen))
        return false;
    size_t dn_len = display_name ? strlen(display_name) : 0;
    if (dn_len && !text_checked(name, "ヘッダー", display_name, dn_len, err, errlen))
        return false;
    if (!mail_addr_valid(addr)) {
        utf8_format(err, errlen, "メールのヘッダー「%s」のメールアドレスが正しくありません", name);
        return false;
    }
    size_t col = strlen(name) + 1;
    buf_puts(out, name);
    buf_putc(out, ':');
    if (dn_len == 0) {
        buf_putc(out, ' ');
        buf_append(out, addr, addr_len);
    } else if (needs_encoding(display_name, dn_len) ||
               !put_plain_phrase(out, col + 1, display_name, dn_len, addr)) {
        /* RFC 2047 section 5 (3): encoded words may stand for words of a
         * phrase; adjacent ones are joined without the space between. */
        put_encoded_words(out, &col, display_name, dn_len);
        if (col + addr_len + 3 > MAIL_LINE_SOFT)
            buf_append(out, "\r\n", 2);
        buf_printf(out, " <%s>", addr);
    }
    buf_append(out, "\r\n", 2);
    return out_ok(out, err, errlen);
}

/* msg-id = "<" id-left "@" id-right ">" with both sides dot-atom-text, the
 * form RFC 5322 section 3.6.4 asks generators for. */
static bool message_id_valid(const char *s, size_t n)
{
    if (n < 5 || n >= MAIL_MESSAGE_ID_MAX || s[0] != '<' || s[n - 1] != '>')
        return false;
    const char *at = memchr(s, '@', n);
    if (!at)
        return false;
    size_t left = (size_t)(at - s) - 1;
    return mail_dot_atom_valid(s + 1, left) && mail_dot_atom_valid(at + 1, n - left - 3);
}

bool mail_message_id(const char *domain, char *out, size_t outlen)
{
    if (!out || outlen == 0)
        return false;
    out[0] = '\0';
    if (!mail_domain_valid(domain))
        return false;
    unsigned char rnd[16];
    char hex[2 * sizeof rnd + 1];
    if (!secret_random(rnd, sizeof rnd))
        return false;
    secret_hex(rnd, sizeof rnd, hex);
    int n = snprintf(out, outlen, "<%s.%lld@%s>", hex, (long long)time(NULL), domain);
    if (n < 0 || (size_t)n >= outlen) {
        out[0] = '\0';
        return false;
    }
    return true;
}

/* RFC 2369 section 2: the URL goes inside angle brackets, so it may not hold
 * them, nor whitespace or control characters. */
static bool unsubscribe_url_valid(const char *s, size_t n)
{
    if (n == 0 || n > MAIL_LINE_MAX - 32)
        return false;
    if (strncasecmp(s, "https://", 8) != 0 && strncasecmp(s, "http://", 7) != 0 &&
        strncasecmp(s, "mailto:", 7) != 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 32 || c >= 127 || c == '<' || c == '>')
            return false;
    }
    return true;
}

/* Appends the body: every line end made CRLF, then base64 in 76-character
 * lines.  Chunks of 57 bytes (a multiple of 3) encode without padding, so
 * the lines join into one base64 stream. */
static void put_body(buf *out, const char *s, size_t n)
{
    unsigned char chunk[BODY_CHUNK];
    char line[BODY_CHUNK / 3 * 4 + 2];
    size_t fill = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c[2] = {(unsigned char)s[i], 0};
        size_t k = 1;
        if (s[i] == '\r' || s[i] == '\n') {
            if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
                i++;
            c[0] = '\r';
            c[1] = '\n';
            k = 2;
        }
        for (size_t j = 0; j < k; j++) {
            chunk[fill++] = c[j];
            if (fill == BODY_CHUNK) {
                size_t len = b64_encode(chunk, fill, line);
                line[len++] = '\r';
                line[len++] = '\n';
                buf_append(out, line, len);
                fill = 0;
            }
        }
    }
    if (fill > 0) {
        size_t len = b64_encode(chunk, fill, line);
        line[len++] = '\r';
        line[len++] = '\n';
        buf_append(out, line, len);
    }
}

bool mail_compose(const mail_message *m, buf *out, char *err, size_t errlen)
{
    if (!m || !out) {
        utf8_format(err, errlen, "メールの内容がありません");
        return false;
    }
    if (!m->subject) {
        utf8_format(err, errlen, "メールの件名がありません");
        return false;
    }
    /* NULL body = empty: an empty buf's data is NULL. */
    const char *body = m->body ? m->body : "";
    size_t subject_len = m->subject_len ? m->subject_len : strlen(m->subject);
    size_t body_len = m->body_len ? m->body_len : strlen(body);
    if (subject_len == 0) {
        utf8_format(err, errlen, "メールの件名が空です");
        return false;
    }
    if (memchr(body, '\0', body_len)) {
        utf8_format(err, errlen, "メールの本文に NUL 文字は使えません");
        return false;
    }
    if (!utf8_valid(body, body_len)) {
        utf8_format(err, errlen, "メールの本文の文字が UTF-8 として正しくありません");
        return false;
    }
    if (!m->message_id) {
        utf8_format(err, errlen, "メールの Message-ID がありません");
        return false;
    }
    size_t id_len = strlen(m->message_id);
    if (!text_checked("Message-ID", "ヘッダー", m->message_id, id_len, err, errlen))
        return false;
    if (!message_id_valid(m->message_id, id_len)) {
        utf8_format(err, errlen, "メールの Message-ID の形式が正しくありません");
        return false;
    }
    size_t unsub_len = 0;
    if (m->list_unsubscribe) {
        unsub_len = strlen(m->list_unsubscribe);
        if (!text_checked("List-Unsubscribe", "ヘッダー", m->list_unsubscribe, unsub_len, err,
                          errlen))
            return false;
        if (!unsubscribe_url_valid(m->list_unsubscribe, unsub_len)) {
            utf8_format(err, errlen, "メールのヘッダー「List-Unsubscribe」の URL が正しくありません");
            return false;
        }
    }

    char date[JST_RFC5322_LEN];
    jst_rfc5322((time_t)m->date, date);
    buf_printf(out, "Date: %s\r\n", date);
    if (!mail_header_addr(out, "From", m->from_addr, m->from_name, err, errlen) ||
        !mail_header_addr(out, "To", m->to_addr, m->to_name, err, errlen))
        return false;
    if (m->reply_to && !mail_header_addr(out, "Reply-To", m->reply_to, NULL, err, errlen))
        return false;
    if (!mail_header_add_n(out, "Subject", m->subject, subject_len, err, errlen))
        return false;
    buf_printf(out, "Message-ID: %s\r\n", m->message_id);
    buf_puts(out, "MIME-Version: 1.0\r\n"
                  "Content-Type: text/plain; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: base64\r\n"
                  "Auto-Submitted: auto-generated\r\n");
    if (m->list_unsubscribe)
        buf_printf(out, "List-Unsubscribe: <%s>\r\n", m->list_unsubscribe);
    buf_append(out, "\r\n", 2);
    put_body(out, body, body_len);
    return out_ok(out, err, errlen);
}
