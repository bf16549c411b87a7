/* outbox.c - the mail outbox tables, one SQL statement per function.
 * See outbox.h. */
#include "store/outbox.h"

#include <stdlib.h>
#include <string.h>

store_rc store_outbox_insert(store *db, const store_outbox_new *m, int64_t *id)
{
    store_stmt *st = store_prepare(
        db, "INSERT INTO mail_outbox (kind, message_id, mail_from, rcpt_to, bcc, subject, "
            "next_at, bulk_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!st)
        return STORE_ERROR;
    bool ok = store_bind_str(st, 1, m->kind) && store_bind_str(st, 2, m->message_id) &&
              store_bind_str(st, 3, m->mail_from) && store_bind_str(st, 4, m->rcpt_to) &&
              store_bind_str(st, 5, m->bcc ? m->bcc : "") && store_bind_str(st, 6, m->subject) &&
              store_bind_str(st, 7, m->next_at ? m->next_at : m->now) &&
              (m->bulk_id > 0 ? store_bind_int(st, 8, m->bulk_id) : store_bind_null(st, 8)) &&
              store_bind_str(st, 9, m->now);
    store_rc rc = ok ? store_step(st) : STORE_ERROR;
    int64_t row = 0;
    if (rc == STORE_ROW) {
        row = store_col_int(st, 0);
        rc = STORE_OK;
    }
    store_done(st);
    if (rc != STORE_OK)
        return rc;
    st = store_prepare(db, "INSERT INTO mail_message (outbox_id, message) VALUES (?, ?)");
    if (!st)
        return STORE_ERROR;
    rc = store_bind_int(st, 1, row) && store_bind_str(st, 2, m->message) ? store_step(st)
                                                                         : STORE_ERROR;
    store_done(st);
    if (rc != STORE_DONE)
        return rc;
    if (id)
        *id = row;
    return STORE_OK;
}

store_rc store_outbox_message(store *db, arena *a, int64_t id, const char **msg, size_t *len)
{
    *msg = NULL;
    *len = 0;
    store_stmt *st = store_prepare(db, "SELECT message FROM mail_message WHERE outbox_id = ?");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_bind_int(st, 1, id) ? store_step(st) : STORE_ERROR;
    if (rc == STORE_ROW) {
        const char *t = store_col_text(st, 0, len);
        *msg = t ? arena_strndup(a, t, *len) : NULL;
        rc = *msg ? STORE_OK : STORE_NOMEM;
    }
    store_done(st);
    return rc;
}

static int by_id(const void *a, const void *b)
{
    const store_outbox_item *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

/* Runs one claim statement, appending what it returns to out[*k..max). */
static store_rc claim_step(store *db, arena *a, const char *sql, const char *owner,
                           const char *now, const char *lease_until, int max,
                           store_outbox_item *out, int *k)
{
    if (*k >= max)
        return STORE_OK;
    store_stmt *st = store_prepare(db, sql);
    if (!st)
        return STORE_ERROR;
    store_rc rc = STORE_ERROR;
    if (store_bind_str(st, 1, owner) && store_bind_str(st, 2, lease_until) &&
        store_bind_str(st, 3, now) && store_bind_int(st, 4, max - *k)) {
        while ((rc = store_step(st)) == STORE_ROW && *k < max) {
            store_outbox_item *it = &out[*k];
            memset(it, 0, sizeof *it);
            it->id = store_col_int(st, 0);
            it->kind = arena_strdup(a, store_col_text(st, 1, NULL));
            it->message_id = arena_strdup(a, store_col_text(st, 2, NULL));
            it->mail_from = arena_strdup(a, store_col_text(st, 3, NULL));
            it->rcpt_to = arena_strdup(a, store_col_text(st, 4, NULL));
            it->bcc = arena_strdup(a, store_col_text(st, 5, NULL));
            it->attempts = (int)store_col_int(st, 6);
            it->bulk_id = store_col_int(st, 7);
            if (!it->kind || !it->message_id || !it->mail_from || !it->rcpt_to || !it->bcc) {
                rc = STORE_NOMEM;
                break;
            }
            (*k)++;
        }
        if (rc == STORE_DONE)
            rc = STORE_OK;
    }
    store_done(st);
    return rc;
}

#define CLAIM_SET "UPDATE mail_outbox SET state = 'sending', lease_owner = ?1, lease_until = ?2, " \
                  "attempts = attempts + 1 WHERE id IN (SELECT id FROM mail_outbox WHERE "
#define CLAIM_RETURNING ") RETURNING id, kind, message_id, mail_from, rcpt_to, bcc, attempts, " \
                        "coalesce(bulk_id, 0)"

store_rc store_outbox_claim(store *db, arena *a, const char *owner, const char *now,
                            const char *lease_until, bool bulk, int max, store_outbox_item **items,
                            int *n)
{
    /* Expired leases first (rare: a worker died), then due pending mail in
     * the order it fell due.  Separate statements, so that each walks its
     * partial index in order and stops after max rows. */
    static const char *const expired[2] = {
        CLAIM_SET "state = 'sending' AND lease_until <= ?3 AND bulk_id IS NULL "
                  "ORDER BY lease_until LIMIT ?4" CLAIM_RETURNING,
        CLAIM_SET "state = 'sending' AND lease_until <= ?3 AND bulk_id IS NOT NULL "
                  "ORDER BY lease_until LIMIT ?4" CLAIM_RETURNING,
    };
    static const char *const pending[2] = {
        CLAIM_SET "state = 'pending' AND next_at <= ?3 AND bulk_id IS NULL "
                  "ORDER BY next_at LIMIT ?4" CLAIM_RETURNING,
        CLAIM_SET "state = 'pending' AND next_at <= ?3 AND bulk_id IS NOT NULL "
                  "ORDER BY next_at LIMIT ?4" CLAIM_RETURNING,
    };
    *items = NULL;
    *n = 0;
    if (max <= 0)
        return STORE_OK;
    store_outbox_item *out = arena_alloc(a, (size_t)max * sizeof *out);
    if (!out)
        return STORE_NOMEM;
    int k = 0;
    store_rc rc = claim_step(db, a, expired[bulk], owner, now, lease_until, max, out, &k);
    if (rc == STORE_OK)
        rc = claim_step(db, a, pending[bulk], owner, now, lease_until, max, out, &k);
    if (rc != STORE_OK)
        return rc;
    qsort(out, (size_t)k, sizeof *out, by_id);
    *items = out;
    *n = k;
    return STORE_OK;
}

store_rc store_outbox_sent(store *db, int64_t id, const char *owner, const char *now)
{
    store_stmt *st = store_prepare(
        db, "UPDATE mail_outbox SET state = 'sent', sent_at = ?, lease_owner = NULL, "
            "lease_until = NULL, last_error = NULL "
            "WHERE id = ? AND state = 'sending' AND lease_owner = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st,
                       store_bind_str(st, 1, now) && store_bind_int(st, 2, id) &&
                           store_bind_str(st, 3, owner), NULL);
}

store_rc store_outbox_retry(store *db, int64_t id, const char *owner, const char *next_at,
                            const char *error)
{
    store_stmt *st = store_prepare(
        db, "UPDATE mail_outbox SET state = 'pending', next_at = ?, last_error = ?, "
            "lease_owner = NULL, lease_until = NULL "
            "WHERE id = ? AND state = 'sending' AND lease_owner = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st,
                       store_bind_str(st, 1, next_at) && store_bind_str(st, 2, error) &&
                           store_bind_int(st, 3, id) && store_bind_str(st, 4, owner), NULL);
}

/* fail and skip differ only in the state they set. */
static store_rc finish(store *db, const char *sql, int64_t id, const char *owner, const char *why)
{
    store_stmt *st = store_prepare(db, sql);
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st,
                       store_bind_str(st, 1, why) && store_bind_int(st, 2, id) &&
                           store_bind_str(st, 3, owner), NULL);
}

store_rc store_outbox_fail(store *db, int64_t id, const char *owner, const char *error)
{
    return finish(db,
                  "UPDATE mail_outbox SET state = 'failed', last_error = ?, lease_owner = NULL, "
                  "lease_until = NULL WHERE id = ? AND state = 'sending' AND lease_owner = ?",
                  id, owner, error);
}

store_rc store_outbox_skip(store *db, int64_t id, const char *owner, const char *reason)
{
    return finish(db,
                  "UPDATE mail_outbox SET state = 'skipped', last_error = ?, lease_owner = NULL, "
                  "lease_until = NULL WHERE id = ? AND state = 'sending' AND lease_owner = ?",
                  id, owner, reason);
}

store_rc store_outbox_release(store *db, int64_t id, const char *owner)
{
    store_stmt *st = store_prepare(
        db, "UPDATE mail_outbox SET state = 'pending', attempts = attempts - 1, "
            "lease_owner = NULL, lease_until = NULL "
            "WHERE id = ? AND state = 'sending' AND lease_owner = ?");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st, store_bind_int(st, 1, id) && store_bind_str(st, 2, owner), NULL);
}

store_rc store_outbox_renew(store *db, const char *owner, const char *lease_until, int *n)
{
    *n = 0;
    store_stmt *st = store_prepare(db, "UPDATE mail_outbox SET lease_until = ? "
                                       "WHERE state = 'sending' AND lease_owner = ?");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_step_change(db, st, store_bind_str(st, 1, lease_until) &&
                                          store_bind_str(st, 2, owner), NULL);
    if (rc == STORE_OK)
        *n = store_changes(db);
    return rc == STORE_DONE ? STORE_OK : rc;
}

int store_outbox_held(store *db, int64_t id, const char *owner)
{
    store_stmt *st = store_prepare(db, "SELECT 1 FROM mail_outbox WHERE id = ? AND "
                                       "state = 'sending' AND lease_owner = ?");
    if (!st)
        return -1;
    int r = -1;
    if (store_bind_int(st, 1, id) && store_bind_str(st, 2, owner)) {
        store_rc rc = store_step(st);
        r = rc == STORE_ROW ? 1 : rc == STORE_DONE ? 0 : -1;
    }
    store_done(st);
    return r;
}

store_rc store_outbox_requeue(store *db, int64_t id, const char *now)
{
    store_stmt *st = store_prepare(
        db, "UPDATE mail_outbox SET state = 'pending', attempts = 0, next_at = ?, "
            "lease_owner = NULL, lease_until = NULL "
            "WHERE id = ? AND state IN ('pending', 'failed')");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st, store_bind_str(st, 1, now) && store_bind_int(st, 2, id), NULL);
}

store_rc store_outbox_each_unsent(store *db, bool (*fn)(void *ctx, const store_outbox_row *r),
                                  void *ctx)
{
    store_stmt *st = store_prepare(
        db, "SELECT id, kind, rcpt_to, subject, state, next_at, last_error, created_at, attempts "
            "FROM mail_outbox WHERE state IN ('pending', 'sending', 'failed') ORDER BY id");
    if (!st)
        return STORE_ERROR;
    store_rc rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        store_outbox_row r = {
            .id = store_col_int(st, 0),
            .kind = store_col_text(st, 1, NULL),
            .rcpt_to = store_col_text(st, 2, NULL),
            .subject = store_col_text(st, 3, NULL),
            .state = store_col_text(st, 4, NULL),
            .next_at = store_col_text(st, 5, NULL),
            .last_error = store_col_text(st, 6, NULL),
            .created_at = store_col_text(st, 7, NULL),
            .attempts = (int)store_col_int(st, 8),
        };
        if (!fn(ctx, &r))
            break;
    }
    store_done(st);
    return rc == STORE_ROW || rc == STORE_DONE ? STORE_OK : rc;
}

int64_t store_outbox_count(store *db, const char *state, int64_t bulk_id)
{
    store_stmt *st = store_prepare(db, "SELECT count(*) FROM mail_outbox WHERE state = ? AND "
                                       "(? = 0 OR bulk_id = ?)");
    if (!st)
        return -1;
    int64_t n = -1;
    if (store_bind_str(st, 1, state) && store_bind_int(st, 2, bulk_id) &&
        store_bind_int(st, 3, bulk_id) && store_step(st) == STORE_ROW)
        n = store_col_int(st, 0);
    store_done(st);
    return n;
}

store_rc store_outbox_next_due(store *db, char out[STORE_TIMESTAMP_LEN])
{
    out[0] = '\0';
    store_stmt *st = store_prepare(db, "SELECT min(next_at) FROM mail_outbox "
                                       "WHERE state = 'pending'");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_step(st);
    if (rc == STORE_ROW) {
        size_t len;
        const char *t = store_col_text(st, 0, &len);
        if (t && len < STORE_TIMESTAMP_LEN)
            memcpy(out, t, len + 1);
        rc = STORE_OK;
    }
    store_done(st);
    return rc;
}

store_rc store_outbox_purge(store *db, const char *before, int *n)
{
    store_stmt *st = store_prepare(db, "DELETE FROM mail_outbox WHERE state IN ('sent', 'skipped') "
                                       "AND created_at < ?");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_step_change(db, st, store_bind_str(st, 1, before), NULL);
    if (n)
        *n = rc == STORE_OK ? store_changes(db) : 0;
    return rc == STORE_DONE ? STORE_OK : rc;
}

store_rc store_mail_bulk_insert(store *db, const char *kind, const char *title, const char *now,
                                int64_t *id)
{
    store_stmt *st = store_prepare(db, "INSERT INTO mail_bulk (kind, title, created_at) "
                                       "VALUES (?, ?, ?) RETURNING id");
    if (!st)
        return STORE_ERROR;
    store_rc rc = STORE_ERROR;
    if (store_bind_str(st, 1, kind) && store_bind_str(st, 2, title) && store_bind_str(st, 3, now))
        rc = store_step(st);
    if (rc == STORE_ROW) {
        *id = store_col_int(st, 0);
        rc = STORE_OK;
    }
    store_done(st);
    return rc;
}

store_rc store_mail_stop_put(store *db, const char *address, const char *reason, const char *now)
{
    store_stmt *st = store_prepare(
        db, "INSERT INTO mail_stop (address, reason, created_at) VALUES (lower(?), ?, ?) "
            "ON CONFLICT (address) DO UPDATE SET reason = excluded.reason");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_step_change(db, st,
                              store_bind_str(st, 1, address) &&
                                  store_bind_str(st, 2, reason ? reason : "") &&
                                  store_bind_str(st, 3, now), NULL);
    return rc == STORE_DONE ? STORE_OK : rc;
}

store_rc store_mail_stop_del(store *db, const char *address)
{
    store_stmt *st = store_prepare(db, "DELETE FROM mail_stop WHERE address = lower(?)");
    if (!st)
        return STORE_ERROR;
    return store_step_change(db, st, store_bind_str(st, 1, address), NULL);
}

int store_mail_stop_has(store *db, const char *address)
{
    store_stmt *st = store_prepare(db, "SELECT 1 FROM mail_stop WHERE address = lower(?)");
    if (!st)
        return -1;
    int r = -1;
    if (store_bind_str(st, 1, address)) {
        store_rc rc = store_step(st);
        r = rc == STORE_ROW ? 1 : rc == STORE_DONE ? 0 : -1;
    }
    store_done(st);
    return r;
}

store_rc store_mail_rate_get(store *db, const char *name, int64_t *next_ms)
{
    *next_ms = 0;
    store_stmt *st = store_prepare(db, "SELECT next_ms FROM mail_rate WHERE name = ?");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_bind_str(st, 1, name) ? store_step(st) : STORE_ERROR;
    if (rc == STORE_ROW)
        *next_ms = store_col_int(st, 0);
    store_done(st);
    return rc == STORE_ROW || rc == STORE_DONE ? STORE_OK : rc;
}

store_rc store_mail_rate_set(store *db, const char *name, int64_t next_ms)
{
    store_stmt *st = store_prepare(db, "INSERT INTO mail_rate (name, next_ms) VALUES (?, ?) "
                                       "ON CONFLICT (name) DO UPDATE SET next_ms = excluded.next_ms");
    if (!st)
        return STORE_ERROR;
    store_rc rc = store_step_change(db, st, store_bind_str(st, 1, name) && store_bind_int(st, 2, next_ms), NULL);
    return rc == STORE_DONE ? STORE_OK : rc;
}
