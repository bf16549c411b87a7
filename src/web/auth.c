/* auth.c - sessions and the permission check.  See auth.h. */
#include "web/auth.h"

#include <string.h>

#include "core/log.h"
#include "http/response.h"
#include "web/app.h"

void web_account_env(http_request *req, account_env *e)
{
    app *ap = req->app;
    memset(e, 0, sizeof *e);
    e->db = req->db;
    e->a = req->a;
    e->p = &ap->account;
    e->mail = ap->mail;
    e->keys = ap->keys;
    e->addr = req->client_addr;
    e->base_url = ap->base_url;
    e->site_name = NULL;
}

/* Looks the session up once per request. */
static web_auth *load(http_request *req)
{
    if (req->auth)
        return req->auth;
    web_auth *w = arena_calloc(req->a, 1, sizeof *w);
    if (!w)
        return NULL;
    req->auth = w;
    const char *cookie = http_cookie(req, WEB_SESSION_COOKIE);
    if (!cookie || !req->db)
        return w;
    account_env e;
    web_account_env(req, &e);
    account_rc rc = session_lookup(&e, cookie, &w->session);
    if (rc == ACCOUNT_OK) {
        w->has_session = true;
        w->cookie = arena_strdup(req->a, cookie);
    } else if (rc == ACCOUNT_ERROR) {
        log_error("セッションを確認できません（リクエスト %llu）", (unsigned long long)req->id);
    }
    return w;
}

const web_auth *web_auth_of(http_request *req)
{
    static const web_auth blank;
    const web_auth *w = load(req);
    return w ? w : &blank;
}

const account_view *web_actor(http_request *req)
{
    const web_auth *w = web_auth_of(req);
    return w->has_session ? session_actor(&w->session) : NULL;
}

bool web_set_session_cookie(http_request *req, const char *token)
{
    /* No Max-Age: the browser forgets the session when it closes; the
     * server's idle and absolute timeouts apply either way (3.1.9). */
    return http_set_cookie(req, WEB_SESSION_COOKIE, token ? token : "", token ? -1 : 0);
}

bool web_authorise(http_request *req, perm p, int *status)
{
    if (p == PERM_PUBLIC) {
        /* Public pages still show who is signed in (the header's links). */
        (void)load(req);
        return true;
    }
    const account_view *actor = web_actor(req);
    if (!actor) {
        /* 3.1.2-2: not authenticated; a page view is sent to the sign-in
         * form (web_error_page() turns 303 into the redirect). */
        *status = strcmp(req->method, "GET") == 0 || req->is_head ? 303 : 403;
        return false;
    }
    /* SEC-15: an initial or temporary password must be changed first; until
     * then only the change screen (and signing out, a public route) opens. */
    if (actor->must_change_password && strcmp(req->path, "/account/password") != 0) {
        *status = strcmp(req->method, "GET") == 0 || req->is_head ? 303 : 403;
        return false;
    }
    bool ok = false;
    switch (p) {
    case PERM_MEMBER:
        ok = actor->status == ACCOUNT_STATUS_ACTIVE;
        break;
    case PERM_STAFF_EDITOR:
        ok = account_is_staff(actor);
        break;
    case PERM_STAFF_ADMIN:
        ok = account_is_admin(actor);
        break;
    default:
        ok = false;
        break;
    }
    if (!ok)
        *status = 403; /* 3.2.2-3 */
    return ok;
}
