/*
 * admin.c - the staff home of the admin (管理画面): the functions the
 * signed-in staff member's role may use (docs/security/permission-matrix.md).
 */
#include "web/app.h"
#include "web/auth.h"
#include "web/page.h"

typedef struct admin_function {
    const char *label, *url, *text;
    bool admin_only;
} admin_function;

/* Each later screen family adds its line here. */
static const admin_function functions[] = {
    {"アカウント管理", "/admin/accounts",
     "職員と会員のアカウントの一覧、一時利用停止と再開、ロックの解除、削除、権限の変更。", true},
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
    if (!tv_set(a, adm, "functions", list) || !tv_set(a, root, "admin", adm))
        return -1;
    return web_render(req, 200, "admin/index.html", root) ? 0 : -1;
}
