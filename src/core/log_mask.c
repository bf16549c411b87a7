/*
 * log_mask.c - log_mask(): personal data out of log text (spec SEC-32,
 * 別記2 3.5.1).  The declaration and the promise are in log.h.
 *
 * One pass from left to right.  At the start of every run of mail-address
 * characters we look ahead for an at-sign; at every word boundary we look
 * ahead for a telephone number.  Lookahead is bounded (a run is scanned once,
 * a telephone number is at most a few dozen bytes), so the whole is linear.
 * Masking errs on the side of hiding: a number that merely looks like a
 * Japanese telephone number is hidden too.
 */
#include <stdbool.h>
#include <stdint.h>

#include "core/log.h"

/* Longest digit string we still look at as a telephone number: "+81" and an
 * 11-digit national number written with its leading 0. */
#define PHONE_MAX_DIGITS 13
/* Groups of digits: "+81 (0)90 1234 5678" has five. */
#define PHONE_MAX_GROUPS 5
/* Separator characters between two groups: ") " or " - " at most. */
#define PHONE_MAX_SEP_RUN 3

typedef const unsigned char uchar;

/* --- characters --- */

static bool is_ascii_alnum(unsigned c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* A full-width digit U+FF10..U+FF19 (EF BC 90..99) at s[i]? */
static bool is_fw_digit(uchar *s, size_t n, size_t i)
{
    return n - i >= 3 && s[i] == 0xEF && s[i + 1] == 0xBC && s[i + 2] >= 0x90 && s[i + 2] <= 0x99;
}

/* A full-width Latin letter (U+FF21..FF3A EF BC A1..BA, U+FF41..FF5A EF BD 81..9A)? */
static bool is_fw_letter(uchar *s, size_t n, size_t i)
{
    if (n - i < 3 || s[i] != 0xEF)
        return false;
    return (s[i + 1] == 0xBC && s[i + 2] >= 0xA1 && s[i + 2] <= 0xBA) ||
           (s[i + 1] == 0xBD && s[i + 2] >= 0x81 && s[i + 2] <= 0x9A);
}

/* The character starting at s[i] is part of a word (a letter or a digit of
 * either width): numbers glued to it are not telephone numbers. */
static bool word_at(uchar *s, size_t n, size_t i)
{
    return i < n && (is_ascii_alnum(s[i]) || is_fw_digit(s, n, i) || is_fw_letter(s, n, i));
}

/* The character ending just before s[i] is a letter or digit (of either width). */
static bool word_before(uchar *s, size_t n, size_t i)
{
    if (i >= 1 && is_ascii_alnum(s[i - 1]))
        return true;
    return i >= 3 && (is_fw_digit(s, n, i - 3) || is_fw_letter(s, n, i - 3));
}

/* The character ending just before s[i] is a digit (of either width). */
static bool digit_before(uchar *s, size_t n, size_t i)
{
    if (i >= 1 && s[i - 1] >= '0' && s[i - 1] <= '9')
        return true;
    return i >= 3 && is_fw_digit(s, n, i - 3);
}

/* A digit of either width at s[i]: its value, and its length in *len; -1 if none. */
static int digit_at(uchar *s, size_t n, size_t i, size_t *len)
{
    if (i < n && s[i] >= '0' && s[i] <= '9') {
        *len = 1;
        return s[i] - '0';
    }
    if (is_fw_digit(s, n, i)) {
        *len = 3;
        return s[i + 2] - 0x90;
    }
    return -1;
}

/* Byte length of a '+' of either width at s[i], or 0. */
static size_t plus_at(uchar *s, size_t n, size_t i)
{
    if (i < n && s[i] == '+')
        return 1;
    if (n - i >= 3 && s[i] == 0xEF && s[i + 1] == 0xBC && s[i + 2] == 0x8B)
        return 3;
    return 0;
}

/* Byte length of a character people put between the groups of a telephone
 * number, or 0: hyphens and dashes of every kind (users type the long vowel
 * mark ー for a hyphen), spaces, parentheses, and '+' (a space in a
 * form-encoded query). */
static size_t sep_at(uchar *s, size_t n, size_t i)
{
    static const char *const wide[] = {
        "\xEF\xBC\x8D", /* － fullwidth hyphen-minus */
        "\xEF\xBC\x88", /* （ */
        "\xEF\xBC\x89", /* ） */
        "\xEF\xBC\x8B", /* ＋ */
        "\xE3\x83\xBC", /* ー katakana long vowel mark */
        "\xEF\xBD\xB0", /* ｰ halfwidth long vowel mark */
        "\xE2\x80\x90", /* ‐ hyphen */
        "\xE2\x80\x91", /* non-breaking hyphen */
        "\xE2\x80\x92", /* figure dash */
        "\xE2\x80\x93", /* – en dash */
        "\xE2\x80\x94", /* — em dash */
        "\xE2\x80\x95", /* ― horizontal bar */
        "\xE2\x88\x92", /* − minus sign */
        "\xE3\x80\x80", /* ideographic space */
    };
    if (i >= n)
        return 0;
    if (s[i] == '-' || s[i] == ' ' || s[i] == '(' || s[i] == ')' || s[i] == '+')
        return 1;
    if (n - i < 3)
        return 0;
    for (size_t k = 0; k < sizeof wide / sizeof wide[0]; k++) {
        uchar *w = (uchar *)wide[k];
        if (s[i] == w[0] && s[i + 1] == w[1] && s[i + 2] == w[2])
            return 3;
    }
    return 0;
}

/* Byte length of an open parenthesis of either width at s[i], or 0. */
static size_t open_paren_at(uchar *s, size_t n, size_t i)
{
    if (i < n && s[i] == '(')
        return 1;
    if (n - i >= 3 && s[i] == 0xEF && s[i + 1] == 0xBC && s[i + 2] == 0x88)
        return 3;
    return 0;
}

/* --- telephone numbers --- */

/* If a Japanese telephone number starts at s[i], returns its end and puts
 * its last two digits in last2; else returns i.  The caller has checked that
 * no digit precedes s[i]; glued says a letter does.  A number written in
 * three or more groups ("TEL083-933-2700") may follow a letter; a plain digit
 * string must not, or an ID like "A0123456789" would be hidden.  No letter or
 * digit may follow (hex IDs such as "0234-4567-89ab" stay). */
static size_t phone_match(uchar *s, size_t n, size_t i, bool glued, char last2[2])
{
    size_t p = i, len;
    bool intl = false;
    p += open_paren_at(s, n, p);
    size_t plus = plus_at(s, n, p);
    if (plus) {
        size_t l8, l1;
        if (digit_at(s, n, p + plus, &l8) != 8 || digit_at(s, n, p + plus + l8, &l1) != 1)
            return i;
        intl = true;
        p += plus;
    } else if (digit_at(s, n, p, &len) != 0) {
        return i;
    }

    int digits = 0, groups = 0;
    int prev = -1, last = -1;   /* the two most recent digits */
    size_t best = i;
    char best2[2] = {0, 0};
    for (;;) {
        /* one group of digits */
        int d;
        groups++;
        while ((d = digit_at(s, n, p, &len)) >= 0) {
            if (++digits > PHONE_MAX_DIGITS)
                goto done;
            prev = last;
            last = d;
            p += len;
        }
        int national = intl ? digits - 2 : digits;
        bool fits = intl ? national >= 9 && national <= 11 : national >= 10 && national <= 11;
        if (fits && !word_at(s, n, p) && (groups >= 3 || !glued)) {
            best = p;
            best2[0] = (char)('0' + prev);
            best2[1] = (char)('0' + last);
        }
        if (groups >= PHONE_MAX_GROUPS)
            break;
        /* separators, then another group must follow */
        size_t q = p, sl;
        int run = 0;
        while (run < PHONE_MAX_SEP_RUN && (sl = sep_at(s, n, q)) > 0) {
            q += sl;
            run++;
        }
        if (run == 0 || digit_at(s, n, q, &len) < 0)
            break;
        p = q;
    }
done:
    if (best != i) {
        last2[0] = best2[0];
        last2[1] = best2[1];
    }
    return best;
}

/* --- mail addresses --- */

/* Characters of the local part people actually use (a subset of RFC 5322
 * atext: the rest would swallow the "q=" or "/" in front of an address). */
static bool is_local_char(unsigned c)
{
    return is_ascii_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* Byte length of an at-sign at s[i]: '@', "%40" (percent-encoded), or the
 * full-width "＠" (EF BC A0) some users type; 0 if none. */
static size_t at_sign_at(uchar *s, size_t n, size_t i)
{
    if (i < n && s[i] == '@')
        return 1;
    if (n - i >= 3 && s[i] == '%' && s[i + 1] == '4' && s[i + 2] == '0')
        return 3;
    if (n - i >= 3 && s[i] == 0xEF && s[i + 1] == 0xBC && s[i + 2] == 0xA0)
        return 3;
    return 0;
}

/* Scans the run of local-part characters starting at s[i] (the start of a
 * run).  If an at-sign and the start of a domain follow, returns the end of
 * the run and puts the at-sign's length in at_len; else returns the end of the
 * run with *at_len = 0. */
static size_t mail_scan(uchar *s, size_t n, size_t i, size_t *at_len)
{
    size_t j = i;
    *at_len = 0;
    while (j < n && is_local_char(s[j]) && !at_sign_at(s, n, j))
        j++;
    size_t at = at_sign_at(s, n, j);
    /* a domain starts with a letter or digit (or a non-ASCII IDN label) */
    if (j > i && at && j + at < n && (is_ascii_alnum(s[j + at]) || s[j + at] >= 0xC2))
        *at_len = at;
    return j;
}

void log_mask(const char *in, size_t n, buf *out)
{
    uchar *s = (uchar *)in;
    size_t i = 0, copied = 0;   /* s[copied..i) is pending, unchanged text */
    size_t run_end = 0;         /* end of the last local-part run examined */
    while (i < n) {
        if (i >= run_end && is_local_char(s[i])) {
            size_t at_len;
            run_end = mail_scan(s, n, i, &at_len);
            if (at_len) {
                buf_append(out, s + copied, i - copied);
                buf_append(out, s + i, 1);   /* the first character of the local part */
                buf_puts(out, "***");
                buf_append(out, s + run_end, at_len);
                i = copied = run_end + at_len;
                continue;
            }
        }
        if (!digit_before(s, n, i)) {
            char last2[2];
            size_t end = phone_match(s, n, i, word_before(s, n, i), last2);
            if (end != i) {
                buf_append(out, s + copied, i - copied);
                buf_puts(out, "***-**");
                buf_append(out, last2, 2);
                i = copied = end;
                /* the run scanned for a mail address may go on past the number */
                continue;
            }
        }
        i++;
    }
    buf_append(out, s + copied, n - copied);
}
