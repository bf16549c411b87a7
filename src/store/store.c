/* store.c - connections: open, close, errors, parameterless SQL. See store.h. */
#include "core/utf8.h"
#include "core/log.h"
#include "store/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fault.h"

#define DB_FILE "tsunagu.db"

/* Upsert (3.24), DQS switches (3.29) and RETURNING (3.35) are relied on. */
#if SQLITE_VERSION_NUMBER < 3035000
#error "SQLite 3.35 or newer is required"
#endif

/* ---- errors ---- */

store_rc store_map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK: return STORE_OK;
    case SQLITE_ROW: return STORE_ROW;
    case SQLITE_DONE: return STORE_DONE;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return STORE_BUSY;
    case SQLITE_CONSTRAINT: return STORE_CONSTRAINT;
    case SQLITE_NOMEM: return STORE_NOMEM;
    default: return STORE_ERROR;
    }
}

void store_set_err(store *db, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(db->err, sizeof db->err, fmt, ap);
    va_end(ap);
}

void store_set_sqlite_err(store *db, const char *what)
{
    store_set_err(db, "%s: %s", what, sqlite3_errmsg(db->conn));
}

void store_bug(store *db, const char *file, int line, const char *fmt, ...)
{
    char msg[LIMIT_DB_ERRMSG];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_error("BUG %s:%d: %s", file, line, msg);
    if (db)
        store_set_err(db, "bug: %s", msg);
}

const char *store_errmsg(store *db)
{
    return db ? db->err : "no database connection";
}

/* ---- opening ---- */

/* Creates dir with mode 0700 unless it exists; an existing one must be a
 * directory (its mode is the operator's choice and is left alone). */
static bool make_data_dir(const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0700) == 0) {
        /* the umask may have taken bits away; never added any */
        if (chmod(dir, 0700) != 0) {
            utf8_format(err, errlen, "データディレクトリ %s の権限を設定できません: %s", dir,
                         strerror(errno));
            return false;
        }
        return true;
    }
    int e = errno;
    struct stat sb;
    if (e == EEXIST && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
        return true;
    utf8_format(err, errlen, "データディレクトリ %s を作成できません: %s", dir,
                 strerror(e == EEXIST ? ENOTDIR : e));
    return false;
}

/* Creates the database file with mode 0600 before SQLite opens it.  SQLite
 * creates the -wal and -shm files with the database file's mode, so this
 * alone keeps all three private, with no change to the process-wide umask
 * (which would race with other threads creating files).
 *
 * An existing file is only looked at through its path (stat, chmod), never
 * opened: closing any descriptor of the database file drops every POSIX lock
 * this process holds on it, including those of other connections that are
 * in the middle of a transaction (SQLite's "how to corrupt" list, 2.2).  A
 * new file is created with O_EXCL; nobody can hold a lock on a file that did
 * not exist a moment ago, so closing that descriptor is safe. */
static bool prepare_db_file(const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno != ENOENT) {
            utf8_format(err, errlen, "データベース %s を調べられません: %s", path,
                         strerror(errno));
            return false;
        }
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0) {
            close(fd);
            return true;
        }
        if (errno != EEXIST) {
            utf8_format(err, errlen, "データベース %s を作成できません: %s", path,
                         strerror(errno));
            return false;
        }
        /* created by another thread or process meanwhile: check it below */
        if (stat(path, &sb) != 0) {
            utf8_format(err, errlen, "データベース %s を調べられません: %s", path,
                         strerror(errno));
            return false;
        }
    }
    if (!S_ISREG(sb.st_mode)) {
        utf8_format(err, errlen, "データベース %s が通常のファイルではありません", path);
        return false;
    }
    if ((sb.st_mode & 077) != 0 && chmod(path, 0600) != 0) {
        utf8_format(err, errlen, "データベース %s の権限を 0600 にできません: %s", path,
                     strerror(errno));
        return false;
    }
    return true;
}

/* An existing -wal or -shm file keeps the mode it was created with; tighten it
 * like the database file.  Missing files are fine (SQLite creates them). */
static bool tighten_side_file(const char *path, const char *suffix, char *err, size_t errlen)
{
    size_t n = strlen(path) + strlen(suffix) + 1;
    char *side = fault_malloc(n);
    if (!side) {
        utf8_format(err, errlen, "メモリが不足しています");
        return false;
    }
    snprintf(side, n, "%s%s", path, suffix);
    struct stat sb;
    bool ok = true;
    if (lstat(side, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 077) != 0 &&
        chmod(side, 0600) != 0) {
        utf8_format(err, errlen, "%s の権限を 0600 にできません: %s", side, strerror(errno));
        ok = false;
    }
    free(side);
    return ok;
}

/* Runs a PRAGMA that answers one row and copies its first column to out. */
static bool pragma_text(sqlite3 *conn, const char *sql, char *out, size_t outlen)
{
    sqlite3_stmt *st = NULL;
    bool ok = false;
    if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        if (v) {
            snprintf(out, outlen, "%s", (const char *)v);
            ok = true;
        }
    }
    sqlite3_finalize(st);
    return ok;
}

static bool prepare_fixed(sqlite3 *conn, const char *sql, sqlite3_stmt **out)
{
    return sqlite3_prepare_v3(conn, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) == SQLITE_OK;
}

/* Sets the connection up; on failure writes err and returns false. */
static bool configure(store *db, const char *path, char *err, size_t errlen)
{
    sqlite3 *conn = db->conn;
    char v[32];

    sqlite3_extended_result_codes(conn, 1);
    sqlite3_busy_timeout(conn, LIMIT_DB_BUSY_MS);
    /* Portability with PostgreSQL: "x" is an identifier, never a string.
     * Defensive mode forbids SQL that could corrupt the file (writable_schema). */
    sqlite3_db_config(conn, SQLITE_DBCONFIG_DQS_DML, 0, (int *)NULL);
    sqlite3_db_config(conn, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)NULL);
    sqlite3_db_config(conn, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);

    if (!pragma_text(conn, "PRAGMA journal_mode=WAL", v, sizeof v) || strcmp(v, "wal") != 0) {
        utf8_format(err, errlen, "データベース %s を WAL モードにできません: %s", path,
                     sqlite3_errmsg(conn));
        return false;
    }
    if (sqlite3_exec(conn, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL", NULL, NULL, NULL) !=
            SQLITE_OK ||
        !pragma_text(conn, "PRAGMA foreign_keys", v, sizeof v) || strcmp(v, "1") != 0 ||
        !pragma_text(conn, "PRAGMA synchronous", v, sizeof v) || strcmp(v, "2") != 0) {
        utf8_format(err, errlen, "データベース %s の設定に失敗しました: %s", path,
                     sqlite3_errmsg(conn));
        return false;
    }
    if (!prepare_fixed(conn, "BEGIN IMMEDIATE", &db->begin) ||
        !prepare_fixed(conn, "COMMIT", &db->commit) ||
        !prepare_fixed(conn, "ROLLBACK", &db->rollback)) {
        utf8_format(err, errlen, "データベース %s の準備に失敗しました: %s", path,
                     sqlite3_errmsg(conn));
        return false;
    }
    return true;
}

static uint64_t seed_rng(const store *db)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)db ^
                 ((uint64_t)getpid() << 16);
    return s ? s : 0x9e3779b97f4a7c15u; /* xorshift state must not be 0 */
}

store *store_open(const char *data_dir, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!data_dir || !*data_dir) {
        utf8_format(err, errlen, "データディレクトリが指定されていません");
        return NULL;
    }
    if (!make_data_dir(data_dir, err, errlen))
        return NULL;

    size_t n = strlen(data_dir) + sizeof "/" DB_FILE;
    char *path = fault_malloc(n);
    store *db = fault_malloc(sizeof *db);
    if (db)
        memset(db, 0, sizeof *db); /* the fail path reads its fields */
    if (!path || !db) {
        utf8_format(err, errlen, "メモリが不足しています");
        goto fail;
    }
    snprintf(path, n, "%s/%s", data_dir, DB_FILE);
    if (!prepare_db_file(path, err, errlen) || !tighten_side_file(path, "-wal", err, errlen) ||
        !tighten_side_file(path, "-shm", err, errlen))
        goto fail;

    int rc = sqlite3_open_v2(
        path, &db->conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        utf8_format(err, errlen, "データベース %s を開けません: %s", path,
                     db->conn ? sqlite3_errmsg(db->conn) : sqlite3_errstr(rc));
        goto fail;
    }
    if (!configure(db, path, err, errlen))
        goto fail;
    db->rng = seed_rng(db);
    free(path);
    return db;

fail:
    if (db) {
        sqlite3_finalize(db->begin);
        sqlite3_finalize(db->commit);
        sqlite3_finalize(db->rollback);
        sqlite3_close_v2(db->conn);
    }
    free(db);
    free(path);
    return NULL;
}

static void free_stmt(store_stmt *s)
{
    sqlite3_finalize(s->st);
    free(s->sql);
    free(s);
}

void store_close(store *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->nslots; i++) {
        store_stmt *s = db->slots[i];
        while (s) {
            store_stmt *next = s->next;
            free_stmt(s);
            s = next;
        }
    }
    free(db->slots);
    while (db->loose) {
        store_stmt *next = db->loose->next;
        free_stmt(db->loose);
        db->loose = next;
    }
    sqlite3_finalize(db->begin);
    sqlite3_finalize(db->commit);
    sqlite3_finalize(db->rollback);
    /* every statement is finalised, so this closes now (and rolls back) */
    sqlite3_close_v2(db->conn);
    free(db);
}

/* ---- parameterless SQL and connection facts ---- */

store_rc store_exec(store *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db->conn, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        store_set_err(db, "exec: %s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return store_map_rc(rc);
    }
    return STORE_OK;
}

int64_t store_last_insert_id(store *db)
{
    return sqlite3_last_insert_rowid(db->conn);
}

int store_changes(store *db)
{
    return sqlite3_changes(db->conn);
}

bool store_in_tx(const store *db)
{
    return db->in_tx || !sqlite3_get_autocommit(db->conn);
}

bool store_ping(store *db)
{
    store_stmt *st = store_prepare(db, "SELECT 1");
    if (!st)
        return false;
    bool ok = store_step(st) == STORE_ROW && store_col_int(st, 0) == 1;
    store_done(st);
    return ok;
}

void store_timestamp(char out[STORE_TIMESTAMP_LEN])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    store_timestamp_at((int64_t)ts.tv_sec, out);
}

void store_timestamp_at(int64_t t, char out[STORE_TIMESTAMP_LEN])
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (t < 0 || t > 253402300799 || !gmtime_r(&tt, &tm) ||
        strftime(out, STORE_TIMESTAMP_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, STORE_TIMESTAMP_LEN, "1970-01-01T00:00:00Z");
}

store_rc store_relax_durability(store *db)
{
    return store_exec(db, "PRAGMA synchronous = NORMAL");
}
