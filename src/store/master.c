/* master.c - master data lists, one SQL statement per function.  See store.h. */
#include "store/store.h"

store_rc store_master_put(store *db, const char *kind, const char *code, const char *label,
                          const char *kana, int sort)
{
    store_stmt *st = store_prepare(
        db, "INSERT INTO master_item (kind, code, label, kana, sort) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (kind, code) DO UPDATE SET label = excluded.label, "
            "kana = excluded.kana, sort = excluded.sort");
    if (!st)
        return STORE_ERROR;
    store_rc rc = STORE_ERROR;
    if (store_bind_str(st, 1, kind) && store_bind_str(st, 2, code) &&
        store_bind_str(st, 3, label) && store_bind_str(st, 4, kana) && store_bind_int(st, 5, sort))
        rc = store_step(st);
    store_done(st);
    return rc == STORE_DONE ? STORE_OK : rc;
}

store_rc store_master_each(store *db, const char *kind,
                           bool (*fn)(void *ctx, const char *code, const char *label,
                                      const char *kana),
                           void *ctx)
{
    store_stmt *st = store_prepare(
        db, "SELECT code, label, kana FROM master_item WHERE kind = ? ORDER BY sort, code");
    if (!st)
        return STORE_ERROR;
    if (!store_bind_str(st, 1, kind)) {
        store_done(st);
        return STORE_ERROR;
    }
    store_rc rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        const char *code = store_col_text(st, 0, NULL);
        const char *label = store_col_text(st, 1, NULL);
        const char *kana = store_col_null(st, 2) ? NULL : store_col_text(st, 2, NULL);
        if (!code || !label || (!kana && !store_col_null(st, 2))) {
            rc = STORE_NOMEM;
            break;
        }
        if (!fn(ctx, code, label, kana)) {
            rc = STORE_DONE;
            break;
        }
    }
    store_done(st);
    return rc == STORE_DONE ? STORE_OK : rc;
}
