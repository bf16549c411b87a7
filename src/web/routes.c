/*
 * routes.c - the route table of Tsunagu, and the server hooks.
 *
 * Every URL the server answers is a line here (STYLE.md "Data, not code").
 * http/router.c refuses to start if a route lacks a permission, or if a POST
 * lacks a CSRF check; docs/security/permission-matrix.md mirrors this table.
 */
#include "core/log.h"
#include "store/store.h"
#include "web/app.h"
#include "web/testroutes.h"

const route web_routes[] = {
    {.method = "GET", .path = "/", .handler = web_home, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/healthz", .handler = web_healthz, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/display", .handler = web_display, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/static/{*path}", .handler = web_static, .perm = PERM_PUBLIC},
#ifdef TSUNAGU_TEST_ROUTES
    {.method = "GET", .path = "/_test/echo", .handler = web_test_echo, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/_test/form", .handler = web_test_form, .perm = PERM_PUBLIC},
    {.method = "POST", .path = "/_test/form", .handler = web_test_echo, .perm = PERM_PUBLIC,
     .csrf = true},
    {.method = "POST", .path = "/_test/upload", .handler = web_test_echo, .perm = PERM_PUBLIC,
     .csrf = true, .max_body = LIMIT_BODY_UPLOAD},
    {.method = "POST", .path = "/_test/nocsrf", .handler = web_test_echo, .perm = PERM_PUBLIC,
     .csrf_waiver = "test of the waiver mechanism", .max_body = 1024},
    {.method = "GET", .path = "/_test/slow", .handler = web_test_slow, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/_test/member", .handler = web_test_echo, .perm = PERM_MEMBER},
    {.method = "POST", .path = "/_test/mail", .handler = web_test_mail, .perm = PERM_PUBLIC,
     .csrf_waiver = "test of the outbox transaction, driven by scripts", .max_body = 4096},
#endif
};

const size_t web_routes_count = sizeof web_routes / sizeof web_routes[0];

/* Until the account system exists nobody is signed in, so every request is
 * the public role: public routes pass, all others are refused. */
bool web_authorise(http_request *req, perm p, int *status)
{
    (void)req;
    if (p == PERM_PUBLIC)
        return true;
    *status = 403;
    return false;
}

struct store *web_db_open(void *ctx)
{
    app *ap = ctx;
    char err[256];
    struct store *db = store_open(ap->cfg.data_dir, err, sizeof err);
    if (!db)
        log_error("データベースを開けません: %s", err);
    return db;
}

void web_db_close(struct store *db)
{
    store_close(db);
}
