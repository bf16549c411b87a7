/*
 * route.h - the route table: what the server will answer, and who may ask.
 *
 * Routes are a static const array (web/routes.c) with designated
 * initialisers.  router_compile() checks the table at start-up and refuses to
 * start on any mistake, so a route cannot be served by accident:
 *   - every route declares a permission (default-deny: PERM_UNDECLARED stops
 *     start-up, ARCHITECTURE.md decision 6);
 *   - every state-changing route (POST) checks a CSRF token, unless it
 *     carries a written csrf_waiver saying why not;
 *   - patterns parse, and no two routes share method and pattern.
 */
#ifndef TSUNAGU_HTTP_ROUTE_H
#define TSUNAGU_HTTP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "http/request.h"

/* Who may use a route.  Ordered: each role includes the ones before it is
 * NOT implied - the check is explicit per role (http/router.c). */
typedef enum perm {
    PERM_UNDECLARED = 0, /* zero-initialised routes land here and are refused */
    PERM_PUBLIC,         /* anyone */
    PERM_MEMBER,         /* a signed-in member (individual, group, company) */
    PERM_STAFF_EDITOR,   /* centre staff: editor or admin */
    PERM_STAFF_ADMIN,    /* centre staff: system administrator */
} perm;

const char *perm_name(perm p);

/* A handler fills req->resp and returns 0, or returns -1 on an internal
 * error (the server answers 500 and logs). */
typedef int (*http_handler)(http_request *req);

typedef struct route {
    const char *method;      /* "GET" (also answers HEAD) or "POST" */
    const char *path;        /* "/org", "/org/{id}", "/static/{*path}" (rest of path) */
    http_handler handler;
    perm perm;
    bool csrf;               /* verify the CSRF token and Origin/Referer */
    const char *csrf_waiver; /* why a POST route may skip CSRF (else start-up fails) */
    size_t max_body;         /* request body limit; 0 = LIMIT_BODY_FORM for POST, none for GET */
} route;

typedef struct router router;

typedef enum { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD } route_match;

/* Compiles and checks a route table; NULL with a message in err (which names
 * the offending route) on any mistake.  The table must outlive the router. */
router *router_compile(const route *routes, size_t n, char *err, size_t errlen);
void router_free(router *r);

/* Finds the route for method and canonical path.  On ROUTE_FOUND sets
 * req->route and the path parameters (values point into the arena).  On
 * ROUTE_BAD_METHOD writes the Allow header value ("GET, HEAD" ...) into
 * allow (arena string). */
route_match router_find(const router *r, http_request *req, const char *method, const char *path,
                        const char **allow);

/* Every route of the table, for tests and the permission-matrix check. */
size_t router_count(const router *r);
const route *router_at(const router *r, size_t i);

#endif
