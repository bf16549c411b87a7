/*
 * account.h - the SQL of the account system (migration 003): accounts,
 * sessions, mailed single-use tokens, failed logins per address and the
 * security log.  One statement per function; every rule (who may log in,
 * when a lock starts, what a session is worth) is domain/account.c's,
 * domain/session.c's and domain/security_log.c's.
 *
 * Conventions shared by every function here:
 *   - Timestamps are store_timestamp() text passed in by the caller (the
 *     domain owns the clock, so tests can move it); comparisons are on text.
 *   - Keys are passed already normalised: login_key and email_key lower-cased
 *     by the domain, token and session hashes as token_hash() hex.
 *   - Strings of a returned row are copied into the arena given, and live as
 *     long as it; NULL columns stay NULL.
 *   - Results: STORE_OK (found / changed), STORE_DONE (no such row / nothing
 *     changed), STORE_CONSTRAINT (a UNIQUE or CHECK refused), another code on
 *     error.  Counting functions return -1 on error.
 *   - Writes run inside the caller's store_tx() where several must hold
 *     together; a single statement may also run on its own.
 */
#ifndef TSUNAGU_STORE_ACCOUNT_H
#define TSUNAGU_STORE_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "store/store.h"

/* ---- accounts ---- */

/* One account row.  role, member_type (NULL for staff) and status are the
 * texts of the migration's CHECK lists. */
typedef struct store_account_row {
    int64_t id;
    const char *login, *email, *name;
    const char *role, *member_type, *status;
    const char *password_hash, *password_changed_at;
    bool must_change_password;
    int64_t failed_count;
    const char *locked_until; /* NULL: not locked */
    const char *totp_secret;  /* sealed text, NULL: not enrolled */
    int64_t totp_last_step;
    const char *last_login_at, *last_login_addr, *prev_login_at, *prev_login_addr;
    const char *created_at, *updated_at;
} store_account_row;

/* A new account.  member_type NULL for staff. */
typedef struct store_account_new {
    const char *login, *login_key, *email, *email_key, *name;
    const char *role, *member_type, *status;
    const char *password_hash;
    bool must_change_password;
    const char *now;
} store_account_new;

/* Inserts; *id gets the new id.  STORE_CONSTRAINT when login_key or
 * email_key is taken. */
store_rc store_account_insert(store *db, const store_account_new *n, int64_t *id);

/* The account by id, by login_key, or by email_key. */
store_rc store_account_get(store *db, arena *a, int64_t id, store_account_row *out);
store_rc store_account_get_by_login(store *db, arena *a, const char *login_key,
                                    store_account_row *out);
store_rc store_account_get_by_email(store *db, arena *a, const char *email_key,
                                    store_account_row *out);

/* Sets status ("active", "suspended") of account id.  STORE_DONE when there
 * is no such account. */
store_rc store_account_set_status(store *db, int64_t id, const char *status, const char *now);

/* provisional -> active.  STORE_DONE when the account is not provisional. */
store_rc store_account_activate(store *db, int64_t id, const char *now);

/* Counts one failed login or code of account id: failed_count goes up by
 * one, and when it reaches `limit` it starts again from 0 and locked_until
 * becomes lock_until (spec 3.1.6).  *locked (may be NULL) is set when this
 * failure started the lock.  STORE_DONE when there is no such account. */
store_rc store_account_fail(store *db, int64_t id, int64_t limit, const char *lock_until,
                            bool *locked);

/* A successful login at now from addr: failures and lock cleared, the last
 * login moved to prev_login_*.  Only for an active account whose lock (if
 * any) ran out by now; STORE_DONE otherwise. */
store_rc store_account_login_ok(store *db, int64_t id, const char *now, const char *addr);

/* Sets a new password hash (password_changed_at = now, must_change_password
 * cleared).  STORE_DONE when there is no such account. */
store_rc store_account_set_password(store *db, int64_t id, const char *hash, const char *now);

/* Replaces the hash with a fresh one of the same password (stronger
 * parameters) only while it is still old_hash.  STORE_DONE otherwise. */
store_rc store_account_rehash(store *db, int64_t id, const char *old_hash, const char *new_hash);

/* Clears failures and lock. */
store_rc store_account_unlock(store *db, int64_t id, const char *now);

/* Sets role and member_type (NULL for staff); STORE_CONSTRAINT when they do
 * not fit together. */
store_rc store_account_set_role(store *db, int64_t id, const char *role, const char *member_type,
                                const char *now);

/* Sets the mail address.  STORE_CONSTRAINT when email_key is taken. */
store_rc store_account_set_email(store *db, int64_t id, const char *email, const char *email_key,
                                 const char *now);

/* Sets (sealed text) or clears (NULL) the TOTP secret and the last step. */
store_rc store_account_set_totp(store *db, int64_t id, const char *sealed, int64_t last_step,
                                const char *now);

/* Calls fn for every account with a TOTP secret (id, sealed text, last
 * step); the strings are valid during the call only.  fn may run other
 * statements on db; it returns false to stop. */
store_rc store_account_each_totp(store *db,
                                 bool (*fn)(void *ctx, int64_t id, const char *sealed,
                                            int64_t last_step),
                                 void *ctx);

/* Records TOTP step `step` as used, only if it is later than the stored one:
 * STORE_DONE when it is not (the code was used already: replay). */
store_rc store_account_totp_step(store *db, int64_t id, int64_t step);

/* Deletes the account; its sessions and tokens go with it (ON DELETE
 * CASCADE).  STORE_DONE when there is no such account. */
store_rc store_account_delete(store *db, int64_t id);

/* Active accounts of role.  -1 on error. */
int64_t store_account_count_role(store *db, const char *role);

/* Deletes provisional accounts created before `before`; *n (may be NULL)
 * gets how many. */
store_rc store_account_purge_provisional(store *db, const char *before, int *n);

/* A page of the account list, newest first: role and status filter when not
 * NULL, login_prefix (a lower-cased login_key prefix) when not NULL or "",
 * ids below before_id when > 0, at most limit rows.  *rows (arena) and *n. */
store_rc store_account_list(store *db, arena *a, const char *role, const char *status,
                            const char *login_prefix, int64_t before_id, int limit,
                            store_account_row **rows, int *n);

/* ---- sessions ---- */

/* Inserts a session: id_hash = token_hash(cookie value), stage full | totp |
 * enrol. */
store_rc store_session_insert(store *db, const char *id_hash, int64_t account_id, const char *stage,
                              const char *now);

/* A session with its account, read in one statement. */
typedef struct store_session_row {
    const char *stage, *created_at, *last_seen_at;
    store_account_row account;
} store_session_row;

store_rc store_session_get(store *db, arena *a, const char *id_hash, store_session_row *out);

/* last_seen_at = now. */
store_rc store_session_touch(store *db, const char *id_hash, const char *now);

/* Deletes one session. STORE_DONE when there was none. */
store_rc store_session_delete(store *db, const char *id_hash);

/* Deletes every session of account_id except keep_hash (NULL: all); *n
 * (may be NULL) gets how many. */
store_rc store_session_delete_account(store *db, int64_t account_id, const char *keep_hash, int *n);

/* Deletes sessions last seen before idle_before or created before
 * created_before; *n (may be NULL) gets how many. */
store_rc store_session_purge(store *db, const char *idle_before, const char *created_before,
                             int *n);

/* Sessions of account_id (any stage).  -1 on error. */
int64_t store_session_count(store *db, int64_t account_id);

/* ---- single-use tokens ---- */

/* purpose: "verify" | "reset" | "email"; new_email only for "email". */
store_rc store_token_insert(store *db, const char *hash, int64_t account_id, const char *purpose,
                            const char *new_email, const char *now, const char *expires_at);

typedef struct store_token_row {
    int64_t account_id;
    const char *new_email; /* NULL unless purpose "email" */
    const char *created_at, *expires_at, *used_at;
} store_token_row;

/* The token of hash and purpose, used or not. */
store_rc store_token_get(store *db, arena *a, const char *hash, const char *purpose,
                         store_token_row *out);

/* Spends the token: sets used_at = now if it is unused and expires after
 * now, returning its row.  STORE_DONE when it is unknown, used or expired
 * (store_token_get() tells which).  One statement, so two clicks racing
 * cannot both spend it. */
store_rc store_token_use(store *db, arena *a, const char *hash, const char *purpose,
                         const char *now, store_token_row *out);

/* Marks every unused token of account_id and purpose as used at now (a new
 * link replaces the older ones; a finished reset voids the others). */
store_rc store_token_void(store *db, int64_t account_id, const char *purpose, const char *now);

/* Tokens of account_id and purpose created at or after since.  -1 on error. */
int64_t store_token_count_since(store *db, int64_t account_id, const char *purpose,
                                const char *since);

/* Deletes tokens that expired before `before`. */
store_rc store_token_purge(store *db, const char *before, int *n);

/* ---- failed logins per address ---- */

store_rc store_login_failure_add(store *db, const char *addr, const char *now);

/* Failures from addr at or after since.  -1 on error. */
int64_t store_login_failure_count(store *db, const char *addr, const char *since);

/* Deletes failures before `before`. */
store_rc store_login_failure_purge(store *db, const char *before, int *n);

/* ---- security log ---- */

/* An entry; account_id and actor_id 0 = none (stored as NULL). */
typedef struct store_security_log_entry {
    int64_t id;
    const char *at, *event;
    int64_t account_id, actor_id;
    const char *login, *addr, *detail;
} store_security_log_entry;

/* Inserts e (its id is ignored). */
store_rc store_security_log_add(store *db, const store_security_log_entry *e);

/* A page of entries, newest first: event when not NULL or "", account_id
 * when > 0, at >= from and at < to when not NULL or "", ids below before_id
 * when > 0; at most limit.  *rows (arena) and *n. */
store_rc store_security_log_list(store *db, arena *a, const char *event, int64_t account_id,
                                 const char *from, const char *to, int64_t before_id, int limit,
                                 store_security_log_entry **rows, int *n);

/* Deletes entries before `before`. */
store_rc store_security_log_purge(store *db, const char *before, int *n);

#endif
