/*
 * mail_deliver.h - taking mail out of the outbox and handing it to SMTP.
 *
 * Rules (ARCHITECTURE.md decision 7, at least once, nothing lost):
 *   - A batch is claimed in one transaction with a lease (store/outbox.h), so
 *     workers in other threads or processes never send the same message at
 *     the same time.
 *   - Each message is marked sent in its own transaction right after the SMTP
 *     server accepts it.  A worker killed mid-batch therefore leaves at most
 *     the message in flight unmarked; it is sent again after the lease runs
 *     out, with the same bytes and the same Message-ID, so a duplicate is
 *     recognisable.  Messages claimed but not yet tried are simply sent by
 *     the next worker.
 *   - A transient failure retries after mail_retry_base * 2^(tries-1)
 *     seconds (capped at MAIL_RETRY_CAP_S), up to mail_max_attempts tries,
 *     then the message is failed; a permanent refusal (5xx) fails it at once.
 *   - When the SMTP server cannot be reached at all, the batch stops: the
 *     message tried gets its retry, the rest go back untried.
 *   - Bulk mail goes out at mail_bulk_rate per minute, shared by every worker
 *     through the database; single mails (registration, reset ...) always go
 *     first.  A bulk mail whose address was mail-stopped after it was queued
 *     is skipped.
 */
#ifndef TSUNAGU_DOMAIN_MAIL_DELIVER_H
#define TSUNAGU_DOMAIN_MAIL_DELIVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/smtp.h"
#include "store/store.h"

/* The longest wait between two tries of one message. */
#define MAIL_RETRY_CAP_S (6 * 3600)
/* Messages claimed per batch: small enough that a batch ends well within a
 * lease even on a slow server. */
#define MAIL_BATCH 32

typedef struct mail_deliver_opts {
    const char *owner;        /* this worker's lease name, unique per process and thread */
    unsigned lease_s;         /* mail_lease */
    unsigned retry_base_s;    /* mail_retry_base */
    unsigned max_attempts;    /* mail_max_attempts */
    unsigned bulk_per_min;    /* mail_bulk_rate; 0 = no limit */
    /* Optional: held around each write transaction.  Lanes of one worker
     * share it, so that they queue for the database's write lock here, and
     * are woken the moment it is free, instead of in SQLite's busy handler,
     * which sleeps in steps of milliseconds. */
    pthread_mutex_t *write_lock;
} mail_deliver_opts;

typedef struct mail_deliver_stats {
    int claimed, sent, retried, failed, skipped;
    bool unreachable;  /* the SMTP server could not be used; back off */
    int64_t bulk_wait_ms; /* > 0: bulk mail is waiting for the rate, this long */
    char last_error[512];
} mail_deliver_stats;

/* The delay before try number `tries` + 1, in seconds. */
unsigned mail_retry_delay(unsigned retry_base_s, int tries);

/* Claims and delivers one batch through session s (connecting on first use).
 * Adds to *st.  Returns STORE_OK (also when nothing was due; st->claimed
 * tells) or the database's error. */
store_rc mail_deliver_batch(store *db, smtp_session *s, const mail_deliver_opts *o,
                            mail_deliver_stats *st);

#endif
