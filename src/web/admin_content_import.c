/*
 * admin_content_import.c - CSV import of any content type with a dry run and
 * a per-line report, all or nothing (issue point 1).  See admin_io.h for the
 * URLs and admin_content_csv.c for the columns.
 *
 * The header is mapped to columns by "[key]", or by the exact label or key;
 * an unknown or repeated column refuses the whole file.  Of the system
 * columns only ID (update that item; empty = a new draft) and 種別 are
 * read; 状態 and the dates are the system's and are ignored.  An update
 * starts from the item's current record and changes only the columns the
 * file has, so a file of a few columns does not blank the others.  A line of
 * empty cells only (a spreadsheet's leftover) is skipped.  Each line is read
 * by the field engine as a form would be (field_read_form) and validated
 * (field_validate); the report lists every line with its errors, or what it
 * changes.  A dry run (検査) stops there.  An import applies the file only
 * when no line has an error, all lines in one transaction
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

/* Rows of the import report shown on the page: every line with an error
 * (up to this many), then the other lines while there is room.  A file of
 * many thousand good lines reports them as counts. */
#define REPORT_MAX_ROWS 1000

/* Characters of a value shown in the report's "what changes" column. */
#define REPORT_VALUE_CHARS 60

static int not_found(http_request *req)
{
    http_error(req, 404);
    return 0;
}

/* ---- the import form ---- */

static tv *import_root(http_request *req, const content_type *t, const csv_col *cols, size_t ncols)
{
    arena *a = req->a;
    tv *root = admin_csv_form_root(req, t, arena_printf(a, "%sの CSV 取り込み", t->label));
    tv *list = tv_list(a);
    if (!root || !list)
        return NULL;
    for (size_t i = 0; i < ncols; i++) {
        tv *m = tv_map(a);
        if (!m || !tv_set_str(a, m, "header", cols[i].header) ||
            !tv_set_bool(a, m, "read_only",
                         cols[i].kind != COL_FIELD && cols[i].kind != COL_ID &&
                             cols[i].kind != COL_VARIANT) ||
            !tv_push(a, list, m))
            return NULL;
    }
    return tv_set(a, root, "columns", list) && tv_set_bool(a, root, "has_report", false) ? root
                                                                                         : NULL;
}

int web_admin_content_import_form(http_request *req)
{
    const content_type *t = web_content_type(req);
    if (!t)
        return not_found(req);
    csv_col *cols;
    size_t ncols;
    if (!admin_csv_columns(req->a, t, &cols, &ncols))
        return -1;
    tv *root = import_root(req, t, cols, ncols);
    if (!root)
        return -1;
    return web_form_render(req, root, "admin/content_import.html");
}

/* ---- reading the upload ---- */

/* The uploaded file of form field "file", or NULL. */
static const http_upload *upload_of(http_request *req)
{
    for (size_t i = 0; req->form && i < req->form->nfiles; i++) {
        const http_upload *u = &req->form->files[i];
        if (strcmp(u->field, "file") == 0 && u->path)
            return u;
    }
    return NULL;
}

/* Reads the whole file at path (at most max bytes) into a fault_malloc'd
 * buffer the caller frees.  NULL with *too_big set when it is larger. */
static char *read_all(const char *path, size_t max, size_t *len, bool *too_big)
{
    *len = 0;
    *too_big = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat sb;
    char *data = NULL;
    if (fstat(fd, &sb) != 0 || sb.st_size < 0)
        goto out;
    if ((size_t)sb.st_size > max) {
        *too_big = true;
        goto out;
    }
    data = fault_malloc((size_t)sb.st_size + 1);
    if (!data)
        goto out;
    size_t got = 0;
    while (got < (size_t)sb.st_size) {
        ssize_t r = read(fd, data + got, (size_t)sb.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            free(data);
            data = NULL;
            goto out;
        }
        got += (size_t)r;
    }
    data[got] = '\0';
    *len = got;
out:
    close(fd);
    return data;
}

/* ---- one line of the import ---- */

typedef struct import_row {
    size_t line;
    int64_t id; /* 0 = new */
    int base_rev;
    int variant;
    record rec; /* the fields after field_read_form() */
    const char *title;
    tv *errors;     /* list of strings */
    tv *changes;    /* list of strings */
    bool unchanged; /* an update that changes nothing */
    int64_t saved;  /* after the import: the item that holds the line */
} import_row;

typedef struct import_state {
    http_request *req;
    const content_env *e;
    const content_type *t;
    const csv_col *cols;
    size_t ncols;
    const size_t *map; /* header cell -> column */
    size_t nmap;
    import_row *rows;
    size_t n, cap;
    size_t nerror_lines;
} import_state;

static bool row_error(arena *a, import_row *r, const char *msg)
{
    return msg && tv_push(a, r->errors, tv_str(a, msg));
}

/* Refuses line r with msg (counted once); false only on OOM. */
static bool refuse(import_state *s, import_row *r, const char *msg)
{
    s->nerror_lines++;
    return row_error(s->req->a, r, msg);
}

/* s cut to max characters with "…" (valid UTF-8 in, valid UTF-8 out). */
static const char *clip(arena *a, const char *s, size_t max)
{
    size_t chars = 0, i = 0;
    for (; s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == max)
            break;
    if (!s[i])
        return s;
    const char *cut = arena_strndup(a, s, i);
    return cut ? arena_printf(a, "%s…", cut) : NULL;
}

/* One value for the report: quoted, newlines shown as spaces, clipped. */
static const char *show_value(arena *a, const char *s)
{
    if (!s || !*s)
        return "（空欄）";
    char *c = arena_strdup(a, s);
    if (!c)
        return NULL;
    for (char *p = c; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    const char *v = clip(a, c, REPORT_VALUE_CHARS);
    return v ? arena_printf(a, "「%s」", v) : NULL;
}

/* The label of record key key among the columns (the key itself if none). */
static const char *key_label(const import_state *s, const char *key)
{
    for (size_t i = 0; i < s->ncols; i++)
        if (s->cols[i].kind == COL_FIELD && strcmp(s->cols[i].key, key) == 0)
            return s->cols[i].label;
    return key;
}

/* Lists in r->changes what the update changes in cur (field by field). */
static bool list_changes(const import_state *s, import_row *r, const record *cur)
{
    arena *a = s->req->a;
    const record *both[2] = {cur, &r->rec};
    for (int side = 0; side < 2; side++)
        for (size_t i = 0; i < both[side]->n; i++) {
            const char *key = both[side]->kv[i].key;
            if (side == 1 && record_get(cur, key))
                continue; /* seen from the current record's side */
            const char *was = record_get(cur, key), *now = record_get(&r->rec, key);
            if (was && now && strcmp(was, now) == 0)
                continue;
            const char *b = show_value(a, was), *c = show_value(a, now);
            const char *line =
                b && c ? arena_printf(a, "%s：%s → %s", key_label(s, key), b, c) : NULL;
            if (!line || !tv_push(a, r->changes, tv_str(a, line)))
                return false;
        }
    r->unchanged = tv_len(r->changes) == 0;
    return true;
}

/* s without surrounding spaces and tabs, copied into a (NULL on OOM).  For
 * header cells, the ID and the variant; field values are the engine's to
 * normalise. */
static const char *trimmed(arena *a, const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return arena_strndup(a, s, n);
}

/* A value for the record: guard undone, CR LF as LF (Excel writes CR LF in
 * a cell; the forms and the stored text use LF). */
static const char *field_value(arena *a, const csv_field *f)
{
    const char *s = f->s;
    size_t len = f->len;
    csv_unguard(&s, &len);
    char *v = arena_alloc(a, len + 1);
    if (!v)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        if (!(s[i] == '\r' && i + 1 < len && s[i + 1] == '\n'))
            v[k++] = s[i];
    v[k] = '\0';
    return v;
}

/* Parses a positive ID of at most 15 digits, else 0. */
static int64_t parse_id(const char *s)
{
    if (!s || s[0] < '1' || s[0] > '9' || strlen(s) > 15)
        return 0;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return (int64_t)strtoll(s, NULL, 10);
}

/* Checks one data line into a new row.  False only on OOM or a database
 * error (the request fails); the line's own mistakes go into its errors. */
static bool read_line(import_state *s, const csv_record *rec)
{
    arena *a = s->req->a;
    const content_type *t = s->t;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        import_row *p = arena_alloc(a, cap * sizeof *p);
        if (!p)
            return false;
        if (s->n)
            memcpy(p, s->rows, s->n * sizeof *p);
        s->rows = p;
        s->cap = cap;
    }
    import_row *r = &s->rows[s->n++];
    memset(r, 0, sizeof *r);
    r->line = rec->line;
    r->errors = tv_list(a);
    r->changes = tv_list(a);
    record_init(&r->rec, a);
    if (!r->errors || !r->changes)
        return false;
    if (rec->n != s->nmap)
        return refuse(
            s, r,
            arena_printf(a, "列の数が見出しの行と違います（見出しは %zu 列、この行は %zu 列）。",
                         s->nmap, rec->n));

    /* ID and variant first: an update starts from the item as it is. */
    const char *id_s = NULL, *variant_s = NULL;
    for (size_t i = 0; i < s->nmap; i++) {
        const csv_col *c = &s->cols[s->map[i]];
        if (c->kind == COL_ID)
            id_s = trimmed(a, rec->fields[i].s);
        else if (c->kind == COL_VARIANT)
            variant_s = trimmed(a, rec->fields[i].s);
        if ((c->kind == COL_ID && !id_s) || (c->kind == COL_VARIANT && !variant_s))
            return false;
    }
    content_item cur;
    memset(&cur, 0, sizeof cur);
    bool update = id_s && *id_s;
    record raw;
    record_init(&raw, a);
    if (update) {
        r->id = parse_id(id_s);
        if (!r->id)
            return refuse(
                s, r,
                arena_printf(a, "ID「%s」は数字で入力してください（新しく作る行は空欄にします）。",
                             id_s));
        content_rc rc = content_get(s->e, t, r->id, &cur);
        if (rc == CONTENT_NOT_FOUND)
            return refuse(
                s, r, arena_printf(a, "ID %lld の%sはありません。", (long long)r->id, t->label));
        if (rc != CONTENT_OK)
            return false;
        r->base_rev = cur.rev;
        r->variant = cur.variant;
        r->title = cur.title;
        if (cur.trashed_at)
            return refuse(s, r, "ゴミ箱の中の項目は更新できません。先にゴミ箱から戻してください。");
        if (cur.status == CONTENT_PUBLISHED && !cur.live_id && cur.staged_id) {
            content_item staged;
            rc = content_get(s->e, t, cur.staged_id, &staged);
            if (rc != CONTENT_OK && rc != CONTENT_NOT_FOUND)
                return false;
            if (rc == CONTENT_OK && staged.status == CONTENT_REVIEW)
                return refuse(
                    s, r,
                    "この項目の変更は確認待ちです。引き戻すか差し戻されてから更新してください。");
        }
        if (variant_s && *variant_s && admin_csv_variant(t, variant_s) != cur.variant)
            return refuse(s, r, "種別は変更できません。");
        if (!record_copy(&raw, &cur.rec))
            return false;
    } else if (t->variants) {
        r->variant = variant_s && *variant_s ? admin_csv_variant(t, variant_s) : -1;
        if (r->variant < 0) {
            buf b = BUF_INIT;
            buf_init(&b, 4096);
            for (int v = 0; t->variants[v]; v++)
                buf_printf(&b, "%s「%s」", v ? "、" : "", admin_csv_variant_label(t, v));
            buf_putc(&b, '\0');
            const char *names = buf_ok(&b) ? arena_strdup(a, b.data) : NULL;
            buf_free(&b);
            return names &&
                   refuse(s, r, arena_printf(a, "種別を %s のどれかで入力してください。", names));
        }
    }

    for (size_t i = 0; i < s->nmap; i++) {
        const csv_col *c = &s->cols[s->map[i]];
        if (c->kind != COL_FIELD)
            continue;
        const char *v = field_value(a, &rec->fields[i]);
        if (!v)
            return false;
        if (!record_set(&raw, c->key, v))
            return refuse(s, r, arena_printf(a, "「%s」の値を読み取れません。", c->label));
    }
    /* The engine reads the line as it would the form, then checks it. */
    field_input in;
    field_input_record(&in, &raw);
    if (!field_read_form(&s->e->fields, t, r->variant, &in, &r->rec))
        return false;
    field_errors errs = {0};
    if (!field_validate(&s->e->fields, t, r->variant, &r->rec, &errs) && errs.n == 0)
        return false;
    for (size_t i = 0; i < errs.n; i++)
        if (!row_error(a, r, errs.e[i].message))
            return false;
    if (errs.n)
        s->nerror_lines++;
    const char *title = record_get(&r->rec, t->title_field);
    if (title)
        r->title = title;
    return update && errs.n == 0 ? list_changes(s, r, &cur.rec) : true;
}

/* One item on two lines would be saved twice in one import, the second
 * overwriting the first: every line after the first of an ID is refused.
 * Sorting keeps this O(n log n) for the largest file. */
typedef struct id_ref {
    int64_t id;
    size_t row;
} id_ref;

static int by_id(const void *x, const void *y)
{
    const id_ref *p = x, *q = y;
    if (p->id != q->id)
        return p->id < q->id ? -1 : 1;
    return p->row < q->row ? -1 : p->row > q->row;
}

static bool refuse_repeated_ids(import_state *s)
{
    arena *a = s->req->a;
    id_ref *refs = s->n ? arena_alloc(a, s->n * sizeof *refs) : NULL;
    if (s->n && !refs)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->rows[i].id)
            refs[k++] = (id_ref){s->rows[i].id, i};
    if (k > 1)
        qsort(refs, k, sizeof *refs, by_id);
    size_t first = 0; /* the first ref of the current ID */
    for (size_t i = 1; i < k; i++) {
        if (refs[i].id != refs[first].id) {
            first = i;
            continue;
        }
        import_row *r = &s->rows[refs[i].row];
        const char *msg = arena_printf(
            a, "ID %lld は %zu 行目にもあります。1 つの項目は 1 行にまとめてください。",
            (long long)r->id, s->rows[refs[first].row].line);
        bool had_errors = tv_len(r->errors) > 0;
        if (!row_error(a, r, msg))
            return false;
        if (!had_errors)
            s->nerror_lines++;
    }
    return true;
}

/* ---- the header ---- */

/* Maps each header cell to a column; false with a Japanese message in err
 * for an empty, unknown or repeated column.  map has room for h->n. */
static bool map_header(import_state *s, const csv_record *h, size_t *map, char *err, size_t errlen)
{
    arena *a = s->req->a;
    for (size_t i = 0; i < h->n; i++) {
        const char *cellv = trimmed(a, h->fields[i].s);
        if (!cellv) {
            utf8_format(err, errlen, "メモリが足りません。");
            return false;
        }
        if (!*cellv) {
            utf8_format(err, errlen,
                        "%zu 行目（見出し）の %zu 列目が空です。列の見出しを入れてください。",
                        h->line, i + 1);
            return false;
        }
        /* 「タイトル [title]」: the key in the last brackets decides. */
        const char *key = NULL;
        size_t len = strlen(cellv);
        const char *open = strrchr(cellv, '[');
        if (len > 2 && cellv[len - 1] == ']' && open) {
            const char *inner = arena_strndup(a, open + 1, (size_t)(cellv + len - 1 - (open + 1)));
            key = inner ? trimmed(a, inner) : NULL;
            if (!key) {
                utf8_format(err, errlen, "メモリが足りません。");
                return false;
            }
        }
        size_t found = CSV_NO_COLUMN;
        for (size_t k = 0; k < s->ncols && found == CSV_NO_COLUMN; k++)
            if (key ? strcmp(key, s->cols[k].key) == 0
                    : strcmp(cellv, s->cols[k].label) == 0 || strcmp(cellv, s->cols[k].key) == 0)
                found = k;
        if (found == CSV_NO_COLUMN) {
            utf8_format(err, errlen,
                        "%zu 行目（見出し）の %zu 列目「%s」は、%sの列ではありません。書き出した "
                        "CSV の見出しをそのまま使ってください。",
                        h->line, i + 1, cellv, s->t->label);
            return false;
        }
        for (size_t j = 0; j < i; j++)
            if (map[j] == found) {
                utf8_format(err, errlen,
                            "%zu 行目（見出し）の %zu 列目「%s」は、%zu 列目と同じ列です。",
                            h->line, i + 1, cellv, j + 1);
                return false;
            }
        map[i] = found;
    }
    return true;
}

/* ---- the report ---- */

static tv *row_tv(const import_state *s, const import_row *r)
{
    arena *a = s->req->a;
    tv *m = tv_map(a);
    const char *url =
        r->saved ? arena_printf(a, "/admin/content/%s/%lld", s->t->name, (long long)r->saved) : "";
    bool ok = m && url && tv_set_int(a, m, "line", (long long)r->line) &&
              tv_set_int(a, m, "id", (long long)r->id) &&
              tv_set_str(a, m, "title", r->title ? r->title : "") &&
              tv_set(a, m, "errors", r->errors) && tv_set(a, m, "changes", r->changes) &&
              tv_set_bool(a, m, "ok", tv_len(r->errors) == 0) &&
              tv_set_bool(a, m, "unchanged", r->unchanged) && tv_set_str(a, m, "url", url);
    return ok ? m : NULL;
}

/* Puts the report into root: the rows (see REPORT_MAX_ROWS) and counts. */
static bool set_report(const import_state *s, tv *root, bool applied)
{
    arena *a = s->req->a;
    tv *list = tv_list(a), *counts = tv_map(a);
    if (!list || !counts)
        return false;
    size_t shown = 0, nnew = 0, nupdate = 0, nsame = 0;
    size_t room = REPORT_MAX_ROWS > s->nerror_lines ? REPORT_MAX_ROWS - s->nerror_lines : 0;
    for (size_t i = 0; i < s->n; i++) {
        const import_row *r = &s->rows[i];
        bool bad = tv_len(r->errors) > 0;
        if (!bad) {
            if (!r->id)
                nnew++;
            else if (r->unchanged)
                nsame++;
            else
                nupdate++;
        }
        if (bad ? shown < REPORT_MAX_ROWS : room > 0) {
            if (!tv_push(a, list, row_tv(s, r)))
                return false;
            shown++;
            if (!bad)
                room--;
        }
    }
    return tv_set_int(a, counts, "lines", (long long)s->n) &&
           tv_set_int(a, counts, "errors", (long long)s->nerror_lines) &&
           tv_set_int(a, counts, "new", (long long)nnew) &&
           tv_set_int(a, counts, "update", (long long)nupdate) &&
           tv_set_int(a, counts, "same", (long long)nsame) &&
           tv_set_int(a, counts, "hidden", (long long)(s->n - shown)) &&
           tv_set(a, root, "counts", counts) && tv_set(a, root, "report", list) &&
           tv_set_bool(a, root, "has_report", true) && tv_set_bool(a, root, "applied", applied);
}

/* Renders the import page with status (400 and the error title when the
 * form has errors, via web_form_render, unless status says otherwise). */
static int render_import(http_request *req, tv *root, int status)
{
    if (status == 0 || status == 200 || status == 400)
        return web_form_render(req, root, "admin/content_import.html");
    tv *page = (tv *)tv_get(root, "page");
    const char *title = tv_text(tv_get(page, "title"), NULL);
    const char *t = arena_printf(req->a, "取り込めませんでした：%s", title ? title : "");
    if (!t || !tv_set_str(req->a, page, "title", t))
        return -1;
    return web_render(req, status, "admin/content_import.html", root) ? 0 : -1;
}

/* A line of empty cells only (",,,"): spreadsheets leave them below the
 * data; it is no item, so it is skipped rather than refused. */
static bool blank_record(const csv_record *rec)
{
    for (size_t i = 0; i < rec->n; i++)
        for (const char *p = rec->fields[i].s; *p; p++)
            if (*p != ' ' && *p != '\t')
                return false;
    return true;
}

/* Reads and checks the whole file; -1 on an error of ours, 0 when a file
 * error went into root (the caller renders), 1 when the lines are read. */
static int read_file(import_state *s, tv *root, const char *data, size_t len)
{
    http_request *req = s->req;
    char err[512];
    csv_reader *rd = csv_open(data, len, err, sizeof err);
    if (!rd)
        return web_form_error(req, root, "import-file", err) ? 0 : -1;
    int result = -1;
    csv_record rec;
    int got = csv_next(rd, &rec, err, sizeof err);
    if (got <= 0) {
        result = web_form_error(
                     req, root, "import-file",
                     got == 0 ? "ファイルが空です。見出しの行と取り込む行を入れてください。" : err)
                     ? 0
                     : -1;
        goto out;
    }
    size_t *map = arena_alloc(req->a, rec.n * sizeof *map);
    if (!map)
        goto out;
    if (!map_header(s, &rec, map, err, sizeof err)) {
        result = web_form_error(req, root, "import-file", err) ? 0 : -1;
        goto out;
    }
    s->map = map;
    s->nmap = rec.n;
    while ((got = csv_next(rd, &rec, err, sizeof err)) == 1)
        if (!blank_record(&rec) && !read_line(s, &rec))
            goto out;
    if (got == 0 && !refuse_repeated_ids(s))
        goto out;
    if (got < 0) {
        /* A broken line (a quote never closed ...) stops the reader: the
         * whole file is refused, naming the line. */
        result = web_form_error(req, root, "import-file", err) ? 0 : -1;
        goto out;
    }
    if (s->n == 0) {
        result =
            web_form_error(req, root, "import-file", "見出しの行のほかに、取り込む行がありません。")
                ? 0
                : -1;
        goto out;
    }
    result = 1;
out:
    csv_close(rd);
    return result;
}

/* Applies the checked lines; the status to answer, or -1. */
static int apply(import_state *s, tv *root)
{
    http_request *req = s->req;
    arena *a = req->a;
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += !s->rows[i].unchanged;
    content_import_line *lines = n ? arena_alloc(a, n * sizeof *lines) : NULL;
    int64_t *ids = n ? arena_alloc(a, n * sizeof *ids) : NULL;
    size_t *which = n ? arena_alloc(a, n * sizeof *which) : NULL;
    if (n && (!lines || !ids || !which))
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        const import_row *r = &s->rows[i];
        if (r->unchanged)
            continue;
        lines[k] = (content_import_line){.line = r->line,
                                         .id = r->id,
                                         .base_rev = r->base_rev,
                                         .variant = r->variant,
                                         .rec = &r->rec};
        which[k++] = i;
    }
    if (n == 0)
        return 200; /* nothing changes: nothing to store */
    char err[512] = "";
    size_t failed = n;
    content_rc rc =
        content_import(s->e, web_actor(req), s->t, lines, n, ids, &failed, err, sizeof err);
    if (rc == CONTENT_OK) {
        for (size_t i = 0; i < n; i++)
            s->rows[which[i]].saved = ids[i];
        return 200;
    }
    if (failed < n && row_error(a, &s->rows[which[failed]], err))
        s->nerror_lines++;
    if (!web_form_error(req, root, "import-report",
                        err[0] ? err : "取り込めませんでした。何も変更していません。"))
        return -1;
    switch (rc) {
    case CONTENT_CONFLICT: return 409;
    case CONTENT_FORBIDDEN: return 403;
    case CONTENT_ERROR: return 503;
    default: return 400;
    }
}

int web_admin_content_import(http_request *req)
{
    arena *a = req->a;
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
    if (!admin_csv_columns(a, t, &cols, &ncols))
        return -1;
    tv *root = import_root(req, t, cols, ncols);
    if (!root)
        return -1;
    const char *mode = http_form_get(req, "mode");
    bool do_import = mode && strcmp(mode, "import") == 0;
    if (!web_form_keep(req, root, "mode", do_import ? "import" : "check"))
        return -1;

    const http_upload *u = upload_of(req);
    if (!u || u->size == 0) {
        if (!web_form_error(req, root, "import-file", "取り込む CSV ファイルを選んでください。"))
            return -1;
        return render_import(req, root, 400);
    }
    size_t len;
    bool too_big;
    char *data = read_all(u->path, LIMIT_CSV_BYTES, &len, &too_big);
    if (!data) {
        if (!too_big)
            return -1;
        if (!web_form_error(req, root, "import-file",
                            arena_printf(a,
                                         "ファイルが大きすぎます。1 回に取り込めるのは %d MB "
                                         "までです。ファイルを分けてください。",
                                         LIMIT_CSV_BYTES / (1024 * 1024))))
            return -1;
        return render_import(req, root, 400);
    }
    import_state s = {.req = req, .e = &e, .t = t, .cols = cols, .ncols = ncols};
    int read = read_file(&s, root, data, len);
    free(data);
    if (read < 0)
        return -1;
    if (read == 0)
        return render_import(req, root, 400);

    int status = 200;
    if (s.nerror_lines) {
        if (!web_form_error(req, root, "import-report",
                            arena_printf(a,
                                         "%zu "
                                         "行に誤りがあります。直してから、もう一度お試しください。"
                                         "何も取り込んでいません。",
                                         s.nerror_lines)))
            return -1;
        status = 400;
    } else if (do_import) {
        status = apply(&s, root);
        if (status < 0)
            return -1;
    }
    if (!set_report(&s, root, do_import && status == 200))
        return -1;
    return render_import(req, root, status);
}
