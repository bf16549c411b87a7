/*
 * register.c - member registration and the mailed links (spec 3.3.1,
 * 3.3.5).
 *
 *   GET|POST /register         the form; the account stays provisional
 *   GET  /register/verify?t=   a page with a button (a GET never changes
 *                              anything: mail scanners open links too)
 *   POST /register/verify      opens the link: the account becomes active
 *   GET|POST /password/reset   asks for the address; one answer whether or
 *                              not it is registered
 *   GET  /password/reset?t=    the new-password form for a valid link
 *   POST /password/reset/confirm  sets it; every session of the account ends
 */
#include <string.h>

#include "crypto/password.h"
#include "http/response.h"
#include "web/account.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/page.h"

/* ---- registration ---- */

static int register_page(http_request *req, tv *root)
{
    return web_form_render(req, root, "account/register.html");
}

int web_register_form(http_request *req)
{
    tv *root = web_form_page(req, "会員登録", "/register");
    if (!root || !web_form_keep(req, root, "member_type", "individual"))
        return -1;
    return register_page(req, root);
}

int web_register(http_request *req)
{
    const char *type = http_form_get(req, "member_type");
    const char *login = http_form_get(req, "login");
    const char *name = http_form_get(req, "name");
    const char *email = http_form_get(req, "email");
    const char *password = http_form_get(req, "password");
    const char *agree = http_form_get(req, "agree");
    tv *root = web_form_page(req, "会員登録", "/register");
    if (!root || !web_form_keep(req, root, "member_type", type) ||
        !web_form_keep(req, root, "login", login) || !web_form_keep(req, root, "name", name) ||
        !web_form_keep(req, root, "email", email))
        return -1;

    account_member_type mt = ACCOUNT_TYPE_NONE;
    char err[256];
    /* Each field is checked here so that every mistake is listed at once;
     * account_register() checks them all again. */
    if (!type || !account_member_type_parse(type, &mt) || mt == ACCOUNT_TYPE_NONE)
        if (!web_form_error(req, root, "reg-type-individual", "会員の種別を選んでください"))
            return -1;
    if (!name || !*name)
        if (!web_form_error(req, root, "reg-name", "氏名・団体名を入力してください"))
            return -1;
    if (!account_login_valid(login ? login : "", err, sizeof err))
        if (!web_form_error(req, root, "reg-login", err))
            return -1;
    if (!email || !*email)
        if (!web_form_error(req, root, "reg-email", "メールアドレスを入力してください"))
            return -1;
    if (!password_acceptable(password ? password : "", password ? strlen(password) : 0, err,
                             sizeof err))
        if (!web_form_error(req, root, "reg-password", err))
            return -1;
    if (!agree)
        if (!web_form_error(req, root, "reg-agree", "利用規約への同意が必要です"))
            return -1;
    if (web_form_has_errors(root))
        return register_page(req, root);

    account_env e;
    web_account_env(req, &e);
    account_new n = {
        .login = login,
        .password = password,
        .password_len = strlen(password),
        .email = email,
        .name = name,
        .role = ACCOUNT_ROLE_MEMBER,
        .member_type = mt,
    };
    app *ap = req->app;
    account_rc rc = account_register(&e, &n, ap->cfg.centre_bcc, NULL, err, sizeof err);
    if (rc == ACCOUNT_ERROR)
        return -1;
    if (rc != ACCOUNT_OK) {
        /* ACCOUNT_TAKEN (3.3.2) or a rule: the message says which */
        const char *field = strstr(err, "メール") ? "reg-email" : "reg-login";
        if (!web_form_error(req, root, field, err))
            return -1;
        return register_page(req, root);
    }
    return web_message_page(
        req, 200, "確認のメールを送りました",
        "ご登録のメールアドレスに、登録を確認するためのメールを送りました。"
        "メールにあるリンクを開くと登録が完了します（24 時間以内に開いてください）。"
        "メールが届かない場合は、迷惑メールのフォルダーもご確認ください。",
        "/", "トップページへ");
}

/* GET: a confirmation button, so that opening the mail is not yet using it. */
static int token_page(http_request *req, const char *title, const char *action, const char *token,
                      const char *text, const char *button)
{
    tv *root = web_form_page(req, title, NULL);
    if (!root || !web_form_keep(req, root, "t", token ? token : "") ||
        !web_form_keep(req, root, "action", action) || !web_form_keep(req, root, "text", text) ||
        !web_form_keep(req, root, "button", button))
        return -1;
    return web_form_render(req, root, "account/confirm_link.html");
}

int web_register_verify_form(http_request *req)
{
    return token_page(req, "会員登録の確認", "/register/verify", http_query(req, "t"),
                      "次のボタンを押すと、会員登録が完了します。", "登録を完了する");
}

int web_register_verify(http_request *req)
{
    const char *t = http_form_get(req, "t");
    account_env e;
    web_account_env(req, &e);
    char err[256];
    account_rc rc = account_verify(&e, t ? t : "", NULL, err, sizeof err);
    if (rc == ACCOUNT_ERROR)
        return -1;
    if (rc != ACCOUNT_OK)
        return web_message_page(req, 400, "登録を完了できませんでした", err, "/register",
                                "もう一度登録する");
    return web_message_page(req, 200, "会員登録が完了しました",
                            "メールアドレスを確認しました。ログインしてご利用ください。",
                            "/login", "ログインする");
}

/* ---- password reset (3.3.5) ---- */

static int reset_new_password_page(http_request *req, const char *token, const char *message)
{
    tv *root = web_form_page(req, "新しいパスワードの設定", "/password/reset");
    if (!root || !web_form_keep(req, root, "t", token))
        return -1;
    if (message && !web_form_error(req, root, "reset-password", message))
        return -1;
    return web_form_render(req, root, "account/reset_new.html");
}

int web_reset_form(http_request *req)
{
    const char *t = http_query(req, "t");
    if (t) {
        account_env e;
        web_account_env(req, &e);
        char err[256];
        account_rc rc = account_reset_check(&e, t, err, sizeof err);
        if (rc == ACCOUNT_ERROR)
            return -1;
        if (rc != ACCOUNT_OK)
            return web_message_page(req, 400, "このリンクは使えません", err, "/password/reset",
                                    "もう一度手続きする");
        return reset_new_password_page(req, t, NULL);
    }
    tv *root = web_form_page(req, "パスワードの再設定", "/password/reset");
    if (!root)
        return -1;
    return web_form_render(req, root, "account/reset_request.html");
}

int web_reset(http_request *req)
{
    const char *email = http_form_get(req, "email");
    account_env e;
    web_account_env(req, &e);
    char err[256];
    account_rc rc = account_reset_request(&e, email ? email : "", err, sizeof err);
    if (rc == ACCOUNT_ERROR)
        return -1;
    if (rc == ACCOUNT_INVALID) {
        tv *root = web_form_page(req, "パスワードの再設定", "/password/reset");
        if (!root || !web_form_keep(req, root, "email", email) ||
            !web_form_error(req, root, "reset-email", err))
            return -1;
        return web_form_render(req, root, "account/reset_request.html");
    }
    /* The same answer whether or not the address is registered. */
    return web_message_page(
        req, 200, "再設定のご案内を送りました",
        "入力されたメールアドレスが登録されている場合は、パスワードを再設定するためのメールを"
        "送りました。メールにあるリンクは 30 分間有効です。",
        "/login", "ログイン画面へ");
}

int web_reset_complete(http_request *req)
{
    const char *t = http_form_get(req, "t");
    const char *password = http_form_get(req, "password");
    char err[256];
    if (!password_acceptable(password ? password : "", password ? strlen(password) : 0, err,
                             sizeof err))
        return reset_new_password_page(req, t ? t : "", err);
    account_env e;
    web_account_env(req, &e);
    account_rc rc =
        account_reset_complete(&e, t ? t : "", password, strlen(password), err, sizeof err);
    if (rc == ACCOUNT_ERROR)
        return -1;
    if (rc == ACCOUNT_TOKEN_BAD)
        return web_message_page(req, 400, "このリンクは使えません", err, "/password/reset",
                                "もう一度手続きする");
    if (rc != ACCOUNT_OK)
        return reset_new_password_page(req, t ? t : "", err);
    return web_message_page(req, 200, "パスワードを設定しました",
                            "新しいパスワードでログインしてください。", "/login", "ログインする");
}
