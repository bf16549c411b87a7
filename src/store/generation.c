/* generation.c - generation counters, one SQL statement per function.  See
 * store.h. */
#include "store/store.h"

int64_t store_generation_get(store *db, const char *name)
{
    store_stmt *st = store_prepare(db, "SELECT value FROM generation WHERE name = ?");
    if (!st)
        return -1;
    int64_t v = -1;
    if (store_bind_str(st, 1, name)) {
        store_rc rc = store_step(st);
        if (rc == STORE_ROW)
            v = store_col_int(st, 0);
        else if (rc == STORE_DONE)
            v = 0;
    }
    store_done(st);
    return v;
}

store_rc store_generation_bump(store *db, const char *name)
{
    store_stmt *st =
        store_prepare(db, "INSERT INTO generation (name, value) VALUES (?, 1) "
                          "ON CONFLICT (name) DO UPDATE SET value = generation.value + 1");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_bind_str(st, 1, name) ? store_step(st) : STORE_ERROR;
    store_done(st);
    return rc == STORE_DONE ? STORE_OK : rc;
}
