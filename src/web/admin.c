/*
 * admin.c - the staff home of the admin (管理画面): the dashboard of every
 * content type by state (the spec's 団体数集計, 2.7), and the functions the
 * signed-in staff member's role may use (docs/security/permission-matrix.md).
 */
#include "web/app.h"
#include "web/auth.h"
#include "web/content_env.h"
#include "web/page.h"

typedef struct admin_function {
    const char *label, *url, *text;
    bool admin_only;
} admin_function;

/* Each later screen family adds its line here. */
static const admin_function functions[] = {
    {"アカウント管理", "/admin/accounts",
     "職員と会員のアカウントの一覧、一時利用停止と再開、ロックの解除、削除、権限の変更。", true},
    {"メディアライブラリ", "/admin/media",
     "画像や PDF などのファイルの登録と一覧。記事やページに添付できます。", false},
    {"監査ログ", "/admin/audit-log",
     "職員が行った変更（誰が・いつ・何を・変更前と変更後）の記録。", true},
    {"セキュリティログ", "/admin/security-log",
     "ログインの成功と失敗、アカウントのロック、パスワードの再設定、権限の変更などの記録。", true},
    {"自分のアカウント", "/account", "パスワードとメールアドレスの変更。", false},
};

int web_admin_home(http_request *req)
{
    const account_view *me = web_actor(req);
    arena *a = req->a;
    crumb c = {"管理画面", NULL};
    tv *root = web_page(req, "管理画面", &c, 1);
    tv *adm = tv_map(a), *list = tv_list(a);
    if (!root || !adm || !list || !me)
        return -1;
    bool is_admin = account_is_admin(me);
    for (size_t i = 0; i < sizeof functions / sizeof *functions; i++) {
        if (functions[i].admin_only && !is_admin)
            continue;
        tv *f = tv_map(a);
        if (!f || !tv_set_str(a, f, "label", functions[i].label) ||
            !tv_set_str(a, f, "url", functions[i].url) ||
            !tv_set_str(a, f, "text", functions[i].text) || !tv_push(a, list, f))
            return -1;
    }
    /* The dashboard: counts per type x state, each a link to the list. */
    content_env e;
    if (!web_content_env(req, &e))
        return -1;
    int64_t(*counts)[5] = arena_alloc(a, (content_types_count + 1) * sizeof *counts);
    if (!counts || content_counts(&e, counts, content_types_count) != CONTENT_OK)
        return -1;
    static const char *const states[] = {"draft", "review", "published", "archived"};
    tv *types = tv_list(a);
    if (!types)
        return -1;
    for (size_t i = 0; i < content_types_count; i++) {
        const content_type *t = content_types[i];
        tv *row = tv_map(a), *cells = tv_list(a);
        if (!row || !cells || !tv_set_str(a, row, "name", t->name) ||
            !tv_set_str(a, row, "label", t->label) || !tv_set(a, row, "cells", cells) ||
            !tv_set_int(a, row, "trash", (long long)counts[i][4]) || !tv_push(a, types, row))
            return -1;
        for (int s = 0; s < 4; s++) {
            tv *cell = tv_map(a);
            if (!cell || !tv_set_int(a, cell, "n", (long long)counts[i][s]) ||
                !tv_set_str(a, cell, "url",
                            arena_printf(a, "/admin/content/%s?status=%s", t->name, states[s])) ||
                !tv_push(a, cells, cell))
                return -1;
        }
    }
    if (!tv_set(a, adm, "functions", list) || !tv_set(a, adm, "types", types) ||
        !tv_set(a, root, "admin", adm))
        return -1;
    return web_render(req, 200, "admin/index.html", root) ? 0 : -1;
}
