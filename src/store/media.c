/* media.c - the media library's table, one SQL statement per function.
 * See media.h. */
#include "store/media.h"

#include <string.h>

#include "core/buf.h"

#define MEDIA_COLS                                                                                 \
    "m.id, m.stored, m.name, m.mime, m.size, m.width, m.height, m.thumb, m.alt, m.public, "        \
    "m.uploaded_by, a.login, a.name, m.created_at, m.trashed_at "                                  \
    "FROM media m LEFT JOIN account a ON a.id = m.uploaded_by"

static bool read_row(store_stmt *st, arena *a, store_media_row *r)
{
    bool ok = true;
    memset(r, 0, sizeof *r);
    r->id = store_col_int(st, 0);
    r->stored = store_col_dup(st, a, 1, &ok);
    r->name = store_col_dup(st, a, 2, &ok);
    r->mime = store_col_dup(st, a, 3, &ok);
    r->size = store_col_int(st, 4);
    r->width = store_col_null(st, 5) ? 0 : store_col_int(st, 5);
    r->height = store_col_null(st, 6) ? 0 : store_col_int(st, 6);
    r->thumb = store_col_dup(st, a, 7, &ok);
    r->alt = store_col_dup(st, a, 8, &ok);
    r->public = store_col_int(st, 9) != 0;
    r->uploaded_by = store_col_null(st, 10) ? 0 : store_col_int(st, 10);
    r->uploader_login = store_col_dup(st, a, 11, &ok);
    r->uploader_name = store_col_dup(st, a, 12, &ok);
    r->created_at = store_col_dup(st, a, 13, &ok);
    r->trashed_at = store_col_dup(st, a, 14, &ok);
    return ok && r->stored && r->name && r->mime && r->alt && r->created_at;
}

store_rc store_media_insert(store *db, const store_media_new *n, int64_t *id)
{
    store_stmt *st = store_prepare(
        db, "INSERT INTO media (stored, name, mime, size, width, height, thumb, alt, public, "
            "uploaded_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
            "RETURNING id");
    if (!st)
        return STORE_ERROR;
    bool ok =
        store_bind_str(st, 1, n->stored) && store_bind_str(st, 2, n->name) &&
        store_bind_str(st, 3, n->mime) && store_bind_int(st, 4, n->size) &&
        (n->width > 0 ? store_bind_int(st, 5, n->width) : store_bind_null(st, 5)) &&
        (n->height > 0 ? store_bind_int(st, 6, n->height) : store_bind_null(st, 6)) &&
        store_bind_str(st, 7, n->thumb) && store_bind_str(st, 8, n->alt ? n->alt : "") &&
        store_bind_int(st, 9, n->public ? 1 : 0) &&
        (n->uploaded_by > 0 ? store_bind_int(st, 10, n->uploaded_by) : store_bind_null(st, 10)) &&
        store_bind_str(st, 11, n->now);
    store_rc rc = ok ? store_step(st) : STORE_ERROR;
    if (rc == STORE_ROW) {
        if (id)
            *id = store_col_int(st, 0);
        rc = STORE_OK;
    }
    store_done(st);
    return rc;
}

store_rc store_media_get(store *db, arena *a, int64_t id, store_media_row *out)
{
    store_stmt *st = store_prepare(db, "SELECT " MEDIA_COLS " WHERE m.id = ?");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_bind_int(st, 1, id) ? store_step(st) : STORE_ERROR;
    if (rc == STORE_ROW)
        rc = read_row(st, a, out) ? STORE_OK : STORE_NOMEM;
    store_done(st);
    return rc;
}

/* The LIKE pattern "%part%" with the wildcards and the escape character of
 * part escaped by '\', so the name is matched as plain text.  NULL on OOM;
 * "" when part is empty (no filter). */
static const char *like_pattern(arena *a, const char *part)
{
    if (!part || !*part)
        return "";
    size_t n = strlen(part);
    char *p = arena_alloc(a, 2 * n + 3);
    if (!p)
        return NULL;
    char *w = p;
    *w++ = '%';
    for (size_t i = 0; i < n; i++) {
        if (part[i] == '%' || part[i] == '_' || part[i] == '\\')
            *w++ = '\\';
        *w++ = part[i];
    }
    *w++ = '%';
    *w = '\0';
    return p;
}

/* The WHERE clause shared by the list and the count (?1 trash, ?2 kind,
 * ?3 pattern), so the two always agree.  lower() on both sides makes the
 * name match ignore ASCII case on either engine. */
#define MEDIA_FILTER                                                                               \
    "((?1 = 1) = (m.trashed_at IS NOT NULL)) "                                                     \
    "AND (?2 = '' OR (?2 = 'image') = (substr(m.mime, 1, 6) = 'image/')) "                         \
    "AND (?3 = '' OR lower(m.name) LIKE lower(?3) ESCAPE '\\') "

static bool bind_filter(store_stmt *st, const store_media_filter *f, const char *pattern)
{
    const char *kind =
        f->kind && (strcmp(f->kind, "image") == 0 || strcmp(f->kind, "other") == 0) ? f->kind : "";
    return store_bind_int(st, 1, f->trash ? 1 : 0) && store_bind_str(st, 2, kind) &&
           store_bind_str(st, 3, pattern);
}

store_rc store_media_list(store *db, arena *a, const store_media_filter *f, int64_t before_id,
                          int limit, store_media_row **rows, int *n)
{
    *rows = NULL;
    *n = 0;
    if (limit <= 0)
        return STORE_OK;
    const char *pattern = like_pattern(a, f->name_contains);
    store_media_row *out = arena_alloc(a, (size_t)limit * sizeof *out);
    if (!pattern || !out)
        return STORE_NOMEM;
    store_stmt *st = store_prepare(db, "SELECT " MEDIA_COLS " WHERE " MEDIA_FILTER
                                       "AND (?4 = 0 OR m.id < ?4) ORDER BY m.id DESC LIMIT ?5");
    if (!st)
        return STORE_ERROR;
    store_rc rc = STORE_ERROR;
    if (bind_filter(st, f, pattern) && store_bind_int(st, 4, before_id > 0 ? before_id : 0) &&
        store_bind_int(st, 5, limit)) {
        int k = 0;
        while (k < limit && (rc = store_step(st)) == STORE_ROW) {
            if (!read_row(st, a, &out[k])) {
                rc = STORE_NOMEM;
                break;
            }
            k++;
        }
        if (rc == STORE_DONE || rc == STORE_ROW) {
            rc = STORE_OK;
            *rows = out;
            *n = k;
        }
    }
    store_done(st);
    return rc;
}

int64_t store_media_count(store *db, const store_media_filter *f)
{
    arena a;
    arena_init(&a);
    const char *pattern = like_pattern(&a, f->name_contains);
    int64_t n = -1;
    store_stmt *st =
        pattern ? store_prepare(db, "SELECT count(*) FROM media m WHERE " MEDIA_FILTER) : NULL;
    if (st && bind_filter(st, f, pattern) && store_step(st) == STORE_ROW)
        n = store_col_int(st, 0);
    store_done(st);
    arena_free(&a);
    return n;
}

store_rc store_media_update(store *db, int64_t id, const char *alt, bool public)
{
    store_stmt *st = store_prepare(db, "UPDATE media SET alt = ?, public = ? WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st,
                       store_bind_str(st, 1, alt ? alt : "") &&
                           store_bind_int(st, 2, public ? 1 : 0) && store_bind_int(st, 3, id), NULL);
}

store_rc store_media_trash(store *db, int64_t id, const char *now)
{
    store_stmt *st =
        store_prepare(db, "UPDATE media SET trashed_at = ? WHERE id = ? AND trashed_at IS NULL");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st, store_bind_str(st, 1, now) && store_bind_int(st, 2, id), NULL);
}

store_rc store_media_restore(store *db, int64_t id)
{
    store_stmt *st = store_prepare(
        db, "UPDATE media SET trashed_at = NULL WHERE id = ? AND trashed_at IS NOT NULL");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st, store_bind_int(st, 1, id), NULL);
}

store_rc store_media_delete(store *db, int64_t id)
{
    store_stmt *st = store_prepare(db, "DELETE FROM media WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st, store_bind_int(st, 1, id), NULL);
}
