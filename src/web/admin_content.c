/*
 * admin_content.c - the staff CMS screens every content type shares.  See
 * admin_content.h.  Everything type-specific comes from the descriptor
 * table (content/types.c) through the field engine (content/field.h); the
 * rules of the workflow are domain/content.c's.
 */
#include "web/admin_content.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/utf8.h"
#include "http/response.h"
#include "tmpl/escape.h"
#include "web/account.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/content_env.h"
#include "web/content_public.h"
#include "web/media.h"
#include "web/page.h"

#define LIST_PER_PAGE 25
#define SLUG_MAX 64
/* Files offered in a form's file and image pickers: the newest ones. */
#define MEDIA_CHOICES 200

/* ---- small helpers ---- */

/* The text of a string value, "" for anything else. */
static const char *text_of(const tv *v)
{
    const char *s = tv_text(v, NULL);
    return s ? s : "";
}

static int not_found(http_request *req)
{
    http_error(req, 404);
    return 0;
}

/* "2026-11-23T03:04:05Z" (UTC) as the "2026-11-23T12:04" a datetime-local
 * input shows in JST; "" for NULL or malformed. */
static const char *ts_to_local(arena *a, const char *ts)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!ts || !strptime(ts, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return "";
    time_t t = timegm(&tm) + 9 * 3600;
    struct tm j;
    gmtime_r(&t, &j);
    return arena_printf(a, "%04d-%02d-%02dT%02d:%02d", j.tm_year + 1900, j.tm_mon + 1, j.tm_mday,
                        j.tm_hour, j.tm_min);
}

/* The reverse: a datetime-local value in JST as a stored UTC timestamp.
 * NULL for "" (no schedule); *bad set when s is not such a value. */
static const char *local_to_ts(arena *a, const char *s, bool *bad)
{
    if (!s || !*s)
        return NULL;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%Y-%m-%dT%H:%M", &tm);
    if (end && *end == ':') /* seconds, as some browsers send */
        end = strptime(end, ":%S", &tm);
    if (!end || *end || tm.tm_year < 100 || tm.tm_year > 8000) {
        *bad = true;
        return NULL;
    }
    char out[STORE_TIMESTAMP_LEN];
    store_timestamp_at((int64_t)timegm(&tm) - 9 * 3600, out);
    return arena_strdup(a, out);
}

static const char *item_url(http_request *req, const content_type *t, int64_t id)
{
    return arena_printf(req->a, "/admin/content/%s/%lld", t->name, (long long)id);
}

static bool type_tv(http_request *req, tv *root, const content_type *t)
{
    tv *m = tv_map(req->a);
    return m && tv_set_str(req->a, m, "name", t->name) && tv_set_str(req->a, m, "label", t->label) &&
           tv_set_bool(req->a, m, "has_slug", t->public_path && strcmp(t->name, "page") == 0) &&
           tv_set_bool(req->a, m, "slots", t->singleton_slots) &&
           tv_set_str(req->a, m, "public_path", t->public_path ? t->public_path : "") &&
           tv_set(req->a, root, "type", m);
}

static const char *status_class(content_status s)
{
    static const char *const c[] = {"status-draft", "status-review", "status-published",
                                    "status-archived"};
    return (unsigned)s < 4 ? c[s] : "";
}

/* The summary of an item for lists and the edit screen. */
static tv *item_tv(http_request *req, const content_item *it)
{
    arena *a = req->a;
    tv *m = tv_map(a);
    char now[STORE_TIMESTAMP_LEN];
    store_timestamp(now);
    bool scheduled = it->status == CONTENT_PUBLISHED && it->publish_at &&
                     strcmp(it->publish_at, now) > 0;
    bool expired = it->status == CONTENT_PUBLISHED && it->unpublish_at &&
                   strcmp(it->unpublish_at, now) <= 0;
    const char *label = scheduled ? "公開予定" : expired ? "公開終了（予定到達）"
                                                       : content_status_label(it->status);
    bool ok = m && tv_set_int(a, m, "id", (long long)it->id) &&
              tv_set_str(a, m, "title", it->title && *it->title ? it->title : "（題名なし）") &&
              tv_set_str(a, m, "status", content_status_name(it->status)) &&
              tv_set_str(a, m, "status_label", label) &&
              tv_set_str(a, m, "status_class", status_class(it->status)) &&
              tv_set_int(a, m, "rev", it->rev) && tv_set_int(a, m, "live_id", (long long)it->live_id) &&
              tv_set_int(a, m, "staged_id", (long long)it->staged_id) &&
              tv_set_str(a, m, "url", item_url(req, it->type, it->id)) &&
              tv_set_str(a, m, "updated_at", web_time_ja(a, it->updated_at)) &&
              tv_set_str(a, m, "updated_by", it->updated_by_name ? it->updated_by_name : "") &&
              tv_set_str(a, m, "created_at", web_time_ja(a, it->created_at)) &&
              tv_set_str(a, m, "published_at", web_time_ja(a, it->published_at)) &&
              tv_set_str(a, m, "publish_at", web_time_ja(a, it->publish_at)) &&
              tv_set_str(a, m, "unpublish_at", web_time_ja(a, it->unpublish_at)) &&
              tv_set_str(a, m, "submitted_by", it->submitted_by_name ? it->submitted_by_name : "") &&
              tv_set_str(a, m, "comment", it->comment ? it->comment : "") &&
              tv_set_str(a, m, "slug", it->slug ? it->slug : "") &&
              tv_set_bool(a, m, "trashed", it->trashed_at != NULL) &&
              tv_set_bool(a, m, "scheduled", scheduled);
    return ok ? m : NULL;
}

/* ---- the list ---- */

static const char *query_word(http_request *req, const char *name, const char *const *allowed)
{
    const char *v = http_query(req, name);
    for (size_t i = 0; v && allowed[i]; i++)
        if (strcmp(v, allowed[i]) == 0)
            return v;
    return NULL;
}

/* The list URL with the current filters and page p. */
static const char *list_url(http_request *req, const content_type *t, const char *status,
                            const char *q, const char *sort, bool asc, bool trash, int p)
{
    buf b = BUF_INIT;
    buf_init(&b, 4096);
    buf_printf(&b, "/admin/content/%s?page=%d", t->name, p);
    if (status)
        buf_printf(&b, "&status=%s", status);
    if (trash)
        buf_puts(&b, "&trash=1");
    if (sort)
        buf_printf(&b, "&sort=%s", sort);
    if (asc)
        buf_puts(&b, "&order=asc");
    if (q && *q) {
        buf_puts(&b, "&q=");
        esc_percent(&b, q, strlen(q));
    }
    buf_putc(&b, '\0');
    const char *s = buf_ok(&b) ? arena_strdup(req->a, b.data) : NULL;
    buf_free(&b);
    return s;
}

int web_admin_content_list(http_request *req)
{
    static const char *const statuses[] = {"draft", "review", "published", "archived", NULL};
    static const char *const sorts[] = {"updated", "title", "published", "created", NULL};
    const content_type *t = web_content_type(req);
    if (!t)
        return not_found(req);
    content_env e;
    if (!web_content_env(req, &e))
        return -1;
    arena *a = req->a;
    const char *status = query_word(req, "status", statuses);
    const char *sort = query_word(req, "sort", sorts);
    const char *order = http_query(req, "order");
    bool asc = order && strcmp(order, "asc") == 0;
    bool trash = http_query(req, "trash") != NULL;
    const char *q = http_query(req, "q");
    if (q && utf8_count(q, strlen(q)) > 100)
        q = NULL;
    const char *ps = http_query(req, "page");
    int page = ps ? atoi(ps) : 1;
    if (page < 1 || page > 100000)
        page = 1;
    content_status st;
    content_list_query lq = {
        .type = t,
        .status = status && content_status_parse(status, &st) ? (int)st : -1,
        .trash = trash,
        .q = q && *q ? q : NULL,
        .sort = sort,
        .asc = asc,
        .page = page,
        .per_page = LIST_PER_PAGE,
    };
    content_list list;
    if (content_list_staff(&e, &lq, &list) != CONTENT_OK)
        return -1;
    const char *title = arena_printf(a, "%s%s", t->label, trash ? "（ゴミ箱）" : "の一覧");
    crumb c[] = {{"管理画面", "/admin"}, {title, NULL}};
    tv *root = web_page(req, title, c, 2);
    tv *items = tv_list(a), *f = tv_map(a);
    if (!root || !items || !f || !type_tv(req, root, t))
        return -1;
    for (int i = 0; i < list.n; i++)
        if (!tv_push(a, items, item_tv(req, &list.items[i])))
            return -1;
    int pages = (int)((list.total + LIST_PER_PAGE - 1) / LIST_PER_PAGE);
    bool ok = tv_set(a, root, "items", items) && tv_set_int(a, root, "total", (long long)list.total) &&
              tv_set_str(a, f, "status", status ? status : "") &&
              tv_set_str(a, f, "q", q ? q : "") && tv_set_str(a, f, "sort", sort ? sort : "updated") &&
              tv_set_str(a, f, "order", asc ? "asc" : "desc") && tv_set_bool(a, f, "trash", trash) &&
              tv_set(a, root, "filter", f) && tv_set_int(a, root, "page_no", page) &&
              tv_set_int(a, root, "pages", pages) && tv_set_bool(a, root, "paged", pages > 1) &&
              tv_set_str(a, root, "prev_url",
                         page > 1 ? list_url(req, t, status, q, sort, asc, trash, page - 1) : "") &&
              tv_set_str(a, root, "next_url",
                         page < pages ? list_url(req, t, status, q, sort, asc, trash, page + 1)
                                      : "");
    if (!ok)
        return -1;
    return web_render(req, 200, "admin/content_list.html", root) ? 0 : -1;
}

/* ---- the form ---- */

/* The schedule, URL and menu fields a form carries besides the record. */
typedef struct meta_form {
    content_meta meta;
    const char *publish_local, *unpublish_local, *order_text; /* as typed */
} meta_form;

static void meta_from_item(http_request *req, const content_item *it, meta_form *m)
{
    memset(m, 0, sizeof *m);
    m->meta.slug = it->slug;
    m->meta.publish_at = it->publish_at;
    m->meta.unpublish_at = it->unpublish_at;
    m->meta.menu = it->menu;
    m->meta.menu_order = it->menu_order;
    m->publish_local = ts_to_local(req->a, it->publish_at);
    m->unpublish_local = ts_to_local(req->a, it->unpublish_at);
    m->order_text = arena_printf(req->a, "%d", it->menu_order);
}

static bool slug_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SLUG_MAX || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return false;
    return true;
}

/* Reads and checks the meta inputs; errors go to root. */
static bool meta_from_form(http_request *req, const content_type *t, tv *root, meta_form *m)
{
    memset(m, 0, sizeof *m);
    bool ok = true;
    bool bad = false;
    m->publish_local = http_form_get(req, "_publish_at");
    m->unpublish_local = http_form_get(req, "_unpublish_at");
    m->meta.publish_at = local_to_ts(req->a, m->publish_local, &bad);
    if (bad) {
        ok = web_form_error(req, root, "meta-publish-at",
                            "公開開始日時は「2026-04-01 09:00」のように入力してください。") &&
             false;
        bad = false;
    }
    m->meta.unpublish_at = local_to_ts(req->a, m->unpublish_local, &bad);
    if (bad)
        ok = web_form_error(req, root, "meta-unpublish-at",
                            "公開終了日時は「2026-04-30 17:00」のように入力してください。") &&
             false;
    if (m->meta.publish_at && m->meta.unpublish_at &&
        strcmp(m->meta.publish_at, m->meta.unpublish_at) >= 0)
        ok = web_form_error(req, root, "meta-unpublish-at",
                            "公開終了日時は公開開始日時より後にしてください。") &&
             false;
    if (t == &content_type_page) {
        const char *slug = http_form_get(req, "_slug");
        m->meta.slug = slug && *slug ? slug : NULL;
        if (!m->meta.slug)
            ok = web_form_error(req, root, "meta-slug", "ページの URL を入力してください。") &&
                 false;
        else if (!slug_ok(slug))
            ok = web_form_error(req, root, "meta-slug",
                                "ページの URL は半角の英小文字・数字・ハイフン（64 文字まで）で入力してください。") &&
                 false;
        const char *menu = http_form_get(req, "_menu");
        m->meta.menu = NULL;
        for (size_t i = 0; menu && content_page_menus[i][0]; i++)
            if (strcmp(menu, content_page_menus[i][0]) == 0)
                m->meta.menu = *menu ? content_page_menus[i][0] : NULL;
        m->order_text = http_form_get(req, "_menu_order");
        const char *o = m->order_text;
        char *end = NULL;
        long v = o && *o ? strtol(o, &end, 10) : 0;
        if (o && *o && (*end || v < 0 || v > 9999))
            ok = web_form_error(req, root, "meta-menu-order",
                                "メニューの並び順は 0～9999 の数字で入力してください。") &&
                 false;
        m->meta.menu_order = (int)v;
    }
    return ok;
}

static bool meta_tv(http_request *req, tv *root, const content_type *t, const meta_form *m)
{
    arena *a = req->a;
    tv *mt = tv_map(a), *menus = tv_list(a);
    if (!mt || !menus)
        return false;
    for (size_t i = 0; t == &content_type_page && content_page_menus[i][0]; i++) {
        tv *o = tv_map(a);
        const char *cur = m->meta.menu ? m->meta.menu : "";
        if (!o || !tv_set_str(a, o, "value", content_page_menus[i][0]) ||
            !tv_set_str(a, o, "label", content_page_menus[i][1]) ||
            !tv_set_bool(a, o, "selected", strcmp(cur, content_page_menus[i][0]) == 0) ||
            !tv_push(a, menus, o))
            return false;
    }
    const char *menu_label = "";
    for (size_t i = 0; m->meta.menu && content_page_menus[i][0]; i++)
        if (strcmp(m->meta.menu, content_page_menus[i][0]) == 0)
            menu_label = content_page_menus[i][1];
    return tv_set_str(a, mt, "slug", m->meta.slug ? m->meta.slug : "") &&
           tv_set_str(a, mt, "publish_at", m->publish_local ? m->publish_local : "") &&
           tv_set_str(a, mt, "unpublish_at", m->unpublish_local ? m->unpublish_local : "") &&
           tv_set_str(a, mt, "publish_at_ja", web_time_ja(a, m->meta.publish_at)) &&
           tv_set_str(a, mt, "unpublish_at_ja", web_time_ja(a, m->meta.unpublish_at)) &&
           tv_set_str(a, mt, "menu", m->meta.menu ? m->meta.menu : "") &&
           tv_set_str(a, mt, "menu_label", menu_label) &&
           tv_set_str(a, mt, "menu_order", m->order_text ? m->order_text : "0") &&
           tv_set(a, mt, "menus", menus) && tv_set(a, root, "meta", mt);
}

/* The edit (or new) page: the form with rec, meta and errs. */
static int form_page(http_request *req, const content_type *t, const content_item *it, int v,
                     const record *rec, const meta_form *m, const field_errors *errs, tv *root,
                     const char *notice)
{
    content_env e;
    if (!web_content_env(req, &e))
        return -1;
    arena *a = req->a;
    for (size_t i = 0; errs && i < errs->n; i++)
        if (!web_form_error(req, root, errs->e[i].id, errs->e[i].message))
            return -1;
    /* The media library's newest files for the file and image pickers. */
    tv *fields = field_form_view(&e.fields, t, v, rec, errs);
    tv *files = web_media_choices(req, false, MEDIA_CHOICES);
    tv *images = web_media_choices(req, true, MEDIA_CHOICES);
    if (!fields || !files || !images || !field_form_view_set_media(a, fields, files, images) ||
        !tv_set(a, root, "fields", fields) ||
        !type_tv(req, root, t) || !meta_tv(req, root, t, m) ||
        !tv_set_str(a, root, "action",
                    it ? item_url(req, t, it->id) : arena_printf(a, "/admin/content/%s/new", t->name)) ||
        !tv_set_int(a, root, "base_rev", it ? it->rev : 0) ||
        !tv_set_str(a, root, "variant", t->variants ? t->variants[v] : "") ||
        !tv_set_str(a, root, "notice", notice ? notice : "") ||
        !tv_set_bool(a, root, "show_form", !it || !it->trashed_at))
        return -1;
    if (it) {
        tv *iv = item_tv(req, it);
        if (!iv || !tv_set(a, root, "item", iv))
            return -1;
    }
    return web_form_render(req, root, "admin/content_edit.html");
}

/* The actions the actor may take on it, as buttons. */
static tv *actions_tv(http_request *req, const content_env *e, const content_item *it)
{
    static const content_action order[] = {
        CONTENT_SUBMIT, CONTENT_APPROVE,   CONTENT_SEND_BACK, CONTENT_PULL_BACK, CONTENT_ARCHIVE,
        CONTENT_REOPEN, CONTENT_DUPLICATE, CONTENT_RESTORE,   CONTENT_TRASH,     CONTENT_PURGE,
    };
    const account_view *me = web_actor(req);
    arena *a = req->a;
    tv *list = tv_list(a);
    if (!list)
        return NULL;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!content_may(e, me, it, order[i], NULL, 0))
            continue;
        tv *b = tv_map(a);
        bool danger = order[i] == CONTENT_TRASH || order[i] == CONTENT_PURGE;
        if (!b || !tv_set_str(a, b, "name", content_action_name(order[i])) ||
            !tv_set_str(a, b, "label", content_action_label(order[i])) ||
            !tv_set_bool(a, b, "comment", order[i] == CONTENT_SEND_BACK) ||
            !tv_set_bool(a, b, "danger", danger) ||
            !tv_set_bool(a, b, "primary", order[i] == CONTENT_SUBMIT || order[i] == CONTENT_APPROVE) ||
            !tv_push(a, list, b))
            return NULL;
    }
    return list;
}

static const char *done_message(const char *done)
{
    static const struct {
        const char *key, *text;
    } m[] = {
        {"created", "作成しました（下書き）。"},
        {"saved", "保存しました。"},
        {"staged", "差し替え用の下書きとして保存しました。承認されるまで公開中の内容は変わりません。"},
        {"restored", "指定の版の内容に戻しました。"},
        {"submit", "確認に回しました。承認する職員にメールで知らせました。"},
        {"pull-back", "引き戻しました。下書きに戻っています。"},
        {"send-back", "差し戻しました。確認に回した職員にメールで知らせました。"},
        {"approve", "承認しました。"},
        {"archive", "公開を終了しました。"},
        {"reopen", "下書きに戻しました。"},
        {"duplicate", "複製しました。これは複製された新しい下書きです。"},
        {"trash", "ゴミ箱へ移しました。"},
        {"restore", "ゴミ箱から戻しました。"},
    };
    for (size_t i = 0; done && i < sizeof m / sizeof m[0]; i++)
        if (strcmp(done, m[i].key) == 0)
            return m[i].text;
    return "";
}

/* A root view with crumbs, the CSRF token and empty errors, ferr and form. */
static tv *form_root(http_request *req, const char *title, const crumb *c, size_t n)
{
    arena *a = req->a;
    tv *root = web_page(req, title, c, n);
    if (!root || !web_page_form(req, root) || !tv_set(a, root, "errors", tv_list(a)) ||
        !tv_set(a, root, "ferr", tv_map(a)) || !tv_set(a, root, "form", tv_map(a)))
        return NULL;
    return root;
}

/* The root of the new-item form. */
static tv *new_root(http_request *req, const content_type *t)
{
    const char *title = arena_printf(req->a, "%sの新規作成", t->label);
    crumb c[] = {{"管理画面", "/admin"},
                 {t->label, arena_printf(req->a, "/admin/content/%s", t->name)},
                 {"新規作成", NULL}};
    return title ? form_root(req, title, c, 3) : NULL;
}

static int edit_page(http_request *req, const content_type *t, content_item *it,
                     const record *rec, const meta_form *m, const field_errors *errs,
                     const char *action_error, const char *comment)
{
    content_env e;
    if (!web_content_env(req, &e))
        return -1;
    arena *a = req->a;
    const account_view *me = web_actor(req);
    const char *title = arena_printf(a, "%s「%s」の編集", t->label, it->title);
    crumb c[] = {{"管理画面", "/admin"},
                 {t->label, arena_printf(a, "/admin/content/%s", t->name)},
                 {it->title && *it->title ? it->title : "（題名なし）", NULL}};
    tv *root = title ? form_root(req, title, c, 3) : NULL;
    if (!root || !tv_set_str(a, root, "comment", comment ? comment : ""))
        return -1;
    if (action_error && !tv_set_str(a, root, "action_error", action_error))
        return -1;
    tv *acts = actions_tv(req, &e, it);
    if (!acts || !tv_set(a, root, "actions", acts))
        return -1;
    if (it->lock_by && me && it->lock_by != me->id) {
        tv *lk = tv_map(a);
        if (!lk || !tv_set_str(a, lk, "name", it->lock_by_name ? it->lock_by_name : "") ||
            !tv_set_str(a, lk, "since", web_time_ja(a, it->lock_at)) || !tv_set(a, root, "lock", lk))
            return -1;
    }
    if (
        !tv_set_bool(a, root, "published_live", it->status == CONTENT_PUBLISHED && !it->live_id) ||
        !tv_set_str(a, root, "live_url", it->live_id ? item_url(req, t, it->live_id) : "") ||
        !tv_set_str(a, root, "public_url",
                    it->status != CONTENT_PUBLISHED || !t->public_path ? ""
                    : t->list_only                                   ? t->public_path
                    : it->slug ? arena_printf(a, "%s/%s", t->public_path, it->slug)
                               : arena_printf(a, "%s/%lld", t->public_path, (long long)it->id)))
        return -1;
    return form_page(req, t, it, it->variant, rec, m, errs, root,
                     done_message(http_query(req, "done")));
}

/* The item the path names ({type}/{id}) into *t, *e and *it: 1 when found;
 * 0 when the 404 page was given; -1 on an error. */
static int load_item(http_request *req, const content_type **t, content_env *e, content_item *it)
{
    *t = web_content_type(req);
    int64_t id = web_path_id(req, "id");
    if (!*t || !id)
        return not_found(req);
    if (!web_content_env(req, e))
        return -1;
    content_rc rc = content_get(e, *t, id, it);
    if (rc == CONTENT_NOT_FOUND)
        return not_found(req);
    return rc == CONTENT_OK ? 1 : -1;
}

int web_admin_content_edit(http_request *req)
{
    const content_type *t;
    content_env e;
    content_item it;
    int found = load_item(req, &t, &e, &it);
    if (found <= 0)
        return found;
    /* A published item with a staged copy is edited through the copy. */
    if (it.status == CONTENT_PUBLISHED && it.staged_id) {
        http_redirect_local(req, 303, item_url(req, t, it.staged_id));
        return 0;
    }
    const account_view *me = web_actor(req);
    if (!it.trashed_at && content_lock(&e, me, &it) != CONTENT_OK)
        log_error("content %lld: the edit lock was not taken", (long long)it.id);
    meta_form m;
    meta_from_item(req, &it, &m);
    return edit_page(req, t, &it, &it.rec, &m, NULL, NULL, NULL);
}

int web_admin_content_new_form(http_request *req)
{
    const content_type *t = web_content_type(req);
    if (!t)
        return not_found(req);
    int v = t->variants ? content_variant(t, http_query(req, "variant")) : 0;
    if (v < 0)
        v = 0;
    tv *root = new_root(req, t);
    if (!root)
        return -1;
    record rec;
    record_init(&rec, req->a);
    meta_form m;
    memset(&m, 0, sizeof m);
    m.order_text = "0";
    return form_page(req, t, NULL, v, &rec, &m, NULL, root, NULL);
}

/* ---- the confirmation screen ---- */

static int confirm_page(http_request *req, const content_type *t, const content_item *it, int v,
                        const record *rec, const meta_form *m)
{
    content_env e;
    if (!web_content_env(req, &e))
        return -1;
    arena *a = req->a;
    const char *title = arena_printf(a, "%sの内容の確認", t->label);
    crumb c[] = {{"管理画面", "/admin"},
                 {t->label, arena_printf(a, "/admin/content/%s", t->name)},
                 {"内容の確認", NULL}};
    tv *root = web_page(req, title, c, 3);
    buf b = BUF_INIT;
    buf_init(&b, 64 * 1024 * 1024);
    bool enc = record_encode(rec, &b);
    buf_putc(&b, '\0');
    const char *encoded = enc && buf_ok(&b) ? arena_strdup(a, b.data ? b.data : "") : NULL;
    buf_free(&b);
    tv *view = field_display_view(&e.fields, t, v, rec);
    if (!root || !encoded || !view || !web_page_form(req, root) || !type_tv(req, root, t) ||
        !meta_tv(req, root, t, m) || !tv_set(a, root, "view", view) ||
        !tv_set_str(a, root, "record", encoded) ||
        !tv_set_str(a, root, "action",
                    it ? item_url(req, t, it->id) : arena_printf(a, "/admin/content/%s/new", t->name)) ||
        !tv_set_int(a, root, "base_rev", it ? it->rev : 0) ||
        !tv_set_str(a, root, "variant", t->variants ? t->variants[v] : "") ||
        !tv_set_bool(a, root, "published_live",
                     it && it->status == CONTENT_PUBLISHED && !it->live_id))
        return -1;
    return web_render(req, 200, "admin/content_confirm.html", root) ? 0 : -1;
}

/* The POST of the form, the confirmation screen's buttons included:
 *   _step = "check"   (the form's button)    check; confirmation or errors
 *   _step = "back"    (confirmation screen)  the form again, as typed
 *   _step = "save"    (confirmation screen)  check again and store
 * The confirmation screen carries the record in one hidden input, _record,
 * encoded as stored (content/record.h); it is checked again before saving,
 * since it came back from the browser. */
static int handle_post(http_request *req, const content_type *t, content_item *it)
{
    content_env e;
    if (!web_content_env(req, &e))
        return -1;
    arena *a = req->a;
    const account_view *me = web_actor(req);
    const char *step = http_form_get(req, "_step");
    if (!step)
        step = "check";
    int v = it ? it->variant : 0;
    if (!it && t->variants) {
        v = content_variant(t, http_form_get(req, "_variant"));
        if (v < 0)
            v = 0;
    }
    record rec;
    record_init(&rec, a);
    const char *encoded = http_form_get(req, "_record");
    if (strcmp(step, "check") != 0 && encoded) {
        /* Browsers send the line ends of a form value as CRLF; the record
         * text has LF only (a CR in a value is written "\\r"). */
        char *lf = arena_strdup(a, encoded);
        if (!lf)
            return -1;
        size_t n = 0;
        for (const char *p = lf; *p; p++)
            if (!(p[0] == '\r' && p[1] == '\n'))
                lf[n++] = *p;
        lf[n] = '\0';
        encoded = lf;
        if (!record_decode(&rec, encoded, strlen(encoded))) {
            http_error(req, 400);
            return 0;
        }
    } else {
        field_input in;
        web_field_input(req, &in);
        if (!field_read_form(&e.fields, t, v, &in, &rec))
            return -1;
    }
    /* A scratch root collects the meta errors; the real page copies them. */
    tv *scratch = web_form_page(req, "", NULL);
    if (!scratch)
        return -1;
    meta_form m;
    bool meta_ok = meta_from_form(req, t, scratch, &m);
    field_errors errs = {0};
    bool fields_ok = field_validate(&e.fields, t, v, &rec, &errs);
    if (!fields_ok && errs.n == 0)
        return -1;
    /* Meta errors join the field errors, in form order (they come last). */
    const tv *merr = tv_get(scratch, "errors");
    for (size_t i = 0; i < tv_len(merr); i++) {
        const tv *x = tv_at(merr, i);
        const char *fid = text_of(tv_get(x, "field_id"));
        if (!field_error_add(a, &errs, fid, text_of(tv_get(x, "message"))))
            return -1;
        errs.e[errs.n - 1].id = arena_strdup(a, fid);
    }
    bool ok = fields_ok && meta_ok;
    int base_rev = 0;
    const char *br = http_form_get(req, "_rev");
    if (br)
        base_rev = atoi(br);
    if (strcmp(step, "back") == 0 || !ok || strcmp(step, "save") != 0) {
        if (ok && strcmp(step, "check") == 0)
            return confirm_page(req, t, it, v, &rec, &m);
        if (it) {
            it->rev = base_rev ? base_rev : it->rev;
            return edit_page(req, t, it, &rec, &m, ok ? NULL : &errs, NULL, NULL);
        }
        tv *root = new_root(req, t);
        if (!root)
            return -1;
        return form_page(req, t, NULL, v, &rec, &m, ok ? NULL : &errs, root, NULL);
    }
    char err[512] = "";
    int64_t id = 0;
    content_rc rc;
    const char *done;
    if (it) {
        rc = content_save(&e, me, t, it->id, base_rev, &rec, &m.meta, &id, err, sizeof err);
        done = id != it->id ? "staged" : "saved";
    } else {
        rc = content_create(&e, me, t, v, &rec, &m.meta, &id, err, sizeof err);
        done = "created";
    }
    if (rc == CONTENT_OK) {
        http_redirect_local(req, 303, arena_printf(a, "%s?done=%s", item_url(req, t, id), done));
        return 0;
    }
    if (rc == CONTENT_ERROR)
        return -1;
    /* Refused or overtaken: the form again with everything typed, and why. */
    if (!field_error_add(a, &errs, t->title_field, err))
        return -1;
    errs.e[errs.n - 1].id = rc == CONTENT_INVALID && strstr(err, "URL") ? "meta-slug"
                                                                         : errs.e[errs.n - 1].id;
    if (it) {
        it->rev = base_rev;
        return edit_page(req, t, it, &rec, &m, &errs, NULL, NULL);
    }
    tv *root = new_root(req, t);
    if (!root)
        return -1;
    return form_page(req, t, NULL, v, &rec, &m, &errs, root, NULL);
}

int web_admin_content_create(http_request *req)
{
    const content_type *t = web_content_type(req);
    if (!t)
        return not_found(req);
    return handle_post(req, t, NULL);
}

int web_admin_content_save(http_request *req)
{
    const content_type *t;
    content_env e;
    content_item it;
    int found = load_item(req, &t, &e, &it);
    if (found <= 0)
        return found;
    return handle_post(req, t, &it);
}

/* ---- workflow transitions ---- */

int web_admin_content_act(http_request *req)
{
    const content_type *t = web_content_type(req);
    int64_t id = web_path_id(req, "id");
    content_action act;
    if (!t || !id || !content_action_parse(http_param(req, "action"), &act))
        return not_found(req);
    content_env e;
    if (!web_content_env(req, &e))
        return -1;
    const account_view *me = web_actor(req);
    char err[512] = "";
    int64_t result = 0;
    const char *comment = http_form_get(req, "comment");
    content_rc rc = content_act(&e, me, t, id, act, comment, &result, err, sizeof err);
    if (rc == CONTENT_OK) {
        const char *to = act == CONTENT_PURGE
                             ? arena_printf(req->a, "/admin/content/%s?trash=1", t->name)
                             : arena_printf(req->a, "%s?done=%s", item_url(req, t, result ? result : id),
                                            content_action_name(act));
        http_redirect_local(req, 303, to);
        return 0;
    }
    if (rc == CONTENT_NOT_FOUND)
        return not_found(req);
    if (rc == CONTENT_ERROR)
        return -1;
    /* Refused: the edit screen again, saying why, with the comment kept. */
    content_item it;
    rc = content_get(&e, t, id, &it);
    if (rc == CONTENT_NOT_FOUND)
        return not_found(req);
    if (rc != CONTENT_OK)
        return -1;
    meta_form m;
    meta_from_item(req, &it, &m);
    if (edit_page(req, t, &it, &it.rec, &m, NULL, err, comment) != 0)
        return -1;
    if (req->resp.status == 200)
        req->resp.status = 409; /* the state did not allow it */
    return 0;
}

/* ---- preview ---- */

int web_admin_content_preview(http_request *req)
{
    const content_type *t;
    content_env e;
    content_item it;
    int found = load_item(req, &t, &e, &it);
    if (found <= 0)
        return found;
    /* The public page exactly as visitors would get it, from the record as
     * filtered for the public, with a banner saying it is a preview. */
    return web_content_preview(req, &e, &it);
}
