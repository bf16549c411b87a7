/*
 * store.h - the database API: connections, prepared statements, the
 * transaction helper, migrations.
 *
 * Every SQL statement of Tsunagu goes through this header.  SQLite is the
 * embedded engine (ARCHITECTURE.md decision 3); the API is shaped so that a
 * PostgreSQL implementation can sit behind it without changing callers:
 *   - placeholders are plain `?` (or `?NNN`), which a PostgreSQL backend
 *     rewrites to $1, $2 ...; named parameters (:a, @a, $a) are refused;
 *   - values are int64, UTF-8 text, blob or NULL, nothing engine-specific;
 *   - text must be valid UTF-8 without NUL bytes (PostgreSQL refuses both,
 *     so SQLite is made to refuse them too);
 *   - double-quoted strings are identifiers, never string literals (SQLite's
 *     "DQS" leniency is switched off);
 *   - results and errors are the small enum store_rc.
 *
 * Threads: a connection (store) is used by one thread at a time; give each
 * worker thread its own (STYLE.md "Threads and the database").  Functions
 * that take a store never block other connections except on the database's
 * own locks.
 */
#ifndef TSUNAGU_STORE_STORE_H
#define TSUNAGU_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

typedef struct store store;           /* one connection; used by one thread at a time */
typedef struct store_stmt store_stmt; /* a prepared statement owned by its connection */

typedef enum {
    STORE_OK = 0,     /* done, nothing to report */
    STORE_ROW,        /* store_step(): a result row is ready */
    STORE_DONE,       /* store_step(): the statement has finished */
    STORE_BUSY,       /* lock or serialisation conflict: running again may succeed */
    STORE_CONSTRAINT, /* UNIQUE, NOT NULL, FOREIGN KEY or CHECK refused the change */
    STORE_ERROR,      /* anything else (SQL error, I/O error, misuse); see store_errmsg() */
    STORE_NOMEM,      /* out of memory */
} store_rc;

/* ---- connections ---- */

/* Opens (creating if needed) DATA_DIR/tsunagu.db, creating DATA_DIR with mode
 * 0700 when it is missing (its parent must exist).  The database file is
 * created with mode 0600, and SQLite gives its -wal and -shm files the mode of
 * the database file, so they are 0600 too without touching the process-wide
 * umask; an existing database file readable by others is tightened to 0600.
 * The connection runs with journal_mode=WAL, foreign_keys=ON,
 * synchronous=FULL and a busy timeout of LIMIT_DB_BUSY_MS, in SQLite's
 * multi-thread mode (no per-connection mutex: one thread at a time).
 * Returns the connection, which the caller closes with store_close(), or NULL
 * with a message for the operator, in Japanese, in err (errlen bytes, always
 * NUL-terminated if errlen > 0). */
store *store_open(const char *data_dir, char *err, size_t errlen);

/* Finalises every statement and closes the connection; an open transaction is
 * rolled back.  Statements obtained from db are invalid afterwards.  NULL is
 * accepted. */
void store_close(store *db);

/* ---- statements ---- */

/* Returns the statement for one SQL statement, ready to bind: reset, with
 * every parameter NULL.  Statements are cached per connection, keyed by the
 * SQL text, so the same string is compiled once per connection and reused.
 * The connection owns the statement; the caller binds (1-based), steps, reads
 * columns, then calls store_done(st), after which st must not be used.
 * Using the same SQL again before store_done() (a nested loop, a recursive
 * callback) is allowed: that use gets a statement of its own.
 * Refused (NULL): text holding more than one statement, named parameters,
 * SQL errors, out of memory; store_errmsg(db) tells why. */
store_stmt *store_prepare(store *db, const char *sql);

/* Binds parameter idx (1-based).  False (and store_errmsg() set) when idx is
 * out of range, memory runs out, or text is not valid UTF-8 / holds a NUL.
 * Text and blobs are copied; the caller's buffer may be freed right after. */
bool store_bind_int(store_stmt *st, int idx, int64_t v);
bool store_bind_text(store_stmt *st, int idx, const char *s, size_t n); /* NULL s binds NULL */
bool store_bind_str(store_stmt *st, int idx, const char *s);            /* NULL s binds NULL */
bool store_bind_null(store_stmt *st, int idx);
bool store_bind_blob(store_stmt *st, int idx, const void *p, size_t n); /* n == 0: empty blob */

/* Runs the statement one step: STORE_ROW (a row is ready), STORE_DONE
 * (finished), or an error code. */
store_rc store_step(store_stmt *st);

/* Column values of the current row (col is 0-based).  A column that does not
 * exist, or a call without a current row, is a caller bug: it is reported on
 * stderr and gives 0 / NULL.  Text is NUL-terminated, *len (if len is not
 * NULL) excludes the NUL; NULL for an SQL NULL (check store_col_null() when
 * the column is nullable) or when memory runs out converting a number.  Blob
 * pointers are non-NULL for an empty blob.  Pointers stay valid until the
 * next store_step() or store_done() on st; copy what must live longer. */
int64_t store_col_int(store_stmt *st, int col);
const char *store_col_text(store_stmt *st, int col, size_t *len);
bool store_col_null(store_stmt *st, int col);
const void *store_col_blob(store_stmt *st, int col, size_t *len);

/* Ends one use of st: resets it and drops its bindings (does not finalise a
 * cached statement).  Call it on every path, errors included.  NULL is
 * accepted. */
void store_done(store_stmt *st);

/* Helpers for the table files.
 * store_col_dup(): column col copied into a; NULL for SQL NULL; clears *ok
 * when memory runs out.
 * store_step_change(): steps a statement that returns no rows and ends it
 * (store_done): STORE_OK when it changed a row, STORE_DONE when none, else
 * the error; bound false (a failed bind) gives STORE_ERROR.  *n (may be
 * NULL) receives the rows changed.
 * store_step_count(): steps a statement that returns one number and ends it:
 * the number, or -1 on error or no row (bound false: -1).
 * store_bind_id(): binds id, or NULL when id <= 0 (optional references). */
const char *store_col_dup(store_stmt *st, arena *a, int col, bool *ok);
store_rc store_step_change(store *db, store_stmt *st, bool bound, int *n);
int64_t store_step_count(store_stmt *st, bool bound);
bool store_bind_id(store_stmt *st, int idx, int64_t id);

/* Runs parameterless SQL (DDL, PRAGMA; one or several statements separated by
 * ';'), discarding any rows.  Never use it with values: those are bound with
 * store_prepare().  Returns STORE_OK or an error code.  Transactions are
 * store_tx()'s job: a BEGIN issued here is seen by store_in_tx(). */
store_rc store_exec(store *db, const char *sql);

/* Row id of the last INSERT on this connection.  Portable code prefers
 * `INSERT ... RETURNING id` (both engines accept it). */
int64_t store_last_insert_id(store *db);

/* Rows changed by the last INSERT, UPDATE or DELETE on this connection. */
int store_changes(store *db);

/* The last error on this connection, in English (it goes to the log, not to
 * visitors); "" if none yet.  Valid until the next call on db.  NULL db gives
 * a fixed message. */
const char *store_errmsg(store *db);

/* Bytes store_timestamp() writes, NUL included. */
#define STORE_TIMESTAMP_LEN 21

/* Writes the current UTC time as stored in every *_at column:
 * "2025-03-01T03:04:05Z" (ISO 8601; sorts as text; shown in JST by the view).
 * out must hold STORE_TIMESTAMP_LEN bytes. */
void store_timestamp(char out[STORE_TIMESTAMP_LEN]);

/* The same for Unix time t (seconds); a time outside years 1970..9999 gives
 * "1970-01-01T00:00:00Z". */
void store_timestamp_at(int64_t t, char out[STORE_TIMESTAMP_LEN]);

/* Lets this connection's commits reach the disk later: survives a crash of
 * the process (kill -9), not of the machine.  Only for writes whose loss
 * costs a repeat and never data: the mail worker's delivery marks, whose
 * loss after a power cut means a mail is sent a second time with the same
 * Message-ID.  (SQLite: synchronous=NORMAL, which in WAL mode keeps the
 * database consistent.)  STORE_OK or an error. */
store_rc store_relax_durability(store *db);

/* ---- transactions ---- */

/* The transaction body.  It runs store functions on db and returns STORE_OK
 * (or STORE_DONE) to commit, anything else to roll back.  It may run more than
 * once (see store_tx()), so it must not have effects outside the database
 * that a second run would repeat; results go to ctx. */
typedef store_rc (*store_tx_fn)(store *db, void *ctx);

/* The one transaction helper.  Begins (BEGIN IMMEDIATE, so a write conflict
 * surfaces at BEGIN rather than halfway through fn), calls fn(db, ctx), and
 * commits if fn returns STORE_OK or STORE_DONE; rolls back on any other
 * return or when the commit itself fails.  On STORE_BUSY (from BEGIN, fn or
 * COMMIT) it waits a short random time and runs the whole transaction again,
 * up to LIMIT_DB_TX_RETRIES times.  Returns STORE_OK once committed, else the
 * code that made it roll back.  No transaction is open when it returns.
 * Calling it while a transaction is open (from inside fn, or after a BEGIN
 * through store_exec()) is a bug: it is reported on stderr with the caller's
 * file and line, and STORE_ERROR is returned without touching the open
 * transaction.  The macro records the caller's location. */
store_rc store_tx_at(store *db, store_tx_fn fn, void *ctx, const char *file, int line);
#define store_tx(db, fn, ctx) store_tx_at((db), (fn), (ctx), __FILE__, __LINE__)

/* True while a transaction is open on db.  The server checks it is false
 * after every request. */
bool store_in_tx(const store *db);

/* Health check: true when a trivial query answers. */
bool store_ping(store *db);

/* ---- migrations ---- */

/* Applies the migrations embedded in the program (src/store/migrations/
 * NNN_name.sql) that the database has not recorded, in order, each in its own
 * transaction together with its row in schema_migrations(version, name,
 * applied_at); creates that table first if needed.  Returns the number
 * applied (0 when the schema is current), or -1 with a message for the
 * operator (Japanese, with the engine's detail) in err, after
 * which the database holds every migration before the one that failed.
 * Refused (-1) without changing anything: a recorded migration whose name
 * differs from the embedded one (a released migration was renamed), a
 * database newer than this program, a gap in the recorded versions.  Two
 * processes may migrate at once: the second waits for the write lock, then
 * finds the work done.  Must not be called inside a transaction. */
int store_migrate(store *db, char *err, size_t errlen);

/* Highest applied migration; 0 if none (or no schema_migrations table yet);
 * -1 on error. */
int store_schema_version(store *db);

/* ---- the platform tables of migration 001 (setting.c, master.c, generation.c) ---- */

/* Site settings (table setting): staff-editable site names, the centre's
 * address and the like, one UTF-8 text value per key (ARCHITECTURE.md
 * decision 5).
 * store_setting_get() returns the value of key copied into arena a (it lives
 * as long as a), or NULL when the key is absent or on error;
 * store_setting_get_rc() does the same and tells which in *rc: STORE_OK
 * found, STORE_DONE absent, else the error (STORE_NOMEM when a is full). */
const char *store_setting_get(store *db, arena *a, const char *key);
const char *store_setting_get_rc(store *db, arena *a, const char *key, store_rc *rc);

/* Sets key to value (both copied), inserting or replacing, and stamps
 * updated_at with the current UTC time.  STORE_OK or an error code
 * (STORE_CONSTRAINT for a NULL value). */
store_rc store_setting_put(store *db, const char *key, const char *value);

/* Calls fn for every setting in key order; stops early when fn returns false.
 * key and value are valid only during the call. */
store_rc store_setting_each(store *db, bool (*fn)(void *ctx, const char *key, const char *value),
                            void *ctx);

/* Master data lists (table master_item): municipalities, activity fields,
 * pro-bono fields, prefectures, time slots ... loaded from data files.  kind
 * names the list; code is the stable key other tables store.
 * store_master_put() inserts the item, or replaces label, kana (may be NULL)
 * and sort of the item with the same kind and code.  STORE_OK or an error. */
store_rc store_master_put(store *db, const char *kind, const char *code, const char *label,
                          const char *kana, int sort);

/* Calls fn for each item of kind in display order (sort, then code); the
 * strings (kana may be NULL) are valid only during the call; fn returns false
 * to stop.  fn may call other store functions on db, this list included.
 * Returns STORE_OK (also when stopped early) or an error code, in which case
 * fn may have seen some items. */
store_rc store_master_each(store *db, const char *kind,
                           bool (*fn)(void *ctx, const char *code, const char *label,
                                      const char *kana),
                           void *ctx);

/* Generation counters (table generation), ARCHITECTURE.md decision 2: a
 * process may cache data derived from the database only if any process's
 * change invalidates it.  The writer bumps the counter named after the cached
 * data in the same transaction as the change; a reader keeps the value it
 * built its cache from and rebuilds when the value has moved.
 * store_generation_get(): 0 if never bumped, -1 on error.
 * store_generation_bump(): adds one (creating the counter at 1); STORE_OK or
 * an error code. */
int64_t store_generation_get(store *db, const char *name);
store_rc store_generation_bump(store *db, const char *name);

#endif
