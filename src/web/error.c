/*
 * error.c - error pages in Japanese through the site layout.
 *
 * One table: status -> title and message (STYLE.md "Errors").  The server
 * calls web_error_page() for every error it answers, and handlers reach it
 * through http_error().
 */
#include <stddef.h>
#include <string.h>

#include "http/response.h"
#include "web/account.h"
#include "web/auth.h"

#include "web/app.h"
#include "web/page.h"

typedef struct error_text {
    int status;
    const char *title;
    const char *message;
} error_text;

static const error_text error_texts[] = {
    {400, "リクエストが正しくありません",
     "送信された内容を読み取れませんでした。入力内容や文字コードをご確認のうえ、もう一度お試しください。"},
    {403, "このページを表示する権限がありません",
     "ログインが必要なページか、操作の有効期限が切れています。ページを読み込み直してから、もう一度お試しください。"},
    {404, "ページが見つかりません",
     "お探しのページは移動または削除されたか、アドレスが間違っている可能性があります。"},
    {405, "この方法では利用できません",
     "このページは、その方法でのアクセスには対応していません。"},
    {413, "送信された内容が大きすぎます",
     "添付ファイルや入力内容の大きさが上限を超えています。ファイルを小さくしてから、もう一度お試しください。"},
    {414, "アドレスが長すぎます", "ページのアドレス（URL）が長すぎます。"},
    {415, "この形式には対応していません", "送信された形式を受け付けることができません。"},
    {500, "サーバーで問題が発生しました",
     "申し訳ありません。時間をおいてから、もう一度お試しください。問題が続く場合はセンターまでお問い合わせください。"},
    {503, "ただいま混み合っています",
     "申し訳ありません。時間をおいてから、もう一度お試しください。"},
};

static const error_text *find_text(int status)
{
    for (size_t i = 0; i < sizeof error_texts / sizeof *error_texts; i++)
        if (error_texts[i].status == status)
            return &error_texts[i];
    return &error_texts[sizeof error_texts / sizeof *error_texts - 2]; /* 500 */
}

/* A page view that needs a sign-in: to /login, coming back afterwards. */
static bool to_login(http_request *req)
{
    const char *to = web_with_next(req, "/login", req->path ? req->path : "/", req->query_raw);
    return to && http_redirect_local(req, 303, to);
}

bool web_error_page(http_request *req, int status, const char *allow)
{
    if (status == 303) {
        /* web_authorise(): signed in but the password must be changed first
         * (SEC-15), or not signed in at all. */
        const account_view *me = web_actor(req);
        if (me && me->must_change_password)
            return http_redirect_local(req, 303, "/account/password");
        return to_login(req);
    }
    const error_text *t = find_text(status);
    arena *a = req->a;
    crumb c = {t->title, NULL};
    tv *root = web_page(req, t->title, &c, 1);
    tv *e = tv_map(a);
    if (!root || !e)
        return false;
    if (!tv_set_int(a, e, "status", status) || !tv_set_str(a, e, "title", t->title) ||
        !tv_set_str(a, e, "message", t->message) ||
        (allow && !tv_set_str(a, e, "allow", allow)) || !tv_set(a, root, "error", e))
        return false;
    return web_render(req, status, "error.html", root);
}
