/*
 * admin_accounts.c - account management and the security log, for system
 * administrators (spec 3.3.6, 3.5; issue points 6 and 8).
 *
 *   GET  /admin/accounts                 the list: filters by role, state, ID
 *   GET  /admin/accounts/{id}            one account and what can be done to it
 *   POST /admin/accounts/{id}/{action}   suspend | resume | unlock | totp-reset |
 *                                        delete | role
 *   GET  /admin/security-log             the security log: filters, pages
 *
 * Every action re-checks in the domain that the actor may manage the target
 * (account_may_manage(): never one's own account, never the last admin).
 */
#include <stdlib.h>
#include <string.h>

#include "domain/security_log.h"
#include "http/response.h"
#include "web/account.h"
#include "web/app.h"
#include "web/auth.h"
#include "tmpl/escape.h"
#include "web/page.h"

static tv *account_tv(http_request *req, const account_view *v)
{
    arena *a = req->a;
    tv *m = tv_map(a);
    bool ok = m && tv_set_int(a, m, "id", (long long)v->id) && tv_set_str(a, m, "login", v->login) &&
              tv_set_str(a, m, "name", v->name) && tv_set_str(a, m, "email", v->email) &&
              tv_set_str(a, m, "role", account_role_name(v->role)) &&
              tv_set_str(a, m, "role_label", account_role_label(v->role)) &&
              tv_set_str(a, m, "type_label",
                         v->member_type == ACCOUNT_TYPE_NONE
                             ? ""
                             : account_member_type_label(v->member_type)) &&
              tv_set_str(a, m, "status", account_status_name(v->status)) &&
              tv_set_str(a, m, "status_label", account_status_label(v->status)) &&
              tv_set_bool(a, m, "locked", v->locked) &&
              tv_set_str(a, m, "locked_until", web_time_ja(a, v->locked_until)) &&
              tv_set_bool(a, m, "totp", v->totp_enrolled) &&
              tv_set_bool(a, m, "staff", v->role != ACCOUNT_ROLE_MEMBER) &&
              tv_set_str(a, m, "last_login_at", web_time_ja(a, v->last_login_at)) &&
              tv_set_str(a, m, "last_login_addr", v->last_login_addr ? v->last_login_addr : "") &&
              tv_set_str(a, m, "created_at", web_time_ja(a, v->created_at));
    return ok ? m : NULL;
}

/* A filter value from the query, only if it is one of the allowed words. */
static const char *filter(http_request *req, const char *name, const char *const *allowed)
{
    const char *v = http_query(req, name);
    for (size_t i = 0; v && allowed[i]; i++)
        if (strcmp(v, allowed[i]) == 0)
            return v;
    return NULL;
}

int web_admin_accounts(http_request *req)
{
    static const char *const roles[] = {"member", "editor", "admin", NULL};
    static const char *const states[] = {"provisional", "active", "suspended", NULL};
    arena *a = req->a;
    account_list_query q = {
        .role = filter(req, "role", roles),
        .status = filter(req, "status", states),
        .login_prefix = http_query(req, "login"),
        .limit = 50,
    };
    const char *before = http_query(req, "before");
    if (before)
        q.before_id = strtoll(before, NULL, 10);
    if (q.login_prefix && !*q.login_prefix)
        q.login_prefix = NULL;
    account_env e;
    web_account_env(req, &e);
    account_list_page page;
    if (account_list(&e, &q, &page) != ACCOUNT_OK)
        return -1;
    crumb c[] = {{"管理画面", "/admin"}, {"アカウント管理", NULL}};
    tv *root = web_page(req, "アカウント管理", c, 2);
    tv *list = tv_list(a), *f = tv_map(a);
    if (!root || !list || !f)
        return -1;
    for (int i = 0; i < page.n; i++)
        if (!tv_push(a, list, account_tv(req, &page.rows[i])))
            return -1;
    const char *next = NULL;
    if (page.next_before > 0) {
        buf b = BUF_INIT;
        buf_init(&b, 1024);
        buf_printf(&b, "/admin/accounts?before=%lld", (long long)page.next_before);
        if (q.role)
            buf_printf(&b, "&role=%s", q.role);
        if (q.status)
            buf_printf(&b, "&status=%s", q.status);
        if (q.login_prefix) {
            buf_puts(&b, "&login=");
            esc_percent(&b, q.login_prefix, strlen(q.login_prefix));
        }
        buf_putc(&b, '\0');
        next = buf_ok(&b) ? arena_strdup(a, b.data) : NULL;
        buf_free(&b);
    }
    bool ok = tv_set(a, root, "accounts", list) && tv_set_str(a, f, "role", q.role ? q.role : "") &&
              tv_set_str(a, f, "status", q.status ? q.status : "") &&
              tv_set_str(a, f, "login", q.login_prefix ? q.login_prefix : "") &&
              tv_set(a, root, "filter", f) && tv_set_str(a, root, "next_url", next ? next : "");
    if (!ok)
        return -1;
    return web_render(req, 200, "admin/accounts.html", root) ? 0 : -1;
}

static int detail_page(http_request *req, int64_t id, const char *done, const char *error)
{
    account_env e;
    web_account_env(req, &e);
    account_view v;
    account_rc rc = account_get(&e, id, &v);
    if (rc == ACCOUNT_NOT_FOUND) {
        http_error(req, 404);
        return 0;
    }
    if (rc != ACCOUNT_OK)
        return -1;
    const account_view *me = web_actor(req);
    crumb c[] = {{"管理画面", "/admin"}, {"アカウント管理", "/admin/accounts"}, {v.login, NULL}};
    tv *root = web_page(req, arena_printf(req->a, "アカウント %s", v.login), c, 3);
    tv *acc = account_tv(req, &v);
    if (!root || !acc || !web_page_form(req, root) || !tv_set(req->a, root, "account", acc) ||
        !tv_set_bool(req->a, root, "manageable",
                     me && me->id != v.id && account_may_manage(me, v.role)) ||
        !tv_set_str(req->a, root, "done", done ? done : "") ||
        !tv_set_str(req->a, root, "error", error ? error : ""))
        return -1;
    return web_render(req, error ? 400 : 200, "admin/account.html", root) ? 0 : -1;
}

int web_admin_account(http_request *req)
{
    int64_t id = web_path_id(req, "id");
    if (!id) {
        http_error(req, 404);
        return 0;
    }
    return detail_page(req, id, NULL, NULL);
}

int web_admin_account_action(http_request *req)
{
    int64_t id = web_path_id(req, "id");
    const char *action = http_param(req, "action");
    const account_view *me = web_actor(req);
    if (!id || !action || !me) {
        http_error(req, 404);
        return 0;
    }
    account_env e;
    web_account_env(req, &e);
    char err[256] = "";
    account_rc rc;
    const char *done;
    if (strcmp(action, "suspend") == 0) {
        rc = account_suspend(&e, me, id, err, sizeof err);
        done = "一時利用停止にしました。ログイン中のセッションは終了しました。";
    } else if (strcmp(action, "resume") == 0) {
        rc = account_resume(&e, me, id, err, sizeof err);
        done = "利用を再開しました。";
    } else if (strcmp(action, "unlock") == 0) {
        rc = account_unlock(&e, me, id, err, sizeof err);
        done = "ロックを解除しました。";
    } else if (strcmp(action, "totp-reset") == 0) {
        rc = account_totp_reset(&e, me, id, err, sizeof err);
        done = "確認コードの設定を解除しました。次のログインで設定し直します。";
    } else if (strcmp(action, "delete") == 0) {
        if (!http_form_get(req, "confirm")) {
            return detail_page(req, id, NULL, "削除するには確認欄にチェックを入れてください。");
        }
        rc = account_delete(&e, me, id, err, sizeof err);
        if (rc == ACCOUNT_OK)
            return web_message_page(req, 200, "アカウントを削除しました",
                                    "アカウントを削除しました。", "/admin/accounts",
                                    "アカウント管理へ");
        done = NULL;
    } else if (strcmp(action, "role") == 0) {
        account_role role;
        account_member_type mt = ACCOUNT_TYPE_NONE;
        const char *r = http_form_get(req, "role");
        const char *t = http_form_get(req, "member_type");
        const char *reason = http_form_get(req, "reason");
        if (!r || !account_role_parse(r, &role))
            return detail_page(req, id, NULL, "権限を選んでください。");
        if (role == ACCOUNT_ROLE_MEMBER && (!t || !account_member_type_parse(t, &mt)))
            mt = ACCOUNT_TYPE_INDIVIDUAL;
        rc = account_set_role(&e, me, id, role, mt, reason ? reason : "", err, sizeof err);
        done = "権限を変更しました。その人のセッションは終了し、次のログインから新しい権限になります。";
    } else {
        http_error(req, 404);
        return 0;
    }
    if (rc == ACCOUNT_ERROR)
        return -1;
    if (rc == ACCOUNT_NOT_FOUND) {
        http_error(req, 404);
        return 0;
    }
    if (rc != ACCOUNT_OK)
        return detail_page(req, id, NULL, err[0] ? err : "この操作はできません。");
    return detail_page(req, id, done, NULL);
}

/* ---- the security log ---- */

int web_admin_security_log(http_request *req)
{
    arena *a = req->a;
    security_event ev;
    const char *event = http_query(req, "event");
    if (event && !security_event_parse(event, &ev))
        event = NULL;
    const char *from_day = http_query(req, "from"), *to_day = http_query(req, "to");
    char from[STORE_TIMESTAMP_LEN] = "", to[STORE_TIMESTAMP_LEN] = "";
    if (from_day && *from_day && !security_log_jst_day(from_day, false, from))
        from_day = NULL;
    if (to_day && *to_day && !security_log_jst_day(to_day, true, to))
        to_day = NULL;
    const char *account = http_query(req, "account");
    const char *before = http_query(req, "before");
    security_log_query q = {
        .event = event,
        .account_id = account ? strtoll(account, NULL, 10) : 0,
        .from = from,
        .to = to,
        .before_id = before ? strtoll(before, NULL, 10) : 0,
        .limit = 100,
    };
    security_log_page page;
    if (security_log_list(req->db, a, &q, &page) != STORE_OK)
        return -1;
    crumb c[] = {{"管理画面", "/admin"}, {"セキュリティログ", NULL}};
    tv *root = web_page(req, "セキュリティログ", c, 2);
    tv *list = tv_list(a), *events = tv_list(a), *f = tv_map(a);
    if (!root || !list || !events || !f)
        return -1;
    for (int i = 0; i < page.n; i++) {
        const store_security_log_entry *r = &page.rows[i];
        security_event e2;
        tv *m = tv_map(a);
        if (!m || !tv_set_str(a, m, "at", web_time_ja(a, r->at)) ||
            !tv_set_str(a, m, "event",
                        security_event_parse(r->event, &e2) ? security_event_label(e2) : r->event) ||
            !tv_set_int(a, m, "account_id", (long long)r->account_id) ||
            !tv_set_int(a, m, "actor_id", (long long)r->actor_id) ||
            !tv_set_str(a, m, "login", r->login) || !tv_set_str(a, m, "addr", r->addr) ||
            !tv_set_str(a, m, "detail", r->detail) || !tv_push(a, list, m))
            return -1;
    }
    for (int i = 0; i < SECURITY_EVENT_COUNT; i++) {
        tv *m = tv_map(a);
        if (!m || !tv_set_str(a, m, "name", security_event_name((security_event)i)) ||
            !tv_set_str(a, m, "label", security_event_label((security_event)i)) ||
            !tv_set_bool(a, m, "selected",
                         event && strcmp(event, security_event_name((security_event)i)) == 0) ||
            !tv_push(a, events, m))
            return -1;
    }
    const char *next = "";
    if (page.next_before > 0)
        next = arena_printf(a, "/admin/security-log?before=%lld%s%s%s%s%s%s",
                            (long long)page.next_before, event ? "&event=" : "",
                            event ? event : "", from_day && *from_day ? "&from=" : "",
                            from_day && *from_day ? from_day : "",
                            to_day && *to_day ? "&to=" : "", to_day && *to_day ? to_day : "");
    bool ok = next && tv_set(a, root, "entries", list) && tv_set(a, root, "events", events) &&
              tv_set_str(a, f, "from", from_day ? from_day : "") &&
              tv_set_str(a, f, "to", to_day ? to_day : "") && tv_set(a, root, "filter", f) &&
              tv_set_str(a, root, "next_url", next);
    if (!ok)
        return -1;
    return web_render(req, 200, "admin/security_log.html", root) ? 0 : -1;
}
