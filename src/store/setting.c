/* setting.c - site settings, one SQL statement per function.  See store.h. */
#include "store/store.h"

#include <stddef.h>

const char *store_setting_get_rc(store *db, arena *a, const char *key, store_rc *rc)
{
    store_rc r = STORE_ERROR;
    const char *out = NULL;
    store_stmt *st = store_prepare(db, "SELECT value FROM setting WHERE key = ?");
    if (!st)
        goto done;
    if (!store_bind_str(st, 1, key)) {
        store_done(st);
        goto done;
    }
    r = store_step(st);
    if (r == STORE_ROW) {
        size_t n;
        const char *v = store_col_text(st, 0, &n);
        out = v ? arena_strndup(a, v, n) : NULL;
        r = out ? STORE_OK : STORE_NOMEM;
    }
    store_done(st);
done:
    if (rc)
        *rc = r;
    return out;
}

store_rc store_setting_put(store *db, const char *key, const char *value)
{
    char now[STORE_TIMESTAMP_LEN];
    store_timestamp(now);
    store_stmt *st =
        store_prepare(db, "INSERT INTO setting (key, value, updated_at) VALUES (?, ?, ?) "
                          "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                          "updated_at = excluded.updated_at");
    if (!st)
        return STORE_ERROR;
    store_rc rc = STORE_ERROR;
    if (store_bind_str(st, 1, key) && store_bind_str(st, 2, value) && store_bind_str(st, 3, now))
        rc = store_step(st);
    store_done(st);
    return rc == STORE_DONE ? STORE_OK : rc;
}

const char *store_setting_get(store *db, arena *a, const char *key)
{
    return store_setting_get_rc(db, a, key, NULL);
}

store_rc store_setting_each(store *db, bool (*fn)(void *ctx, const char *key, const char *value),
                            void *ctx)
{
    store_stmt *st = store_prepare(db, "SELECT key, value FROM setting ORDER BY key");
    if (!st)
        return STORE_ERROR;
    store_rc rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        if (!fn(ctx, store_col_text(st, 0, NULL), store_col_text(st, 1, NULL)))
            break;
    }
    store_done(st);
    return rc == STORE_ROW || rc == STORE_DONE ? STORE_OK : rc;
}
