/* tx.c - the transaction helper.  See store.h (store_tx). */
#include "store/store_internal.h"

#include <errno.h>
#include <string.h>
#include <time.h>

store_rc store_run_fixed(store *db, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        store_set_err(db, "%s: %s", what, sqlite3_errmsg(db->conn));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_map_rc(rc);
}

void store_rollback(store *db)
{
    /* SQLite rolls back by itself after some errors (I/O, full disk, memory);
     * then there is nothing left to undo. */
    for (int i = 0; i < 2 && !sqlite3_get_autocommit(db->conn); i++) {
        char keep[LIMIT_DB_ERRMSG];
        memcpy(keep, db->err, sizeof keep); /* the caller wants the first error */
        store_rc rc = store_run_fixed(db, db->rollback, "ROLLBACK");
        if (rc != STORE_OK)
            STORE_BUG(db, "ROLLBACK failed (%s); the transaction may still be open", db->err);
        memcpy(db->err, keep, sizeof keep);
    }
}

/* xorshift64: good enough to spread retries apart, not for secrets. */
static uint64_t next_random(store *db)
{
    uint64_t x = db->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    db->rng = x;
    return x;
}

/* Sleeps before retry number attempt (0-based): a random time in the upper
 * half of LIMIT_DB_TX_BACKOFF_MS * 2^attempt, so competing writers spread
 * apart instead of colliding again in step. */
static void backoff(store *db, int attempt)
{
    long span_ms = (long)LIMIT_DB_TX_BACKOFF_MS << attempt;
    long half = span_ms / 2;
    long ms = half + (long)(next_random(db) % (uint64_t)(half + 1));
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* One attempt: BEGIN, fn, COMMIT or ROLLBACK.  No transaction is open when it
 * returns. */
static store_rc attempt_once(store *db, store_tx_fn fn, void *ctx, const char *file, int line)
{
    store_rc rc = store_run_fixed(db, db->begin, "BEGIN IMMEDIATE");
    if (rc != STORE_OK)
        return rc;
    db->in_tx = true;
    int active_before = db->active;
    rc = fn(db, ctx);
    if (db->active > active_before)
        store_bug(db, file, line, "transaction function left %d statement(s) without store_done()",
                  db->active - active_before);
    if (rc == STORE_OK || rc == STORE_DONE) {
        if (sqlite3_get_autocommit(db->conn)) {
            store_bug(db, file, line, "transaction function ended the transaction itself");
            rc = STORE_ERROR;
        } else {
            rc = store_run_fixed(db, db->commit, "COMMIT");
        }
    }
    if (rc != STORE_OK)
        store_rollback(db);
    db->in_tx = false;
    return rc;
}

store_rc store_tx_at(store *db, store_tx_fn fn, void *ctx, const char *file, int line)
{
    if (store_in_tx(db)) {
        store_bug(db, file, line, "store_tx() inside an open transaction");
        return STORE_ERROR;
    }
    for (int attempt = 0;; attempt++) {
        store_rc rc = attempt_once(db, fn, ctx, file, line);
        if (rc != STORE_BUSY || attempt == LIMIT_DB_TX_RETRIES)
            return rc;
        backoff(db, attempt);
    }
}
