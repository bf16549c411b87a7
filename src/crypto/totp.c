/* totp.c - see totp.h.
 *
 * HMAC-SHA-1 is used here, and only here, because RFC 6238 compatibility
 * with authenticator apps requires it: SHA-1 is the one algorithm every app
 * implements, and many apps ignore or mishandle algorithm=SHA256.  The
 * CRYPTREC list does not recommend SHA-1; it keeps it on the monitored list
 * (運用監視暗号リスト) for use where compatibility demands it, which is this
 * case.  HMAC does not rely on the collision resistance SHA-1 has lost, and
 * the code is a short-lived second factor beside an argon2id password, never
 * a stored secret.  Everything else in Tsunagu uses SHA-256, HMAC-SHA-256 or
 * AES-256-GCM.
 */
#include "crypto/totp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#include "core/utf8.h"
#include "crypto/base32.h"

#define LABEL_MAX 256

/* RFC 4226 section 5: HOTP value of counter `step`, as TOTP_DIGITS digits. */
static bool hotp(const uint8_t *key, size_t keylen, uint64_t step, char out[TOTP_DIGITS + 1])
{
    uint8_t msg[8], mac[EVP_MAX_MD_SIZE];
    size_t maclen = 0;
    for (int i = 7; i >= 0; i--) {
        msg[i] = (uint8_t)(step & 0xff);
        step >>= 8;
    }
    out[0] = '\0';
    if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, key, keylen, msg, sizeof msg, mac, sizeof mac,
                   &maclen) ||
        maclen != 20)
        return false;
    /* Dynamic truncation (RFC 4226 section 5.3). */
    unsigned off = mac[19] & 0x0f;
    uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
                   ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
    uint32_t v = bin % 1000000u;
    for (int i = TOTP_DIGITS - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
    out[TOTP_DIGITS] = '\0';
    OPENSSL_cleanse(mac, sizeof mac);
    return true;
}

static bool key_ok(const uint8_t *key, size_t keylen)
{
    return key && keylen >= TOTP_KEY_MIN && keylen <= TOTP_KEY_MAX;
}

bool totp_code(const uint8_t *key, size_t keylen, int64_t unix_time, char out[7])
{
    out[0] = '\0';
    if (!key_ok(key, keylen) || unix_time < 0)
        return false;
    return hotp(key, keylen, (uint64_t)(unix_time / TOTP_PERIOD), out);
}

/* Copies the digits of code into out, skipping spaces; false unless exactly
 * TOTP_DIGITS ASCII digits remain.  Bounded: a long string is refused after
 * a few dozen bytes. */
static bool normalise_code(const char *code, char out[TOTP_DIGITS + 1])
{
    size_t n = 0;
    for (size_t i = 0; code[i]; i++) {
        if (i >= 32)
            return false;
        if (code[i] == ' ')
            continue;
        if (code[i] < '0' || code[i] > '9' || n == TOTP_DIGITS)
            return false;
        out[n++] = code[i];
    }
    out[n] = '\0';
    return n == TOTP_DIGITS;
}

bool totp_verify(const uint8_t *key, size_t keylen, const char *code, int64_t unix_time,
                 int64_t *last_step)
{
    char given[TOTP_DIGITS + 1];
    if (!key_ok(key, keylen) || !code || !last_step || unix_time < 0 ||
        !normalise_code(code, given))
        return false;
    int64_t now = unix_time / TOTP_PERIOD;
    int64_t found = -1;
    bool failed = false;
    /* All three candidates are computed and compared whatever the result,
     * so the time taken does not say which step (if any) matched.  The latest
     * matching step wins, so a collision cannot reopen a spent step. */
    for (int64_t step = now - 1; step <= now + 1; step++) {
        char want[TOTP_DIGITS + 1];
        if (step < 0)
            continue;
        if (!hotp(key, keylen, (uint64_t)step, want)) {
            failed = true;
            continue;
        }
        if (CRYPTO_memcmp(want, given, TOTP_DIGITS) == 0 && step > *last_step)
            found = step;
        OPENSSL_cleanse(want, sizeof want);
    }
    OPENSSL_cleanse(given, sizeof given);
    if (failed || found < 0)
        return false;
    *last_step = found;
    return true;
}

/* Appends s percent-encoded: RFC 3986 unreserved characters stay, every
 * other byte becomes %XX. */
static void put_pct(buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            buf_putc(out, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_append(out, e, 3);
        }
    }
}

static bool label_ok(const char *s)
{
    if (!s)
        return false;
    size_t n = strnlen(s, LABEL_MAX + 1);
    return n > 0 && n <= LABEL_MAX && utf8_valid(s, n) && !memchr(s, ':', n);
}

bool totp_uri(const char *issuer, const char *account, const uint8_t *key, size_t keylen, buf *out)
{
    char secret[BASE32_ENCODED_LEN(TOTP_KEY_MAX) + 1];
    if (!label_ok(issuer) || !label_ok(account) || !key_ok(key, keylen) ||
        !base32_encode(key, keylen, secret, sizeof secret))
        return false;
    buf_puts(out, "otpauth://totp/");
    put_pct(out, issuer);
    buf_putc(out, ':');
    put_pct(out, account);
    buf_puts(out, "?secret=");
    buf_puts(out, secret);
    buf_puts(out, "&issuer=");
    put_pct(out, issuer);
    buf_puts(out, "&algorithm=SHA1&digits=6&period=30");
    OPENSSL_cleanse(secret, sizeof secret);
    return buf_ok(out);
}
