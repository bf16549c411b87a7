/* content.c - the content engine's tables, one SQL statement per function.
 * See content.h. */
#include "store/content.h"

#include <string.h>


/* The columns every read returns, in read_row()'s order; data last, so the
 * lists can leave it out. */
#define ROW_COLS                                                                                   \
    "c.id, c.type, c.variant, c.status, c.title, c.slug, coalesce(c.live_id, 0), "                 \
    "coalesce((SELECT s.id FROM content_item s WHERE s.live_id = c.id), 0), c.rev, "               \
    "c.publish_at, c.unpublish_at, c.published_at, c.sort_at, coalesce(c.year, 0), c.announced, "  \
    "coalesce(c.created_by, 0), coalesce(c.updated_by, 0), coalesce(c.submitted_by, 0), "          \
    "(SELECT u.login FROM account u WHERE u.id = c.updated_by), "                                  \
    "(SELECT u.login FROM account u WHERE u.id = c.submitted_by), "                                \
    "c.comment, c.created_at, c.updated_at, c.trashed_at, coalesce(c.lock_by, 0), "                \
    "(SELECT u.login FROM account u WHERE u.id = c.lock_by), c.lock_at, c.menu, c.menu_order"
#define ROW_NCOLS 29
#define ROW_COLS_DATA ROW_COLS ", c.data"

/* The public condition on alias c; ?1 is the current time. */
#define PUBLIC_WHERE                                                                               \
    "c.status = 'published' AND c.trashed_at IS NULL AND c.live_id IS NULL "                       \
    "AND (c.publish_at IS NULL OR c.publish_at <= ?1) "                                            \
    "AND (c.unpublish_at IS NULL OR c.unpublish_at > ?1)"

static bool read_row(store_stmt *st, arena *a, bool with_data, store_content_row *r)
{
    bool ok = true;
    memset(r, 0, sizeof *r);
    r->id = store_col_int(st, 0);
    r->type = store_col_dup(st, a, 1, &ok);
    r->variant = store_col_dup(st, a, 2, &ok);
    r->status = store_col_dup(st, a, 3, &ok);
    r->title = store_col_dup(st, a, 4, &ok);
    r->slug = store_col_dup(st, a, 5, &ok);
    r->live_id = store_col_int(st, 6);
    r->staged_id = store_col_int(st, 7);
    r->rev = (int)store_col_int(st, 8);
    r->publish_at = store_col_dup(st, a, 9, &ok);
    r->unpublish_at = store_col_dup(st, a, 10, &ok);
    r->published_at = store_col_dup(st, a, 11, &ok);
    r->sort_at = store_col_dup(st, a, 12, &ok);
    r->year = (int)store_col_int(st, 13);
    r->announced = store_col_int(st, 14) != 0;
    r->created_by = store_col_int(st, 15);
    r->updated_by = store_col_int(st, 16);
    r->submitted_by = store_col_int(st, 17);
    r->updated_by_name = store_col_dup(st, a, 18, &ok);
    r->submitted_by_name = store_col_dup(st, a, 19, &ok);
    r->comment = store_col_dup(st, a, 20, &ok);
    r->created_at = store_col_dup(st, a, 21, &ok);
    r->updated_at = store_col_dup(st, a, 22, &ok);
    r->trashed_at = store_col_dup(st, a, 23, &ok);
    r->lock_by = store_col_int(st, 24);
    r->lock_by_name = store_col_dup(st, a, 25, &ok);
    r->lock_at = store_col_dup(st, a, 26, &ok);
    r->menu = store_col_dup(st, a, 27, &ok);
    r->menu_order = (int)store_col_int(st, 28);
    if (with_data)
        r->data = store_col_dup(st, a, ROW_NCOLS, &ok);
    return ok;
}

/* Steps st (bound or not) for one row into *r. */
static store_rc step_row(store_stmt *st, arena *a, bool bound, bool with_data,
                         store_content_row *r)
{
    store_rc rc = bound ? store_step(st) : STORE_ERROR;
    if (rc == STORE_ROW)
        rc = read_row(st, a, with_data, r) ? STORE_OK : STORE_NOMEM;
    store_done(st);
    return rc;
}

/* Steps st for up to limit rows into a new array. */
static store_rc step_rows(store_stmt *st, arena *a, bool bound, bool with_data, int limit,
                          store_content_row **rows, int *n)
{
    *rows = NULL;
    *n = 0;
    store_content_row *out = limit > 0 ? arena_alloc(a, (size_t)limit * sizeof *out) : NULL;
    store_rc rc = bound ? STORE_OK : STORE_ERROR;
    if (limit > 0 && !out)
        rc = STORE_NOMEM;
    int k = 0;
    while (rc == STORE_OK && k < limit && (rc = store_step(st)) == STORE_ROW) {
        rc = read_row(st, a, with_data, &out[k]) ? STORE_OK : STORE_NOMEM;
        k++;
    }
    store_done(st);
    if (rc != STORE_OK && rc != STORE_DONE)
        return rc;
    *rows = out;
    *n = k;
    return STORE_OK;
}

store_rc store_content_insert(store *db, const store_content_row *r, int64_t *id)
{
    store_stmt *st = store_prepare(
        db, "INSERT INTO content_item (type, variant, status, title, data, slug, live_id, rev, "
            "publish_at, unpublish_at, published_at, sort_at, year, announced, created_by, "
            "updated_by, submitted_by, comment, created_at, updated_at, menu, menu_order) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "RETURNING id");
    if (!st)
        return STORE_ERROR;
    bool bound = store_bind_str(st, 1, r->type) && store_bind_str(st, 2, r->variant ? r->variant : "") &&
                 store_bind_str(st, 3, r->status) && store_bind_str(st, 4, r->title ? r->title : "") &&
                 store_bind_str(st, 5, r->data ? r->data : "") && store_bind_str(st, 6, r->slug) &&
                 store_bind_id(st, 7, r->live_id) && store_bind_int(st, 8, r->rev > 0 ? r->rev : 1) &&
                 store_bind_str(st, 9, r->publish_at) && store_bind_str(st, 10, r->unpublish_at) &&
                 store_bind_str(st, 11, r->published_at) && store_bind_str(st, 12, r->sort_at) &&
                 (r->year ? store_bind_int(st, 13, r->year) : store_bind_null(st, 13)) &&
                 store_bind_int(st, 14, r->announced) && store_bind_id(st, 15, r->created_by) &&
                 store_bind_id(st, 16, r->updated_by) && store_bind_id(st, 17, r->submitted_by) &&
                 store_bind_str(st, 18, r->comment) && store_bind_str(st, 19, r->created_at) &&
                 store_bind_str(st, 20, r->updated_at) && store_bind_str(st, 21, r->menu) &&
                 store_bind_int(st, 22, r->menu_order);
    store_rc rc = bound ? store_step(st) : STORE_ERROR;
    if (rc == STORE_ROW) {
        *id = store_col_int(st, 0);
        rc = STORE_OK;
    }
    store_done(st);
    return rc;
}

store_rc store_content_get(store *db, arena *a, int64_t id, bool with_data, store_content_row *r)
{
    store_stmt *st = store_prepare(db, "SELECT " ROW_COLS_DATA " FROM content_item c WHERE c.id = ?");
    if (!st)
        return STORE_ERROR;
    return step_row(st, a, store_bind_int(st, 1, id), with_data, r);
}

store_rc store_content_update(store *db, const store_content_row *r)
{
    store_stmt *st = store_prepare(
        db, "UPDATE content_item SET title = ?, data = ?, rev = ?, slug = ?, publish_at = ?, "
            "unpublish_at = ?, menu = ?, menu_order = ?, updated_by = ?, updated_at = ?, "
            "variant = ?, lock_by = NULL, lock_at = NULL WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(
        db, st,
        store_bind_str(st, 1, r->title ? r->title : "") && store_bind_str(st, 2, r->data ? r->data : "") &&
            store_bind_int(st, 3, r->rev) && store_bind_str(st, 4, r->slug) &&
            store_bind_str(st, 5, r->publish_at) && store_bind_str(st, 6, r->unpublish_at) &&
            store_bind_str(st, 7, r->menu) && store_bind_int(st, 8, r->menu_order) &&
            store_bind_id(st, 9, r->updated_by) && store_bind_str(st, 10, r->updated_at) &&
            store_bind_str(st, 11, r->variant ? r->variant : "") && store_bind_int(st, 12, r->id),
        NULL);
}

store_rc store_content_set_state(store *db, const store_content_row *r)
{
    store_stmt *st = store_prepare(
        db, "UPDATE content_item SET status = ?, submitted_by = ?, comment = ?, published_at = ?, "
            "sort_at = ?, year = ?, announced = ?, updated_by = ?, updated_at = ? WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(
        db, st,
        store_bind_str(st, 1, r->status) && store_bind_id(st, 2, r->submitted_by) &&
            store_bind_str(st, 3, r->comment) && store_bind_str(st, 4, r->published_at) &&
            store_bind_str(st, 5, r->sort_at) &&
            (r->year ? store_bind_int(st, 6, r->year) : store_bind_null(st, 6)) &&
            store_bind_int(st, 7, r->announced) && store_bind_id(st, 8, r->updated_by) &&
            store_bind_str(st, 9, r->updated_at) && store_bind_int(st, 10, r->id),
        NULL);
}

store_rc store_content_set_trashed(store *db, int64_t id, const char *trashed_at)
{
    store_stmt *st = store_prepare(db, "UPDATE content_item SET trashed_at = ? WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st, store_bind_str(st, 1, trashed_at) && store_bind_int(st, 2, id),
                             NULL);
}

store_rc store_content_delete(store *db, int64_t id)
{
    store_stmt *st = store_prepare(db, "DELETE FROM content_item WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st, store_bind_int(st, 1, id), NULL);
}

store_rc store_content_set_lock(store *db, int64_t id, int64_t by, const char *at)
{
    store_stmt *st =
        store_prepare(db, "UPDATE content_item SET lock_by = ?, lock_at = ? WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(
        db, st, store_bind_id(st, 1, by) && store_bind_str(st, 2, at) && store_bind_int(st, 3, id),
        NULL);
}

/* The staff list's WHERE: ?1 type, ?2 status or '', ?3 trash (0/1), ?4 q or ''. */
#define STAFF_WHERE                                                                                \
    "c.type = ?1 AND (?2 = '' OR c.status = ?2) "                                                  \
    "AND ((?3 = 1) = (c.trashed_at IS NOT NULL)) "                                                 \
    "AND (?4 = '' OR instr(c.title, ?4) > 0)"

store_rc store_content_list(store *db, arena *a, const char *type, const char *status, bool trash,
                            const char *q, const char *sort, bool asc, int limit, int offset,
                            store_content_row **rows, int *n)
{
    /* ORDER BY cannot be a parameter: one statement per sort order. */
    static const struct {
        const char *key;
        const char *sql[2]; /* desc, asc */
    } orders[] = {
#define LIST_SQL(ORDER) "SELECT " ROW_COLS " FROM content_item c WHERE " STAFF_WHERE " ORDER BY " ORDER " LIMIT ?5 OFFSET ?6"
        {"updated", {LIST_SQL("c.updated_at DESC, c.id DESC"), LIST_SQL("c.updated_at, c.id")}},
        {"title", {LIST_SQL("c.title DESC, c.id DESC"), LIST_SQL("c.title, c.id")}},
        {"published", {LIST_SQL("c.sort_at DESC, c.id DESC"), LIST_SQL("c.sort_at, c.id")}},
        {"created", {LIST_SQL("c.created_at DESC, c.id DESC"), LIST_SQL("c.created_at, c.id")}},
#undef LIST_SQL
    };
    size_t k = 0;
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++)
        if (sort && strcmp(sort, orders[i].key) == 0)
            k = i;
    store_stmt *st = store_prepare(db, orders[k].sql[asc ? 1 : 0]);
    if (!st)
        return STORE_ERROR;
    bool bound = store_bind_str(st, 1, type) && store_bind_str(st, 2, status ? status : "") &&
                 store_bind_int(st, 3, trash) && store_bind_str(st, 4, q ? q : "") &&
                 store_bind_int(st, 5, limit) && store_bind_int(st, 6, offset);
    return step_rows(st, a, bound, false, limit, rows, n);
}

int64_t store_content_count(store *db, const char *type, const char *status, bool trash,
                            const char *q)
{
    store_stmt *st = store_prepare(db, "SELECT count(*) FROM content_item c WHERE " STAFF_WHERE);
    if (!st)
        return -1;
    return store_step_count(st, store_bind_str(st, 1, type) &&
                              store_bind_str(st, 2, status ? status : "") &&
                              store_bind_int(st, 3, trash) && store_bind_str(st, 4, q ? q : ""));
}

store_rc store_content_counts(store *db,
                              void (*fn)(void *ctx, const char *type, const char *status,
                                         bool trashed, int64_t n),
                              void *ctx)
{
    store_stmt *st = store_prepare(
        db, "SELECT type, status, trashed_at IS NOT NULL, count(*) FROM content_item "
            "WHERE live_id IS NULL GROUP BY type, status, trashed_at IS NOT NULL");
    if (!st)
        return STORE_ERROR;
    store_rc rc;
    while ((rc = store_step(st)) == STORE_ROW)
        fn(ctx, store_col_text(st, 0, NULL), store_col_text(st, 1, NULL),
           store_col_int(st, 2) != 0, store_col_int(st, 3));
    store_done(st);
    return rc == STORE_DONE ? STORE_OK : rc;
}

/* ---- public reads ---- */

/* The list and its count come in two shapes, all years or one, so that each
 * statement has one plan: with year = ?3 fixed the archive reads
 * content_item_public_year; without it the list walks content_item_public in
 * its order (an "(?3 = 0 OR year = ?3)" term would leave the planner one plan
 * for both, the worse one for one of them).  Either way the public condition
 * is checked from the index entry, so the rows an OFFSET skips and the rows a
 * count counts are never read from the table (migration 004).  Parameters
 * are numbered without gaps in each (PostgreSQL must know every one). */
#define PUBLIC_LIST_ALL(cols)                                                                      \
    "SELECT " cols " FROM content_item c WHERE c.type = ?2 AND " PUBLIC_WHERE                      \
    " ORDER BY c.sort_at DESC, c.id DESC LIMIT ?3 OFFSET ?4"
#define PUBLIC_LIST_YEAR(cols)                                                                     \
    "SELECT " cols " FROM content_item c WHERE c.type = ?2 AND c.year = ?3 AND " PUBLIC_WHERE     \
    " ORDER BY c.sort_at DESC, c.id DESC LIMIT ?4 OFFSET ?5"

store_rc store_content_public_list(store *db, arena *a, const char *type, int year,
                                   const char *now, bool with_data, int limit, int offset,
                                   store_content_row **rows, int *n)
{
    const char *sql;
    if (year)
        sql = with_data ? PUBLIC_LIST_YEAR(ROW_COLS_DATA) : PUBLIC_LIST_YEAR(ROW_COLS);
    else
        sql = with_data ? PUBLIC_LIST_ALL(ROW_COLS_DATA) : PUBLIC_LIST_ALL(ROW_COLS);
    store_stmt *st = store_prepare(db, sql);
    if (!st)
        return STORE_ERROR;
    int p = year ? 4 : 3; /* where LIMIT and OFFSET are */
    bool bound = store_bind_str(st, 1, now) && store_bind_str(st, 2, type) &&
                 (!year || store_bind_int(st, 3, year)) && store_bind_int(st, p, limit) &&
                 store_bind_int(st, p + 1, offset);
    return step_rows(st, a, bound, with_data, limit, rows, n);
}

int64_t store_content_public_count(store *db, const char *type, int year, const char *now)
{
    store_stmt *st = store_prepare(
        db, year ? "SELECT count(*) FROM content_item c WHERE c.type = ?2 AND c.year = ?3 AND "
                   PUBLIC_WHERE
                 : "SELECT count(*) FROM content_item c WHERE c.type = ?2 AND " PUBLIC_WHERE);
    if (!st)
        return -1;
    return store_step_count(st, store_bind_str(st, 1, now) && store_bind_str(st, 2, type) &&
                              (!year || store_bind_int(st, 3, year)));
}

store_rc store_content_public_get(store *db, arena *a, const char *type, int64_t id,
                                  const char *now, store_content_row *r)
{
    store_stmt *st = store_prepare(db, "SELECT " ROW_COLS_DATA " FROM content_item c "
                                       "WHERE c.id = ?2 AND c.type = ?3 AND " PUBLIC_WHERE);
    if (!st)
        return STORE_ERROR;
    return step_row(st, a,
                    store_bind_str(st, 1, now) && store_bind_int(st, 2, id) &&
                        store_bind_str(st, 3, type),
                    true, r);
}

store_rc store_content_public_by_slug(store *db, arena *a, const char *type, const char *slug,
                                      const char *now, store_content_row *r)
{
    store_stmt *st = store_prepare(db, "SELECT " ROW_COLS_DATA " FROM content_item c "
                                       "WHERE c.slug = ?2 AND c.type = ?3 AND " PUBLIC_WHERE);
    if (!st)
        return STORE_ERROR;
    return step_row(st, a,
                    store_bind_str(st, 1, now) && store_bind_str(st, 2, slug) &&
                        store_bind_str(st, 3, type),
                    true, r);
}

store_rc store_content_public_menu(store *db, arena *a, const char *type, const char *menu,
                                   const char *now, int limit, store_content_row **rows, int *n)
{
    store_stmt *st = store_prepare(db, "SELECT " ROW_COLS_DATA " FROM content_item c "
                                       "WHERE c.type = ?2 AND c.menu = ?3 AND " PUBLIC_WHERE
                                       " ORDER BY c.menu_order, c.title, c.id LIMIT ?4");
    if (!st)
        return STORE_ERROR;
    bool bound = store_bind_str(st, 1, now) && store_bind_str(st, 2, type) &&
                 store_bind_str(st, 3, menu) && store_bind_int(st, 4, limit);
    return step_rows(st, a, bound, true, limit, rows, n);
}

/* The years, newest first, as a walk down content_item_public_year: each
 * step seeks the newest public item of a year before the last one found, so
 * the query costs one index seek per year however many items each year holds
 * (a DISTINCT over the items would read every one). */
#define PUBLIC_YEAR_BELOW(below)                                                                   \
    "(SELECT c.year FROM content_item c WHERE c.type = ?2 AND " PUBLIC_WHERE                       \
    " AND c.year " below " ORDER BY c.year DESC LIMIT 1)"

store_rc store_content_public_years(store *db, arena *a, const char *type, const char *now,
                                    int **years, int *n)
{
    *years = NULL;
    *n = 0;
    store_stmt *st = store_prepare(
        db, "WITH RECURSIVE y(year) AS (SELECT " PUBLIC_YEAR_BELOW("IS NOT NULL")
            " UNION ALL SELECT " PUBLIC_YEAR_BELOW("< y.year") " FROM y WHERE y.year IS NOT NULL) "
            "SELECT year FROM y WHERE year IS NOT NULL LIMIT 200");
    if (!st)
        return STORE_ERROR;
    int *out = arena_alloc(a, 200 * sizeof *out);
    store_rc rc = out && store_bind_str(st, 1, now) && store_bind_str(st, 2, type) ? STORE_OK
                                                                                    : STORE_NOMEM;
    int k = 0;
    while (rc == STORE_OK && (rc = store_step(st)) == STORE_ROW && k < 200) {
        out[k++] = (int)store_col_int(st, 0);
        rc = STORE_OK;
    }
    store_done(st);
    if (rc != STORE_OK && rc != STORE_DONE)
        return rc;
    *years = out;
    *n = k;
    return STORE_OK;
}

store_rc store_content_public_watch(store *db, const char *const gens[STORE_WATCH_GENS],
                                    const char *since, store_content_watch *out)
{
    memset(out, 0, sizeof *out);
    /* The generation lookups use the counters' primary key, the two
     * schedule lookups one seek each in content_item_next_publish and
     * content_item_next_unpublish (migration 004). */
    store_stmt *st = store_prepare(
        db, "SELECT (SELECT value FROM generation WHERE name = ?2), "
            "(SELECT value FROM generation WHERE name = ?3), "
            "(SELECT value FROM generation WHERE name = ?4), "
            "(SELECT min(c.publish_at) FROM content_item c WHERE c.status = 'published' "
            "AND c.trashed_at IS NULL AND c.live_id IS NULL AND c.publish_at > ?1), "
            "(SELECT min(c.unpublish_at) FROM content_item c WHERE c.status = 'published' "
            "AND c.trashed_at IS NULL AND c.live_id IS NULL AND c.unpublish_at > ?1)");
    if (!st)
        return STORE_ERROR;
    bool bound = store_bind_str(st, 1, since);
    for (int i = 0; bound && i < STORE_WATCH_GENS; i++)
        bound = store_bind_str(st, i + 2, gens[i]);
    store_rc rc = bound ? store_step(st) : STORE_ERROR;
    if (rc == STORE_ROW) {
        rc = STORE_OK;
        for (int i = 0; i < STORE_WATCH_GENS; i++)
            out->gens[i] = store_col_int(st, i); /* NULL (never bumped) reads as 0 */
        /* The sooner of the two; timestamps compare as text. */
        const char *p = store_col_text(st, STORE_WATCH_GENS, NULL);
        const char *u = store_col_text(st, STORE_WATCH_GENS + 1, NULL);
        const char *next = p && (!u || strcmp(p, u) <= 0) ? p : u;
        if (next && strlen(next) < sizeof out->next_change)
            memcpy(out->next_change, next, strlen(next) + 1);
        else if (next)
            rc = STORE_ERROR; /* not a timestamp of ours: never trust a cache on it */
    } else if (rc == STORE_DONE) {
        rc = STORE_ERROR; /* a SELECT without FROM always has its row */
    }
    store_done(st);
    return rc;
}

/* ---- schedule ---- */

static store_rc step_ids(store_stmt *st, arena *a, bool bound, int limit, int64_t **ids, int *n)
{
    *ids = NULL;
    *n = 0;
    int64_t *out = arena_alloc(a, (size_t)(limit > 0 ? limit : 1) * sizeof *out);
    store_rc rc = out && bound ? STORE_OK : STORE_NOMEM;
    int k = 0;
    while (rc == STORE_OK && k < limit && (rc = store_step(st)) == STORE_ROW) {
        out[k++] = store_col_int(st, 0);
        rc = STORE_OK;
    }
    store_done(st);
    if (rc != STORE_OK && rc != STORE_DONE)
        return rc;
    *ids = out;
    *n = k;
    return STORE_OK;
}

store_rc store_content_due_publish(store *db, arena *a, const char *now, int limit, int64_t **ids,
                                   int *n)
{
    store_stmt *st = store_prepare(
        db, "SELECT id FROM content_item WHERE status = 'published' AND announced = 0 "
            "AND publish_at IS NOT NULL AND publish_at <= ? ORDER BY publish_at LIMIT ?");
    if (!st)
        return STORE_ERROR;
    return step_ids(st, a, store_bind_str(st, 1, now) && store_bind_int(st, 2, limit), limit, ids,
                    n);
}

store_rc store_content_due_unpublish(store *db, arena *a, const char *now, int limit,
                                     int64_t **ids, int *n)
{
    store_stmt *st = store_prepare(
        db, "SELECT id FROM content_item WHERE status = 'published' "
            "AND unpublish_at IS NOT NULL AND unpublish_at <= ? ORDER BY unpublish_at LIMIT ?");
    if (!st)
        return STORE_ERROR;
    return step_ids(st, a, store_bind_str(st, 1, now) && store_bind_int(st, 2, limit), limit, ids,
                    n);
}

/* ---- revisions ---- */

store_rc store_content_rev_add(store *db, int64_t item_id, int rev, const char *title,
                               const char *data, const char *action, int64_t actor_id,
                               const char *actor_name, const char *now)
{
    store_stmt *st = store_prepare(
        db, "INSERT INTO content_revision (item_id, rev, title, data, action, actor_id, "
            "actor_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_step_change(
        db, st,
        store_bind_int(st, 1, item_id) && store_bind_int(st, 2, rev) &&
            store_bind_str(st, 3, title ? title : "") && store_bind_str(st, 4, data ? data : "") &&
            store_bind_str(st, 5, action) && store_bind_id(st, 6, actor_id) &&
            store_bind_str(st, 7, actor_name ? actor_name : "") && store_bind_str(st, 8, now),
        NULL);
    return rc == STORE_DONE ? STORE_ERROR : rc;
}

store_rc store_content_rev_list(store *db, arena *a, int64_t item_id, store_content_rev **rows,
                                int *n)
{
    *rows = NULL;
    *n = 0;
    enum { MAX = 500 };
    store_stmt *st = store_prepare(
        db, "SELECT rev, title, action, actor_name, created_at FROM content_revision "
            "WHERE item_id = ? ORDER BY rev DESC LIMIT 500");
    if (!st)
        return STORE_ERROR;
    store_content_rev *out = arena_alloc(a, MAX * sizeof *out);
    store_rc rc = out && store_bind_int(st, 1, item_id) ? STORE_OK : STORE_NOMEM;
    int k = 0;
    while (rc == STORE_OK && k < MAX && (rc = store_step(st)) == STORE_ROW) {
        bool ok = true;
        store_content_rev *r = &out[k++];
        memset(r, 0, sizeof *r);
        r->rev = (int)store_col_int(st, 0);
        r->title = store_col_dup(st, a, 1, &ok);
        r->action = store_col_dup(st, a, 2, &ok);
        r->actor_name = store_col_dup(st, a, 3, &ok);
        r->created_at = store_col_dup(st, a, 4, &ok);
        rc = ok ? STORE_OK : STORE_NOMEM;
    }
    store_done(st);
    if (rc != STORE_OK && rc != STORE_DONE)
        return rc;
    *rows = out;
    *n = k;
    return STORE_OK;
}

store_rc store_content_rev_get(store *db, arena *a, int64_t item_id, int rev,
                               store_content_rev *out)
{
    store_stmt *st = store_prepare(
        db, "SELECT rev, title, action, actor_name, created_at, data FROM content_revision "
            "WHERE item_id = ? AND rev = ?");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_bind_int(st, 1, item_id) && store_bind_int(st, 2, rev) ? store_step(st)
                                                                              : STORE_ERROR;
    if (rc == STORE_ROW) {
        bool ok = true;
        memset(out, 0, sizeof *out);
        out->rev = (int)store_col_int(st, 0);
        out->title = store_col_dup(st, a, 1, &ok);
        out->action = store_col_dup(st, a, 2, &ok);
        out->actor_name = store_col_dup(st, a, 3, &ok);
        out->created_at = store_col_dup(st, a, 4, &ok);
        out->data = store_col_dup(st, a, 5, &ok);
        rc = ok ? STORE_OK : STORE_NOMEM;
    }
    store_done(st);
    return rc;
}

store_rc store_content_publishers(store *db, arena *a, bool editors_too,
                                  store_content_staff **rows, int *n)
{
    *rows = NULL;
    *n = 0;
    enum { MAX = 200 };
    store_stmt *st = store_prepare(
        db, "SELECT id, email, name FROM account WHERE status = 'active' "
            "AND (role = 'admin' OR (? = 1 AND role = 'editor')) ORDER BY id LIMIT 200");
    if (!st)
        return STORE_ERROR;
    store_content_staff *out = arena_alloc(a, MAX * sizeof *out);
    store_rc rc = out && store_bind_int(st, 1, editors_too) ? STORE_OK : STORE_NOMEM;
    int k = 0;
    while (rc == STORE_OK && k < MAX && (rc = store_step(st)) == STORE_ROW) {
        bool ok = true;
        out[k].id = store_col_int(st, 0);
        out[k].email = store_col_dup(st, a, 1, &ok);
        out[k].name = store_col_dup(st, a, 2, &ok);
        k++;
        rc = ok ? STORE_OK : STORE_NOMEM;
    }
    store_done(st);
    if (rc != STORE_OK && rc != STORE_DONE)
        return rc;
    *rows = out;
    *n = k;
    return STORE_OK;
}
