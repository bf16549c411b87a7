/*
 * app.h - the application: everything built at start-up and shared,
 * read-only, by all request threads.
 *
 * Owned by main.c (serve): built by app_init(), freed by app_free().  Handlers
 * reach it as req->app.  Nothing here changes after start-up; what staff can
 * change lives in the database (ARCHITECTURE.md decision 2).
 */
#ifndef TSUNAGU_WEB_APP_H
#define TSUNAGU_WEB_APP_H

#include <stdbool.h>

#include "core/config.h"
#include "crypto/sealbox.h"
#include "domain/account.h"
#include "http/route.h"
#include "http/static.h"
#include "tmpl/tmpl.h"

struct store;
struct mail_env;

typedef struct app {
    config cfg;
    tmpl_set *tmpl;
    struct mail_env *mail; /* mail texts and sender (domain/mail.h) */
    account_params account; /* login rules and costs (domain/account.h) */
    sealbox_keyring *keys;  /* DATA/keys: TOTP secrets at rest (crypto/sealbox.h) */
    char base_url[600];     /* the start of mailed links: base_url, or this server */
    static_files *statics;
    router *router;
} app;

/* Loads templates and mail texts (stopping on any compile error), opens
 * static/, compiles the route table, loads the CSRF key.  false with err on any failure. */
bool app_init(app *a, const config *cfg, char *err, size_t errlen);
void app_free(app *a);

/* The route table of both sites and the admin (web/routes.c). */
extern const route web_routes[];
extern const size_t web_routes_count;

/* Hooks for the HTTP server (web/routes.c; web_authorise in web/auth.h). */
bool web_error_page(http_request *req, int status, const char *allow);
struct store *web_db_open(void *app);
void web_db_close(struct store *db);

/* Handlers. */
int web_home(http_request *req);
int web_healthz(http_request *req);
int web_display(http_request *req);
int web_static(http_request *req);
int web_admin_home(http_request *req);
int web_admin_accounts(http_request *req);
int web_admin_account(http_request *req);
int web_admin_account_action(http_request *req);
int web_admin_security_log(http_request *req);

#endif
