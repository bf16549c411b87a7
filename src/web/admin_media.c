/*
 * admin_media.c - the media library's staff screens (PERM_STAFF_EDITOR).
 *
 *   GET  /admin/media                  the list: thumbnails, filters (kind,
 *                                      part of the name, the trash), pages;
 *                                      the upload form on top
 *   POST /admin/media                  an upload (multipart): file, alt,
 *                                      public; errors keep the alt typed
 *   GET  /admin/media/{id}             one item: preview, facts, the URL to
 *                                      paste into Markdown, the alt form
 *   POST /admin/media/{id}/{action}    alt | trash | restore
 *
 * The rules (types, sizes, who may see what) are domain/media.c's; this
 * file turns forms into calls and results into views.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "http/response.h"
#include "tmpl/escape.h"
#include "web/account.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/media.h"
#include "web/page.h"

#define PAGE_SIZE 50
#define QUERY_MAX_BYTES 300

/* Escapes the characters Markdown gives a meaning inside link or image text. */
static void md_text(buf *b, const char *s)
{
    for (; *s; s++) {
        if (strchr("\\[]*_`<>!", *s))
            buf_putc(b, '\\');
        buf_putc(b, *s);
    }
}

/* What to paste into a Markdown field: ![alt](url) for an image, [name](url)
 * for anything else.  The URL is percent-encoded, so it needs no <>. */
static const char *markdown_snippet(arena *a, const media_item *it, const char *url)
{
    buf b;
    buf_init(&b, 16384);
    buf_puts(&b, it->is_image ? "![" : "[");
    md_text(&b, it->is_image ? it->alt : it->name);
    buf_puts(&b, "](");
    buf_puts(&b, url);
    buf_putc(&b, ')');
    const char *out = buf_ok(&b) ? arena_strndup(a, b.data, b.len) : NULL;
    buf_free(&b);
    return out;
}

static tv *item_tv(http_request *req, const media_item *it)
{
    arena *a = req->a;
    tv *m = tv_map(a);
    const char *url = web_media_url(a, it->id, it->name);
    const char *thumb =
        it->has_thumb ? arena_printf(a, "/media/%lld/thumb", (long long)it->id) : "";
    const char *size = media_size_text(a, it->size);
    const char *uploader =
        it->uploader_login ? arena_printf(a, "%s（%s）", it->uploader_name ? it->uploader_name : "",
                                          it->uploader_login)
                           : "（削除されたアカウント）";
    const char *md = url ? markdown_snippet(a, it, url) : NULL;
    bool ok =
        m && url && thumb && size && uploader && md && tv_set_int(a, m, "id", (long long)it->id) &&
        tv_set_str(a, m, "name", it->name) && tv_set_str(a, m, "url", url) &&
        tv_set_str(a, m, "admin_url", arena_printf(a, "/admin/media/%lld", (long long)it->id)) &&
        tv_set_str(a, m, "thumb_url", thumb) && tv_set_int(a, m, "thumb_width", it->thumb_width) &&
        tv_set_int(a, m, "thumb_height", it->thumb_height) &&
        tv_set_bool(a, m, "is_image", it->is_image) && tv_set_int(a, m, "width", it->width) &&
        tv_set_int(a, m, "height", it->height) && tv_set_str(a, m, "mime", it->mime) &&
        tv_set_str(a, m, "kind_label", it->kind_label) && tv_set_str(a, m, "size", size) &&
        tv_set_str(a, m, "alt", it->alt) && tv_set_bool(a, m, "public", it->public) &&
        tv_set_bool(a, m, "trashed", it->trashed) && tv_set_bool(a, m, "inline", it->inline_ok) &&
        tv_set_str(a, m, "uploader", uploader) &&
        tv_set_str(a, m, "created_at", web_time_ja(a, it->created_at)) &&
        tv_set_str(a, m, "trashed_at", web_time_ja(a, it->trashed_at)) &&
        tv_set_str(a, m, "markdown", md);
    return ok ? m : NULL;
}

/* What was typed into a one-line field, fit to be shown again in it: an
 * <input type="text"> value may not hold line breaks, so control
 * characters become spaces.  NULL on OOM. */
static const char *as_typed(arena *a, const char *s)
{
    char *c = arena_strdup(a, s ? s : "");
    for (char *p = c; p && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            *p = ' ';
    return c;
}

/* The root view of an admin page with a form: crumbs under 管理画面, the
 * CSRF token, and empty errors / ferr / form (web/account.h helpers). */
static tv *form_root(http_request *req, const char *title, const crumb *c, size_t nc)
{
    arena *a = req->a;
    tv *root = web_page(req, title, c, nc);
    if (!root || !web_page_form(req, root) || !tv_set(a, root, "errors", tv_list(a)) ||
        !tv_set(a, root, "ferr", tv_map(a)) || !tv_set(a, root, "form", tv_map(a)))
        return NULL;
    return root;
}

/* ---- the list and the upload ---- */

typedef struct list_filter {
    const char *kind; /* "image", "other" or NULL */
    const char *q;    /* part of the name or NULL */
    bool trash;
    int64_t before;
} list_filter;

static void read_filter(http_request *req, list_filter *f)
{
    memset(f, 0, sizeof *f);
    const char *kind = http_query(req, "kind");
    if (kind && (strcmp(kind, "image") == 0 || strcmp(kind, "other") == 0))
        f->kind = kind;
    const char *q = http_query(req, "q");
    if (q && *q && strlen(q) <= QUERY_MAX_BYTES)
        f->q = q;
    const char *trash = http_query(req, "trash");
    f->trash = trash && strcmp(trash, "1") == 0;
    const char *before = http_query(req, "before");
    if (before)
        f->before = strtoll(before, NULL, 10);
}

/* The link to the next page with the same filters, or "" (NULL on OOM). */
static const char *next_url(http_request *req, const list_filter *f, int64_t next_before)
{
    if (next_before <= 0)
        return "";
    buf b;
    buf_init(&b, 4096);
    buf_printf(&b, "/admin/media?before=%lld", (long long)next_before);
    if (f->kind)
        buf_printf(&b, "&kind=%s", f->kind);
    if (f->trash)
        buf_puts(&b, "&trash=1");
    if (f->q) {
        buf_puts(&b, "&q=");
        esc_percent(&b, f->q, strlen(f->q));
    }
    const char *out = buf_ok(&b) ? arena_strndup(req->a, b.data, b.len) : NULL;
    buf_free(&b);
    return out;
}

/* Renders the list (with root's form state) with status 200, or 400 when
 * root holds errors. */
static int list_page(http_request *req, tv *root, const list_filter *f)
{
    arena *a = req->a;
    media_env e;
    web_media_env(req, &e);
    media_query q = {
        .trash = f->trash,
        .kind = f->kind,
        .name_contains = f->q,
        .before_id = f->before,
        .limit = PAGE_SIZE,
    };
    media_page page;
    if (media_list(&e, &q, &page) != MEDIA_OK)
        return -1;
    tv *list = tv_list(a), *fv = tv_map(a);
    if (!list || !fv)
        return -1;
    for (int i = 0; i < page.n; i++)
        if (!tv_push(a, list, item_tv(req, &page.items[i])))
            return -1;
    const char *next = next_url(req, f, page.next_before);
    bool ok = next && tv_set(a, root, "items", list) &&
              tv_set_int(a, root, "total", (long long)page.total) &&
              tv_set_int(a, root, "page_size", PAGE_SIZE) &&
              tv_set_str(a, fv, "kind", f->kind ? f->kind : "") &&
              tv_set_str(a, fv, "q", f->q ? f->q : "") && tv_set_bool(a, fv, "trash", f->trash) &&
              tv_set(a, root, "filter", fv) && tv_set_str(a, root, "next_url", next) &&
              tv_set_int(a, root, "max_mb", MEDIA_MAX_BYTES / (1024 * 1024));
    if (!ok)
        return -1;
    return web_form_render(req, root, "admin/media.html");
}

static tv *list_root(http_request *req)
{
    crumb c[] = {{"管理画面", "/admin"}, {"メディアライブラリ", NULL}};
    return form_root(req, "メディアライブラリ", c, 2);
}

int web_admin_media(http_request *req)
{
    tv *root = list_root(req);
    if (!root || !web_form_keep(req, root, "public", "1"))
        return -1;
    list_filter f;
    read_filter(req, &f);
    return list_page(req, root, &f);
}

/* The first file part named "file" that is still ours, or NULL. */
static http_upload *upload_of(http_request *req)
{
    if (!req->form)
        return NULL;
    for (size_t i = 0; i < req->form->nfiles; i++) {
        http_upload *u = &req->form->files[i];
        if (u->field && strcmp(u->field, "file") == 0 && u->path)
            return u;
    }
    return NULL;
}

int web_admin_media_upload(http_request *req)
{
    const account_view *me = web_actor(req);
    if (!me)
        return -1; /* the route's permission let nobody else in */
    const char *alt = http_form_get(req, "alt");
    bool public = http_form_get(req, "public") != NULL;
    tv *root = list_root(req);
    if (!root || !web_form_keep(req, root, "alt", as_typed(req->a, alt)) ||
        !web_form_keep(req, root, "public", public ? "1" : ""))
        return -1;
    http_upload *up = upload_of(req);
    if (!up || (up->size == 0 && (!up->filename || !*up->filename))) {
        if (!web_form_error(req, root, "media-file", "ファイルを選んでください。"))
            return -1;
    } else {
        media_env e;
        web_media_env(req, &e);
        char err[512] = "";
        int64_t id = 0;
        media_rc rc = media_add(&e, me, up->path, up->filename, alt, public, &id, err, sizeof err);
        if (rc == MEDIA_OK) {
            up->path = NULL; /* moved into the library: not the clean-up's any more */
            const char *to = arena_printf(req->a, "/admin/media/%lld?added=1", (long long)id);
            return to && http_redirect_local(req, 303, to) ? 0 : -1;
        }
        if (rc == MEDIA_ERROR)
            return -1;
        const char *field = strstr(err, "代替テキスト") ? "media-alt" : "media-file";
        if (!web_form_error(req, root, field, err))
            return -1;
    }
    list_filter f;
    memset(&f, 0, sizeof f);
    return list_page(req, root, &f);
}

/* ---- one item ---- */

/* Renders item id.  done: a message after a change; error: why a change was
 * refused, shown beside error_field; alt_typed (with public_typed): what
 * the alt form sent, kept on error, or NULL for the item's own values. */
static int item_page(http_request *req, int64_t id, const char *done, const char *error,
                     const char *error_field, const char *alt_typed, bool public_typed)
{
    media_env e;
    web_media_env(req, &e);
    media_item it;
    media_rc rc = media_get(&e, id, &it);
    if (rc == MEDIA_NOT_FOUND) {
        http_error(req, 404);
        return 0;
    }
    if (rc != MEDIA_OK)
        return -1;
    arena *a = req->a;
    crumb c[] = {{"管理画面", "/admin"}, {"メディアライブラリ", "/admin/media"}, {it.name, NULL}};
    tv *root = form_root(req, arena_printf(a, "ファイル %s", it.name), c, 3);
    tv *item = item_tv(req, &it);
    if (!root || !item || !tv_set(a, root, "item", item) ||
        !tv_set_str(a, root, "done", done ? done : "") ||
        !web_form_keep(req, root, "alt", as_typed(a, alt_typed ? alt_typed : it.alt)) ||
        !web_form_keep(req, root, "public", (alt_typed ? public_typed : it.public) ? "1" : ""))
        return -1;
    if (error && !web_form_error(req, root, error_field, error))
        return -1;
    return web_form_render(req, root, "admin/media_item.html");
}

int web_admin_media_item(http_request *req)
{
    int64_t id = web_path_id(req, "id");
    if (!id) {
        http_error(req, 404);
        return 0;
    }
    const char *added = http_query(req, "added");
    return item_page(req, id, added ? "ファイルを登録しました。" : NULL, NULL, NULL, NULL, false);
}

int web_admin_media_action(http_request *req)
{
    int64_t id = web_path_id(req, "id");
    const char *action = http_param(req, "action");
    const account_view *me = web_actor(req);
    if (!id || !action || !me) {
        http_error(req, 404);
        return 0;
    }
    media_env e;
    web_media_env(req, &e);
    char err[512] = "";
    media_rc rc;
    const char *done;
    const char *alt = http_form_get(req, "alt");
    bool public = http_form_get(req, "public") != NULL;
    if (strcmp(action, "alt") == 0) {
        rc = media_set_alt(&e, me, id, alt ? alt : "", public, err, sizeof err);
        done = "代替テキストと公開の設定を保存しました。";
    } else if (strcmp(action, "trash") == 0) {
        rc = media_trash(&e, me, id, err, sizeof err);
        done = "ゴミ箱に移しました。このファイルは職員にしか表示されません。";
    } else if (strcmp(action, "restore") == 0) {
        rc = media_restore(&e, me, id, err, sizeof err);
        done = "ゴミ箱から戻しました。";
    } else {
        http_error(req, 404);
        return 0;
    }
    if (rc == MEDIA_ERROR)
        return -1;
    if (rc == MEDIA_NOT_FOUND) {
        http_error(req, 404);
        return 0;
    }
    if (rc != MEDIA_OK) {
        bool is_alt = strcmp(action, "alt") == 0;
        return item_page(req, id, NULL, err[0] ? err : "この操作はできません。",
                         is_alt ? "media-alt" : "media-actions", is_alt ? (alt ? alt : "") : NULL,
                         public);
    }
    return item_page(req, id, done, NULL, NULL, NULL, false);
}
