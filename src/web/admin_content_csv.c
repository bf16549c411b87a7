/*
 * admin_content_csv.c - the CSV columns of any content type and its export;
 * the import is admin_content_import.c (issue:
 * "CSV export of any type (UTF-8 with BOM so Excel opens it; staff choose
 * the columns); CSV import with a dry run and a per-line error report, all
 * or nothing").  See admin_io.h for the URLs.
 *
 * Columns.  An export has one header row; each cell is the column's
 * Japanese label followed by its key in brackets, 「タイトル [title]」, so
 * staff can read it and an import maps it back without doubt.  The columns
 * are the system columns (ID, 種別 for types with variants, 状態, 作成日時,
 * 更新日時, 公開日) and the record keys of content_csv_keys() (composite
 * fields expanded, FIELD_NO_EXPORT fields left out).  Every cell goes through
 * the CSV writer's formula guard (core/csv.h).  The file holds staff-only
 * fields, so it is never cached.
 *
 * Import.  The header is mapped to columns by "[key]", or by the exact
 * label or key; an unknown or repeated column refuses the whole file.  Of the
 * system columns only ID (update that item; empty = a new draft) and 種別
 * are read; 状態 and the dates are the system's and are ignored.  An update
 * starts from the item's current record and changes only the columns the
 * file has, so a file of a few columns does not blank the others.  A line of
 * empty cells only (a spreadsheet's leftover) is skipped.  Each line
 * is read by the field engine as a form would be (field_read_form) and
 * validated (field_validate); the report lists every line with its errors,
 * or what it changes.  A dry run (検査) stops there.  An import applies the
 * file only when no line has an error, all lines in one transaction
 * (domain/content_import.h); lines that change nothing are left alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/csv.h"
#include "core/fault.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/utf8.h"
#include "domain/content.h"
#include "domain/content_import.h"
#include "http/response.h"
#include "web/account.h"
#include "web/admin_csv.h"
#include "web/admin_io.h"
#include "web/auth.h"
#include "web/content_env.h"
#include "web/page.h"

/* Items read per page while exporting; each page's records live in a
 * scratch arena freed before the next, so a large type does not pile up in
 * the request's arena. */
#define EXPORT_PAGE 100


static int not_found(http_request *req)
{
    http_error(req, 404);
    return 0;
}

/* ---- columns ---- */

static bool type_has_key(const char *const *keys, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], key) == 0)
            return true;
    return false;
}

/* Every column of t in file order; in a.  False on OOM. */
bool admin_csv_columns(arena *a, const content_type *t, csv_col **out, size_t *n)
{
    size_t nk;
    const char *const *labels;
    const char *const *keys = content_csv_keys(a, t, &nk, &labels);
    if (!keys)
        return false;
    static const struct {
        const char *key, *label;
        col_kind kind;
    } sys_head[] = {{"id", "ID", COL_ID},
                    {"variant", "種別", COL_VARIANT},
                    {"status", "状態", COL_STATUS}},
      sys_tail[] = {{"created_at", "作成日時", COL_CREATED},
                    {"updated_at", "更新日時", COL_UPDATED},
                    {"published_at", "公開日", COL_PUBLISHED}};
    csv_col *c = arena_alloc(a, (nk + 6) * sizeof *c);
    if (!c)
        return false;
    size_t k = 0;
    /* A system column gives way to a field of the same key (the field is
     * the data; the system column is only for reading). */
    for (size_t i = 0; i < 3; i++) {
        if (sys_head[i].kind == COL_VARIANT && !t->variants)
            continue;
        if (!type_has_key(keys, nk, sys_head[i].key))
            c[k++] = (csv_col){sys_head[i].key, sys_head[i].label, NULL, sys_head[i].kind};
    }
    for (size_t i = 0; i < nk; i++)
        c[k++] = (csv_col){keys[i], labels[i], NULL, COL_FIELD};
    for (size_t i = 0; i < 3; i++)
        if (!type_has_key(keys, nk, sys_tail[i].key))
            c[k++] = (csv_col){sys_tail[i].key, sys_tail[i].label, NULL, sys_tail[i].kind};
    for (size_t i = 0; i < k; i++) {
        c[i].header = arena_printf(a, "%s [%s]", c[i].label, c[i].key);
        if (!c[i].header)
            return false;
    }
    *out = c;
    *n = k;
    return true;
}

/* ---- dates (JST) ---- */

/* A stored UTC timestamp as JST text, "2026-11-23 12:04" or with day_only
 * "2026-11-23"; "" when absent or malformed. */
static const char *jst_text(arena *a, const char *ts, bool day_only)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = ts ? strptime(ts, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
    if (!end || *end)
        return "";
    time_t t = timegm(&tm) + 9 * 3600;
    struct tm j;
    char out[32];
    if (!gmtime_r(&t, &j) ||
        !strftime(out, sizeof out, day_only ? "%Y-%m-%d" : "%Y-%m-%d %H:%M", &j))
        return "";
    return arena_strdup(a, out);
}

const char *admin_csv_variant_label(const content_type *t, int v)
{
    if (!t->variants)
        return "";
    return t->variant_labels && t->variant_labels[v] ? t->variant_labels[v] : t->variants[v];
}

/* The variant named by s (its name or its label), or -1. */
int admin_csv_variant(const content_type *t, const char *s)
{
    for (int v = 0; t->variants && t->variants[v]; v++)
        if (strcmp(s, t->variants[v]) == 0 ||
            (t->variant_labels && t->variant_labels[v] && strcmp(s, t->variant_labels[v]) == 0))
            return v;
    return -1;
}

/* ---- the export form ---- */

/* A form page of the admin: web_page() with the CSRF token and the maps the
 * form partials read (errors, ferr, form). */
tv *admin_csv_form_root(http_request *req, const content_type *t, const char *title)
{
    arena *a = req->a;
    const char *list_url = arena_printf(a, "/admin/content/%s", t->name);
    if (!list_url || !title)
        return NULL;
    crumb c[] = {{"管理画面", "/admin"}, {t->label, list_url}, {title, NULL}};
    tv *root = web_page(req, title, c, 3);
    tv *type = tv_map(a);
    if (!root || !type || !web_page_form(req, root) || !tv_set(a, root, "errors", tv_list(a)) ||
        !tv_set(a, root, "ferr", tv_map(a)) || !tv_set(a, root, "form", tv_map(a)) ||
        !tv_set_str(a, type, "name", t->name) || !tv_set_str(a, type, "label", t->label) ||
        !tv_set_str(a, type, "url", list_url) ||
        !tv_set_str(a, type, "export_url", arena_printf(a, "%s/export", list_url)) ||
        !tv_set_str(a, type, "import_url", arena_printf(a, "%s/import", list_url)) ||
        !tv_set(a, root, "type", type))
        return NULL;
    return root;
}

/* Whether query value "col" names key. */
static bool col_chosen(http_request *req, const char *key)
{
    size_t n = http_params_count(&req->query, "col");
    for (size_t i = 0; i < n; i++) {
        const char *v = http_params_get_nth(&req->query, "col", i);
        if (v && strcmp(v, key) == 0)
            return true;
    }
    return false;
}

static int export_form(http_request *req, const content_type *t, const csv_col *cols, size_t ncols,
                       bool all, const char *status, const char *error)
{
    arena *a = req->a;
    tv *root = admin_csv_form_root(req, t, arena_printf(a, "%sの CSV 書き出し", t->label));
    tv *list = tv_list(a), *statuses = tv_list(a);
    if (!root || !list || !statuses)
        return -1;
    for (size_t i = 0; i < ncols; i++) {
        tv *m = tv_map(a);
        if (!m || !tv_set_str(a, m, "key", cols[i].key) ||
            !tv_set_str(a, m, "label", cols[i].label) ||
            !tv_set_str(a, m, "id", arena_printf(a, "export-col-%zu", i + 1)) ||
            !tv_set_bool(a, m, "system", cols[i].kind != COL_FIELD) ||
            !tv_set_bool(a, m, "checked", all || col_chosen(req, cols[i].key)) ||
            !tv_push(a, list, m))
            return -1;
    }
    for (int s = 0; s < 4; s++) {
        const char *name = content_status_name((content_status)s);
        tv *m = tv_map(a);
        if (!m || !tv_set_str(a, m, "name", name) ||
            !tv_set_str(a, m, "label", content_status_label((content_status)s)) ||
            !tv_set_bool(a, m, "selected", status && strcmp(status, name) == 0) ||
            !tv_push(a, statuses, m))
            return -1;
    }
    if (!tv_set(a, root, "columns", list) || !tv_set(a, root, "statuses", statuses) ||
        (error && !web_form_error(req, root, "export-col-1", error)))
        return -1;
    return web_form_render(req, root, "admin/content_export.html");
}

/* ---- the export file ---- */

static const char *cell(arena *a, const content_type *t, const content_item *it, const csv_col *c)
{
    switch (c->kind) {
    case COL_ID: return arena_printf(a, "%lld", (long long)it->id);
    case COL_VARIANT: return admin_csv_variant_label(t, it->variant);
    case COL_STATUS:
        return it->live_id ? arena_printf(a, "%s（差し替え用）", content_status_label(it->status))
                           : content_status_label(it->status);
    case COL_CREATED: return jst_text(a, it->created_at, false);
    case COL_UPDATED: return jst_text(a, it->updated_at, false);
    case COL_PUBLISHED: return jst_text(a, it->published_at, true);
    case COL_FIELD: return record_get(&it->rec, c->key);
    }
    return NULL;
}

/* Writes the CSV of every item of t (not trashed; status "" = any) with
 * the columns sel[0..n) into the response.  -1 on an error. */
static int export_csv(http_request *req, const content_env *e, const content_type *t,
                      const csv_col *const *sel, size_t n, const char *status)
{
    arena *a = req->a;
    buf *out = &req->resp.body;
    buf_reset(out);
    csv_write_bom(out);
    const char **fields = arena_alloc(a, n * sizeof *fields);
    if (!fields)
        return -1;
    for (size_t i = 0; i < n; i++)
        fields[i] = sel[i]->header;
    csv_write_record(out, fields, NULL, n);
    content_status st = CONTENT_DRAFT;
    bool by_status = status && content_status_parse(status, &st);
    for (int page = 1;; page++) {
        arena scratch;
        arena_init(&scratch);
        content_env pe = *e;
        pe.a = &scratch;
        pe.fields.a = &scratch;
        content_list_query q = {.type = t,
                                .status = by_status ? (int)st : -1,
                                .sort = "created",
                                .asc = true,
                                .page = page,
                                .per_page = EXPORT_PAGE};
        content_list list;
        bool ok = content_list_staff(&pe, &q, &list) == CONTENT_OK;
        for (int i = 0; ok && i < list.n; i++) {
            content_item it;
            content_rc rc = content_get(&pe, t, list.items[i].id, &it);
            if (rc == CONTENT_NOT_FOUND) /* purged while we read */
                continue;
            ok = rc == CONTENT_OK;
            for (size_t k = 0; ok && k < n; k++)
                fields[k] = cell(&scratch, t, &it, sel[k]);
            if (ok)
                csv_write_record(out, fields, NULL, n);
        }
        bool last = !ok || list.n < EXPORT_PAGE;
        arena_free(&scratch);
        if (!ok || !buf_ok(out)) {
            buf_reset(out);
            return -1;
        }
        if (last)
            break;
    }
    char day[16];
    time_t now = time(NULL) + 9 * 3600;
    struct tm j;
    if (!gmtime_r(&now, &j) || !strftime(day, sizeof day, "%Y%m%d", &j))
        return -1;
    req->resp.status = 200;
    req->resp.content_type = "text/csv; charset=utf-8";
    req->resp.cache = CACHE_NONE; /* it holds staff-only fields */
    req->resp.gzip_ok = true;
    /* Type names are [a-z_]: nothing to quote in the file name. */
    const char *disp = arena_printf(a, "attachment; filename=\"%s-%s.csv\"", t->name, day);
    return disp && http_resp_header(req, "Content-Disposition", disp) ? 0 : -1;
}

int web_admin_content_export(http_request *req)
{
    const content_type *t = web_content_type(req);
    if (!t)
        return not_found(req);
    content_env e;
    if (!web_content_env(req, &e)) {
        http_error(req, 503);
        return 0;
    }
    csv_col *cols;
    size_t ncols;
    if (!admin_csv_columns(req->a, t, &cols, &ncols))
        return -1;
    const char *status = http_query(req, "status");
    content_status st;
    if (status && !content_status_parse(status, &st))
        status = NULL;
    const char *download = http_query(req, "download");
    if (!download || strcmp(download, "1") != 0)
        return export_form(req, t, cols, ncols, true, status, NULL);

    const csv_col **sel = arena_alloc(req->a, ncols * sizeof *sel);
    if (!sel)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < ncols; i++)
        if (col_chosen(req, cols[i].key))
            sel[n++] = &cols[i];
    if (n == 0)
        return export_form(req, t, cols, ncols, false, status,
                           "書き出す列を 1 つ以上選んでください。");
    return export_csv(req, &e, t, sel, n, status);
}

