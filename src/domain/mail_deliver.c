/* mail_deliver.c - outbox to SMTP.  See mail_deliver.h. */
#include "domain/mail_deliver.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/log.h"
#include "store/outbox.h"

unsigned mail_retry_delay(unsigned retry_base_s, int tries)
{
    uint64_t d = retry_base_s ? retry_base_s : 1;
    for (int i = 1; i < tries && d < MAIL_RETRY_CAP_S; i++)
        d *= 2;
    return d > MAIL_RETRY_CAP_S ? MAIL_RETRY_CAP_S : (unsigned)d;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct claim_ctx {
    char now[STORE_TIMESTAMP_LEN], lease[STORE_TIMESTAMP_LEN];
    const mail_deliver_opts *o;
    arena *a;
    store_outbox_item *items;
    int n;
    int64_t bulk_wait_ms;
} claim_ctx;

/* One transaction: single mails first; the rest of the batch, if any, from
 * bulk mail as far as the shared rate allows. */
static store_rc claim(store *db, void *ctx)
{
    claim_ctx *c = ctx;
    const mail_deliver_opts *o = c->o;
    int64_t t = now_ms();
    char now[STORE_TIMESTAMP_LEN], lease[STORE_TIMESTAMP_LEN];
    store_timestamp_at(t / 1000, now);
    store_timestamp_at(t / 1000 + o->lease_s, lease);
    c->n = 0;
    c->bulk_wait_ms = 0;
    memcpy(c->now, now, sizeof now);
    memcpy(c->lease, lease, sizeof lease);
    store_outbox_item *single = NULL, *bulk = NULL;
    int ns = 0, nb = 0;
    store_rc rc = store_outbox_claim(db, c->a, o->owner, now, lease, false, MAIL_BATCH, &single,
                                     &ns);
    if (rc != STORE_OK)
        return rc;
    int room = MAIL_BATCH - ns;
    int64_t next = 0, interval = 0, base = t;
    if (room > 0 && o->bulk_per_min > 0) {
        /* A token bucket holding at most one second of sending: the rate
         * holds across restarts and across every worker. */
        interval = 60000 / o->bulk_per_min;
        if (interval < 1)
            interval = 1;
        rc = store_mail_rate_get(db, "bulk", &next);
        if (rc != STORE_OK)
            return rc;
        base = next > t - 1000 ? next : t - 1000;
        int allowed = base > t ? 0 : (int)((t - base) / interval + 1);
        if (allowed < room) {
            room = allowed;
            if (room == 0)
                c->bulk_wait_ms = base - t + 1;
        }
    }
    if (room > 0) {
        rc = store_outbox_claim(db, c->a, o->owner, now, lease, true, room, &bulk, &nb);
        if (rc != STORE_OK)
            return rc;
        if (nb > 0 && interval > 0) {
            rc = store_mail_rate_set(db, "bulk", base + (int64_t)nb * interval);
            if (rc != STORE_OK)
                return rc;
        }
    }
    c->items = arena_alloc(c->a, (size_t)(ns + nb + 1) * sizeof *c->items);
    if (!c->items)
        return STORE_NOMEM;
    if (ns)
        memcpy(c->items, single, (size_t)ns * sizeof *single);
    if (nb)
        memcpy(c->items + ns, bulk, (size_t)nb * sizeof *bulk);
    c->n = ns + nb;
    /* The texts, and for bulk mail whether the address has been stopped
     * since it was queued, are read here, inside the claim, rather than
     * one read transaction per message later. */
    for (int i = 0; i < c->n; i++) {
        store_outbox_item *it = &c->items[i];
        rc = store_outbox_message(db, c->a, it->id, &it->message, &it->message_len);
        if (rc == STORE_DONE) { /* cannot happen short of a hand-edited database */
            it->message = NULL;
            rc = STORE_OK;
        }
        if (rc != STORE_OK)
            return rc;
        if (it->bulk_id > 0) {
            int stopped = store_mail_stop_has(db, it->rcpt_to);
            if (stopped < 0)
                return STORE_ERROR;
            it->stopped = stopped == 1;
        }
    }
    return STORE_OK;
}

typedef enum { MARK_SENT, MARK_RETRY, MARK_FAIL, MARK_SKIP, MARK_RELEASE } mark_kind;

typedef struct mark_ctx {
    const mail_deliver_opts *o;
    const store_outbox_item *it;
    mark_kind kind;
    const char *error;
    bool held; /* out: the row was still ours (store_tx turns STORE_DONE into STORE_OK) */
} mark_ctx;

static store_rc mark_one(store *db, mark_ctx *m)
{
    char now[STORE_TIMESTAMP_LEN];
    store_timestamp(now);
    switch (m->kind) {
    case MARK_SENT:
        return store_outbox_sent(db, m->it->id, m->o->owner, now);
    case MARK_RETRY: {
        char next[STORE_TIMESTAMP_LEN];
        store_timestamp_at((int64_t)time(NULL) +
                               mail_retry_delay(m->o->retry_base_s, m->it->attempts),
                           next);
        return store_outbox_retry(db, m->it->id, m->o->owner, next, m->error);
    }
    case MARK_FAIL:
        return store_outbox_fail(db, m->it->id, m->o->owner, m->error);
    case MARK_SKIP:
        return store_outbox_skip(db, m->it->id, m->o->owner, m->error);
    case MARK_RELEASE:
        return store_outbox_release(db, m->it->id, m->o->owner);
    }
    return STORE_ERROR;
}

static store_rc mark(store *db, void *ctx)
{
    mark_ctx *m = ctx;
    store_rc rc = mark_one(db, m);
    m->held = rc == STORE_OK;
    return rc;
}

typedef struct renew_ctx {
    const mail_deliver_opts *o;
    int held;
} renew_ctx;

static store_rc renew(store *db, void *ctx)
{
    renew_ctx *r = ctx;
    char lease[STORE_TIMESTAMP_LEN];
    store_timestamp_at((int64_t)time(NULL) + r->o->lease_s, lease);
    return store_outbox_renew(db, r->o->owner, lease, &r->held);
}

/* store_tx() under o->write_lock, if there is one. */
static store_rc write_tx(store *db, const mail_deliver_opts *o, store_tx_fn fn, void *ctx)
{
    if (o->write_lock)
        pthread_mutex_lock(o->write_lock);
    store_rc rc = store_tx(db, fn, ctx);
    if (o->write_lock)
        pthread_mutex_unlock(o->write_lock);
    return rc;
}

/* Records the outcome of one message.  A mark that finds the lease gone
 * is logged: another worker took the message over. */
static store_rc record(store *db, const mail_deliver_opts *o, const store_outbox_item *it,
                       mark_kind kind, const char *error)
{
    mark_ctx m = {.o = o, .it = it, .kind = kind, .error = error};
    store_rc rc = write_tx(db, o, mark, &m);
    if (rc == STORE_OK && !m.held)
        log_warn("メール %lld (%s): 処理中に担当が切り替わりました（保持期限切れ）",
                 (long long)it->id, it->message_id);
    return rc;
}

store_rc mail_deliver_batch(store *db, smtp_session *s, const mail_deliver_opts *o,
                            mail_deliver_stats *st)
{
    arena a;
    arena_init(&a);
    claim_ctx c = {.o = o, .a = &a};
    store_rc rc = write_tx(db, o, claim, &c);
    if (rc != STORE_OK) {
        arena_free(&a);
        return rc;
    }
    st->claimed += c.n;
    st->bulk_wait_ms = c.bulk_wait_ms;
    if (c.n > 0)
        log_debug("%s: メール %lld から %lld までの %d 件を預かりました（%s から %s まで）",
                  o->owner, (long long)c.items[0].id, (long long)c.items[c.n - 1].id, c.n, c.now,
                  c.lease);
    int i = 0;
    /* The lease is renewed every third of its length, so that a slow server
     * never lets it run out mid-batch; if it did run out (one message took
     * longer than that), each message is checked before it is sent, because
     * another worker may have claimed it since. */
    int64_t renewed = now_ms();
    bool check_each = false;
    for (; i < c.n && rc == STORE_OK; i++) {
        const store_outbox_item *it = &c.items[i];
        if (now_ms() - renewed >= (int64_t)o->lease_s * 1000 / 3) {
            renew_ctx r = {.o = o};
            rc = write_tx(db, o, renew, &r);
            if (rc != STORE_OK)
                break;
            renewed = now_ms();
            check_each = check_each || r.held < c.n - i;
        }
        if (check_each) {
            int held = store_outbox_held(db, it->id, o->owner);
            if (held < 0) {
                rc = STORE_ERROR;
                break;
            }
            if (!held)
                continue;
        }
        if (it->stopped) {
            rc = record(db, o, it, MARK_SKIP, "メール停止中のアドレスです");
            st->skipped++;
            continue;
        }
        if (!it->message) {
            rc = record(db, o, it, MARK_FAIL, "メールの本文がありません");
            st->failed++;
            continue;
        }
        const char *rcpts[2] = {it->rcpt_to, it->bcc};
        char err[512];
        smtp_result r = smtp_send(s, it->mail_from, rcpts, it->bcc[0] ? 2 : 1, it->message,
                                  it->message_len, err, sizeof err);
        switch (r) {
        case SMTP_SENT:
            rc = record(db, o, it, MARK_SENT, NULL);
            st->sent++;
            log_info("メール %lld を送信しました（%s, %s）", (long long)it->id, it->kind,
                     it->message_id);
            break;
        case SMTP_PERMANENT:
            rc = record(db, o, it, MARK_FAIL, err);
            st->failed++;
            log_warn("メール %lld は送信できませんでした: %s", (long long)it->id, err);
            break;
        case SMTP_TRANSIENT:
        case SMTP_CONNECTION:
            if ((unsigned)it->attempts >= o->max_attempts) {
                rc = record(db, o, it, MARK_FAIL, err);
                st->failed++;
                log_warn("メール %lld は %d 回試しても送信できませんでした: %s",
                         (long long)it->id, it->attempts, err);
            } else {
                rc = record(db, o, it, MARK_RETRY, err);
                st->retried++;
                log_info("メール %lld は後で再送します（%d 回目）: %s", (long long)it->id,
                         it->attempts, err);
            }
            break;
        }
        snprintf(st->last_error, sizeof st->last_error, "%s", r == SMTP_SENT ? "" : err);
        if (r == SMTP_CONNECTION) {
            st->unreachable = true;
            i++;
            break;
        }
    }
    /* What was claimed but not tried goes back as it was. */
    for (; i < c.n; i++) {
        store_rc r2 = record(db, o, &c.items[i], MARK_RELEASE, NULL);
        if (rc == STORE_OK)
            rc = r2;
    }
    arena_free(&a);
    return rc;
}
