/*
 * login.c - sign-in, the staff second factor, sign-out (spec 3.1).
 *
 *   GET  /login              the form (login ID, password masked, 3.1.4)
 *   POST /login              session_login(): one message for every failure
 *                            (3.1.5); a new session ID on success (3.1.8)
 *   GET|POST /login/totp     staff: the code from the authenticator app
 *   GET|POST /login/totp/enrol  staff without a second factor: set one up
 *   POST /logout             ends the session (3.1.9-1)
 *
 * After signing in: the `next` page if it is one of ours, else the admin
 * for staff and the account page for members.
 */
#include <string.h>

#include "core/log.h"
#include "http/response.h"
#include "web/account.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/page.h"
#include "web/settings.h"

static const char *home_of(const account_view *a)
{
    return a && account_is_staff(a) ? "/admin" : "/account";
}

static int login_page(http_request *req, const char *login, const char *next, const char *message)
{
    tv *root = web_form_page(req, "ログイン", "/login");
    if (!root || !web_form_keep(req, root, "login", login) ||
        !web_form_keep(req, root, "next", web_next_path(next, "")))
        return -1;
    if (message && !web_form_error(req, root, "login-id", message))
        return -1;
    return web_form_render(req, root, "account/login.html");
}

int web_login_form(http_request *req)
{
    const account_view *actor = web_actor(req);
    if (actor) /* signed in already */
        return http_redirect_local(req, 303, web_next_path(http_query(req, "next"),
                                                           home_of(actor)))
                   ? 0
                   : -1;
    return login_page(req, "", http_query(req, "next"), NULL);
}

/* Where a login result sends the browser; sets the cookie when a session
 * was granted. */
static int after_login(http_request *req, const session_login_result *r, const char *next)
{
    switch (r->status) {
    case SESSION_LOGIN_OK: {
        if (!web_set_session_cookie(req, r->token))
            return -1;
        /* The account is the one just signed in: read it for its role. */
        account_env e;
        web_account_env(req, &e);
        account_view v;
        const char *to = "/account";
        if (account_get(&e, r->account_id, &v) == ACCOUNT_OK) {
            to = home_of(&v);
            if (v.must_change_password)
                to = "/account/password";
        }
        return http_redirect_local(req, 303, web_next_path(next, to)) ? 0 : -1;
    }
    case SESSION_LOGIN_NEED_TOTP:
    case SESSION_LOGIN_NEED_TOTP_ENROL: {
        if (!web_set_session_cookie(req, r->token))
            return -1;
        const char *base = r->status == SESSION_LOGIN_NEED_TOTP ? "/login/totp" : "/login/totp/enrol";
        const char *n = web_next_path(next, NULL);
        const char *to = n ? web_with_next(req, base, n, NULL) : base;
        return http_redirect_local(req, 303, to ? to : base) ? 0 : -1;
    }
    case SESSION_LOGIN_ERROR:
        return -1;
    default:
        return 1; /* the caller shows the form again */
    }
}

int web_login(http_request *req)
{
    const char *login = http_form_get(req, "login");
    const char *password = http_form_get(req, "password");
    const char *next = http_form_get(req, "next");
    account_env e;
    web_account_env(req, &e);
    /* A browser that was signed in before starts afresh (3.1.8). */
    const web_auth *w = web_auth_of(req);
    if (w->has_session)
        (void)session_logout(&e, w->cookie);
    session_login_result r;
    session_login(&e, login ? login : "", password ? password : "",
                  password ? strlen(password) : 0, &r);
    int rc = after_login(req, &r, next);
    if (rc <= 0)
        return rc;
    return login_page(req, login ? login : "", next, r.message);
}

/* GET /logout: a page with the sign-out button (signing out changes state,
 * so it is a POST with the CSRF token; a link elsewhere cannot do it). */
int web_logout_form(http_request *req)
{
    if (!web_auth_of(req)->has_session)
        return web_message_page(req, 200, "ログアウト", "ログインしていません。", "/login",
                                "ログインする");
    tv *root = web_form_page(req, "ログアウト", "/logout");
    if (!root || !web_form_keep(req, root, "t", "") || !web_form_keep(req, root, "action", "/logout") ||
        !web_form_keep(req, root, "text", "次のボタンを押すとログアウトします。") ||
        !web_form_keep(req, root, "button", "ログアウトする"))
        return -1;
    return web_form_render(req, root, "account/confirm_link.html");
}

int web_logout(http_request *req)
{
    const web_auth *w = web_auth_of(req);
    if (w->has_session) {
        account_env e;
        web_account_env(req, &e);
        if (session_logout(&e, w->cookie) == ACCOUNT_ERROR)
            return -1;
    }
    if (!web_set_session_cookie(req, NULL))
        return -1;
    return web_message_page(req, 200, "ログアウトしました",
                            "ログアウトしました。共用のパソコンでは、ブラウザーも閉じてください。",
                            "/login", "もう一度ログインする");
}

/* ---- the second factor ---- */

/* The half session of this browser at stage, or NULL (then the browser is
 * sent to /login). */
static const web_auth *half_session(http_request *req, session_stage stage)
{
    const web_auth *w = web_auth_of(req);
    return w->has_session && w->session.stage == stage ? w : NULL;
}

static int totp_page(http_request *req, const char *next, const char *message)
{
    tv *root = web_form_page(req, "確認コードの入力", "/login/totp");
    if (!root || !web_form_keep(req, root, "next", web_next_path(next, "")))
        return -1;
    if (message && !web_form_error(req, root, "totp-code", message))
        return -1;
    return web_form_render(req, root, "account/totp.html");
}

int web_totp_form(http_request *req)
{
    if (!half_session(req, SESSION_NEED_TOTP))
        return http_redirect_local(req, 303, "/login") ? 0 : -1;
    return totp_page(req, http_query(req, "next"), NULL);
}

int web_totp(http_request *req)
{
    const web_auth *w = half_session(req, SESSION_NEED_TOTP);
    if (!w)
        return http_redirect_local(req, 303, "/login") ? 0 : -1;
    const char *code = http_form_get(req, "code");
    const char *next = http_form_get(req, "next");
    account_env e;
    web_account_env(req, &e);
    session_login_result r;
    session_totp(&e, w->cookie, code ? code : "", &r);
    if (r.status == SESSION_LOGIN_FAILED && r.why != SESSION_WHY_WRONG_CODE &&
        r.why != SESSION_WHY_REPLAYED_CODE) {
        /* locked, or the half session ran out: start again */
        if (!web_set_session_cookie(req, NULL))
            return -1;
        return login_page(req, "", next, r.message);
    }
    int rc = after_login(req, &r, next);
    if (rc <= 0)
        return rc;
    return totp_page(req, next, r.message);
}

static int enrol_page(http_request *req, const char *next, const char *message)
{
    const web_auth *w = web_auth_of(req);
    account_env e;
    web_account_env(req, &e);
    session_totp_enrolment en;
    char err[256] = "";
    /* The name the authenticator app shows beside the code (no ':'). */
    const char *centre = web_setting(req, "centre.name", "");
    const char *issuer = centre[0] && !strchr(centre, ':') ? arena_strdup(req->a, centre) : NULL;
    if (!issuer)
        issuer = "Tsunagu";
    account_rc rc = session_totp_enrol_begin(&e, w->cookie, issuer, &en, err, sizeof err);
    if (rc == ACCOUNT_ERROR)
        return -1;
    if (rc != ACCOUNT_OK)
        return http_redirect_local(req, 303, "/login") ? 0 : -1;
    tv *root = web_form_page(req, "確認コードの設定", "/login/totp/enrol");
    tv *t = tv_map(req->a);
    if (!root || !t || !web_form_keep(req, root, "next", web_next_path(next, "")) ||
        !tv_set_str(req->a, t, "secret", en.secret_b32) || !tv_set_str(req->a, t, "uri", en.uri) ||
        !tv_set_str(req->a, t, "pending", en.pending) || !tv_set(req->a, root, "totp", t))
        return -1;
    if (message && !web_form_error(req, root, "totp-code", message))
        return -1;
    return web_form_render(req, root, "account/totp_enrol.html");
}

int web_totp_enrol_form(http_request *req)
{
    if (!half_session(req, SESSION_NEED_ENROL))
        return http_redirect_local(req, 303, "/login") ? 0 : -1;
    return enrol_page(req, http_query(req, "next"), NULL);
}

int web_totp_enrol(http_request *req)
{
    const web_auth *w = half_session(req, SESSION_NEED_ENROL);
    if (!w)
        return http_redirect_local(req, 303, "/login") ? 0 : -1;
    const char *pending = http_form_get(req, "pending");
    const char *code = http_form_get(req, "code");
    const char *next = http_form_get(req, "next");
    account_env e;
    web_account_env(req, &e);
    session_login_result r;
    session_totp_enrol_confirm(&e, w->cookie, pending ? pending : "", code ? code : "", &r);
    int rc = after_login(req, &r, next);
    if (rc <= 0)
        return rc;
    /* A wrong code: a new secret is shown (the old one was never stored). */
    return enrol_page(req, next, r.message);
}
