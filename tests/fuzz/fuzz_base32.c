/* libFuzzer target: the RFC 4648 decoders on arbitrary text and the encoders
 * on arbitrary bytes.  What must hold: a decoder never writes past outmax
 * (the output buffer is exactly outmax bytes, so ASan sees any overflow);
 * whatever base32 accepts re-encodes to the same characters (upper-cased,
 * without spaces and padding) and decodes again to the same bytes; whatever
 * base64url accepts re-encodes to exactly the input; encode then decode
 * gives the bytes back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base32.h"

#define MAX_INPUT 4096

static void check_base32_text(const uint8_t *data, size_t size, size_t outmax)
{
    uint8_t *dec = malloc(outmax ? outmax : 1);
    char *enc = malloc(BASE32_ENCODED_LEN(outmax) + 1);
    uint8_t *again = malloc(outmax ? outmax : 1);
    if (!dec || !enc || !again)
        abort();
    size_t n = 0, n2 = 0;
    if (base32_decode((const char *)data, size, dec, outmax, &n)) {
        if (n > outmax || n > size * 5 / 8)
            abort();
        if (!base32_encode(dec, n, enc, BASE32_ENCODED_LEN(n) + 1))
            abort();
        size_t k = 0;
        for (size_t i = 0; i < size; i++) {
            char c = (char)data[i];
            if (c == ' ' || c == '=')
                continue;
            if (c >= 'a' && c <= 'z')
                c = (char)(c - 'a' + 'A');
            if (enc[k++] != c)
                abort();
        }
        if (enc[k] != '\0')
            abort();
        if (!base32_decode(enc, k, again, outmax, &n2) || n2 != n || memcmp(again, dec, n) != 0)
            abort();
    }
    free(dec);
    free(enc);
    free(again);
}

static void check_base64url_text(const uint8_t *data, size_t size, size_t outmax)
{
    uint8_t *dec = malloc(outmax ? outmax : 1);
    char *enc = malloc(BASE64URL_ENCODED_LEN(outmax) + 1);
    if (!dec || !enc)
        abort();
    size_t n = 0;
    if (base64url_decode((const char *)data, size, dec, outmax, &n)) {
        if (n > outmax || !base64url_encode(dec, n, enc, BASE64URL_ENCODED_LEN(n) + 1))
            abort();
        if (strlen(enc) != size || memcmp(enc, data, size) != 0)
            abort();
    }
    free(dec);
    free(enc);
}

static void check_round_trips(const uint8_t *data, size_t size)
{
    char *enc = malloc(BASE32_ENCODED_LEN(size) + 1);
    uint8_t *dec = malloc(size ? size : 1);
    if (!enc || !dec)
        abort();
    size_t n = 0;
    if (base32_encode(data, size, enc, BASE32_ENCODED_LEN(size))) /* one short: refused */
        abort();
    if (!base32_encode(data, size, enc, BASE32_ENCODED_LEN(size) + 1) ||
        strlen(enc) != BASE32_ENCODED_LEN(size) ||
        !base32_decode(enc, strlen(enc), dec, size, &n) || n != size ||
        memcmp(dec, data, size) != 0)
        abort();
    if (!base64url_encode(data, size, enc, BASE64URL_ENCODED_LEN(size) + 1) ||
        strlen(enc) != BASE64URL_ENCODED_LEN(size) ||
        !base64url_decode(enc, strlen(enc), dec, size, &n) || n != size ||
        memcmp(dec, data, size) != 0)
        abort();
    free(enc);
    free(dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    /* The first byte also picks how far below the natural size outmax is, so
     * that the bound is exercised, not only the happy path. */
    size_t slack = size ? data[0] % 4 : 0;
    size_t full32 = size * 5 / 8, full64 = size * 3 / 4;
    check_base32_text(data, size, full32);
    check_base32_text(data, size, full32 > slack ? full32 - slack : 0);
    check_base64url_text(data, size, full64);
    check_base64url_text(data, size, full64 > slack ? full64 - slack : 0);
    check_round_trips(data, size);
    return 0;
}
