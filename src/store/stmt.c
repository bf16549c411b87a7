/* stmt.c - prepared statements: the per-connection cache, binds, steps,
 * columns.  See store.h. */
#include "store/store_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/fault.h"
#include "core/hash.h"
#include "core/utf8.h"

static store_stmt *cache_find(store *db, const char *sql, uint64_t h)
{
    if (db->nslots == 0)
        return NULL;
    for (store_stmt *s = db->slots[h & (db->nslots - 1)]; s; s = s->next)
        if (s->hash == h && strcmp(s->sql, sql) == 0)
            return s;
    return NULL;
}

/* Makes room for one more cached statement, doubling the table when it is
 * three-quarters full.  False when memory runs out (the cache stays usable). */
static bool cache_grow(store *db)
{
    if (db->nslots != 0 && db->ncached < db->nslots / 4 * 3)
        return true;
    size_t n = db->nslots ? db->nslots * 2 : 64;
    store_stmt **slots = fault_malloc(n * sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < n; i++)
        slots[i] = NULL;
    for (size_t i = 0; i < db->nslots; i++) {
        store_stmt *s = db->slots[i];
        while (s) {
            store_stmt *next = s->next;
            s->next = slots[s->hash & (n - 1)];
            slots[s->hash & (n - 1)] = s;
            s = next;
        }
    }
    free(db->slots);
    db->slots = slots;
    db->nslots = n;
    return true;
}

/* Only `?` and `?NNN` placeholders: a PostgreSQL backend rewrites both to $N,
 * while :name, @name and $name have no equivalent there. */
static bool params_portable(sqlite3_stmt *st)
{
    int n = sqlite3_bind_parameter_count(st);
    for (int i = 1; i <= n; i++) {
        const char *name = sqlite3_bind_parameter_name(st, i);
        if (name && name[0] != '?')
            return false;
    }
    return true;
}

/* True if tail (what followed the first statement) holds no other statement:
 * only spaces, semicolons or comments.  False with the error set otherwise. */
static bool tail_empty(store *db, const char *tail)
{
    while (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r' || *tail == ';')
        tail++;
    if (!*tail)
        return true;
    sqlite3_stmt *next = NULL;
    int rc = sqlite3_prepare_v2(db->conn, tail, -1, &next, NULL);
    bool empty = rc == SQLITE_OK && next == NULL;
    if (rc != SQLITE_OK)
        store_set_sqlite_err(db, "prepare");
    else if (!empty)
        store_set_err(db, "prepare: more than one SQL statement in the text");
    sqlite3_finalize(next);
    return empty;
}

/* Compiles sql into a new statement object (not yet in the cache). */
static store_stmt *stmt_new(store *db, const char *sql, size_t len, uint64_t h, bool persistent)
{
    if (len >= INT_MAX) {
        store_set_err(db, "prepare: SQL text too long");
        return NULL;
    }
    store_stmt *s = fault_malloc(sizeof *s);
    char *copy = fault_malloc(len + 1);
    if (!s || !copy) {
        store_set_err(db, "prepare: out of memory");
        free(s);
        free(copy);
        return NULL;
    }
    memcpy(copy, sql, len + 1);
    *s = (store_stmt){.db = db, .sql = copy, .hash = h};

    const char *tail = NULL;
    int rc = sqlite3_prepare_v3(db->conn, sql, (int)len + 1,
                                persistent ? SQLITE_PREPARE_PERSISTENT : 0, &s->st, &tail);
    if (rc != SQLITE_OK || !s->st) {
        if (rc != SQLITE_OK)
            store_set_sqlite_err(db, "prepare");
        else
            store_set_err(db, "prepare: no SQL statement in the text");
        goto fail;
    }
    if (!tail_empty(db, tail ? tail : ""))
        goto fail;
    if (!params_portable(s->st)) {
        store_set_err(db, "prepare: named parameters are not portable; use ?");
        goto fail;
    }
    return s;

fail:
    sqlite3_finalize(s->st);
    free(copy);
    free(s);
    return NULL;
}

store_stmt *store_prepare(store *db, const char *sql)
{
    if (!sql) {
        STORE_BUG(db, "store_prepare() without SQL");
        return NULL;
    }
    size_t len = strlen(sql);
    uint64_t h = hash_fnv1a(sql, len);
    store_stmt *s = cache_find(db, sql, h);
    if (s && !s->active) {
        s->active = true;
        db->active++;
        return s;
    }
    /* Cache it unless the same SQL is already in use (nested use: this use
     * gets a loose statement, finalised by store_done) or the cache is full. */
    bool cache = !s && db->ncached < LIMIT_DB_STMT_CACHE;
    if (!s && !cache && !db->cache_full_reported) {
        STORE_BUG(db,
                  "more than %d distinct SQL statements on one connection; "
                  "is SQL being built from data?",
                  LIMIT_DB_STMT_CACHE);
        db->cache_full_reported = true;
    }
    if (cache && !cache_grow(db)) {
        store_set_err(db, "prepare: out of memory");
        return NULL;
    }
    s = stmt_new(db, sql, len, h, cache);
    if (!s)
        return NULL;
    if (cache) {
        size_t i = h & (db->nslots - 1);
        s->next = db->slots[i];
        db->slots[i] = s;
        s->cached = true;
        db->ncached++;
    } else {
        s->next = db->loose;
        db->loose = s;
    }
    s->active = true;
    db->active++;
    return s;
}

void store_done(store_stmt *st)
{
    if (!st)
        return;
    store *db = st->db;
    if (!st->active) {
        STORE_BUG(db, "store_done() twice on one statement");
        return;
    }
    st->active = false;
    db->active--;
    if (st->cached) {
        sqlite3_reset(st->st); /* returns the last step's error, already reported */
        sqlite3_clear_bindings(st->st);
        return;
    }
    for (store_stmt **p = &db->loose; *p; p = &(*p)->next) {
        if (*p == st) {
            *p = st->next;
            break;
        }
    }
    sqlite3_finalize(st->st);
    free(st->sql);
    free(st);
}

/* ---- binding ---- */

static bool bind_check(store_stmt *st, const char *fn)
{
    if (!st->active) {
        STORE_BUG(st->db, "%s() on a statement after store_done()", fn);
        return false;
    }
    return true;
}

static bool bind_result(store_stmt *st, int rc)
{
    if (rc == SQLITE_OK)
        return true;
    store_set_sqlite_err(st->db, "bind");
    return false;
}

bool store_bind_int(store_stmt *st, int idx, int64_t v)
{
    return bind_check(st, "store_bind_int") &&
           bind_result(st, sqlite3_bind_int64(st->st, idx, (sqlite3_int64)v));
}

bool store_bind_text(store_stmt *st, int idx, const char *s, size_t n)
{
    if (!bind_check(st, "store_bind_text"))
        return false;
    if (!s)
        return bind_result(st, sqlite3_bind_null(st->st, idx));
    /* PostgreSQL refuses invalid UTF-8 and NUL in text; refuse them here too
     * so SQLite never stores what the other engine could not. */
    if (!utf8_valid(s, n)) {
        store_set_err(st->db, "bind: text parameter %d is not valid UTF-8 (or holds NUL)", idx);
        return false;
    }
    return bind_result(
        st, sqlite3_bind_text64(st->st, idx, s, (sqlite3_uint64)n, SQLITE_TRANSIENT, SQLITE_UTF8));
}

bool store_bind_str(store_stmt *st, int idx, const char *s)
{
    return store_bind_text(st, idx, s, s ? strlen(s) : 0);
}

bool store_bind_null(store_stmt *st, int idx)
{
    return bind_check(st, "store_bind_null") && bind_result(st, sqlite3_bind_null(st->st, idx));
}

bool store_bind_blob(store_stmt *st, int idx, const void *p, size_t n)
{
    if (!bind_check(st, "store_bind_blob"))
        return false;
    if (n == 0) /* sqlite3_bind_blob(NULL or 0 bytes) could bind NULL instead */
        return bind_result(st, sqlite3_bind_zeroblob(st->st, idx, 0));
    if (!p) {
        STORE_BUG(st->db, "store_bind_blob() with NULL data of %zu bytes", n);
        return false;
    }
    return bind_result(st,
                       sqlite3_bind_blob64(st->st, idx, p, (sqlite3_uint64)n, SQLITE_TRANSIENT));
}

/* ---- stepping and columns ---- */

store_rc store_step(store_stmt *st)
{
    if (!st->active) {
        STORE_BUG(st->db, "store_step() on a statement after store_done()");
        return STORE_ERROR;
    }
    int rc = sqlite3_step(st->st);
    if (rc == SQLITE_ROW)
        return STORE_ROW;
    if (rc == SQLITE_DONE)
        return STORE_DONE;
    store_set_sqlite_err(st->db, "step");
    return store_map_rc(rc);
}

/* A column read needs a current row and an existing column. */
static bool col_check(store_stmt *st, int col)
{
    if (!st->active || col < 0 || col >= sqlite3_data_count(st->st)) {
        STORE_BUG(st->db, "column %d read without a row or past the last column", col);
        return false;
    }
    return true;
}

int64_t store_col_int(store_stmt *st, int col)
{
    return col_check(st, col) ? (int64_t)sqlite3_column_int64(st->st, col) : 0;
}

const char *store_col_text(store_stmt *st, int col, size_t *len)
{
    if (len)
        *len = 0;
    if (!col_check(st, col))
        return NULL;
    const char *s = (const char *)sqlite3_column_text(st->st, col);
    if (s && len)
        *len = (size_t)sqlite3_column_bytes(st->st, col);
    return s;
}

bool store_col_null(store_stmt *st, int col)
{
    return !col_check(st, col) || sqlite3_column_type(st->st, col) == SQLITE_NULL;
}

const void *store_col_blob(store_stmt *st, int col, size_t *len)
{
    static const unsigned char empty[1];
    if (len)
        *len = 0;
    if (!col_check(st, col) || sqlite3_column_type(st->st, col) == SQLITE_NULL)
        return NULL;
    const void *p = sqlite3_column_blob(st->st, col);
    /* NULL is an empty value, or memory ran out converting it: SQLite's
     * documented test is the error code right after the call */
    if (!p && sqlite3_errcode(st->db->conn) == SQLITE_NOMEM)
        return NULL;
    size_t n = (size_t)sqlite3_column_bytes(st->st, col);
    if (!p) {
        p = empty;
        n = 0;
    }
    if (p && len)
        *len = n;
    return p;
}

/* ---- small helpers for the table files (store.h) ---- */

const char *store_col_dup(store_stmt *st, arena *a, int col, bool *ok)
{
    if (store_col_null(st, col))
        return NULL;
    size_t len;
    const char *t = store_col_text(st, col, &len);
    char *s = t ? arena_strndup(a, t, len) : NULL;
    if (!s)
        *ok = false;
    return s;
}

store_rc store_step_change(store *db, store_stmt *st, bool bound, int *n)
{
    store_rc rc = bound ? store_step(st) : STORE_ERROR;
    store_done(st);
    if (n)
        *n = 0;
    if (rc != STORE_DONE)
        return rc;
    int changed = store_changes(db);
    if (n)
        *n = changed;
    return changed > 0 ? STORE_OK : STORE_DONE;
}

int64_t store_step_count(store_stmt *st, bool bound)
{
    int64_t n = -1;
    if (bound && store_step(st) == STORE_ROW)
        n = store_col_int(st, 0);
    store_done(st);
    return n;
}

bool store_bind_id(store_stmt *st, int idx, int64_t id)
{
    return id > 0 ? store_bind_int(st, idx, id) : store_bind_null(st, idx);
}
