/*
 * Unit tests of src/mail: address syntax, header fields (security spec 8.10
 * class 7, mail header injection; SEC-50), RFC 2047 encoded words, whole
 * messages, and the mail template file format.
 *
 * The decoders below (base64, encoded words, header unfolding) exist only
 * here: the library writes mail and never reads it back.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/fault.h"
#include "core/utf8.h"
#include "mail/addr.h"
#include "mail/message.h"
#include "mail/smtp.h"
#include "mail/template.h"
#include "tap.h"

/* ---- decoders and checks ---------------------------------------------------- */

#include "../support/mail_decode.h"

/* The header block of msg (up to and including the CRLF before the empty line). */
static size_t header_block_len(const char *msg)
{
    const char *end = strstr(msg, "\r\n\r\n");
    return end ? (size_t)(end - msg) + 2 : strlen(msg);
}

/* Unfolded value of the first field called name in the header block (one
 * leading space removed); false if there is none. */
static bool field_value(const char *msg, const char *name, buf *out)
{
    size_t hlen = header_block_len(msg), nlen = strlen(name);
    size_t pos = 0;
    while (pos < hlen) {
        const char *eol = strstr(msg + pos, "\r\n");
        size_t end = (size_t)(eol - msg);
        if (end - pos > nlen && strncasecmp(msg + pos, name, nlen) == 0 &&
            msg[pos + nlen] == ':') {
            size_t v = pos + nlen + 1, start = out->len;
            buf_append(out, msg + v, end - v);
            pos = end + 2;
            while (pos < hlen && (msg[pos] == ' ' || msg[pos] == '\t')) {
                eol = strstr(msg + pos, "\r\n");
                buf_append(out, msg + pos, (size_t)(eol - msg) - pos);
                pos = (size_t)(eol - msg) + 2;
            }
            /* the space after the colon belongs to the syntax, not the value */
            if (out->len > start && out->data[start] == ' ') {
                memmove(out->data + start, out->data + start + 1, out->len - start);
                out->len--;
            }
            return true;
        }
        pos = end + 2;
    }
    return false;
}

/* Number of header fields (lines not starting with whitespace). */
static int field_count(const char *msg)
{
    size_t hlen = header_block_len(msg);
    int count = 0;
    for (size_t pos = 0; pos < hlen;) {
        if (msg[pos] != ' ' && msg[pos] != '\t')
            count++;
        pos = (size_t)(strstr(msg + pos, "\r\n") - msg) + 2;
    }
    return count;
}

/* Every line ends in CRLF, no bare CR or LF, no NUL, 7-bit only; returns the
 * longest line (CRLF not counted) or SIZE_MAX if a rule is broken. */
static size_t check_lines(const char *s, size_t n)
{
    size_t longest = 0, col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0 || c >= 0x80)
            return SIZE_MAX;
        if (c == '\r') {
            if (i + 1 >= n || s[i + 1] != '\n')
                return SIZE_MAX;
            i++;
            col = 0;
            continue;
        }
        if (c == '\n')
            return SIZE_MAX;
        if (++col > longest)
            longest = col;
    }
    return col == 0 ? longest : SIZE_MAX;
}

/* Decoded body of a composed message. */
static bool decoded_body(const char *msg, size_t n, buf *out)
{
    const char *start = strstr(msg, "\r\n\r\n");
    if (!start)
        return false;
    start += 4;
    const char *end = msg + n;
    while (start < end) {
        const char *eol = strstr(start, "\r\n");
        if (!eol || eol - start > 76 || !b64_decode(start, (size_t)(eol - start), out))
            return false;
        start = eol + 2;
    }
    return true;
}

/* s with every line end (CRLF, CR, LF) made CRLF. */
static void crlf_normalise(const char *s, size_t n, buf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' || s[i] == '\n') {
            if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
                i++;
            buf_append(out, "\r\n", 2);
        } else {
            buf_putc(out, s[i]);
        }
    }
}

static char err[256];

/* One header via mail_header_add; the field's unfolded, decoded value is
 * compared with value and its lines with the limits. */
static void check_subject_round_trip(const char *value, size_t max_line)
{
    buf b = BUF_INIT, v = BUF_INIT, d = BUF_INIT;
    CHECK(mail_header_add(&b, "Subject", value, err, sizeof err));
    CHECK(b.data && check_lines(b.data, b.len) <= max_line);
    CHECK(b.data && field_value(b.data, "Subject", &v));
    CHECK(v.data && decode_unstructured(v.data, v.len, &d));
    CHECK_STR(d.data ? d.data : "", value);
    buf_free(&b);
    buf_free(&v);
    buf_free(&d);
}

/* A valid message to vary in each test. */
static mail_message sample(void)
{
    return (mail_message){
        .from_addr = "info@example.jp",
        .from_name = "県民活動支援センター",
        .to_addr = "taro.yamada@example.org",
        .to_name = "山田 太郎",
        .subject = "仮登録のお知らせ",
        .body = "山田 太郎 様\n\nご登録ありがとうございます。\n",
        .message_id = "<0123456789abcdef0123456789abcdef.1740787200@example.jp>",
        .date = 1740787200,
    };
}

/* ---- addresses -------------------------------------------------------------- */

TEST(addr_accepts_practical_addresses)
{
    static const char *const ok[] = {
        "taro.yamada+npo@example.co.jp",
        "a_b-c@mail.example.org",
        "a@x.jp",
        "A.B@EXAMPLE.JP",
        "o'brien@example.ie",
        "!#$%&'*+-/=?^_`{|}~@example.com",
        "user@sub-domain.example.co.jp",
        "user@123.example.jp",
        "user@example.xn--wgv71a",
        "dev@localhost",
        "dev@LocalHost",
        "x@a1.b2.c3.jp",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        if (!mail_addr_valid(ok[i]))
            printf("# refused: %s\n", ok[i]);
        CHECK(mail_addr_valid(ok[i]));
    }
}

TEST(addr_refuses_everything_else)
{
    static const char *const bad[] = {
        "",
        "a..b@x.jp",
        ".a@x.jp",
        "a.@x.jp",
        "a@x",
        "a@-x.jp",
        "a@x-.jp",
        "a@x..jp",
        "a@.x.jp",
        "a@x.jp.",
        "a@x.j",
        "a@x.1jp",
        "a@192.0.2.1",
        "a@[192.0.2.1]",
        "a b@x.jp",
        "a@x .jp",
        "\"a\"@x.jp",
        "\"a b\"@x.jp",
        "a(c)@x.jp",
        "a@x.jp\r\nBcc: evil@x.jp",
        "a@x.jp\nBcc: evil@x.jp",
        "a\r@x.jp",
        "山田@x.jp",
        "a@例え.jp",
        "a@b@x.jp",
        "@x.jp",
        "a@",
        "a",
        "<a@x.jp>",
        "a@x.jp>",
        "a,b@x.jp",
        "a@x_y.jp",
        "a\t@x.jp",
        "a\x7f@x.jp",
        "a@localhost.",
        "a@localhostx",
        "a@xn--.jp",
        " a@x.jp",
        "a@x.jp ",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (mail_addr_valid(bad[i]))
            printf("# accepted: %s\n", bad[i]);
        CHECK(!mail_addr_valid(bad[i]));
    }
    CHECK(!mail_addr_valid(NULL));
}

TEST(addr_length_limits_are_exact)
{
    char a[400];
    /* local part: 64 bytes accepted, 65 refused */
    memset(a, 'l', 64);
    strcpy(a + 64, "@x.jp");
    CHECK(mail_addr_valid(a));
    memset(a, 'l', 65);
    strcpy(a + 65, "@x.jp");
    CHECK(!mail_addr_valid(a));
    /* label: 63 accepted, 64 refused */
    strcpy(a, "a@");
    memset(a + 2, 'd', 63);
    strcpy(a + 65, ".jp");
    CHECK(mail_addr_valid(a));
    strcpy(a, "a@");
    memset(a + 2, 'd', 64);
    strcpy(a + 66, ".jp");
    CHECK(!mail_addr_valid(a));
    /* whole address: 254 accepted, 255 refused ("a@" + labels of 49 + ".jp") */
    for (size_t total = 254; total <= 255; total++) {
        size_t pos = 0;
        a[pos++] = 'a';
        a[pos++] = '@';
        while (total - pos > 3 + 50) {
            memset(a + pos, 'd', 49);
            pos += 49;
            a[pos++] = '.';
        }
        size_t last = total - pos - 3;
        memset(a + pos, 'e', last);
        pos += last;
        strcpy(a + pos, ".jp");
        CHECK_INT(strlen(a), total);
        CHECK(mail_addr_valid(a) == (total == 254));
    }
}

TEST(addr_domain_is_the_part_after_at)
{
    CHECK_STR(mail_addr_domain("taro@example.co.jp"), "example.co.jp");
    CHECK(mail_addr_domain("no-at-sign") == NULL);
    CHECK(mail_addr_domain(NULL) == NULL);
    CHECK(mail_domain_valid("example.jp"));
    CHECK(mail_domain_valid("localhost"));
    CHECK(!mail_domain_valid("example"));
    CHECK(!mail_domain_valid("exa mple.jp"));
    CHECK(!mail_domain_valid(NULL));
}

/* ---- header injection (spec 8.10 class 7) ----------------------------------- */

static const char *const newlines[] = {"\r", "\n", "\r\n"};

TEST(spec_8_10_7_header_add_refuses_cr_lf_and_nul)
{
    for (size_t i = 0; i < 3; i++) {
        char v[64];
        snprintf(v, sizeof v, "hello%sBcc: evil@example.com", newlines[i]);
        buf b = BUF_INIT;
        err[0] = '\0';
        CHECK(!mail_header_add(&b, "Subject", v, err, sizeof err));
        CHECK_STR(err, "メールのヘッダー「Subject」に改行文字は使えません");
        /* Japanese text around it changes nothing */
        snprintf(v, sizeof v, "お知らせ%sBcc: evil@example.com", newlines[i]);
        CHECK(!mail_header_add(&b, "Subject", v, err, sizeof err));
        buf_free(&b);
    }
    buf b = BUF_INIT;
    CHECK(!mail_header_add_n(&b, "Subject", "a\0Bcc: x@y.jp", 13, err, sizeof err));
    CHECK_STR(err, "メールのヘッダー「Subject」に NUL 文字は使えません");
    CHECK(!mail_header_add(&b, "Subject", "\xff\xfe", err, sizeof err));
    CHECK_STR(err, "メールのヘッダー「Subject」の文字が UTF-8 として正しくありません");
    /* a NUL-terminated value simply ends at the NUL: nothing after it is written */
    CHECK(mail_header_add(&b, "Subject", "a\0Bcc: x@y.jp", err, sizeof err));
    CHECK_STR(b.data, "Subject: a\r\n");
    buf_free(&b);
}

TEST(spec_8_10_7_header_addr_refuses_cr_lf_in_address_and_name)
{
    for (size_t i = 0; i < 3; i++) {
        char a[64], n[64];
        snprintf(a, sizeof a, "taro@example.jp%sBcc: evil@example.com", newlines[i]);
        snprintf(n, sizeof n, "山田%sBcc: evil@example.com", newlines[i]);
        buf b = BUF_INIT;
        CHECK(!mail_header_addr(&b, "To", a, NULL, err, sizeof err));
        CHECK_STR(err, "メールのヘッダー「To」に改行文字は使えません");
        CHECK(!mail_header_addr(&b, "From", "info@example.jp", n, err, sizeof err));
        CHECK_STR(err, "メールのヘッダー「From」に改行文字は使えません");
        CHECK(!mail_header_addr(&b, "Reply-To", a, "x", err, sizeof err));
        CHECK_STR(err, "メールのヘッダー「Reply-To」に改行文字は使えません");
        buf_free(&b);
    }
    buf b = BUF_INIT;
    CHECK(!mail_header_addr(&b, "To", "not an address", NULL, err, sizeof err));
    CHECK_STR(err, "メールのヘッダー「To」のメールアドレスが正しくありません");
    CHECK(!mail_header_addr(&b, "To", "", NULL, err, sizeof err));
    CHECK_STR(err, "メールのヘッダー「To」のメールアドレスがありません");
    CHECK(!mail_header_addr(&b, "To", "a@x.jp", "\xe3\x81", err, sizeof err));
    CHECK_STR(err, "メールのヘッダー「To」の文字が UTF-8 として正しくありません");
    buf_free(&b);
}

TEST(spec_8_10_7_compose_refuses_injection_in_every_field)
{
    for (size_t i = 0; i < 3; i++) {
        char bad_addr[80], bad_text[80], bad_url[80];
        snprintf(bad_addr, sizeof bad_addr, "x@example.jp%sBcc: evil@example.com", newlines[i]);
        snprintf(bad_text, sizeof bad_text, "件名%sBcc: evil@example.com", newlines[i]);
        snprintf(bad_url, sizeof bad_url, "https://example.jp/u%sBcc: evil@example.com",
                 newlines[i]);
        struct {
            const char *field;
            mail_message m;
        } cases[8];
        for (size_t k = 0; k < 8; k++)
            cases[k].m = sample();
        cases[0].field = "Subject", cases[0].m.subject = bad_text;
        cases[1].field = "From", cases[1].m.from_name = bad_text;
        cases[2].field = "From", cases[2].m.from_addr = bad_addr;
        cases[3].field = "To", cases[3].m.to_name = bad_text;
        cases[4].field = "To", cases[4].m.to_addr = bad_addr;
        cases[5].field = "Reply-To", cases[5].m.reply_to = bad_addr;
        cases[6].field = "List-Unsubscribe", cases[6].m.list_unsubscribe = bad_url;
        cases[7].field = "Message-ID", cases[7].m.message_id = "<a@b.jp>\r\nBcc: evil@x.jp";
        for (size_t k = 0; k < 8; k++) {
            buf b = BUF_INIT;
            char want[128];
            snprintf(want, sizeof want, "メールのヘッダー「%s」に改行文字は使えません",
                     cases[k].field);
            err[0] = '\0';
            CHECK(!mail_compose(&cases[k].m, &b, err, sizeof err));
            CHECK_STR(err, want);
            buf_free(&b);
        }
    }
    /* NUL: refused where a length is given */
    mail_message m = sample();
    m.subject = "件名\0Bcc: evil@example.com";
    m.subject_len = sizeof "件名\0Bcc: evil@example.com" - 1;
    buf b = BUF_INIT;
    CHECK(!mail_compose(&m, &b, err, sizeof err));
    CHECK_STR(err, "メールのヘッダー「Subject」に NUL 文字は使えません");
    m = sample();
    m.body = "本文\0続き";
    m.body_len = sizeof "本文\0続き" - 1;
    CHECK(!mail_compose(&m, &b, err, sizeof err));
    CHECK_STR(err, "メールの本文に NUL 文字は使えません");
    buf_free(&b);
}

TEST(spec_8_10_7_percent_encoded_newline_is_literal_text)
{
    mail_message m = sample();
    m.subject = "a%0d%0aBcc: evil@example.com";
    m.to_name = "x%0D%0ABcc: evil@example.com";
    buf b = BUF_INIT, v = BUF_INIT;
    CHECK(mail_compose(&m, &b, err, sizeof err));
    CHECK(field_value(b.data, "Subject", &v));
    CHECK_STR(v.data, "a%0d%0aBcc: evil@example.com");
    CHECK(strstr(b.data, "\r\nBcc") == NULL);
    CHECK_INT(field_count(b.data), 9);
    buf_reset(&v);
    CHECK(field_value(b.data, "To", &v));
    CHECK_STR(v.data, "\"x%0D%0ABcc: evil@example.com\" <taro.yamada@example.org>");
    buf_free(&b);
    buf_free(&v);
}

TEST(header_names_are_checked)
{
    buf b = BUF_INIT;
    CHECK(!mail_header_add(&b, "Sub ject", "x", err, sizeof err));
    CHECK_STR(err, "メールのヘッダー名が正しくありません");
    CHECK(!mail_header_add(&b, "Subject:", "x", err, sizeof err));
    CHECK(!mail_header_add(&b, "", "x", err, sizeof err));
    CHECK(!mail_header_add(&b, "X\r\nBcc", "x", err, sizeof err));
    CHECK(!mail_header_add(&b, "件名", "x", err, sizeof err));
    CHECK(!mail_header_add(&b, NULL, "x", err, sizeof err));
    CHECK(!mail_header_add(&b, "Subject", NULL, err, sizeof err));
    char name[80];
    memset(name, 'X', 77);
    name[77] = '\0';
    CHECK(!mail_header_add(&b, name, "x", err, sizeof err));
    name[76] = '\0';
    CHECK(mail_header_add(&b, name, "x", err, sizeof err));
    CHECK(mail_header_add(&b, "X-Tsunagu-Kind", "", err, sizeof err));
    CHECK(strstr(b.data, "X-Tsunagu-Kind:\r\n") != NULL);
    buf_free(&b);
}

/* ---- values: plain, folded, encoded ------------------------------------------ */

TEST(plain_ascii_value_is_written_as_it_is)
{
    buf b = BUF_INIT;
    CHECK(mail_header_add(&b, "Subject", "Hello, world (test)", err, sizeof err));
    CHECK_STR(b.data, "Subject: Hello, world (test)\r\n");
    buf_free(&b);
}

TEST(long_ascii_value_folds_before_whitespace)
{
    char v[1200] = "";
    for (int i = 0; i < 100; i++)
        strcat(v, i % 7 ? "word " : "longer-word\t");
    strcat(v, "end");
    buf b = BUF_INIT;
    CHECK(mail_header_add(&b, "Subject", v, err, sizeof err));
    CHECK(strstr(b.data, "=?") == NULL);   /* stayed plain */
    CHECK(check_lines(b.data, b.len) <= 78);
    check_subject_round_trip(v, 78);
    /* whitespace at the ends and in runs survives */
    check_subject_round_trip("  two leading, three   inside, trailing  ", 78);
    check_subject_round_trip("   ", 78);
    buf_free(&b);
}

TEST(encoded_word_lookalike_and_control_characters_are_encoded)
{
    buf b = BUF_INIT;
    CHECK(mail_header_add(&b, "Subject", "=?UTF-8?B?5bGx55Sw?=", err, sizeof err));
    CHECK(strncmp(b.data, "Subject: =?UTF-8?B?", 19) == 0);
    buf_free(&b);
    check_subject_round_trip("=?UTF-8?B?5bGx55Sw?=", 78);
    check_subject_round_trip("a=?b", 78);
    check_subject_round_trip("bell\x07 and esc\x1b and del\x7f", 78);
    check_subject_round_trip("tab\tinside", 78);
}

TEST(unfoldable_ascii_run_is_encoded)
{
    char v[2001];
    memset(v, 'a', 2000);
    v[2000] = '\0';
    check_subject_round_trip(v, 78);
    /* 900 characters without whitespace still fit a 998-character line */
    v[900] = '\0';
    buf b = BUF_INIT;
    CHECK(mail_header_add(&b, "Subject", v, err, sizeof err));
    CHECK(strstr(b.data, "=?") == NULL);
    CHECK_INT(check_lines(b.data, b.len), 909);
    buf_free(&b);
    check_subject_round_trip(v, 998);
}

TEST(rfc2047_long_japanese_subject_folds_into_whole_character_words)
{
    static const char kanji[] = "県民活動支援情報登録";
    char v[100 * 3 + 1] = "";
    for (int i = 0; i < 10; i++)
        strcat(v, kanji);
    CHECK_INT(utf8_count(v, strlen(v)), 100);
    buf b = BUF_INIT;
    CHECK(mail_header_add(&b, "Subject", v, err, sizeof err));
    CHECK(check_lines(b.data, b.len) <= 78);
    CHECK(strncmp(b.data, "Subject: =?UTF-8?B?", 19) == 0);
    /* one encoded word per line, each at most 75 characters */
    int words = 0;
    for (const char *p = b.data; (p = strstr(p, "=?UTF-8?B?")) != NULL; p++) {
        const char *end = strstr(p, "?=");
        CHECK(end && end + 2 - p <= 75);
        words++;
    }
    CHECK(words >= 7);
    /* decode_unstructured() checks each word decodes to whole characters */
    check_subject_round_trip(v, 78);
    buf_free(&b);
}

TEST(rfc2047_emoji_kanji_and_ascii_mix_round_trips)
{
    check_subject_round_trip("🎉祝！ボランティア募集 🙌🏻 Volunteer 2025 "
                             "👨‍👩‍👧‍👦家族で参加",
                             78);
    check_subject_round_trip("🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉", 78);
    check_subject_round_trip("é", 78);
    check_subject_round_trip(" 前後に空白 ", 78);
    /* a long field name still keeps encoded lines within 78 */
    char name[77];
    memset(name, 'X', 76);
    name[76] = '\0';
    buf b = BUF_INIT, v = BUF_INIT, d = BUF_INIT;
    CHECK(mail_header_add(&b, name, "日本語の値", err, sizeof err));
    CHECK(check_lines(b.data, b.len) <= 78);
    CHECK(field_value(b.data, name, &v));
    CHECK(decode_unstructured(v.data, v.len, &d));
    CHECK_STR(d.data, "日本語の値");
    buf_free(&b);
    buf_free(&v);
    buf_free(&d);
}

/* ---- display names ----------------------------------------------------------- */

static void check_addr_field(const char *name, const char *want)
{
    buf b = BUF_INIT, v = BUF_INIT;
    CHECK(mail_header_addr(&b, "From", "info@example.jp", name, err, sizeof err));
    CHECK(check_lines(b.data, b.len) <= 78);
    CHECK(field_value(b.data, "From", &v));
    CHECK_STR(v.data, want);
    buf_free(&b);
    buf_free(&v);
}

TEST(display_names_plain_quoted_or_bare)
{
    check_addr_field(NULL, "info@example.jp");
    check_addr_field("", "info@example.jp");
    check_addr_field("Tsunagu Centre", "Tsunagu Centre <info@example.jp>");
    check_addr_field("Yamada, Taro", "\"Yamada, Taro\" <info@example.jp>");
    check_addr_field("Centre \"Tsunagu\" \\ Office",
                     "\"Centre \\\"Tsunagu\\\" \\\\ Office\" <info@example.jp>");
    check_addr_field("a.b", "\"a.b\" <info@example.jp>");
    check_addr_field(" padded ", "\" padded \" <info@example.jp>");
    check_addr_field("two  spaces", "\"two  spaces\" <info@example.jp>");
}

/* Decodes the display name of an unfolded "=?...?= ... <addr>" value. */
static void check_encoded_name(const char *name)
{
    buf b = BUF_INIT, v = BUF_INIT, d = BUF_INIT;
    CHECK(mail_header_addr(&b, "To", "taro.yamada@example.org", name, err, sizeof err));
    CHECK(check_lines(b.data, b.len) <= 78);
    CHECK(field_value(b.data, "To", &v));
    const char *suffix = " <taro.yamada@example.org>";
    size_t sl = strlen(suffix);
    CHECK(v.len > sl && strcmp(v.data + v.len - sl, suffix) == 0);
    CHECK(strncmp(v.data, "=?UTF-8?B?", 10) == 0);
    if (v.len > sl)
        CHECK(decode_unstructured(v.data, v.len - sl, &d));
    CHECK_STR(d.data ? d.data : "", name);
    buf_free(&b);
    buf_free(&v);
    buf_free(&d);
}

TEST(display_names_japanese_become_encoded_words)
{
    check_encoded_name("山田 太郎");
    check_encoded_name("特定非営利活動法人　やまぐち県民活動支援センター"
                       "　事務局長　山田太郎（代表）");
    check_encoded_name("Taro \"=?\" Yamada");
    check_encoded_name("O'Brien ☘");
    /* a plain name too long for one line is encoded rather than overflowing */
    char longname[1200];
    memset(longname, 'n', 1100);
    longname[1100] = '\0';
    check_encoded_name(longname);
}

/* ---- Message-ID and Date ----------------------------------------------------- */

TEST(message_id_shape_and_uniqueness)
{
    char a[MAIL_MESSAGE_ID_MAX], b[MAIL_MESSAGE_ID_MAX];
    CHECK(mail_message_id("example.jp", a, sizeof a));
    CHECK(mail_message_id("example.jp", b, sizeof b));
    CHECK(strcmp(a, b) != 0);
    CHECK(a[0] == '<' && a[33] == '.');
    for (int i = 1; i < 33; i++)
        CHECK((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f'));
    char *at = strchr(a, '@');
    CHECK(at && strcmp(at, "@example.jp>") == 0);
    for (char *p = a + 34; at && p < at; p++)
        CHECK(*p >= '0' && *p <= '9');
    CHECK(at && at - (a + 34) >= 10);
    /* the longest domain fits MAIL_MESSAGE_ID_MAX */
    char dom[MAIL_DOMAIN_MAX + 2];   /* three labels of 63, one of 58, ".jp" */
    memset(dom, 'd', MAIL_DOMAIN_MAX);
    dom[63] = dom[127] = dom[191] = '.';
    memcpy(dom + MAIL_DOMAIN_MAX - 3, ".jp", 4);
    CHECK_INT(strlen(dom), MAIL_DOMAIN_MAX);
    CHECK(mail_domain_valid(dom));
    memcpy(dom + MAIL_DOMAIN_MAX - 3, "d.jp", 5);
    CHECK(!mail_domain_valid(dom));
    memcpy(dom + MAIL_DOMAIN_MAX - 3, ".jp", 4);
    char big[MAIL_MESSAGE_ID_MAX];
    CHECK(mail_message_id(dom, big, sizeof big));
    /* refusals */
    CHECK(!mail_message_id("not a domain", a, sizeof a));
    CHECK_STR(a, "");
    CHECK(!mail_message_id("example.jp", a, 20));
    CHECK_STR(a, "");
    CHECK(!mail_message_id(NULL, a, sizeof a));
}

TEST(compose_writes_the_fixed_date_in_jst)
{
    mail_message m = sample();
    buf b = BUF_INIT;
    CHECK(mail_compose(&m, &b, err, sizeof err));
    CHECK(strncmp(b.data, "Date: Sat, 01 Mar 2025 09:00:00 +0900\r\n", 39) == 0);
    buf_free(&b);
}

/* ---- whole messages ---------------------------------------------------------- */

TEST(compose_writes_every_header_in_order)
{
    mail_message m = sample();
    m.from_name = "Tsunagu";
    m.to_name = NULL;
    m.subject = "Welcome";
    m.body = "Hi\n";
    m.reply_to = "centre@example.jp";
    m.list_unsubscribe = "https://example.jp/magazine/stop?t=abc";
    buf b = BUF_INIT;
    CHECK(mail_compose(&m, &b, err, sizeof err));
    CHECK_STR(b.data, "Date: Sat, 01 Mar 2025 09:00:00 +0900\r\n"
                      "From: Tsunagu <info@example.jp>\r\n"
                      "To: taro.yamada@example.org\r\n"
                      "Reply-To: centre@example.jp\r\n"
                      "Subject: Welcome\r\n"
                      "Message-ID: <0123456789abcdef0123456789abcdef.1740787200@example.jp>\r\n"
                      "MIME-Version: 1.0\r\n"
                      "Content-Type: text/plain; charset=UTF-8\r\n"
                      "Content-Transfer-Encoding: base64\r\n"
                      "Auto-Submitted: auto-generated\r\n"
                      "List-Unsubscribe: <https://example.jp/magazine/stop?t=abc>\r\n"
                      "\r\n"
                      "SGkNCg==\r\n");
    CHECK_INT(field_count(b.data), 11);
    buf_free(&b);
}

TEST(compose_output_is_7bit_crlf_and_decodes_back)
{
    mail_message m = sample();
    buf b = BUF_INIT, v = BUF_INIT, d = BUF_INIT;
    CHECK(mail_compose(&m, &b, err, sizeof err));
    CHECK(check_lines(b.data, b.len) <= 78);
    CHECK_INT(field_count(b.data), 9);
    CHECK(strstr(b.data, "Bcc") == NULL);
    CHECK(field_value(b.data, "Subject", &v));
    CHECK(decode_unstructured(v.data, v.len, &d));
    CHECK_STR(d.data, "仮登録のお知らせ");
    buf_free(&b);
    buf_free(&v);
    buf_free(&d);
}

static void check_body_round_trip(const char *body, size_t n)
{
    mail_message m = sample();
    m.body = body;
    m.body_len = n;
    buf b = BUF_INIT, got = BUF_INIT, want = BUF_INIT;
    CHECK(mail_compose(&m, &b, err, sizeof err));
    CHECK(check_lines(b.data, b.len) <= 78);
    CHECK(decoded_body(b.data, b.len, &got));
    crlf_normalise(body, n, &want);
    CHECK_INT(got.len, want.len);
    CHECK(got.len == want.len && (got.len == 0 || memcmp(got.data, want.data, got.len) == 0));
    buf_free(&b);
    buf_free(&got);
    buf_free(&want);
}

TEST(body_line_ends_become_crlf_and_round_trip)
{
    const char *mixed = "一行目\n二行目\r\n三行目\r四行目\n\n\r\r\n末尾に改行なし";
    check_body_round_trip(mixed, strlen(mixed));
    check_body_round_trip("\r", 1);
    check_body_round_trip("\n", 1);
    check_body_round_trip("\r\n", 2);
    check_body_round_trip("\n\r", 2);
    check_body_round_trip("", 0);
    /* exactly one base64 line, and one byte more */
    check_body_round_trip("123456789012345678901234567890123456789012345678901234567", 57);
    check_body_round_trip("1234567890123456789012345678901234567890123456789012345678", 58);
    /* the CRLF straddles a 57-byte chunk */
    check_body_round_trip("12345678901234567890123456789012345678901234567890123456\nx", 58);

    mail_message m = sample();
    m.body = "";
    buf b = BUF_INIT;
    CHECK(mail_compose(&m, &b, err, sizeof err));
    CHECK(b.len >= 4 && memcmp(b.data + b.len - 4, "\r\n\r\n", 4) == 0);
    buf_reset(&b);
    m.body = NULL;
    CHECK(mail_compose(&m, &b, err, sizeof err));
    CHECK(b.len >= 4 && memcmp(b.data + b.len - 4, "\r\n\r\n", 4) == 0);
    buf_free(&b);
}

TEST(body_of_200_kb_round_trips)
{
    size_t n = 200 * 1024;
    char *body = malloc(n + 1);
    static const char *const pieces[] = {"ボランティア募集のお知らせ", "\n", "\r\n", "\r",
                                         "abc ", "😀", "県民活動"};
    size_t pos = 0, k = 0;
    while (pos < n) {
        const char *p = pieces[k++ % 7];
        size_t len = strlen(p);
        if (pos + len > n)
            break;
        memcpy(body + pos, p, len);
        pos += len;
    }
    body[pos] = '\0';
    check_body_round_trip(body, pos);
    free(body);
}

TEST(compose_refuses_bad_messages)
{
    buf b = BUF_INIT;
    mail_message m = sample();
    m.subject = "";
    CHECK(!mail_compose(&m, &b, err, sizeof err));
    CHECK_STR(err, "メールの件名が空です");
    m = sample();
    m.subject = NULL;
    CHECK(!mail_compose(&m, &b, err, sizeof err));
    m = sample();
    m.body = "壊れた\xe3\x81";
    CHECK(!mail_compose(&m, &b, err, sizeof err));
    CHECK_STR(err, "メールの本文の文字が UTF-8 として正しくありません");
    m = sample();
    m.to_addr = "山田@example.jp";
    CHECK(!mail_compose(&m, &b, err, sizeof err));
    CHECK_STR(err, "メールのヘッダー「To」のメールアドレスが正しくありません");
    m = sample();
    m.from_addr = NULL;
    CHECK(!mail_compose(&m, &b, err, sizeof err));
    CHECK_STR(err, "メールのヘッダー「From」のメールアドレスがありません");
    m = sample();
    m.reply_to = "a@@example.jp";
    CHECK(!mail_compose(&m, &b, err, sizeof err));
    CHECK_STR(err, "メールのヘッダー「Reply-To」のメールアドレスが正しくありません");
    static const char *const bad_ids[] = {"", "abc@example.jp", "<abc>", "<a b@x.jp>",
                                          "<a@b@x.jp>", "<@x.jp>", "<a@>", "<a..b@x.jp>"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        m = sample();
        m.message_id = bad_ids[i];
        CHECK(!mail_compose(&m, &b, err, sizeof err));
        CHECK_STR(err, "メールの Message-ID の形式が正しくありません");
    }
    static const char *const bad_urls[] = {"", "javascript:alert(1)", "https://x.jp/a b",
                                           "https://x.jp/<a>", "https://x.jp/日本"};
    for (size_t i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++) {
        m = sample();
        m.list_unsubscribe = bad_urls[i];
        CHECK(!mail_compose(&m, &b, err, sizeof err));
        CHECK_STR(err, "メールのヘッダー「List-Unsubscribe」の URL が正しくありません");
    }
    m = sample();
    m.list_unsubscribe = "mailto:unsubscribe@example.jp?subject=stop";
    CHECK(mail_compose(&m, &b, err, sizeof err));
    CHECK(!mail_compose(NULL, &b, err, sizeof err));
    /* a tiny or missing err buffer is fine */
    m = sample();
    m.subject = "";
    char tiny[5];
    CHECK(!mail_compose(&m, &b, tiny, sizeof tiny));
    CHECK(utf8_valid(tiny, strlen(tiny)));
    CHECK(!mail_compose(&m, &b, NULL, 0));
    buf_free(&b);
}

TEST(compose_survives_allocation_failure)
{
    mail_message m = sample();
    m.subject = "県民活動支援センターからの大切なお知らせ（長い件名で折り返しを起こす）";
    m.from_name = "Centre \"Tsunagu\"";
    m.list_unsubscribe = "https://example.jp/stop";
    int fired = 0;
    for (long nth = 1; nth < 1000; nth++) {
        buf b = BUF_INIT;
        err[0] = '\0';
        fault_fail_nth(nth);
        bool ok = mail_compose(&m, &b, err, sizeof err);
        bool hit = fault_fired();
        fault_fail_nth(0);
        buf_free(&b);
        if (!hit) {
            CHECK(ok);
            break;
        }
        fired++;
        CHECK(!ok);
        CHECK_STR(err, "メモリが足りません");
    }
    CHECK(fired >= 2);
}

/* ---- template files ---------------------------------------------------------- */

static bool split(const char *src, mail_template_parts *p)
{
    err[0] = '\0';
    return mail_template_split(src, strlen(src), p, err, sizeof err);
}

TEST(template_splits_subject_flag_and_body)
{
    mail_template_parts p;
    CHECK(split("Subject: 【{{ site.name }}】仮登録のお知らせ\nBcc-Centre: yes\n\n"
                "{{ user.name }} 様\n\n本文です。\n",
                &p));
    CHECK_STR(p.subject, "【{{ site.name }}】仮登録のお知らせ");
    CHECK_STR(p.body, "{{ user.name }} 様\n\n本文です。\n");
    CHECK(p.bcc_centre);
    mail_template_parts_free(&p);
    CHECK(p.subject == NULL && p.body == NULL);

    /* defaults, trimming, letter case, BOM, body verbatim with leading blank lines */
    CHECK(split("\xEF\xBB\xBFsubject:\t 　件名　 \n\n\n  本文", &p));
    CHECK_STR(p.subject, "件名");
    CHECK_STR(p.body, "\n  本文");
    CHECK(!p.bcc_centre);
    mail_template_parts_free(&p);

    CHECK(split("BCC-CENTRE: No\nSubject: a:b: c\n\nx", &p));
    CHECK_STR(p.subject, "a:b: c");
    CHECK_STR(p.body, "x");
    CHECK(!p.bcc_centre);
    mail_template_parts_free(&p);
    mail_template_parts_free(&p);   /* twice is harmless */
    mail_template_parts_free(NULL);
}

TEST(template_errors_name_the_line)
{
    static const struct {
        const char *src, *err;
    } cases[] = {
        {"", "メールのテンプレートが空です"},
        {"Subject: a\nCc: x@example.jp\n\nbody", "2 行目: 不明な項目「Cc」です"},
        {"Subject: a\nBcc-Centre: yes\nCc: x\n\nbody", "3 行目: 不明な項目「Cc」です"},
        {"Subject: a\nSubject: b\n\nbody", "2 行目: 項目「Subject」が 2 回あります"},
        {"Bcc-Centre: no\nSubject: a\nbcc-centre: no\n\nbody",
         "3 行目: 項目「Bcc-Centre」が 2 回あります"},
        {"Bcc-Centre: maybe\nSubject: a\n\nbody",
         "1 行目: 「Bcc-Centre」には yes か no を書いてください"},
        {"Subject: a\n", "2 行目: 項目のあとに空行と本文がありません"},
        {"Subject: a", "2 行目: 項目のあとに空行と本文がありません"},
        {"Subject: a\n\n", "3 行目: 本文が空です"},
        {"Subject: a\n\n \n　\n\t", "3 行目: 本文が空です"},
        {"Bcc-Centre: no\n\nbody", "2 行目: 件名の項目「Subject」がありません"},
        {"Subject:   \n\nbody", "1 行目: 件名（Subject）が空です"},
        {"Subject: a\nこんにちは\n\nbody",
         "2 行目: 「項目名: 値」の形ではありません（本文の前には空行を 1 行入れてください）"},
        {"Subject：件名\n\nbody", "1 行目: 項目名のあとの「:」は半角で書いてください"},
        {"Subject: a\n: b\n\nbody", "2 行目: 項目名がありません"},
        {"Subject: a\r\n\r\nbody",
         "1 行目: 改行コードに CR は使えません（LF で保存してください）"},
        {"Subject: a\n\nbody\nline\r\n",
         "4 行目: 改行コードに CR は使えません（LF で保存してください）"},
        {"Subject: a\xff\n\nbody", "1 行目: 文字が UTF-8 として正しくありません"},
        {"Subject: a\n\nbody\n\xe3\x81\n", "4 行目: 文字が UTF-8 として正しくありません"},
        {"Subject: a\n \n\nbody",
         "2 行目: 「項目名: 値」の形ではありません（本文の前には空行を 1 行入れてください）"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mail_template_parts p = {(char *)1, (char *)1, true};
        CHECK(!split(cases[i].src, &p));
        CHECK_STR(err, cases[i].err);
        CHECK(p.subject == NULL && p.body == NULL && !p.bcc_centre);
    }
    /* NUL, which strlen() cannot show */
    mail_template_parts p;
    CHECK(!mail_template_split("Subject: a\n\nb\0c", 15, &p, err, sizeof err));
    CHECK_STR(err, "3 行目: NUL 文字は使えません");
    CHECK(!mail_template_split("Sub\0ject: a\n\nb", 15, &p, err, sizeof err));
    CHECK_STR(err, "1 行目: NUL 文字は使えません");
    CHECK(!mail_template_split(NULL, 0, &p, err, sizeof err));
    /* a long unknown key is shortened at a character boundary */
    char src[200] = "a";
    for (int i = 0; i < 25; i++)
        strcat(src, "件");
    strcat(src, ": a\nSubject: a\n\nbody");
    CHECK(!split(src, &p));   /* the 60-byte cut falls inside a character */
    CHECK_STR(err, "1 行目: 不明な項目「a件件件件件件件件件件件件件件件件件件件…」です");
    CHECK(!split(src + 1, &p));   /* the cut falls on a boundary */
    CHECK_STR(err, "1 行目: 不明な項目「件件件件件件件件件件件件件件件件件件件件…」です");
}

TEST(template_size_limit_is_exact)
{
    size_t n = MAIL_TEMPLATE_MAX + 1;
    char *src = malloc(n);
    memcpy(src, "Subject: a\n\n", 12);
    memset(src + 12, 'x', n - 12);
    mail_template_parts p;
    CHECK(mail_template_split(src, n - 1, &p, err, sizeof err));
    CHECK_INT(strlen(p.body), MAIL_TEMPLATE_MAX - 12);
    mail_template_parts_free(&p);
    CHECK(!mail_template_split(src, n, &p, err, sizeof err));
    CHECK_STR(err, "メールのテンプレートが大きすぎます（65536 バイトまで）");
    free(src);
}

TEST(template_split_survives_allocation_failure)
{
    const char *src = "Subject: 件名\nBcc-Centre: yes\n\n本文\n";
    int fired = 0;
    for (long nth = 1; nth < 100; nth++) {
        mail_template_parts p;
        err[0] = '\0';
        fault_fail_nth(nth);
        bool ok = mail_template_split(src, strlen(src), &p, err, sizeof err);
        bool hit = fault_fired();
        fault_fail_nth(0);
        if (!hit) {
            CHECK(ok);
            CHECK_STR(p.subject, "件名");
            mail_template_parts_free(&p);
            break;
        }
        fired++;
        CHECK(!ok);
        CHECK_STR(err, "メモリが足りません");
        CHECK(p.subject == NULL && p.body == NULL);
    }
    CHECK_INT(fired, 2);
}

/* smtp_tls = auto: plain SMTP only to this machine, TLS required elsewhere. */
TEST(only_loopback_smtp_servers_count_as_local)
{
    CHECK(smtp_host_is_loopback("smtp://127.0.0.1:2525"));
    CHECK(smtp_host_is_loopback("smtp://127.1.2.3"));
    CHECK(smtp_host_is_loopback("smtp://localhost:25"));
    CHECK(smtp_host_is_loopback("smtp://[::1]:25"));
    CHECK(!smtp_host_is_loopback("smtp://mail.example.jp:587"));
    CHECK(!smtp_host_is_loopback("smtp://127.0.0.1.example.jp"));
    CHECK(!smtp_host_is_loopback("smtp://localhost.example.jp"));
    CHECK(!smtp_host_is_loopback("smtp://10.0.0.1"));
    CHECK(!smtp_host_is_loopback("smtp://[::2]"));
    CHECK(!smtp_host_is_loopback("mail.example.jp"));
}

int main(void)
{
    return tap_run();
}
