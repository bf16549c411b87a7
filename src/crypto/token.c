/* token.c - see token.h. */
#include "crypto/token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#include "core/secret.h"
#include "crypto/base32.h"

_Static_assert(BASE64URL_ENCODED_LEN(32) == TOKEN_CHARS, "token length");

bool token_new(char out[TOKEN_CHARS + 1])
{
    unsigned char raw[32];
    out[0] = '\0';
    if (!secret_random(raw, sizeof raw))
        return false;
    bool ok = base64url_encode(raw, sizeof raw, out, TOKEN_CHARS + 1);
    OPENSSL_cleanse(raw, sizeof raw);
    return ok;
}

bool token_well_formed(const char *s)
{
    if (!s)
        return false;
    size_t i = 0;
    for (; i < TOKEN_CHARS; i++) {
        unsigned char c = (unsigned char)s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok)
            return false; /* also stops at the NUL of a short string */
    }
    return s[i] == '\0';
}

bool token_hash(const char *token, char out[TOKEN_HASH_HEX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    out[0] = '\0';
    if (!token || EVP_Digest(token, strlen(token), md, &mdlen, EVP_sha256(), NULL) != 1 ||
        mdlen != 32)
        return false;
    secret_hex(md, 32, out);
    return true;
}

bool token_equal(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    size_t n = strlen(a);
    if (strlen(b) != n)
        return false;
    return CRYPTO_memcmp(a, b, n) == 0;
}
