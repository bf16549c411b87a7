/*
 * audit.h - the audit log of staff changes (issue: content engine, point 5;
 * policy: who changed what and when, kept at least a year).
 *
 * Every change staff make through the admin (a content save or transition,
 * a media upload or deletion, an account action) writes one line, inside the
 * transaction of the change itself, so a change without its line cannot be
 * committed.  A line holds the actor (id and login, copied so the line
 * outlives the account), the action, the target (type and id), a short
 * Japanese summary, and the record before and after as record text
 * (content/record.h) where there is one.
 *
 * Lines are never changed; account housekeeping removes those older than
 * audit_keep_days (at least 365).  Readable by system administrators only
 * (/admin/audit-log).
 */
#ifndef TSUNAGU_DOMAIN_AUDIT_H
#define TSUNAGU_DOMAIN_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "store/audit.h"
#include "store/store.h"

/* Writes one line with db's open transaction.  actor may be NULL (the
 * worker, a command): the login is then who ("system", "cli").  before and
 * after may be NULL.  STORE_OK or the error. */
store_rc audit_add(store *db, int64_t actor_id, const char *actor_login, const char *action,
                   const char *target_type, int64_t target_id, const char *summary,
                   const char *before, const char *after);

/* Lines matching q, newest first, in a.  *n set; *next_before the id to
 * pass for the next page (0 when there is none).  STORE_OK or the error. */
store_rc audit_list(store *db, arena *a, const audit_query *q, audit_line **out, int *n,
                    int64_t *next_before);

/* One line, or STORE_DONE when there is no such line. */
store_rc audit_get(store *db, arena *a, int64_t id, audit_line *out);

/* Removes lines older than keep_days (>= 365).  *removed set. */
store_rc audit_purge(store *db, int keep_days, int *removed);

#endif
