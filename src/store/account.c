/* account.c - the account system's tables, one SQL statement per function.
 * See account.h. */
#include "store/account.h"

#include <string.h>

/* ---- accounts ---- */

#define ACCOUNT_COLS                                                                               \
    "id, login, email, name, role, member_type, status, password_hash, password_changed_at, "      \
    "must_change_password, failed_count, locked_until, totp_secret, totp_last_step, "              \
    "last_login_at, last_login_addr, prev_login_at, prev_login_addr, created_at, updated_at"

/* Reads ACCOUNT_COLS starting at column c0 into *r. */
static bool read_account(store_stmt *st, arena *a, int c0, store_account_row *r)
{
    bool ok = true;
    memset(r, 0, sizeof *r);
    r->id = store_col_int(st, c0);
    r->login = store_col_dup(st, a, c0 + 1, &ok);
    r->email = store_col_dup(st, a, c0 + 2, &ok);
    r->name = store_col_dup(st, a, c0 + 3, &ok);
    r->role = store_col_dup(st, a, c0 + 4, &ok);
    r->member_type = store_col_dup(st, a, c0 + 5, &ok);
    r->status = store_col_dup(st, a, c0 + 6, &ok);
    r->password_hash = store_col_dup(st, a, c0 + 7, &ok);
    r->password_changed_at = store_col_dup(st, a, c0 + 8, &ok);
    r->must_change_password = store_col_int(st, c0 + 9) != 0;
    r->failed_count = store_col_int(st, c0 + 10);
    r->locked_until = store_col_dup(st, a, c0 + 11, &ok);
    r->totp_secret = store_col_dup(st, a, c0 + 12, &ok);
    r->totp_last_step = store_col_int(st, c0 + 13);
    r->last_login_at = store_col_dup(st, a, c0 + 14, &ok);
    r->last_login_addr = store_col_dup(st, a, c0 + 15, &ok);
    r->prev_login_at = store_col_dup(st, a, c0 + 16, &ok);
    r->prev_login_addr = store_col_dup(st, a, c0 + 17, &ok);
    r->created_at = store_col_dup(st, a, c0 + 18, &ok);
    r->updated_at = store_col_dup(st, a, c0 + 19, &ok);
    return ok;
}

/* Steps a statement that returns at most one account row. */
static store_rc step_account(store_stmt *st, arena *a, bool bound, store_account_row *out)
{
    store_rc rc = bound ? store_step(st) : STORE_ERROR;
    if (rc == STORE_ROW)
        rc = read_account(st, a, 0, out) ? STORE_OK : STORE_NOMEM;
    store_done(st);
    return rc;
}

store_rc store_account_insert(store *db, const store_account_new *n, int64_t *id)
{
    store_stmt *st = store_prepare(
        db, "INSERT INTO account (login, login_key, email, email_key, name, role, member_type, "
            "status, password_hash, password_changed_at, must_change_password, created_at, "
            "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?10, ?10) "
            "RETURNING id");
    if (!st)
        return STORE_ERROR;
    bool ok = store_bind_str(st, 1, n->login) && store_bind_str(st, 2, n->login_key) &&
              store_bind_str(st, 3, n->email) && store_bind_str(st, 4, n->email_key) &&
              store_bind_str(st, 5, n->name ? n->name : "") && store_bind_str(st, 6, n->role) &&
              store_bind_str(st, 7, n->member_type) && store_bind_str(st, 8, n->status) &&
              store_bind_str(st, 9, n->password_hash) && store_bind_str(st, 10, n->now) &&
              store_bind_int(st, 11, n->must_change_password ? 1 : 0);
    store_rc rc = ok ? store_step(st) : STORE_ERROR;
    if (rc == STORE_ROW) {
        if (id)
            *id = store_col_int(st, 0);
        rc = STORE_OK;
    }
    store_done(st);
    return rc;
}

store_rc store_account_get(store *db, arena *a, int64_t id, store_account_row *out)
{
    store_stmt *st = store_prepare(db, "SELECT " ACCOUNT_COLS " FROM account WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    return step_account(st, a, store_bind_int(st, 1, id), out);
}

store_rc store_account_get_by_login(store *db, arena *a, const char *login_key,
                                    store_account_row *out)
{
    store_stmt *st = store_prepare(db, "SELECT " ACCOUNT_COLS " FROM account WHERE login_key = ?");
    if (!st)
        return STORE_ERROR;
    return step_account(st, a, store_bind_str(st, 1, login_key), out);
}

store_rc store_account_get_by_email(store *db, arena *a, const char *email_key,
                                    store_account_row *out)
{
    store_stmt *st = store_prepare(db, "SELECT " ACCOUNT_COLS " FROM account WHERE email_key = ?");
    if (!st)
        return STORE_ERROR;
    return step_account(st, a, store_bind_str(st, 1, email_key), out);
}

store_rc store_account_set_status(store *db, int64_t id, const char *status, const char *now)
{
    store_stmt *st =
        store_prepare(db, "UPDATE account SET status = ?, updated_at = ? WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st,
                       store_bind_str(st, 1, status) && store_bind_str(st, 2, now) &&
                           store_bind_int(st, 3, id),
                       NULL);
}

store_rc store_account_activate(store *db, int64_t id, const char *now)
{
    store_stmt *st = store_prepare(db, "UPDATE account SET status = 'active', updated_at = ? "
                                       "WHERE id = ? AND status = 'provisional'");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st, store_bind_str(st, 1, now) && store_bind_int(st, 2, id), NULL);
}

store_rc store_account_fail(store *db, int64_t id, int64_t limit, const char *lock_until,
                            bool *locked)
{
    /* Both SET expressions see the old failed_count (SQL evaluates them on
     * the row before the update), so they agree on whether this failure is
     * the one that reaches the limit. */
    store_stmt *st = store_prepare(
        db, "UPDATE account SET "
            "failed_count = CASE WHEN failed_count + 1 >= ?1 THEN 0 ELSE failed_count + 1 END, "
            "locked_until = CASE WHEN failed_count + 1 >= ?1 THEN ?2 ELSE locked_until END "
            "WHERE id = ?3 RETURNING failed_count");
    if (locked)
        *locked = false;
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_bind_int(st, 1, limit) && store_bind_str(st, 2, lock_until) &&
                          store_bind_int(st, 3, id)
                      ? store_step(st)
                      : STORE_ERROR;
    if (rc == STORE_ROW) {
        if (locked)
            *locked = store_col_int(st, 0) == 0;
        rc = STORE_OK;
    }
    store_done(st);
    return rc;
}

store_rc store_account_login_ok(store *db, int64_t id, const char *now, const char *addr)
{
    store_stmt *st = store_prepare(
        db, "UPDATE account SET failed_count = 0, locked_until = NULL, "
            "prev_login_at = last_login_at, prev_login_addr = last_login_addr, "
            "last_login_at = ?1, last_login_addr = ?2 "
            "WHERE id = ?3 AND status = 'active' AND (locked_until IS NULL OR locked_until <= ?1)");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st,
                       store_bind_str(st, 1, now) && store_bind_str(st, 2, addr ? addr : "") &&
                           store_bind_int(st, 3, id),
                       NULL);
}

store_rc store_account_set_password(store *db, int64_t id, const char *hash, const char *now)
{
    store_stmt *st =
        store_prepare(db, "UPDATE account SET password_hash = ?1, password_changed_at = ?2, "
                          "must_change_password = 0, updated_at = ?2 WHERE id = ?3");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st,
                       store_bind_str(st, 1, hash) && store_bind_str(st, 2, now) &&
                           store_bind_int(st, 3, id),
                       NULL);
}

store_rc store_account_rehash(store *db, int64_t id, const char *old_hash, const char *new_hash)
{
    store_stmt *st = store_prepare(
        db, "UPDATE account SET password_hash = ? WHERE id = ? AND password_hash = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st,
                       store_bind_str(st, 1, new_hash) && store_bind_int(st, 2, id) &&
                           store_bind_str(st, 3, old_hash),
                       NULL);
}

store_rc store_account_unlock(store *db, int64_t id, const char *now)
{
    store_stmt *st = store_prepare(
        db, "UPDATE account SET failed_count = 0, locked_until = NULL, updated_at = ? "
            "WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st, store_bind_str(st, 1, now) && store_bind_int(st, 2, id), NULL);
}

store_rc store_account_set_role(store *db, int64_t id, const char *role, const char *member_type,
                                const char *now)
{
    store_stmt *st = store_prepare(
        db, "UPDATE account SET role = ?, member_type = ?, updated_at = ? WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st,
                       store_bind_str(st, 1, role) && store_bind_str(st, 2, member_type) &&
                           store_bind_str(st, 3, now) && store_bind_int(st, 4, id),
                       NULL);
}

store_rc store_account_set_email(store *db, int64_t id, const char *email, const char *email_key,
                                 const char *now)
{
    store_stmt *st = store_prepare(
        db, "UPDATE account SET email = ?, email_key = ?, updated_at = ? WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st,
                       store_bind_str(st, 1, email) && store_bind_str(st, 2, email_key) &&
                           store_bind_str(st, 3, now) && store_bind_int(st, 4, id),
                       NULL);
}

store_rc store_account_set_totp(store *db, int64_t id, const char *sealed, int64_t last_step,
                                const char *now)
{
    store_stmt *st = store_prepare(
        db, "UPDATE account SET totp_secret = ?, totp_last_step = ?, updated_at = ? WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st,
                       store_bind_str(st, 1, sealed) && store_bind_int(st, 2, last_step) &&
                           store_bind_str(st, 3, now) && store_bind_int(st, 4, id),
                       NULL);
}

store_rc store_account_totp_step(store *db, int64_t id, int64_t step)
{
    /* totp.h: the conditional update is what stops two requests racing with
     * one code from both winning. */
    store_stmt *st = store_prepare(
        db, "UPDATE account SET totp_last_step = ?1 WHERE id = ?2 AND totp_last_step < ?1");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st, store_bind_int(st, 1, step) && store_bind_int(st, 2, id), NULL);
}

store_rc store_account_delete(store *db, int64_t id)
{
    store_stmt *st = store_prepare(db, "DELETE FROM account WHERE id = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st, store_bind_int(st, 1, id), NULL);
}

int64_t store_account_count_role(store *db, const char *role)
{
    store_stmt *st =
        store_prepare(db, "SELECT count(*) FROM account WHERE role = ? AND status = 'active'");
    if (!st)
        return -1;
    return store_step_count(st, store_bind_str(st, 1, role));
}

store_rc store_account_purge_provisional(store *db, const char *before, int *n)
{
    store_stmt *st =
        store_prepare(db, "DELETE FROM account WHERE status = 'provisional' AND created_at < ?");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_step_change(db, st, store_bind_str(st, 1, before), n);
    return rc == STORE_DONE ? STORE_OK : rc;
}

store_rc store_account_list(store *db, arena *a, const char *role, const char *status,
                            const char *login_prefix, int64_t before_id, int limit,
                            store_account_row **rows, int *n)
{
    *rows = NULL;
    *n = 0;
    if (limit <= 0)
        return STORE_OK;
    /* The prefix is matched with substr() rather than LIKE, so that '_' and
     * '%' in a login ID are plain characters. */
    store_stmt *st =
        store_prepare(db, "SELECT " ACCOUNT_COLS " FROM account WHERE (?1 = '' OR role = ?1) "
                          "AND (?2 = '' OR status = ?2) "
                          "AND (?3 = '' OR substr(login_key, 1, length(?3)) = ?3) "
                          "AND (?4 = 0 OR id < ?4) ORDER BY id DESC LIMIT ?5");
    if (!st)
        return STORE_ERROR;
    store_account_row *out = arena_alloc(a, (size_t)limit * sizeof *out);
    store_rc rc = STORE_NOMEM;
    if (out && store_bind_str(st, 1, role ? role : "") &&
        store_bind_str(st, 2, status ? status : "") &&
        store_bind_str(st, 3, login_prefix ? login_prefix : "") &&
        store_bind_int(st, 4, before_id > 0 ? before_id : 0) && store_bind_int(st, 5, limit)) {
        int k = 0;
        while ((rc = store_step(st)) == STORE_ROW && k < limit) {
            if (!read_account(st, a, 0, &out[k])) {
                rc = STORE_NOMEM;
                break;
            }
            k++;
        }
        if (rc == STORE_DONE || rc == STORE_ROW) {
            rc = STORE_OK;
            *rows = out;
            *n = k;
        }
    }
    store_done(st);
    return rc;
}

/* ---- sessions ---- */

store_rc store_session_insert(store *db, const char *id_hash, int64_t account_id, const char *stage,
                              const char *now)
{
    store_stmt *st = store_prepare(
        db, "INSERT INTO account_session (id_hash, account_id, stage, created_at, last_seen_at) "
            "VALUES (?1, ?2, ?3, ?4, ?4)");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_step_change(db, st,
                              store_bind_str(st, 1, id_hash) && store_bind_int(st, 2, account_id) &&
                                  store_bind_str(st, 3, stage) && store_bind_str(st, 4, now),
                              NULL);
    return rc == STORE_DONE ? STORE_ERROR : rc;
}

store_rc store_session_get(store *db, arena *a, const char *id_hash, store_session_row *out)
{
    store_stmt *st = store_prepare(
        db, "SELECT s.stage, s.created_at, s.last_seen_at, "
            "a.id, a.login, a.email, a.name, a.role, a.member_type, a.status, a.password_hash, "
            "a.password_changed_at, a.must_change_password, a.failed_count, a.locked_until, "
            "a.totp_secret, a.totp_last_step, a.last_login_at, a.last_login_addr, "
            "a.prev_login_at, a.prev_login_addr, a.created_at, a.updated_at "
            "FROM account_session s JOIN account a ON a.id = s.account_id WHERE s.id_hash = ?");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_bind_str(st, 1, id_hash) ? store_step(st) : STORE_ERROR;
    if (rc == STORE_ROW) {
        bool ok = true;
        memset(out, 0, sizeof *out);
        out->stage = store_col_dup(st, a, 0, &ok);
        out->created_at = store_col_dup(st, a, 1, &ok);
        out->last_seen_at = store_col_dup(st, a, 2, &ok);
        ok = read_account(st, a, 3, &out->account) && ok;
        rc = ok ? STORE_OK : STORE_NOMEM;
    }
    store_done(st);
    return rc;
}

store_rc store_session_touch(store *db, const char *id_hash, const char *now)
{
    store_stmt *st =
        store_prepare(db, "UPDATE account_session SET last_seen_at = ? WHERE id_hash = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st, store_bind_str(st, 1, now) && store_bind_str(st, 2, id_hash), NULL);
}

store_rc store_session_delete(store *db, const char *id_hash)
{
    store_stmt *st = store_prepare(db, "DELETE FROM account_session WHERE id_hash = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st, store_bind_str(st, 1, id_hash), NULL);
}

store_rc store_session_delete_account(store *db, int64_t account_id, const char *keep_hash, int *n)
{
    store_stmt *st =
        store_prepare(db, "DELETE FROM account_session WHERE account_id = ? AND id_hash <> ?");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_step_change(
        db, st,
        store_bind_int(st, 1, account_id) && store_bind_str(st, 2, keep_hash ? keep_hash : ""), n);
    return rc == STORE_DONE ? STORE_OK : rc;
}

store_rc store_session_purge(store *db, const char *idle_before, const char *created_before, int *n)
{
    store_stmt *st =
        store_prepare(db, "DELETE FROM account_session WHERE last_seen_at < ? OR created_at < ?");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_step_change(
        db, st, store_bind_str(st, 1, idle_before) && store_bind_str(st, 2, created_before), n);
    return rc == STORE_DONE ? STORE_OK : rc;
}

int64_t store_session_count(store *db, int64_t account_id)
{
    store_stmt *st = store_prepare(db, "SELECT count(*) FROM account_session WHERE account_id = ?");
    if (!st)
        return -1;
    return store_step_count(st, store_bind_int(st, 1, account_id));
}

/* ---- single-use tokens ---- */

store_rc store_token_insert(store *db, const char *hash, int64_t account_id, const char *purpose,
                            const char *new_email, const char *now, const char *expires_at)
{
    store_stmt *st = store_prepare(
        db, "INSERT INTO account_token (hash, account_id, purpose, new_email, created_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?)");
    if (!st)
        return STORE_ERROR;
    store_rc rc =
        store_step_change(db, st,
                    store_bind_str(st, 1, hash) && store_bind_int(st, 2, account_id) &&
                        store_bind_str(st, 3, purpose) && store_bind_str(st, 4, new_email) &&
                        store_bind_str(st, 5, now) && store_bind_str(st, 6, expires_at),
                    NULL);
    return rc == STORE_DONE ? STORE_ERROR : rc;
}

static store_rc step_token(store_stmt *st, arena *a, bool bound, store_token_row *out)
{
    store_rc rc = bound ? store_step(st) : STORE_ERROR;
    if (rc == STORE_ROW) {
        bool ok = true;
        memset(out, 0, sizeof *out);
        out->account_id = store_col_int(st, 0);
        out->new_email = store_col_dup(st, a, 1, &ok);
        out->created_at = store_col_dup(st, a, 2, &ok);
        out->expires_at = store_col_dup(st, a, 3, &ok);
        out->used_at = store_col_dup(st, a, 4, &ok);
        rc = ok ? STORE_OK : STORE_NOMEM;
    }
    store_done(st);
    return rc;
}

store_rc store_token_get(store *db, arena *a, const char *hash, const char *purpose,
                         store_token_row *out)
{
    store_stmt *st = store_prepare(
        db, "SELECT account_id, new_email, created_at, expires_at, used_at FROM account_token "
            "WHERE hash = ? AND purpose = ?");
    if (!st)
        return STORE_ERROR;
    return step_token(st, a, store_bind_str(st, 1, hash) && store_bind_str(st, 2, purpose), out);
}

store_rc store_token_use(store *db, arena *a, const char *hash, const char *purpose,
                         const char *now, store_token_row *out)
{
    store_stmt *st =
        store_prepare(db, "UPDATE account_token SET used_at = ?1 WHERE hash = ?2 AND purpose = ?3 "
                          "AND used_at IS NULL AND expires_at > ?1 "
                          "RETURNING account_id, new_email, created_at, expires_at, used_at");
    if (!st)
        return STORE_ERROR;
    return step_token(st, a,
                      store_bind_str(st, 1, now) && store_bind_str(st, 2, hash) &&
                          store_bind_str(st, 3, purpose),
                      out);
}

store_rc store_token_void(store *db, int64_t account_id, const char *purpose, const char *now)
{
    store_stmt *st = store_prepare(
        db, "UPDATE account_token SET used_at = ? WHERE account_id = ? AND purpose = ? "
            "AND used_at IS NULL");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_step_change(db, st,
                              store_bind_str(st, 1, now) && store_bind_int(st, 2, account_id) &&
                                  store_bind_str(st, 3, purpose),
                              NULL);
    return rc == STORE_DONE ? STORE_OK : rc;
}

int64_t store_token_count_since(store *db, int64_t account_id, const char *purpose,
                                const char *since)
{
    store_stmt *st =
        store_prepare(db, "SELECT count(*) FROM account_token WHERE account_id = ? AND purpose = ? "
                          "AND created_at >= ?");
    if (!st)
        return -1;
    return store_step_count(st, store_bind_int(st, 1, account_id) && store_bind_str(st, 2, purpose) &&
                              store_bind_str(st, 3, since));
}

store_rc store_token_purge(store *db, const char *before, int *n)
{
    store_stmt *st = store_prepare(db, "DELETE FROM account_token WHERE expires_at < ?");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_step_change(db, st, store_bind_str(st, 1, before), n);
    return rc == STORE_DONE ? STORE_OK : rc;
}

/* ---- failed logins per address ---- */

store_rc store_login_failure_add(store *db, const char *addr, const char *now)
{
    store_stmt *st = store_prepare(db, "INSERT INTO login_failure (addr, at) VALUES (?, ?)");
    if (!st)
        return STORE_ERROR;
    store_rc rc =
        store_step_change(db, st, store_bind_str(st, 1, addr) && store_bind_str(st, 2, now), NULL);
    return rc == STORE_DONE ? STORE_ERROR : rc;
}

int64_t store_login_failure_count(store *db, const char *addr, const char *since)
{
    store_stmt *st =
        store_prepare(db, "SELECT count(*) FROM login_failure WHERE addr = ? AND at >= ?");
    if (!st)
        return -1;
    return store_step_count(st, store_bind_str(st, 1, addr) && store_bind_str(st, 2, since));
}

store_rc store_login_failure_purge(store *db, const char *before, int *n)
{
    store_stmt *st = store_prepare(db, "DELETE FROM login_failure WHERE at < ?");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_step_change(db, st, store_bind_str(st, 1, before), n);
    return rc == STORE_DONE ? STORE_OK : rc;
}

/* ---- security log ---- */

store_rc store_security_log_add(store *db, const store_security_log_entry *e)
{
    store_stmt *st = store_prepare(
        db, "INSERT INTO security_log (at, event, account_id, actor_id, login, addr, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_step_change(db, st,
                              store_bind_str(st, 1, e->at) && store_bind_str(st, 2, e->event) &&
                                  store_bind_id(st, 3, e->account_id) &&
                                  store_bind_id(st, 4, e->actor_id) &&
                                  store_bind_str(st, 5, e->login ? e->login : "") &&
                                  store_bind_str(st, 6, e->addr ? e->addr : "") &&
                                  store_bind_str(st, 7, e->detail ? e->detail : ""),
                              NULL);
    return rc == STORE_DONE ? STORE_ERROR : rc;
}

store_rc store_security_log_list(store *db, arena *a, const char *event, int64_t account_id,
                                 const char *from, const char *to, int64_t before_id, int limit,
                                 store_security_log_entry **rows, int *n)
{
    *rows = NULL;
    *n = 0;
    if (limit <= 0)
        return STORE_OK;
    store_stmt *st = store_prepare(
        db, "SELECT id, at, event, coalesce(account_id, 0), coalesce(actor_id, 0), login, addr, "
            "detail FROM security_log WHERE (?1 = '' OR event = ?1) "
            "AND (?2 = 0 OR account_id = ?2) AND (?3 = '' OR at >= ?3) "
            "AND (?4 = '' OR at < ?4) AND (?5 = 0 OR id < ?5) ORDER BY id DESC LIMIT ?6");
    if (!st)
        return STORE_ERROR;
    store_security_log_entry *out = arena_alloc(a, (size_t)limit * sizeof *out);
    store_rc rc = STORE_NOMEM;
    if (out && store_bind_str(st, 1, event ? event : "") &&
        store_bind_int(st, 2, account_id > 0 ? account_id : 0) &&
        store_bind_str(st, 3, from ? from : "") && store_bind_str(st, 4, to ? to : "") &&
        store_bind_int(st, 5, before_id > 0 ? before_id : 0) && store_bind_int(st, 6, limit)) {
        int k = 0;
        while ((rc = store_step(st)) == STORE_ROW && k < limit) {
            bool ok = true;
            store_security_log_entry *e = &out[k];
            e->id = store_col_int(st, 0);
            e->at = store_col_dup(st, a, 1, &ok);
            e->event = store_col_dup(st, a, 2, &ok);
            e->account_id = store_col_int(st, 3);
            e->actor_id = store_col_int(st, 4);
            e->login = store_col_dup(st, a, 5, &ok);
            e->addr = store_col_dup(st, a, 6, &ok);
            e->detail = store_col_dup(st, a, 7, &ok);
            if (!ok) {
                rc = STORE_NOMEM;
                break;
            }
            k++;
        }
        if (rc == STORE_DONE || rc == STORE_ROW) {
            rc = STORE_OK;
            *rows = out;
            *n = k;
        }
    }
    store_done(st);
    return rc;
}

store_rc store_security_log_purge(store *db, const char *before, int *n)
{
    store_stmt *st = store_prepare(db, "DELETE FROM security_log WHERE at < ?");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_step_change(db, st, store_bind_str(st, 1, before), n);
    return rc == STORE_DONE ? STORE_OK : rc;
}

store_rc store_account_each_totp(store *db,
                                 bool (*fn)(void *ctx, int64_t id, const char *sealed,
                                            int64_t last_step),
                                 void *ctx)
{
    store_stmt *st = store_prepare(db, "SELECT id, totp_secret, totp_last_step FROM account "
                                       "WHERE totp_secret IS NOT NULL ORDER BY id");
    if (!st)
        return STORE_ERROR;
    store_rc rc;
    while ((rc = store_step(st)) == STORE_ROW)
        if (!fn(ctx, store_col_int(st, 0), store_col_text(st, 1, NULL), store_col_int(st, 2)))
            break;
    store_done(st);
    return rc == STORE_ROW || rc == STORE_DONE ? STORE_OK : rc;
}
