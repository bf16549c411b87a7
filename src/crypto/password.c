/* password.c - see password.h. */
#include "crypto/password.h"

#include <argon2.h>
#include <stdio.h>
#include <string.h>

#include "core/secret.h"
#include "core/utf8.h"

#define SALT_LEN 16
#define HASH_LEN 32

/* What a stored string claims, once it has passed parse_phc(). */
typedef struct phc_info {
    uint32_t m_kib, t_cost, lanes;
    size_t salt_len, hash_len; /* decoded bytes */
} phc_info;

static bool params_ok(uint32_t m, uint32_t t, uint32_t p)
{
    return p >= 1 && p <= PASSWORD_PARALLELISM_MAX && t >= 1 && t <= PASSWORD_T_COST_MAX &&
           m >= 8 * p && m <= PASSWORD_M_KIB_MAX;
}

/* Reads a decimal without sign or leading zeros into *v (at most UINT32_MAX),
 * advancing *s past it. */
static bool parse_u32(const char **s, uint32_t *v)
{
    const char *p = *s;
    uint64_t x = 0;
    size_t n = 0;
    while (p[n] >= '0' && p[n] <= '9') {
        x = x * 10 + (uint64_t)(p[n] - '0');
        if (++n > 10 || x > UINT32_MAX)
            return false;
    }
    if (n == 0 || (n > 1 && p[0] == '0'))
        return false;
    *v = (uint32_t)x;
    *s = p + n;
    return true;
}

static bool skip(const char **s, const char *lit)
{
    size_t n = strlen(lit);
    if (strncmp(*s, lit, n) != 0)
        return false;
    *s += n;
    return true;
}

/* Reads unpadded standard base64 (argon2's alphabet) up to the next '$' or
 * the end; *bytes is its decoded length. */
static bool parse_b64(const char **s, size_t *bytes)
{
    const char *p = *s;
    size_t n = 0;
    while ((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= 'a' && p[n] <= 'z') ||
           (p[n] >= '0' && p[n] <= '9') || p[n] == '+' || p[n] == '/') {
        if (++n > 128) /* 96 bytes: more than any salt or hash we accept */
            return false;
    }
    if (n % 4 == 1)
        return false;
    *bytes = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
    *s = p + n;
    return true;
}

/* Strict grammar of what password_hash() writes, with bounds, so that
 * libargon2 (which would allocate whatever m= says) only ever sees strings
 * whose cost we chose to allow. */
static bool parse_phc(const char *s, phc_info *info)
{
    if (!s)
        return false;
    if (!skip(&s, "$argon2id$v=19$m=") || !parse_u32(&s, &info->m_kib) || !skip(&s, ",t=") ||
        !parse_u32(&s, &info->t_cost) || !skip(&s, ",p=") || !parse_u32(&s, &info->lanes) ||
        !skip(&s, "$") || !parse_b64(&s, &info->salt_len) || !skip(&s, "$") ||
        !parse_b64(&s, &info->hash_len) || *s != '\0')
        return false;
    return params_ok(info->m_kib, info->t_cost, info->lanes) && info->salt_len >= 8 &&
           info->salt_len <= 64 && info->hash_len >= 16 && info->hash_len <= 64;
}

bool password_hash(const char *pw, size_t len, password_params p, char out[PASSWORD_HASH_MAX])
{
    out[0] = '\0';
    if ((!pw && len) || len > PASSWORD_MAX_BYTES || !params_ok(p.m_kib, p.t_cost, p.parallelism))
        return false;
    if (argon2_encodedlen(p.t_cost, p.m_kib, p.parallelism, SALT_LEN, HASH_LEN, Argon2_id) >
        PASSWORD_HASH_MAX)
        return false;
    uint8_t salt[SALT_LEN];
    if (!secret_random(salt, sizeof salt))
        return false;
    int r = argon2id_hash_encoded(p.t_cost, p.m_kib, p.parallelism, pw, len, salt, sizeof salt,
                                  HASH_LEN, out, PASSWORD_HASH_MAX);
    if (r != ARGON2_OK) {
        out[0] = '\0';
        return false;
    }
    return true;
}

password_result password_verify(const char *phc, const char *pw, size_t len)
{
    phc_info info;
    if (!parse_phc(phc, &info))
        return PASSWORD_BAD_HASH;
    if (!pw && len)
        return PASSWORD_ERROR;
    if (len > PASSWORD_MAX_BYTES)
        return PASSWORD_MISMATCH;
    switch (argon2id_verify(phc, pw, len)) {
    case ARGON2_OK: return PASSWORD_MATCH;
    case ARGON2_VERIFY_MISMATCH: return PASSWORD_MISMATCH;
    case ARGON2_MEMORY_ALLOCATION_ERROR:
    case ARGON2_THREAD_FAIL: return PASSWORD_ERROR;
    default: return PASSWORD_BAD_HASH;
    }
}

bool password_needs_rehash(const char *phc, password_params p)
{
    phc_info info;
    if (!parse_phc(phc, &info))
        return true;
    return info.m_kib < p.m_kib || info.t_cost < p.t_cost || info.lanes != p.parallelism ||
           info.salt_len < SALT_LEN || info.hash_len < HASH_LEN;
}

void password_verify_dummy(const char *pw, size_t len, password_params p)
{
    /* A fixed salt ("saltsaltsaltsalt") and an all-zero hash: no password
     * matches it in practice, and the result is thrown away anyway.  Going
     * through password_verify() keeps the path (parse, decode, hash,
     * compare) the same as a real login's. */
    char phc[PASSWORD_HASH_MAX];
    int n = snprintf(phc, sizeof phc,
                     "$argon2id$v=19$m=%u,t=%u,p=%u$c2FsdHNhbHRzYWx0c2FsdA"
                     "$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                     (unsigned)p.m_kib, (unsigned)p.t_cost, (unsigned)p.parallelism);
    if (n < 0 || (size_t)n >= sizeof phc)
        return;
    (void)password_verify(phc, pw, len);
}

bool password_acceptable(const char *pw, size_t len, char *err, size_t errlen)
{
    const char *msg = NULL;
    char long_msg[160];
    if (!pw && len) {
        msg = "パスワードを入力してください";
    } else if (len > PASSWORD_MAX_BYTES) {
        snprintf(long_msg, sizeof long_msg,
                 "パスワードが長すぎます（%d バイトまで。全角文字は 1 文字を 3 バイトと数えます）",
                 PASSWORD_MAX_BYTES);
        msg = long_msg;
    } else if (!utf8_valid(pw, len)) {
        msg = "パスワードに使えない文字（文字化けした文字など）が含まれています";
    } else {
        const unsigned char *s = (const unsigned char *)pw;
        for (size_t i = 0; i < len && !msg; i++) {
            /* C0 and DEL; C1 (U+0080..U+009F) is C2 80..C2 9F in UTF-8. */
            if (s[i] < 0x20 || s[i] == 0x7F || (s[i] == 0xC2 && i + 1 < len && s[i + 1] < 0xA0))
                msg = "パスワードに改行やタブなどの制御文字は使えません";
        }
        if (!msg && utf8_count(pw, len) < PASSWORD_MIN_CHARS) {
            snprintf(long_msg, sizeof long_msg, "パスワードは %d 文字以上で入力してください",
                     PASSWORD_MIN_CHARS);
            msg = long_msg;
        }
    }
    if (!msg)
        return true;
    if (err && errlen) {
        snprintf(err, errlen, "%s", msg);
        utf8_trim_partial(err);
    }
    return false;
}
