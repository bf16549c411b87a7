/*
 * router.c - compiles the route table and matches requests against it.
 *
 * Tables hold a few hundred routes at most, so matching is a linear scan over
 * pre-split patterns: simple, and far below the cost of the handler.
 */
#include "http/route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fault.h"

typedef enum { SEG_LITERAL, SEG_PARAM, SEG_REST } seg_kind;

typedef struct seg {
    seg_kind kind;
    char *text;   /* literal text or parameter name */
} seg;

typedef struct compiled_route {
    const route *r;
    seg *segs;
    size_t nsegs;
} compiled_route;

struct router {
    compiled_route *routes;
    size_t n;
};

const char *perm_name(perm p)
{
    switch (p) {
    case PERM_PUBLIC: return "public";
    case PERM_MEMBER: return "member";
    case PERM_STAFF_EDITOR: return "staff_editor";
    case PERM_STAFF_ADMIN: return "staff_admin";
    case PERM_UNDECLARED: break;
    }
    return "undeclared";
}

static void free_route(compiled_route *cr)
{
    for (size_t i = 0; i < cr->nsegs; i++)
        free(cr->segs[i].text);
    free(cr->segs);
}

void router_free(router *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free_route(&r->routes[i]);
    free(r->routes);
    free(r);
}

static bool valid_name(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

/* Splits "/a/{id}/{*rest}" into segments; false with err on bad syntax. */
static bool compile_pattern(compiled_route *cr, char *err, size_t errlen)
{
    const char *p = cr->r->path;
    if (!p || p[0] != '/') {
        snprintf(err, errlen, "route %s %s: pattern must start with '/'", cr->r->method,
                 p ? p : "(null)");
        return false;
    }
    size_t cap = 1;
    for (const char *q = p; *q; q++)
        cap += *q == '/';
    cr->segs = calloc(cap, sizeof(seg));
    if (!cr->segs) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    p++;
    size_t nparams = 0;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        seg *s = &cr->segs[cr->nsegs];
        if (len >= 2 && p[0] == '{' && p[len - 1] == '}') {
            bool rest = p[1] == '*';
            const char *name = p + 1 + rest;
            size_t nlen = len - 2 - rest;
            if (!valid_name(name, nlen) || (rest && end)) {
                snprintf(err, errlen, "route %s %s: bad parameter segment", cr->r->method,
                         cr->r->path);
                return false;
            }
            s->kind = rest ? SEG_REST : SEG_PARAM;
            s->text = strndup(name, nlen);
            if (++nparams > LIMIT_ROUTE_PARAMS) {
                snprintf(err, errlen, "route %s %s: too many parameters", cr->r->method,
                         cr->r->path);
                return false;
            }
        } else {
            if (len == 0 || memchr(p, '{', len) || memchr(p, '}', len)) {
                snprintf(err, errlen, "route %s %s: bad segment", cr->r->method, cr->r->path);
                return false;
            }
            s->kind = SEG_LITERAL;
            s->text = strndup(p, len);
        }
        if (!s->text) {
            snprintf(err, errlen, "out of memory");
            return false;
        }
        cr->nsegs++;
        if (!end)
            break;
        p = end + 1;
        if (!*p) {
            snprintf(err, errlen, "route %s %s: trailing '/'", cr->r->method, cr->r->path);
            return false;
        }
    }
    return true;
}

static bool same_pattern(const compiled_route *a, const compiled_route *b)
{
    if (a->nsegs != b->nsegs)
        return false;
    for (size_t i = 0; i < a->nsegs; i++) {
        if (a->segs[i].kind != b->segs[i].kind)
            return false;
        if (a->segs[i].kind == SEG_LITERAL && strcmp(a->segs[i].text, b->segs[i].text) != 0)
            return false;
    }
    return true;
}

static bool check_route(const route *r, char *err, size_t errlen)
{
    const char *m = r->method ? r->method : "(null)";
    const char *p = r->path ? r->path : "(null)";
    if (!r->method || (strcmp(m, "GET") != 0 && strcmp(m, "POST") != 0)) {
        snprintf(err, errlen, "route %s %s: method must be GET or POST", m, p);
        return false;
    }
    if (!r->handler) {
        snprintf(err, errlen, "route %s %s: no handler", m, p);
        return false;
    }
    if (r->perm == PERM_UNDECLARED || r->perm > PERM_STAFF_ADMIN) {
        snprintf(err, errlen, "route %s %s: no permission declared (default-deny)", m, p);
        return false;
    }
    if (strcmp(m, "POST") == 0 && !r->csrf && !(r->csrf_waiver && *r->csrf_waiver)) {
        snprintf(err, errlen, "route %s %s: state-changing route without CSRF check or waiver",
                 m, p);
        return false;
    }
    if (strcmp(m, "GET") == 0 && r->csrf) {
        snprintf(err, errlen, "route %s %s: GET must not change state, so it has no CSRF check",
                 m, p);
        return false;
    }
    return true;
}

router *router_compile(const route *routes, size_t n, char *err, size_t errlen)
{
    router *r = calloc(1, sizeof *r);
    if (!r || !(r->routes = calloc(n ? n : 1, sizeof(compiled_route)))) {
        free(r);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        compiled_route *cr = &r->routes[i];
        cr->r = &routes[i];
        r->n = i + 1;
        if (!check_route(cr->r, err, errlen) || !compile_pattern(cr, err, errlen))
            goto fail;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(routes[j].method, cr->r->method) == 0 && same_pattern(&r->routes[j], cr)) {
                snprintf(err, errlen, "route %s %s: duplicates %s", cr->r->method, cr->r->path,
                         routes[j].path);
                goto fail;
            }
        }
    }
    return r;
fail:
    router_free(r);
    return NULL;
}

/* Matches a compiled pattern against path segments; fills params on success. */
static bool match(const compiled_route *cr, char **segs, size_t nsegs, http_request *req)
{
    size_t np = 0;
    for (size_t i = 0; i < cr->nsegs; i++) {
        const seg *s = &cr->segs[i];
        if (s->kind == SEG_REST) {
            if (i >= nsegs)
                return false;
            if (req) {
                /* Re-join the rest; segments are consecutive in the arena copy. */
                size_t len = 0;
                for (size_t k = i; k < nsegs; k++)
                    len += strlen(segs[k]) + 1;
                char *rest = arena_alloc(req->a, len);
                if (!rest)
                    return false;
                rest[0] = '\0';
                char *w = rest;
                for (size_t k = i; k < nsegs; k++) {
                    size_t l = strlen(segs[k]);
                    memcpy(w, segs[k], l);
                    w += l;
                    *w++ = k + 1 < nsegs ? '/' : '\0';
                }
                req->param_names[np] = s->text;
                req->param_values[np++] = rest;
                req->nparams = np;
            }
            return true;
        }
        if (i >= nsegs)
            return false;
        if (s->kind == SEG_LITERAL) {
            if (strcmp(s->text, segs[i]) != 0)
                return false;
        } else if (req) {
            if (segs[i][0] == '\0')
                return false;
            req->param_names[np] = s->text;
            req->param_values[np++] = segs[i];
        } else if (segs[i][0] == '\0') {
            return false;
        }
    }
    if (cr->nsegs != nsegs)
        return false;
    if (req)
        req->nparams = np;
    return true;
}

route_match router_find(const router *r, http_request *req, const char *method, const char *path,
                        const char **allow)
{
    /* Split the canonical path into segments (in the arena). */
    size_t cap = 1;
    for (const char *q = path; *q; q++)
        cap += *q == '/';
    char **segs = arena_alloc(req->a, cap * sizeof(char *));
    char *copy = arena_strdup(req->a, path[0] == '/' ? path + 1 : path);
    if (!segs || !copy)
        return ROUTE_NOT_FOUND;
    size_t nsegs = 0;
    if (*copy) {
        char *p = copy;
        for (;;) {
            segs[nsegs++] = p;
            char *slash = strchr(p, '/');
            if (!slash)
                break;
            *slash = '\0';
            p = slash + 1;
        }
    }

    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    bool get = false, post = false;
    for (size_t i = 0; i < r->n; i++) {
        const compiled_route *cr = &r->routes[i];
        if (!match(cr, segs, nsegs, NULL))
            continue;
        if (strcmp(cr->r->method, m) == 0) {
            if (!match(cr, segs, nsegs, req))
                return ROUTE_NOT_FOUND;
            req->route = cr->r;
            return ROUTE_FOUND;
        }
        if (strcmp(cr->r->method, "GET") == 0)
            get = true;
        else
            post = true;
    }
    if (!get && !post)
        return ROUTE_NOT_FOUND;
    *allow = get && post ? "GET, HEAD, POST" : get ? "GET, HEAD" : "POST";
    return ROUTE_BAD_METHOD;
}

size_t router_count(const router *r)
{
    return r->n;
}

const route *router_at(const router *r, size_t i)
{
    return i < r->n ? r->routes[i].r : NULL;
}
