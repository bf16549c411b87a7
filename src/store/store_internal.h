/*
 * store_internal.h - what the SQLite implementation of store.h shares between
 * its files (store.c, stmt.c, tx.c, migrate.c).  Nothing outside src/store
 * includes it; the table files (setting.c, master.c, ...) use store.h only, so
 * they work unchanged over another engine.
 */
#ifndef TSUNAGU_STORE_INTERNAL_H
#define TSUNAGU_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/limits.h"
#include "store/store.h"

struct store_stmt {
    store *db;
    sqlite3_stmt *st;
    char *sql;        /* owned copy of the SQL text: the cache key */
    uint64_t hash;    /* of sql */
    store_stmt *next; /* hash-chain neighbour, or next loose statement */
    bool cached;      /* in db->slots (else loose: finalised by store_done) */
    bool active;      /* between store_prepare() and store_done() */
};

struct store {
    sqlite3 *conn;
    store_stmt **slots; /* statement cache: hash table of chains */
    size_t nslots;      /* a power of two, or 0 before the first statement */
    size_t ncached;
    bool cache_full_reported;
    store_stmt *loose; /* uncached statements in use (nested use, cache full) */
    int active;        /* statements between store_prepare() and store_done() */
    sqlite3_stmt *begin, *commit, *rollback; /* prepared at open: cannot fail later */
    bool in_tx;                              /* store_tx() is running */
    uint64_t rng;                            /* xorshift state for the retry backoff */
    char err[LIMIT_DB_ERRMSG];
};

/* Maps an SQLite result code (primary or extended) to store_rc. */
store_rc store_map_rc(int rc);

/* Records a message as the connection's last error (printf-style; cut to
 * LIMIT_DB_ERRMSG bytes). */
void store_set_err(store *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records SQLite's current message for db, prefixed by what failed. */
void store_set_sqlite_err(store *db, const char *what);

/* Reports a caller bug (misuse of this API): one line on stderr with the
 * file and line given, also kept as the connection's last error (db may be
 * NULL).  Never aborts: the request fails, the server keeps running. */
void store_bug(store *db, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define STORE_BUG(db, ...) store_bug((db), __FILE__, __LINE__, __VA_ARGS__)

/* Runs one of the statements prepared at open (BEGIN/COMMIT/ROLLBACK) and
 * resets it; returns the mapped result (STORE_OK on success). */
store_rc store_run_fixed(store *db, sqlite3_stmt *st, const char *what);

/* Rolls back the open transaction, if any.  A failed ROLLBACK is tried once
 * more, then logged: store_in_tx() keeps telling the truth either way. */
void store_rollback(store *db);

#endif
