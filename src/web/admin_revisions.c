/*
 * admin_revisions.c - an item's history: who saved which version when, a
 * version compared with the current fields, and restoring it (issue:
 * "revisions with who and when, a diff view and restore").  See admin_io.h
 * for the URLs.
 *
 * Also the field-by-field comparison both this screen and the audit log's
 * line view show (web_record_diff), with the line diff of content/diff.h
 * for long text.
 *
 * Restoring is a new save through content_revision_restore() (the save's
 * rules: a published item gets a staged copy, never a silent change of the
 * public page), so the history only grows.
 */
#include <stdlib.h>
#include <string.h>

#include "content/diff.h"
#include "domain/content.h"
#include "http/response.h"
#include "web/account.h"
#include "web/admin_io.h"
#include "web/auth.h"
#include "web/content_env.h"
#include "web/page.h"

/* ---- action labels ---- */

static const char *const action_labels[][2] = {
    {"create", "作成"},
    {"save", "保存"},
    {"restore", "復元"},
    {"stage", "差し替え用の下書き"},
    {"replace", "差し替え公開"},
    {"duplicate", "複製"},
    {"import", "CSV 取り込み"},
    {"purge", "完全に削除"},
    {"scheduled_publish", "予定どおり公開"},
    {"scheduled_unpublish", "予定どおり公開終了"},
};

const char *web_action_label(const char *action)
{
    if (!action)
        return "";
    /* Audit actions are "content.save" and the like. */
    const char *s = strncmp(action, "content.", 8) == 0 ? action + 8 : action;
    for (size_t i = 0; i < sizeof action_labels / sizeof action_labels[0]; i++)
        if (strcmp(s, action_labels[i][0]) == 0)
            return action_labels[i][1];
    content_action act;
    if (content_action_parse(s, &act))
        return content_action_label(act);
    return action;
}

/* ---- the comparison of two records ---- */

typedef struct key_info {
    const char *key, *label;
} key_info;

static bool has_key(const key_info *k, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(k[i].key, key) == 0)
            return true;
    return false;
}

/* The label of a key outside t's CSV columns (a field left out of CSV, or a
 * key of no field): the field's label, with the part after its name. */
static const char *other_label(arena *a, const content_type *t, int v, const char *key)
{
    if (!t)
        return key;
    const field_desc *f = content_field(t, key);
    if (f)
        return field_label(f, v);
    const char *dot = strchr(key, '.');
    if (dot) {
        char *name = arena_strndup(a, key, (size_t)(dot - key));
        f = name ? content_field(t, name) : NULL;
        if (f)
            return arena_printf(a, "%s（%s）", field_label(f, v), dot + 1);
    }
    return key;
}

/* The keys of x and y in display order (see admin_io.h), labelled. */
static bool collect_keys(arena *a, const content_type *t, int v, const record *x, const record *y,
                         key_info **out, size_t *n)
{
    size_t cap = (x ? x->n : 0) + (y ? y->n : 0);
    *out = NULL;
    *n = 0;
    if (cap == 0)
        return true;
    key_info *k = arena_alloc(a, cap * sizeof *k);
    if (!k)
        return false;
    if (t) {
        size_t nk;
        const char *const *labels;
        const char *const *keys = content_csv_keys(a, t, &nk, &labels);
        if (!keys)
            return false;
        for (size_t i = 0; i < nk; i++) {
            bool present = (x && record_get(x, keys[i])) || (y && record_get(y, keys[i]));
            if (present && *n < cap && !has_key(k, *n, keys[i]))
                k[(*n)++] = (key_info){keys[i], labels[i]};
        }
    }
    const record *both[2] = {x, y};
    for (int r = 0; r < 2; r++)
        for (size_t i = 0; both[r] && i < both[r]->n; i++) {
            const char *key = both[r]->kv[i].key;
            if (*n < cap && !has_key(k, *n, key)) {
                const char *label = other_label(a, t, v, key);
                if (!label)
                    return false;
                k[(*n)++] = (key_info){key, label};
            }
        }
    *out = k;
    return true;
}

static tv *line_tv(arena *a, const diff_line *l, const char *mark)
{
    tv *m = tv_map(a);
    tv *text = m ? tv_strn(a, l->s, l->len) : NULL;
    if (!text || !tv_set(a, m, "text", text) || !tv_set_str(a, m, "mark", mark))
        return NULL;
    return m;
}

/* Fills f.before_lines and f.after_lines from the line diff of b and c. */
static bool set_lines(arena *a, tv *f, const char *b, const char *c)
{
    diff_result d;
    tv *bl = tv_list(a), *al = tv_list(a);
    if (!bl || !al || !diff_lines(a, b, b ? strlen(b) : 0, c, c ? strlen(c) : 0, &d))
        return false;
    for (size_t i = 0; i < d.n; i++) {
        const diff_line *l = &d.lines[i];
        /* Whole texts are shown unmarked: a mark on every line says nothing. */
        bool mark = !d.whole;
        if (l->op != DIFF_ADD &&
            !tv_push(a, bl, line_tv(a, l, mark && l->op == DIFF_DEL ? "del" : "")))
            return false;
        if (l->op != DIFF_DEL &&
            !tv_push(a, al, line_tv(a, l, mark && l->op == DIFF_ADD ? "ins" : "")))
            return false;
    }
    return tv_set(a, f, "before_lines", bl) && tv_set(a, f, "after_lines", al) &&
           tv_set_bool(a, f, "whole", d.whole);
}

tv *web_record_diff(http_request *req, const content_type *t, int v, const record *before,
                    const record *after)
{
    arena *a = req->a;
    key_info *keys;
    size_t n;
    tv *root = tv_map(a), *changed = tv_list(a), *same = tv_list(a);
    if (!root || !changed || !same || !collect_keys(a, t, v, before, after, &keys, &n))
        return NULL;
    long long nchanged = 0, nsame = 0;
    for (size_t i = 0; i < n; i++) {
        const char *b = before ? record_get(before, keys[i].key) : NULL;
        const char *c = after ? record_get(after, keys[i].key) : NULL;
        tv *f = tv_map(a);
        if (!f || !tv_set_str(a, f, "key", keys[i].key) ||
            !tv_set_str(a, f, "label", keys[i].label))
            return NULL;
        if ((!b && !c) || (b && c && strcmp(b, c) == 0)) {
            if (!tv_set_str(a, f, "value", b ? b : "") || !tv_push(a, same, f))
                return NULL;
            nsame++;
            continue;
        }
        bool lines = (b && strchr(b, '\n')) || (c && strchr(c, '\n'));
        if (!tv_set_str(a, f, "before", b ? b : "") || !tv_set_str(a, f, "after", c ? c : "") ||
            !tv_set_bool(a, f, "lines", lines) || (lines && !set_lines(a, f, b, c)) ||
            !tv_push(a, changed, f))
            return NULL;
        nchanged++;
    }
    if (!tv_set(a, root, "changed", changed) || !tv_set(a, root, "same", same) ||
        !tv_set_int(a, root, "nchanged", nchanged) || !tv_set_int(a, root, "nsame", nsame))
        return NULL;
    return root;
}

/* ---- the screens ---- */

/* The {rev} path parameter: a positive decimal of at most 9 digits, or 0. */
static int path_rev(http_request *req)
{
    const char *s = http_param(req, "rev");
    if (!s || s[0] < '1' || s[0] > '9' || strlen(s) > 9)
        return 0;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return atoi(s);
}

typedef struct item_ctx {
    content_env e;
    const content_type *t;
    content_item it;
    const char *type_url, *item_url, *revisions_url;
} item_ctx;

/* Reads the type and item of the path; 0 when found, else the HTTP status
 * (404 not found, 503 no database, 500 an error). */
static int load_item(http_request *req, item_ctx *c)
{
    c->t = web_content_type(req);
    int64_t id = web_path_id(req, "id");
    if (!c->t || !id)
        return 404;
    if (!web_content_env(req, &c->e))
        return 503;
    content_rc rc = content_get(&c->e, c->t, id, &c->it);
    if (rc == CONTENT_NOT_FOUND)
        return 404;
    if (rc != CONTENT_OK)
        return 500;
    c->type_url = arena_printf(req->a, "/admin/content/%s", c->t->name);
    c->item_url = arena_printf(req->a, "/admin/content/%s/%lld", c->t->name, (long long)id);
    c->revisions_url = arena_printf(req->a, "%s/revisions", c->item_url ? c->item_url : "");
    return c->type_url && c->item_url && c->revisions_url ? 0 : 500;
}

/* Answers a load_item() failure: 0 after an error page, -1 for a 500. */
static int load_failed(http_request *req, int status)
{
    if (status == 500)
        return -1;
    http_error(req, status);
    return 0;
}

static const char *item_title(const content_item *it)
{
    return it->title && *it->title ? it->title : "（題名なし）";
}

static tv *item_tv(http_request *req, const item_ctx *c)
{
    arena *a = req->a;
    tv *m = tv_map(a);
    bool ok = m && tv_set_int(a, m, "id", (long long)c->it.id) &&
              tv_set_str(a, m, "title", item_title(&c->it)) && tv_set_int(a, m, "rev", c->it.rev) &&
              tv_set_str(a, m, "status_label", content_status_label(c->it.status)) &&
              tv_set_bool(a, m, "trashed", c->it.trashed_at != NULL) &&
              tv_set_bool(a, m, "staged", c->it.live_id != 0) &&
              tv_set_bool(a, m, "published", c->it.status == CONTENT_PUBLISHED && !c->it.live_id) &&
              tv_set_str(a, m, "type_label", c->t->label) &&
              tv_set_str(a, m, "type_url", c->type_url) && tv_set_str(a, m, "url", c->item_url) &&
              tv_set_str(a, m, "revisions_url", c->revisions_url);
    return ok ? m : NULL;
}

int web_admin_revisions(http_request *req)
{
    item_ctx c;
    int st = load_item(req, &c);
    if (st)
        return load_failed(req, st);
    arena *a = req->a;
    content_revision *revs;
    int n;
    if (content_revisions(&c.e, c.it.id, &revs, &n) != CONTENT_OK)
        return -1;
    crumb cr[] = {{"管理画面", "/admin"},
                  {c.t->label, c.type_url},
                  {item_title(&c.it), c.item_url},
                  {"変更履歴", NULL}};
    tv *root = web_page(req, arena_printf(a, "変更履歴：%s", item_title(&c.it)), cr, 4);
    tv *list = tv_list(a), *item = item_tv(req, &c);
    if (!root || !list || !item)
        return -1;
    for (int i = 0; i < n; i++) {
        const content_revision *r = &revs[i];
        tv *m = tv_map(a);
        if (!m || !tv_set_int(a, m, "rev", r->rev) ||
            !tv_set_str(a, m, "at", web_time_ja(a, r->created_at)) ||
            !tv_set_str(a, m, "actor",
                        r->actor_name && *r->actor_name ? r->actor_name : "system") ||
            !tv_set_str(a, m, "action", web_action_label(r->action)) ||
            !tv_set_str(a, m, "title", r->title ? r->title : "") ||
            !tv_set_bool(a, m, "current", r->rev == c.it.rev) ||
            !tv_set_str(a, m, "url", arena_printf(a, "%s/%d", c.revisions_url, r->rev)) ||
            !tv_push(a, list, m))
            return -1;
    }
    if (!tv_set(a, root, "item", item) || !tv_set(a, root, "revisions", list))
        return -1;
    return web_render(req, 200, "admin/revisions.html", root) ? 0 : -1;
}

/* The comparison page of revision rev; error (or NULL) says why a restore
 * was refused, with status. */
static int revision_page(http_request *req, item_ctx *c, int rev, int status, const char *error)
{
    arena *a = req->a;
    content_revision r;
    content_rc rc = content_revision_get(&c->e, c->it.id, rev, &r);
    if (rc == CONTENT_NOT_FOUND)
        return load_failed(req, 404);
    if (rc != CONTENT_OK)
        return -1;
    const char *crumb_title = arena_printf(a, "版 %d と現在の内容の比較", rev);
    /* The page title names the item: one title per page of the site (2.4.2). */
    const char *title = arena_printf(a, "%s「%s」の版 %d と現在の内容の比較", c->t->label,
                                     item_title(&c->it), rev);
    crumb cr[] = {{"管理画面", "/admin"},
                  {c->t->label, c->type_url},
                  {item_title(&c->it), c->item_url},
                  {"変更履歴", c->revisions_url},
                  {crumb_title, NULL}};
    tv *root = web_page(req, title, cr, 5);
    tv *item = item_tv(req, c), *rv = tv_map(a);
    tv *diff = web_record_diff(req, c->t, c->it.variant, &r.rec, &c->it.rec);
    if (!root || !item || !rv || !diff || !web_page_form(req, root) ||
        !tv_set_int(a, rv, "rev", r.rev) ||
        !tv_set_str(a, rv, "at", web_time_ja(a, r.created_at)) ||
        !tv_set_str(a, rv, "actor", r.actor_name && *r.actor_name ? r.actor_name : "system") ||
        !tv_set_str(a, rv, "action", web_action_label(r.action)) ||
        !tv_set_bool(a, rv, "current", r.rev == c->it.rev) ||
        !tv_set_str(a, rv, "url", arena_printf(a, "%s/%d", c->revisions_url, r.rev)) ||
        !tv_set(a, root, "item", item) || !tv_set(a, root, "revision", rv) ||
        !tv_set(a, root, "diff", diff) ||
        !tv_set_str(a, root, "diff_before_label", arena_printf(a, "版 %d", r.rev)) ||
        !tv_set_str(a, root, "diff_after_label", arena_printf(a, "現在（版 %d）", c->it.rev)) ||
        !tv_set_str(a, root, "diff_caption",
                    arena_printf(a, "版 %d から現在までに変わった項目", r.rev)) ||
        !tv_set_str(a, root, "error", error ? error : ""))
        return -1;
    return web_render(req, status, "admin/revision.html", root) ? 0 : -1;
}

int web_admin_revision(http_request *req)
{
    item_ctx c;
    int st = load_item(req, &c);
    if (st)
        return load_failed(req, st);
    int rev = path_rev(req);
    if (!rev)
        return load_failed(req, 404);
    return revision_page(req, &c, rev, 200, NULL);
}

int web_admin_revision_restore(http_request *req)
{
    item_ctx c;
    int st = load_item(req, &c);
    if (st)
        return load_failed(req, st);
    int rev = path_rev(req);
    if (!rev)
        return load_failed(req, 404);
    char err[512] = "";
    int64_t saved = 0;
    content_rc rc =
        content_revision_restore(&c.e, web_actor(req), c.t, c.it.id, rev, &saved, err, sizeof err);
    switch (rc) {
    case CONTENT_OK:
        return http_redirect_local(req, 303,
                                   arena_printf(req->a, "/admin/content/%s/%lld?done=restored",
                                                c.t->name, (long long)saved))
                   ? 0
                   : -1;
    case CONTENT_NOT_FOUND: return load_failed(req, 404);
    case CONTENT_ERROR: return -1;
    case CONTENT_CONFLICT: return revision_page(req, &c, rev, 409, err);
    case CONTENT_FORBIDDEN: return revision_page(req, &c, rev, 403, err);
    default: return revision_page(req, &c, rev, 400, err[0] ? err : "この版に戻せませんでした。");
    }
}
