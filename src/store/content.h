/*
 * content.h - the SQL of the content engine (migration 004: content_item,
 * content_revision).  One statement per function; every rule (who may do
 * what, which state follows which) is domain/content.c's.
 *
 * Conventions as in store/account.h: timestamps come from the caller; strings
 * of returned rows are copied into the arena given; STORE_OK (found /
 * changed), STORE_DONE (no such row / nothing changed), STORE_CONSTRAINT, or
 * an error.
 *
 * "Public" below means: status 'published', not trashed, not a staged copy,
 * publish_at NULL or <= now, unpublish_at NULL or > now.
 */
#ifndef TSUNAGU_STORE_CONTENT_H
#define TSUNAGU_STORE_CONTENT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "store/store.h"

typedef struct store_content_row {
    int64_t id;
    const char *type, *variant, *status, *title, *data, *slug;
    int64_t live_id, staged_id;
    int rev;
    const char *publish_at, *unpublish_at, *published_at, *sort_at;
    int year;
    bool announced;
    int64_t created_by, updated_by, submitted_by;
    const char *updated_by_name, *submitted_by_name; /* logins joined from account */
    const char *comment, *created_at, *updated_at, *trashed_at;
    int64_t lock_by;
    const char *lock_by_name, *lock_at;
    const char *menu;
    int menu_order;
} store_content_row;

/* Inserts r (id, staged_id, names ignored); *id set. */
store_rc store_content_insert(store *db, const store_content_row *r, int64_t *id);

/* The row id (data included when with_data). */
store_rc store_content_get(store *db, arena *a, int64_t id, bool with_data, store_content_row *r);

/* Writes the fields of a save: title, data, rev, slug, schedule, menu,
 * updated_by/at, and clears the edit lock. */
store_rc store_content_update(store *db, const store_content_row *r);

/* Writes the state columns: status, submitted_by, comment, published_at,
 * sort_at, year, announced, updated_by, updated_at. */
store_rc store_content_set_state(store *db, const store_content_row *r);

store_rc store_content_set_trashed(store *db, int64_t id, const char *trashed_at);
store_rc store_content_delete(store *db, int64_t id);
store_rc store_content_set_lock(store *db, int64_t id, int64_t by, const char *at);

/* Staff list: type, status ("" = any), trash or not, title contains q ("" =
 * any), sort key "updated" | "title" | "published" | "created", page. */
store_rc store_content_list(store *db, arena *a, const char *type, const char *status, bool trash,
                            const char *q, const char *sort, bool asc, int limit, int offset,
                            store_content_row **rows, int *n);
int64_t store_content_count(store *db, const char *type, const char *status, bool trash,
                            const char *q);

/* Calls fn for each (type, status, trashed, count) group. */
store_rc store_content_counts(store *db,
                              void (*fn)(void *ctx, const char *type, const char *status,
                                         bool trashed, int64_t n),
                              void *ctx);

/* ---- public reads (now: the current UTC timestamp) ---- */

store_rc store_content_public_list(store *db, arena *a, const char *type, int year,
                                   const char *now, bool with_data, int limit, int offset,
                                   store_content_row **rows, int *n);
int64_t store_content_public_count(store *db, const char *type, int year, const char *now);
store_rc store_content_public_get(store *db, arena *a, const char *type, int64_t id,
                                  const char *now, store_content_row *r);
store_rc store_content_public_by_slug(store *db, arena *a, const char *type, const char *slug,
                                      const char *now, store_content_row *r);
/* Public items of type in menu place menu, by menu_order then title (at
 * most limit), with their data. */
store_rc store_content_public_menu(store *db, arena *a, const char *type, const char *menu,
                                   const char *now, int limit, store_content_row **rows, int *n);
/* JST years holding public items of type, newest first (at most 200). */
store_rc store_content_public_years(store *db, arena *a, const char *type, const char *now,
                                    int **years, int *n);

/* What a cache of public pages compares on each request (web/page_cache.h),
 * read in one statement: the values of the generation counters named in gens
 * (0 for a counter never bumped), and the soonest publish_at or unpublish_at
 * later than since among published items that are not trashed or staged
 * copies ("" when there is none): the first moment after since at which a
 * public page may change without any write.  STORE_OK or an error. */
#define STORE_WATCH_GENS 3
typedef struct store_content_watch {
    int64_t gens[STORE_WATCH_GENS];
    char next_change[STORE_TIMESTAMP_LEN];
} store_content_watch;
store_rc store_content_public_watch(store *db, const char *const gens[STORE_WATCH_GENS],
                                    const char *since, store_content_watch *out);

/* ---- schedule (the worker) ---- */

/* Published items whose publish_at passed and that are not announced yet
 * (ids into *ids, at most limit). */
store_rc store_content_due_publish(store *db, arena *a, const char *now, int limit, int64_t **ids,
                                   int *n);
/* Published items whose unpublish_at passed. */
store_rc store_content_due_unpublish(store *db, arena *a, const char *now, int limit,
                                     int64_t **ids, int *n);

/* ---- revisions ---- */

typedef struct store_content_rev {
    int rev;
    const char *title, *data, *action, *actor_name, *created_at;
} store_content_rev;

store_rc store_content_rev_add(store *db, int64_t item_id, int rev, const char *title,
                               const char *data, const char *action, int64_t actor_id,
                               const char *actor_name, const char *now);
store_rc store_content_rev_list(store *db, arena *a, int64_t item_id, store_content_rev **rows,
                                int *n);
store_rc store_content_rev_get(store *db, arena *a, int64_t item_id, int rev,
                               store_content_rev *out);

/* Active staff accounts that may publish (role admin, or editor too when
 * editors may): their ids, addresses and names, for the review mail. */
typedef struct store_content_staff {
    int64_t id;
    const char *email, *name;
} store_content_staff;
store_rc store_content_publishers(store *db, arena *a, bool editors_too,
                                  store_content_staff **rows, int *n);

#endif
