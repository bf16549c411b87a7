/* audit.c - the audit_log table of migration 004, one statement per
 * function.  See audit.h. */
#include <string.h>

#include "store/audit.h"

store_rc store_audit_add(store *db, const char *now, int64_t actor_id, const char *actor_login,
                         const char *action, const char *target_type, int64_t target_id,
                         const char *summary, const char *before, const char *after)
{
    store_stmt *st = store_prepare(
        db, "INSERT INTO audit_log (at, actor_id, actor_login, action, target_type, target_id, "
            "summary, before_data, after_data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_step_change(
        db, st,
        store_bind_str(st, 1, now) && store_bind_id(st, 2, actor_id) &&
            store_bind_str(st, 3, actor_login ? actor_login : "system") &&
            store_bind_str(st, 4, action) && store_bind_str(st, 5, target_type) &&
            store_bind_id(st, 6, target_id) && store_bind_str(st, 7, summary ? summary : "") &&
            store_bind_str(st, 8, before) && store_bind_str(st, 9, after),
        NULL);
    return rc == STORE_DONE ? STORE_ERROR : rc;
}

#define AUDIT_COLS                                                                                 \
    "id, at, coalesce(actor_id, 0), actor_login, action, target_type, coalesce(target_id, 0), "    \
    "summary"

static bool read_line(store_stmt *st, arena *a, bool with_data, audit_line *l)
{
    bool ok = true;
    memset(l, 0, sizeof *l);
    l->id = store_col_int(st, 0);
    l->at = store_col_dup(st, a, 1, &ok);
    l->actor_id = store_col_int(st, 2);
    l->actor_login = store_col_dup(st, a, 3, &ok);
    l->action = store_col_dup(st, a, 4, &ok);
    l->target_type = store_col_dup(st, a, 5, &ok);
    l->target_id = store_col_int(st, 6);
    l->summary = store_col_dup(st, a, 7, &ok);
    if (with_data) {
        l->before = store_col_dup(st, a, 8, &ok);
        l->after = store_col_dup(st, a, 9, &ok);
    }
    return ok;
}

store_rc store_audit_list(store *db, arena *a, const audit_query *q, audit_line **out, int *n,
                    int64_t *next_before)
{
    *out = NULL;
    *n = 0;
    *next_before = 0;
    int limit = q->limit > 0 ? q->limit : 50;
    store_stmt *st = store_prepare(
        db, "SELECT " AUDIT_COLS ", before_data, after_data FROM audit_log "
            "WHERE (?1 = '' OR target_type = ?1) AND (?2 = 0 OR target_id = ?2) "
            "AND (?3 = '' OR actor_login = ?3) AND (?4 = '' OR at >= ?4) "
            "AND (?5 = '' OR at < ?5) AND (?6 = 0 OR id < ?6) ORDER BY id DESC LIMIT ?7");
    if (!st)
        return STORE_ERROR;
    audit_line *rows = arena_alloc(a, (size_t)(limit + 1) * sizeof *rows);
    store_rc rc = STORE_NOMEM;
    if (rows && store_bind_str(st, 1, q->target_type ? q->target_type : "") &&
        store_bind_int(st, 2, q->target_id > 0 ? q->target_id : 0) &&
        store_bind_str(st, 3, q->actor ? q->actor : "") &&
        store_bind_str(st, 4, q->since ? q->since : "") &&
        store_bind_str(st, 5, q->until ? q->until : "") &&
        store_bind_int(st, 6, q->before_id > 0 ? q->before_id : 0) &&
        store_bind_int(st, 7, limit + 1)) {
        int k = 0;
        while ((rc = store_step(st)) == STORE_ROW) {
            if (k == limit) {
                *next_before = rows[k - 1].id;
                rc = STORE_DONE;
                break;
            }
            if (!read_line(st, a, q->with_data, &rows[k])) {
                rc = STORE_NOMEM;
                break;
            }
            k++;
        }
        if (rc == STORE_DONE) {
            rc = STORE_OK;
            *out = rows;
            *n = k;
        }
    }
    store_done(st);
    return rc;
}

store_rc store_audit_get(store *db, arena *a, int64_t id, audit_line *out)
{
    store_stmt *st = store_prepare(
        db, "SELECT " AUDIT_COLS ", before_data, after_data FROM audit_log WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_bind_int(st, 1, id) ? store_step(st) : STORE_ERROR;
    if (rc == STORE_ROW)
        rc = read_line(st, a, true, out) ? STORE_OK : STORE_NOMEM;
    store_done(st);
    return rc;
}

store_rc store_audit_purge(store *db, const char *before, int *removed)
{
    store_stmt *st = store_prepare(db, "DELETE FROM audit_log WHERE at < ?");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_step_change(db, st, store_bind_str(st, 1, before), removed);
    return rc == STORE_DONE ? STORE_OK : rc;
}
