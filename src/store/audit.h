/*
 * audit.h - the SQL of the audit log (migration 004, table audit_log); the
 * rules are domain/audit.h's.  One statement per function; strings of
 * returned lines are copied into the arena given.  Results: STORE_OK, or
 * STORE_DONE for "no such line", or the error.
 */
#ifndef TSUNAGU_STORE_AUDIT_H
#define TSUNAGU_STORE_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "store/store.h"

typedef struct audit_line {
    int64_t id;
    const char *at;
    int64_t actor_id;
    const char *actor_login;
    const char *action;
    const char *target_type;
    int64_t target_id;
    const char *summary;
    const char *before, *after; /* NULL when none */
} audit_line;

typedef struct audit_query {
    const char *target_type; /* NULL = any */
    int64_t target_id;       /* 0 = any */
    const char *actor;       /* login, NULL = any */
    const char *since, *until; /* UTC timestamps, NULL = open */
    int64_t before_id;       /* paging: lines older than this id, 0 = newest */
    int limit;
    bool with_data;          /* fill before/after */
} audit_query;

store_rc store_audit_add(store *db, const char *now, int64_t actor_id, const char *actor_login,
                         const char *action, const char *target_type, int64_t target_id,
                         const char *summary, const char *before, const char *after);
store_rc store_audit_list(store *db, arena *a, const audit_query *q, audit_line **out, int *n,
                          int64_t *next_before);
store_rc store_audit_get(store *db, arena *a, int64_t id, audit_line *out);
/* Removes lines older than before (a UTC timestamp). */
store_rc store_audit_purge(store *db, const char *before, int *removed);

#endif
