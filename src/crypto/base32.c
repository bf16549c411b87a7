/* base32.c - see base32.h. */
#include "crypto/base32.h"

#include <stdint.h>

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Packs n bytes into out, `bits` (5 or 6) at a time, most significant first;
 * the last character is padded with zero bits. */
static void encode_bits(const uint8_t *in, size_t n, const char *alphabet, unsigned bits, char *out)
{
    uint32_t acc = 0;
    unsigned have = 0;
    unsigned mask = (1u << bits) - 1;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | in[i];
        have += 8;
        while (have >= bits) {
            have -= bits;
            *out++ = alphabet[(acc >> have) & mask];
        }
        acc &= (1u << have) - 1; /* keep acc small: at most 7 bits stay */
    }
    if (have)
        *out++ = alphabet[(acc << (bits - have)) & mask];
    *out = '\0';
}

bool base32_encode(const uint8_t *in, size_t n, char *out, size_t outsize)
{
    if (n > (SIZE_MAX - 4) / 8 || outsize < BASE32_ENCODED_LEN(n) + 1)
        return false;
    encode_bits(in, n, b32_alphabet, 5, out);
    return true;
}

bool base64url_encode(const uint8_t *in, size_t n, char *out, size_t outsize)
{
    if (n > (SIZE_MAX - 2) / 4 || outsize < BASE64URL_ENCODED_LEN(n) + 1)
        return false;
    encode_bits(in, n, b64url_alphabet, 6, out);
    return true;
}

static int b32_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

static int b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/* Unpacks one character's bits into out.  False when out is full. */
static bool push_bits(uint32_t *acc, unsigned *have, unsigned value, unsigned bits, uint8_t *out,
                      size_t outmax, size_t *n)
{
    *acc = (*acc << bits) | value;
    *have += bits;
    if (*have >= 8) {
        *have -= 8;
        if (*n == outmax)
            return false;
        out[(*n)++] = (uint8_t)(*acc >> *have);
        *acc &= (1u << *have) - 1;
    }
    return true;
}

bool base32_decode(const char *in, size_t len, uint8_t *out, size_t outmax, size_t *outlen)
{
    /* Padding each remainder of data characters (mod 8) needs; -1: impossible length. */
    static const int pad_for[8] = {0, -1, 6, -1, 4, 3, -1, 1};
    uint32_t acc = 0;
    unsigned have = 0;
    size_t data = 0, pad = 0, n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == ' ')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b32_value(c);
        if (v < 0 || pad > 0) /* a data character after padding is malformed */
            return false;
        data++;
        if (!push_bits(&acc, &have, (unsigned)v, 5, out, outmax, &n))
            return false;
    }
    int want = pad_for[data % 8];
    if (want < 0 || (pad != 0 && pad != (size_t)want))
        return false;
    if (acc != 0) /* non-zero unused bits: not what an encoder writes */
        return false;
    *outlen = n;
    return true;
}

bool base64url_decode(const char *in, size_t len, uint8_t *out, size_t outmax, size_t *outlen)
{
    if (len % 4 == 1)
        return false;
    uint32_t acc = 0;
    unsigned have = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64url_value((unsigned char)in[i]);
        if (v < 0 || !push_bits(&acc, &have, (unsigned)v, 6, out, outmax, &n))
            return false;
    }
    if (acc != 0)
        return false;
    *outlen = n;
    return true;
}
