/* migrate.c - applying the embedded migrations.  See store.h (store_migrate). */
#include "core/utf8.h"
#include "store/store_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "store/migrations.h"

/* Checks what the database has recorded against the embedded table: versions
 * 1..N without gaps, each with its embedded name, N not beyond the table.
 * Returns N, or -1 with err set. */
static int check_recorded(store *db, char *err, size_t errlen)
{
    store_stmt *st = store_prepare(db, "SELECT version, name FROM schema_migrations "
                                       "ORDER BY version");
    if (!st) {
        utf8_format(err, errlen, "適用済みマイグレーションを読めません: %s", db->err);
        return -1;
    }
    int n = 0;
    store_rc rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        int64_t v = store_col_int(st, 0);
        const char *name = store_col_text(st, 1, NULL);
        if (v > (int64_t)store_migration_count) {
            utf8_format(err, errlen,
                            "データベースのスキーマ (マイグレーション %lld) はこのプログラム "
                            "(%zu まで) より新しいため、処理を中止しました",
                            (long long)v, store_migration_count);
            goto fail;
        }
        if (v != n + 1) {
            utf8_format(err, errlen,
                            "マイグレーション %d が適用記録にありません (%lld は適用済み)", n + 1,
                            (long long)v);
            goto fail;
        }
        const struct store_migration *m = &store_migration_table[n];
        if (!name || strcmp(name, m->name) != 0) {
            utf8_format(err, errlen,
                            "マイグレーション %03d の名前が違います: データベースでは \"%s\"、"
                            "プログラムでは \"%s\" (公開済みのマイグレーションは変更できません)",
                            m->number, name ? name : "", m->name);
            goto fail;
        }
        n++;
    }
    if (rc != STORE_DONE) {
        utf8_format(err, errlen, "適用済みマイグレーションを読めません: %s", db->err);
        goto fail;
    }
    store_done(st);
    return n;

fail:
    store_done(st);
    return -1;
}

struct apply {
    const struct store_migration *m;
    bool applied; /* false: another process had already applied it */
};

/* Transaction body: applies one migration unless another process recorded it
 * while this one waited for the write lock. */
static store_rc apply_one(store *db, void *ctx)
{
    struct apply *a = ctx;
    const struct store_migration *m = a->m;
    a->applied = false;

    store_stmt *st = store_prepare(db, "SELECT name FROM schema_migrations WHERE version = ?");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_bind_int(st, 1, m->number) ? store_step(st) : STORE_ERROR;
    if (rc == STORE_ROW) {
        const char *name = store_col_text(st, 0, NULL);
        bool same = name && strcmp(name, m->name) == 0;
        if (!same)
            store_set_err(db, "recorded under the name \"%s\"", name ? name : "");
        store_done(st);
        return same ? STORE_OK : STORE_ERROR;
    }
    store_done(st);
    if (rc != STORE_DONE)
        return rc;

    rc = store_exec(db, m->sql);
    if (rc != STORE_OK)
        return rc;
    if (sqlite3_get_autocommit(db->conn)) {
        store_set_err(db, "the migration ends the transaction (COMMIT or ROLLBACK in its SQL)");
        return STORE_ERROR;
    }

    char now[STORE_TIMESTAMP_LEN];
    store_timestamp(now);
    st = store_prepare(db, "INSERT INTO schema_migrations (version, name, applied_at) "
                           "VALUES (?, ?, ?)");
    if (!st)
        return STORE_ERROR;
    rc = store_bind_int(st, 1, m->number) && store_bind_str(st, 2, m->name) &&
                 store_bind_str(st, 3, now)
             ? store_step(st)
             : STORE_ERROR;
    store_done(st);
    if (rc != STORE_DONE)
        return rc;
    a->applied = true;
    return STORE_OK;
}

int store_migrate(store *db, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (store_in_tx(db)) {
        STORE_BUG(db, "store_migrate() inside a transaction");
        utf8_format(err, errlen, "トランザクションの中ではマイグレーションできません");
        return -1;
    }
    if (store_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                       "version INTEGER PRIMARY KEY, "
                       "name TEXT NOT NULL, "
                       "applied_at TEXT NOT NULL)") != STORE_OK) {
        utf8_format(err, errlen, "schema_migrations 表を作成できません: %s", db->err);
        return -1;
    }
    int done = check_recorded(db, err, errlen);
    if (done < 0)
        return -1;

    int applied = 0;
    for (size_t i = (size_t)done; i < store_migration_count; i++) {
        struct apply a = {.m = &store_migration_table[i]};
        store_rc rc = store_tx(db, apply_one, &a);
        if (rc != STORE_OK) {
            utf8_format(err, errlen, "マイグレーション %03d_%s を適用できません: %s",
                            a.m->number, a.m->name, db->err);
            return -1;
        }
        if (a.applied)
            applied++;
    }
    return applied;
}

int store_schema_version(store *db)
{
    /* Before the first store_migrate() the table does not exist: version 0. */
    store_stmt *st = store_prepare(db, "SELECT count(*) FROM sqlite_master "
                                       "WHERE type = 'table' AND name = 'schema_migrations'");
    if (!st)
        return -1;
    store_rc rc = store_step(st);
    int64_t exists = rc == STORE_ROW ? store_col_int(st, 0) : -1;
    store_done(st);
    if (exists <= 0)
        return exists == 0 ? 0 : -1;

    st = store_prepare(db, "SELECT coalesce(max(version), 0) FROM schema_migrations");
    if (!st)
        return -1;
    rc = store_step(st);
    int64_t v = rc == STORE_ROW ? store_col_int(st, 0) : -1;
    store_done(st);
    return v >= 0 && v <= INT32_MAX ? (int)v : -1;
}
