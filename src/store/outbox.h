/*
 * outbox.h - the SQL of the mail outbox (migration 002): messages, bulk
 * sends, mail-stopped addresses and the shared sending rate.  One statement
 * per function; the rules (what is due, backoff, what a failure means) are
 * domain/mail_deliver.c's.  Timestamps are store_timestamp() text.
 *
 * Concurrency: a claim is one UPDATE inside the caller's transaction (BEGIN
 * IMMEDIATE through store_tx), so two workers, in threads or processes, never
 * hold the same message: the second sees the first's lease.  The marking
 * functions check the lease owner, so a worker whose lease ran out cannot
 * overwrite the state another worker has since set.
 */
#ifndef TSUNAGU_STORE_OUTBOX_H
#define TSUNAGU_STORE_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "store/store.h"

/* A message to insert.  Every string is required except bcc ("" or NULL =
 * none) and next_at (NULL = due now). */
typedef struct store_outbox_new {
    const char *kind;       /* mail kind: the template name, e.g. "test" */
    const char *message_id; /* "<...@...>", unique */
    const char *mail_from;  /* envelope sender */
    const char *rcpt_to;    /* envelope recipient (the To address) */
    const char *bcc;        /* extra envelope recipient, never a header */
    const char *subject;    /* as written, for the queue listing */
    const char *message;    /* the whole RFC 5322 text */
    int64_t bulk_id;        /* 0: a single mail */
    const char *now;        /* created_at, and next_at when next_at is NULL */
    const char *next_at;
} store_outbox_new;

/* Inserts a pending message and its text (two rows: mail_outbox and
 * mail_message); *id (if not NULL) gets its id.  STORE_OK, STORE_CONSTRAINT
 * for a duplicate Message-ID, or an error. */
store_rc store_outbox_insert(store *db, const store_outbox_new *m, int64_t *id);

/* The text of message id, copied into arena a: *msg and *len.  STORE_OK, or
 * STORE_DONE when there is no such message. */
store_rc store_outbox_message(store *db, arena *a, int64_t id, const char **msg, size_t *len);

/* A claimed message; strings live in the arena given to the claim. */
typedef struct store_outbox_item {
    int64_t id;
    const char *kind, *message_id, *mail_from, *rcpt_to, *bcc;
    const char *message; /* filled by the caller (store_outbox_message) */
    size_t message_len;
    bool stopped;        /* filled by the caller: the address is mail-stopped */
    int attempts; /* tries including this one */
    int64_t bulk_id;
} store_outbox_item;

/* Claims up to max messages that are due at now (pending with next_at <= now,
 * or sending with lease_until <= now: their worker died), single mails when
 * bulk is false, bulk mails when true, oldest first: they become sending,
 * owned by owner until lease_until, with attempts raised by one.  *items
 * (arena memory, sorted by id) and *n receive them.  Call it inside
 * store_tx. */
store_rc store_outbox_claim(store *db, arena *a, const char *owner, const char *now,
                            const char *lease_until, bool bulk, int max, store_outbox_item **items,
                            int *n);

/* Marks a claimed message.  Each changes the row only while owner still holds
 * it (state sending, lease_owner = owner) and returns STORE_DONE when it does
 * not (the lease ran out and another worker took it), STORE_OK when changed.
 *   sent:    accepted by the SMTP server at now
 *   retry:   back to pending, due at next_at, with the error kept
 *   fail:    failed for good (refused, or out of tries)
 *   skip:    skipped (the address is mail-stopped)
 *   release: back to pending untried (attempts lowered again), due at once */
store_rc store_outbox_sent(store *db, int64_t id, const char *owner, const char *now);
store_rc store_outbox_retry(store *db, int64_t id, const char *owner, const char *next_at,
                            const char *error);
store_rc store_outbox_fail(store *db, int64_t id, const char *owner, const char *error);
store_rc store_outbox_skip(store *db, int64_t id, const char *owner, const char *reason);
store_rc store_outbox_release(store *db, int64_t id, const char *owner);

/* Extends to lease_until the lease of every message owner holds; *n gets
 * how many it still holds (a message whose lease ran out may have been
 * claimed by another worker since).  Inside store_tx. */
store_rc store_outbox_renew(store *db, const char *owner, const char *lease_until, int *n);

/* 1 when owner still holds message id, 0 when not, -1 on error. */
int store_outbox_held(store *db, int64_t id, const char *owner);

/* Puts a failed or pending message back in the queue, due at now, with its
 * tries counted from zero again (the operator's `tsunagu mail retry`).
 * STORE_OK, or STORE_DONE when there is no such message in those states. */
store_rc store_outbox_requeue(store *db, int64_t id, const char *now);

/* One row of the queue listing; strings valid during the callback only. */
typedef struct store_outbox_row {
    int64_t id;
    const char *kind, *rcpt_to, *subject, *state, *next_at, *last_error, *created_at;
    int attempts;
} store_outbox_row;

/* Calls fn for every message that is not yet sent (pending, sending,
 * failed), oldest first; fn returns false to stop. */
store_rc store_outbox_each_unsent(store *db, bool (*fn)(void *ctx, const store_outbox_row *r),
                                  void *ctx);

/* Counts messages in state (e.g. "sent") of one bulk send (bulk_id > 0) or of
 * all (bulk_id == 0).  -1 on error. */
int64_t store_outbox_count(store *db, const char *state, int64_t bulk_id);

/* The earliest next_at of a pending message, copied into out (or "" when
 * none is pending).  Lets the worker sleep until then. */
store_rc store_outbox_next_due(store *db, char out[STORE_TIMESTAMP_LEN]);

/* Deletes sent and skipped messages created before `before`; *n (if not
 * NULL) gets how many. */
store_rc store_outbox_purge(store *db, const char *before, int *n);

/* Starts a bulk send; *id gets its id. */
store_rc store_mail_bulk_insert(store *db, const char *kind, const char *title, const char *now,
                                int64_t *id);

/* Mail-stopped addresses (spec 3.15 メール停止).  address is compared and
 * stored in ASCII lower case.  has: 1 stopped, 0 not, -1 error.  del returns
 * STORE_DONE when the address was not stopped. */
store_rc store_mail_stop_put(store *db, const char *address, const char *reason,
                             const char *now);
store_rc store_mail_stop_del(store *db, const char *address);
int store_mail_stop_has(store *db, const char *address);

/* The shared rate state of name: *next_ms (Unix ms) or 0 when never set. */
store_rc store_mail_rate_get(store *db, const char *name, int64_t *next_ms);
store_rc store_mail_rate_set(store *db, const char *name, int64_t next_ms);

#endif
