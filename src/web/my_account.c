/*
 * my_account.c - the signed-in user's own account (spec 3.3.3, 3.3.4,
 * 3.3.7).  Every screen acts on the account of the session only: there is
 * no account ID in any URL or form to edit (3.2.2, per-record rule).
 *
 *   GET  /account                  who I am, when I last signed in
 *   GET|POST /account/password     change it; the current one is asked
 *   GET|POST /account/email        ask to change the address (password asked)
 *   GET  /account/email/verify?t=  the link mailed to the NEW address: a button
 *   POST /account/email/verify     the address changes now
 *   GET|POST /account/delete       leave (password asked)
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/jst.h"
#include "crypto/password.h"
#include "http/response.h"
#include "web/account.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/page.h"

const char *web_time_ja(arena *a, const char *ts)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!ts || !strptime(ts, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return "";
    time_t t = timegm(&tm);
    char day[JST_DATE_JA_LEN];
    jst_date_ja(t, day, sizeof day);
    time_t j = t + 9 * 3600;
    struct tm jt;
    gmtime_r(&j, &jt);
    return arena_printf(a, "%s %d時%02d分", day, jt.tm_hour, jt.tm_min);
}

int web_account(http_request *req)
{
    const account_view *me = web_actor(req);
    arena *a = req->a;
    crumb c = {"マイページ", NULL};
    tv *root = web_page(req, "マイページ", &c, 1);
    tv *v = tv_map(a);
    if (!root || !me || !v)
        return -1;
    bool ok = tv_set_str(a, v, "login", me->login) && tv_set_str(a, v, "name", me->name) &&
              tv_set_str(a, v, "email", me->email) &&
              tv_set_str(a, v, "role", account_role_label(me->role)) &&
              tv_set_str(a, v, "member_type",
                         me->member_type == ACCOUNT_TYPE_NONE
                             ? ""
                             : account_member_type_label(me->member_type)) &&
              tv_set_bool(a, v, "staff", account_is_staff(me)) &&
              tv_set_str(a, v, "prev_login_at", web_time_ja(a, me->prev_login_at)) &&
              tv_set_str(a, v, "prev_login_addr", me->prev_login_addr ? me->prev_login_addr : "") &&
              tv_set(a, root, "me", v);
    if (!ok)
        return -1;
    return web_render(req, 200, "account/index.html", root) ? 0 : -1;
}

/* ---- password (3.3.4) ---- */

static int password_page(http_request *req, tv *root)
{
    return web_form_render(req, root, "account/password.html");
}

int web_account_password_form(http_request *req)
{
    tv *root = web_form_page(req, "パスワードの変更", "/account/password");
    return root ? password_page(req, root) : -1;
}

int web_account_password(http_request *req)
{
    const web_auth *w = web_auth_of(req);
    const char *cur = http_form_get(req, "current");
    const char *fresh = http_form_get(req, "password");
    tv *root = web_form_page(req, "パスワードの変更", "/account/password");
    if (!root)
        return -1;
    char err[256];
    if (!cur || !*cur)
        if (!web_form_error(req, root, "pw-current", "現在のパスワードを入力してください"))
            return -1;
    if (!password_acceptable(fresh ? fresh : "", fresh ? strlen(fresh) : 0, err, sizeof err))
        if (!web_form_error(req, root, "pw-new", err))
            return -1;
    if (web_form_has_errors(root))
        return password_page(req, root);
    account_env e;
    web_account_env(req, &e);
    char cookie[TOKEN_CHARS + 1];
    account_rc rc = account_change_password(&e, w->cookie, cur, strlen(cur), fresh, strlen(fresh),
                                            cookie, err, sizeof err);
    if (rc == ACCOUNT_ERROR)
        return -1;
    if (rc != ACCOUNT_OK) {
        if (!web_form_error(req, root, rc == ACCOUNT_WRONG_PASSWORD ? "pw-current" : "pw-new",
                            err))
            return -1;
        return password_page(req, root);
    }
    /* The session was replaced: keep this browser signed in with the new ID. */
    if (!web_set_session_cookie(req, cookie))
        return -1;
    return web_message_page(req, 200, "パスワードを変更しました",
                            "パスワードを変更しました。ほかの端末でのログインは終了しました。",
                            "/account", "マイページへ");
}

/* ---- mail address (3.3.3) ---- */

static int email_page(http_request *req, tv *root)
{
    return web_form_render(req, root, "account/email.html");
}

int web_account_email_form(http_request *req)
{
    tv *root = web_form_page(req, "メールアドレスの変更", "/account/email");
    return root ? email_page(req, root) : -1;
}

int web_account_email(http_request *req)
{
    const char *email = http_form_get(req, "email");
    const char *pw = http_form_get(req, "password");
    tv *root = web_form_page(req, "メールアドレスの変更", "/account/email");
    if (!root || !web_form_keep(req, root, "email", email))
        return -1;
    account_env e;
    web_account_env(req, &e);
    char err[256];
    account_rc rc = account_email_change_request(&e, web_actor(req), pw ? pw : "",
                                                 pw ? strlen(pw) : 0, email ? email : "", err,
                                                 sizeof err);
    if (rc == ACCOUNT_ERROR)
        return -1;
    if (rc != ACCOUNT_OK) {
        if (!web_form_error(req, root, rc == ACCOUNT_WRONG_PASSWORD ? "email-password" : "email-new",
                            err))
            return -1;
        return email_page(req, root);
    }
    return web_message_page(
        req, 200, "確認のメールを送りました",
        "新しいメールアドレスに確認のメールを送りました。メールにあるリンクを開くと、"
        "メールアドレスが変わります。それまでは今のメールアドレスのままです。",
        "/account", "マイページへ");
}

int web_account_email_verify_form(http_request *req)
{
    tv *root = web_form_page(req, "メールアドレスの変更の確認", NULL);
    const char *t = http_query(req, "t");
    if (!root || !web_form_keep(req, root, "t", t ? t : "") ||
        !web_form_keep(req, root, "action", "/account/email/verify") ||
        !web_form_keep(req, root, "text", "次のボタンを押すと、メールアドレスの変更が完了します。") ||
        !web_form_keep(req, root, "button", "変更を完了する"))
        return -1;
    return web_form_render(req, root, "account/confirm_link.html");
}

int web_account_email_verify(http_request *req)
{
    const char *t = http_form_get(req, "t");
    account_env e;
    web_account_env(req, &e);
    char err[256];
    account_rc rc = account_email_change_confirm(&e, t ? t : "", err, sizeof err);
    if (rc == ACCOUNT_ERROR)
        return -1;
    if (rc != ACCOUNT_OK)
        return web_message_page(req, 400, "メールアドレスを変更できませんでした", err, "/account",
                                "マイページへ");
    return web_message_page(req, 200, "メールアドレスを変更しました",
                            "新しいメールアドレスを確認し、変更しました。", "/account",
                            "マイページへ");
}

/* ---- leaving (3.3.7) ---- */

int web_account_delete_form(http_request *req)
{
    tv *root = web_form_page(req, "退会", "/account/delete");
    return root ? web_form_render(req, root, "account/delete.html") : -1;
}

int web_account_delete(http_request *req)
{
    const web_auth *w = web_auth_of(req);
    const char *pw = http_form_get(req, "password");
    account_env e;
    web_account_env(req, &e);
    char err[256];
    account_rc rc =
        account_delete_self(&e, w->cookie, pw ? pw : "", pw ? strlen(pw) : 0, err, sizeof err);
    if (rc == ACCOUNT_ERROR)
        return -1;
    if (rc != ACCOUNT_OK) {
        tv *root = web_form_page(req, "退会", "/account/delete");
        if (!root || !web_form_error(req, root, "delete-password", err))
            return -1;
        return web_form_render(req, root, "account/delete.html");
    }
    if (!web_set_session_cookie(req, NULL))
        return -1;
    return web_message_page(req, 200, "退会しました",
                            "アカウントを削除しました。ご利用ありがとうございました。", "/",
                            "トップページへ");
}
