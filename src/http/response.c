/* response.c - see response.h. */
#include "http/response.h"

#include <string.h>

bool http_is_local_path(const char *s)
{
    if (!s || s[0] != '/' || s[1] == '/' || s[1] == '\\')
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '\\')
            return false;
    return true;
}

static bool safe_value(const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return false;
    return true;
}

bool http_resp_header(http_request *req, const char *name, const char *value)
{
    http_response *r = &req->resp;
    if (!name || !value || !safe_value(name) || !safe_value(value) || strchr(name, ':'))
        return false;
    if (r->nheaders >= sizeof r->headers / sizeof r->headers[0])
        return false;
    const char *n = arena_strdup(req->a, name), *v = arena_strdup(req->a, value);
    if (!n || !v)
        return false;
    r->headers[r->nheaders++] = (http_header){n, v};
    return true;
}

static bool cookie_octets(const char *s)
{
    /* RFC 6265 4.1.1 cookie-octet; the same set suffices for our names. */
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == ',' || *p == ';' || *p == '\\' ||
            *p == '=')
            return false;
    return true;
}

bool http_set_cookie(http_request *req, const char *name, const char *value, long max_age_s)
{
    if (!*name || !cookie_octets(name) || !cookie_octets(value))
        return false;
    const char *v;
    if (max_age_s >= 0)
        v = arena_printf(req->a, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Lax%s", name,
                         value, max_age_s, req->https ? "; Secure" : "");
    else
        v = arena_printf(req->a, "%s=%s; Path=/; HttpOnly; SameSite=Lax%s", name, value,
                         req->https ? "; Secure" : "");
    return v && http_resp_header(req, "Set-Cookie", v);
}

bool http_text(http_request *req, int status, const char *content_type, const char *body)
{
    req->resp.status = status;
    req->resp.content_type = content_type;
    buf_reset(&req->resp.body);
    buf_puts(&req->resp.body, body);
    return buf_ok(&req->resp.body);
}

bool http_redirect_local(http_request *req, int status, const char *path)
{
    if (!http_is_local_path(path))
        path = "/";
    req->resp.status = status;
    req->resp.content_type = "text/plain; charset=utf-8";
    buf_reset(&req->resp.body);
    return http_resp_header(req, "Location", path);
}
