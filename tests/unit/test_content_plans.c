/* The public reads of store/content.c use their indexes (migration 004):
 * each statement the store runs for a public page, and the page cache's
 * per-request check, is captured as it runs over a database of 3,000
 * published notices (with scheduled, trashed, staged and draft rows among
 * them), and
 *   - SQLite's own counters for that statement show no full-table-scan step,
 *     no automatic index and (the lists and the year list) no sort;
 *   - its EXPLAIN QUERY PLAN names the index it is meant to use and scans no
 *     table.
 * The statements are caught through SQLite's trace hook on the store's own
 * connection (an auto-extension installs it on every connection), so the
 * test checks the SQL the server runs, not a copy of it.  No ANALYZE is run:
 * the server never analyses its databases, so the planner decides here as it
 * does there. */
#include <ftw.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "store/content.h"
#include "store/store.h"
#include "tap.h"

/* ---- capturing the statements ---- */

#define MAX_CAUGHT 16

typedef struct caught {
    sqlite3_stmt *st;
    char *sql; /* with the bound values written in (sqlite3_expanded_sql) */
    int fullscan, sort, autoindex;
} caught;

static bool capturing;
static caught caught_list[MAX_CAUGHT];
static int ncaught;

static void counters(caught *c)
{
    c->fullscan += sqlite3_stmt_status(c->st, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
    c->sort += sqlite3_stmt_status(c->st, SQLITE_STMTSTATUS_SORT, 1);
    c->autoindex += sqlite3_stmt_status(c->st, SQLITE_STMTSTATUS_AUTOINDEX, 1);
}

static int on_trace(unsigned type, void *ctx, void *p, void *x)
{
    (void)ctx;
    if (!capturing)
        return 0;
    sqlite3_stmt *st = p;
    if (type == SQLITE_TRACE_STMT) {
        if (strncmp((const char *)x, "--", 2) == 0 || ncaught == MAX_CAUGHT)
            return 0; /* a trigger's line, not a statement of ours */
        caught *c = &caught_list[ncaught++];
        c->st = st;
        c->sql = sqlite3_expanded_sql(st);
        c->fullscan = c->sort = c->autoindex = 0;
        sqlite3_stmt_status(st, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
        sqlite3_stmt_status(st, SQLITE_STMTSTATUS_SORT, 1);
        sqlite3_stmt_status(st, SQLITE_STMTSTATUS_AUTOINDEX, 1);
    } else if (type == SQLITE_TRACE_PROFILE) {
        for (int i = ncaught - 1; i >= 0; i--)
            if (caught_list[i].st == st) {
                counters(&caught_list[i]);
                break;
            }
    }
    return 0;
}

static int install_trace(sqlite3 *db, const char **err, const struct sqlite3_api_routines *api)
{
    (void)err;
    (void)api;
    sqlite3_trace_v2(db, SQLITE_TRACE_STMT | SQLITE_TRACE_PROFILE, on_trace, NULL);
    return SQLITE_OK;
}

static void capture_start(void)
{
    for (int i = 0; i < ncaught; i++)
        sqlite3_free(caught_list[i].sql);
    ncaught = 0;
    capturing = true;
}

/* ---- the database ---- */

static char root[256], data[300];
static store *db;
static sqlite3 *plan_db; /* a connection of the test's own, for EXPLAIN */
static arena mem;
static char now[STORE_TIMESTAMP_LEN];

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static bool insert(const char *type, const char *status, const char *title, const char *slug,
                   const char *menu, const char *sort_at, int year, const char *publish_at,
                   const char *unpublish_at, int64_t live_id, bool trashed)
{
    store_content_row r = {.type = type,
                           .status = status,
                           .title = title,
                           .data = "body\tテスト\n",
                           .slug = slug,
                           .menu = menu,
                           .live_id = live_id,
                           .sort_at = sort_at,
                           .published_at = sort_at,
                           .year = year,
                           .publish_at = publish_at,
                           .unpublish_at = unpublish_at,
                           .created_at = sort_at,
                           .updated_at = sort_at};
    int64_t id;
    if (store_content_insert(db, &r, &id) != STORE_OK)
        return false;
    return !trashed || store_content_set_trashed(db, id, sort_at) == STORE_OK;
}

/* 3,000 notices 8 hours apart back from now (about three JST years), every
 * 50th of them scheduled, expired, trashed or a draft, a few staged copies,
 * and fixed pages in menus. */
static bool fill(void)
{
    time_t t0 = time(NULL);
    bool ok = store_exec(db, "BEGIN") == STORE_OK;
    for (int i = 0; ok && i < 3000; i++) {
        time_t t = t0 - (time_t)i * 8 * 3600;
        char at[STORE_TIMESTAMP_LEN], later[STORE_TIMESTAMP_LEN], title[64];
        store_timestamp_at((int64_t)t, at);
        store_timestamp_at((int64_t)t0 + 86400 * (1 + i % 7), later);
        time_t j = t + 9 * 3600;
        struct tm tm;
        gmtime_r(&j, &tm);
        snprintf(title, sizeof title, "お知らせ %d", i);
        int kind = i % 50;
        ok = insert("notice", kind == 1 ? "draft" : "published", title, NULL, NULL, at,
                    tm.tm_year + 1900, kind == 2 ? later : NULL, kind == 3 ? at : NULL, 0,
                    kind == 4);
        if (ok && kind == 5)
            ok = insert("notice", "review", title, NULL, NULL, at, tm.tm_year + 1900, NULL, NULL,
                        (int64_t)i + 1, false);
    }
    for (int i = 0; ok && i < 12; i++) {
        char slug[32], title[32];
        snprintf(slug, sizeof slug, "page-%d", i);
        snprintf(title, sizeof title, "固定ページ %d", i);
        ok = insert("page", "published", title, slug, i % 2 ? "centre" : "footer", now, 2026, NULL,
                    NULL, 0, false);
    }
    ok = ok && store_exec(db, "COMMIT") == STORE_OK;
    return ok;
}

static bool set_up(void)
{
    sqlite3_auto_extension((void (*)(void))install_trace);
    const char *base = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : P_tmpdir;
    snprintf(root, sizeof root, "%s/tsunagu-plans-XXXXXX", base);
    if (!mkdtemp(root))
        return false;
    snprintf(data, sizeof data, "%s/data", root);
    char err[256], path[400];
    db = store_open(data, err, sizeof err);
    if (!db || store_migrate(db, err, sizeof err) < 0) {
        printf("# cannot set up a store: %s\n", err);
        return false;
    }
    store_timestamp(now);
    arena_init(&mem);
    snprintf(path, sizeof path, "%s/tsunagu.db", data);
    return fill() && sqlite3_open_v2(path, &plan_db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK;
}

static void tear_down(void)
{
    capture_start();
    capturing = false;
    sqlite3_close(plan_db);
    store_close(db);
    arena_free(&mem);
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    sqlite3_reset_auto_extension();
}

/* ---- checking one statement ---- */

/* The EXPLAIN QUERY PLAN of c's SQL, one detail a line, into out. */
static void plan_of(const caught *c, char *out, size_t outlen)
{
    out[0] = '\0';
    char *sql = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", c->sql);
    sqlite3_stmt *st = NULL;
    if (sql && sqlite3_prepare_v2(plan_db, sql, -1, &st, NULL) == SQLITE_OK) {
        size_t len = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *d = (const char *)sqlite3_column_text(st, 3);
            int n = snprintf(out + len, outlen - len, "%s\n", d ? d : "");
            if (n < 0 || (size_t)n >= outlen - len)
                break;
            len += (size_t)n;
        }
    }
    sqlite3_finalize(st);
    sqlite3_free(sql);
}

/* A full scan of a table: "SCAN c", "SCAN content_item", "SCAN generation"
 * ("SCAN CONSTANT ROW" and the scan of a recursive CTE's rows are not). */
static bool scans_a_table(const char *plan)
{
    for (const char *p = plan; (p = strstr(p, "SCAN ")); p += 5) {
        bool line_start = p == plan || p[-1] == '\n' || p[-1] == ' ';
        if (line_start && strncmp(p, "SCAN CONSTANT ROW", 17) != 0 && strncmp(p, "SCAN y", 6) != 0)
            return true;
    }
    return false;
}

/* Checks the one statement caught (or, with several, each of them) against
 * the index it must use. */
static void check_caught(const char *what, const char *index, bool sort_ok)
{
    capturing = false;
    CHECK(ncaught >= 1);
    for (int i = 0; i < ncaught; i++) {
        caught *c = &caught_list[i];
        char plan[4096];
        plan_of(c, plan, sizeof plan);
        bool good = c->fullscan == 0 && c->autoindex == 0 && (sort_ok || c->sort == 0) &&
                    !scans_a_table(plan) && strstr(plan, index) != NULL;
        if (!good)
            printf("# %s: full-scan steps %d, sorts %d, automatic indexes %d, plan:\n# %s\n", what,
                   c->fullscan, c->sort, c->autoindex, plan);
        CHECK(good);
    }
}

/* ---- the public reads ---- */

TEST(list_first_and_last_page_walk_the_public_index_in_order)
{
    store_content_row *rows;
    int n;
    capture_start();
    CHECK(store_content_public_list(db, &mem, "notice", 0, now, false, 20, 0, &rows, &n) ==
          STORE_OK);
    CHECK_INT(n, 20);
    check_caught("list page 1", "content_item_public (type=? AND status=?)", false);

    int64_t total = store_content_public_count(db, "notice", 0, now);
    CHECK_INT(total, 3000 - 4 * 60); /* less the drafts, scheduled, expired and trashed */
    capture_start();
    CHECK(store_content_public_list(db, &mem, "notice", 0, now, true, 20, (int)(total - 5), &rows,
                                    &n) == STORE_OK);
    CHECK_INT(n, 5);
    check_caught("list, last page, with records", "content_item_public (type=? AND status=?)",
                 false);
}

TEST(year_archive_reads_the_year_index)
{
    time_t j = time(NULL) + 9 * 3600 - 400L * 86400;
    struct tm tm;
    gmtime_r(&j, &tm);
    store_content_row *rows;
    int n;
    capture_start();
    CHECK(store_content_public_list(db, &mem, "notice", tm.tm_year + 1900, now, false, 20, 40,
                                    &rows, &n) == STORE_OK);
    CHECK_INT(n, 20);
    check_caught("year archive", "content_item_public_year (type=? AND status=? AND year=?)",
                 false);
}

TEST(counts_read_index_entries_only)
{
    capture_start();
    int64_t all = store_content_public_count(db, "notice", 0, now);
    check_caught("count", "USING INDEX content_item_public", false);
    time_t j = time(NULL) + 9 * 3600;
    struct tm tm;
    gmtime_r(&j, &tm);
    capture_start();
    int64_t year = store_content_public_count(db, "notice", tm.tm_year + 1900, now);
    check_caught("count of a year", "content_item_public_year (type=? AND status=? AND year=?)",
                 false);
    CHECK(all > year && year > 0);
}

TEST(the_year_list_is_one_seek_a_year)
{
    int *years;
    int n;
    capture_start();
    CHECK(store_content_public_years(db, &mem, "notice", now, &years, &n) == STORE_OK);
    check_caught("years", "content_item_public_year (type=? AND status=? AND year<?)", false);
    CHECK(n >= 3);
    for (int i = 1; i < n; i++)
        CHECK(years[i] < years[i - 1]);
}

TEST(one_item_by_id_or_slug_and_a_menu)
{
    store_content_row r;
    capture_start();
    store_rc rc = store_content_public_get(db, &mem, "notice", 10, now, &r);
    CHECK(rc == STORE_OK || rc == STORE_DONE);
    check_caught("one item", "INTEGER PRIMARY KEY", false);
    capture_start();
    CHECK(store_content_public_by_slug(db, &mem, "page", "page-3", now, &r) == STORE_OK);
    check_caught("one page by slug", "content_item_slug", false);
    store_content_row *rows;
    int n;
    capture_start();
    CHECK(store_content_public_menu(db, &mem, "page", "centre", now, 200, &rows, &n) == STORE_OK);
    CHECK_INT(n, 6);
    /* A menu holds a handful of pages: sorting them is fine, scanning is not. */
    check_caught("menu", "USING INDEX", true);
}

TEST(the_page_cache_check_is_a_few_seeks)
{
    static const char *const gens[STORE_WATCH_GENS] = {"content", "setting", "master"};
    store_content_watch w;
    char since[STORE_TIMESTAMP_LEN];
    store_timestamp_at((int64_t)time(NULL) - 60, since);
    capture_start();
    CHECK(store_content_public_watch(db, gens, since, &w) == STORE_OK);
    check_caught("page cache check", "content_item_next_publish (status=? AND publish_at>?)",
                 false);
    char plan[4096];
    plan_of(&caught_list[0], plan, sizeof plan);
    CHECK(strstr(plan, "content_item_next_unpublish (status=? AND unpublish_at>?)") != NULL);
    /* The scheduled notices lie 1..7 days ahead: the soonest is a day on. */
    char day[STORE_TIMESTAMP_LEN], day2[STORE_TIMESTAMP_LEN];
    store_timestamp_at((int64_t)time(NULL) + 86400 - 120, day);
    store_timestamp_at((int64_t)time(NULL) + 86400 + 120, day2);
    CHECK(strcmp(w.next_change, day) > 0 && strcmp(w.next_change, day2) < 0);
}

int main(void)
{
    if (!set_up()) {
        printf("# cannot set up the database\n");
        return 2;
    }
    int rc = tap_run();
    tear_down();
    return rc;
}
