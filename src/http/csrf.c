/* csrf.c - see csrf.h. */
#include "http/csrf.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "http/response.h"

static uint8_t csrf_key[SECRET_KEY_LEN];

void csrf_set_key(const uint8_t key[SECRET_KEY_LEN])
{
    memcpy(csrf_key, key, SECRET_KEY_LEN);
}

static bool valid_seed(const char *s)
{
    if (!s || strlen(s) != 2 * 16)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

static void token_for(const char *seed, char out[65])
{
    uint8_t mac[32];
    unsigned len = sizeof mac;
    HMAC(EVP_sha256(), csrf_key, sizeof csrf_key, (const unsigned char *)seed, strlen(seed), mac,
         &len);
    secret_hex(mac, sizeof mac, out);
}

const char *http_csrf_token(http_request *req)
{
    const char *seed = req->csrf_cookie;
    if (!valid_seed(seed)) {
        uint8_t raw[16];
        char *hex = arena_alloc(req->a, 33);
        if (!hex || !secret_random(raw, sizeof raw))
            return NULL;
        secret_hex(raw, sizeof raw, hex);
        if (!http_set_cookie(req, CSRF_COOKIE, hex, -1))
            return NULL;
        req->csrf_cookie = seed = hex;
    }
    char *tok = arena_alloc(req->a, 65);
    if (tok)
        token_for(seed, tok);
    return tok;
}

/* The scheme://host[:port] this request was addressed to. */
static const char *own_origin(http_request *req)
{
    const char *host = http_header_get(req, "Host");
    if (!host)
        return NULL;
    return arena_printf(req->a, "%s://%s", req->https ? "https" : "http", host);
}

static bool same_origin(const char *url, const char *origin)
{
    size_t n = strlen(origin);
    return strncmp(url, origin, n) == 0 && (url[n] == '\0' || url[n] == '/');
}

bool http_csrf_verify(http_request *req)
{
    const char *origin = own_origin(req);
    if (!origin)
        return false;
    const char *o = http_header_get(req, "Origin");
    const char *ref = http_header_get(req, "Referer");
    if (o && strcmp(o, "null") != 0) {
        if (!same_origin(o, origin))
            return false;
    } else if (o || ref) {
        if (!ref || !same_origin(ref, origin))
            return false;
    }
    const char *seed = req->csrf_cookie;
    const char *sent = http_form_get(req, CSRF_FIELD);
    if (!valid_seed(seed) || !sent || strlen(sent) != 64)
        return false;
    char want[65];
    token_for(seed, want);
    return CRYPTO_memcmp(want, sent, 64) == 0;
}
