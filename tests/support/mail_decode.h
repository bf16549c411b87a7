/*
 * mail_decode.h - decoders the mail tests check our output with, written
 * apart from the library on purpose (a bug shared by encoder and decoder
 * would go unseen): strict base64 and RFC 2047 "B" encoded words.  Shared by
 * tests/unit/test_mail.c and tests/fuzz/fuzz_mail_header.c.
 */
#ifndef TSUNAGU_TESTS_MAIL_DECODE_H
#define TSUNAGU_TESTS_MAIL_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "core/buf.h"
#include "core/utf8.h"

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Strict base64 (length a multiple of 4, '=' only at the end); appends to out. */
static bool b64_decode(const char *s, size_t n, buf *out)
{
    if (n % 4 != 0)
        return false;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        size_t pad = 0;
        for (size_t k = 0; k < 4; k++) {
            if (s[i + k] == '=' && i + 4 == n && k >= 2) {
                v[k] = 0;
                pad++;
            } else if (pad || (v[k] = b64_value(s[i + k])) < 0) {
                return false;
            }
        }
        unsigned bits = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 |
                        (unsigned)v[3];
        char b[3] = {(char)(bits >> 16), (char)(bits >> 8), (char)bits};
        buf_append(out, b, 3 - pad);
    }
    return true;
}

/* Decodes an unfolded unstructured value: either plain text, or encoded
 * words separated by single spaces, each at most 75 characters and decoding
 * to whole UTF-8 characters on its own. */
static bool decode_unstructured(const char *v, size_t n, buf *out)
{
    if (n < 2 || memcmp(v, "=?", 2) != 0) {
        buf_append(out, v, n);
        return true;
    }
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && v[j] != ' ')
            j++;
        size_t len = j - i;
        if (len > 75 || len < 12 || memcmp(v + i, "=?UTF-8?B?", 10) != 0 ||
            memcmp(v + j - 2, "?=", 2) != 0)
            return false;
        buf part = BUF_INIT;
        bool ok = b64_decode(v + i + 10, len - 12, &part) && part.len > 0 &&
                  utf8_valid(part.data, part.len);
        if (ok)
            buf_append(out, part.data, part.len);
        buf_free(&part);
        if (!ok)
            return false;
        i = j < n ? j + 1 : n;
    }
    return true;
}

#endif
