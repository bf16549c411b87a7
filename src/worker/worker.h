/*
 * worker.h - the background worker: delivers the mail outbox and, as later
 * jobs arrive, runs what must happen without a request (scheduled
 * publishing, clean-up).
 *
 * It runs as a thread of `tsunagu serve` (config worker = on) or as its own
 * process (`tsunagu worker`); any number of either may run against one
 * database, because every job claims its work through the database
 * (ARCHITECTURE.md decision 2).  It has its own database connection and its
 * own SMTP session.
 *
 * Loop: deliver mail batch after batch while any is due; then sleep until
 * the next mail is due, at most WORKER_POLL_MS, waking at once when stopped.
 * When the SMTP server cannot be reached, it waits (doubling from one second
 * up to a minute, never beyond the next retry) before trying again.  Sent
 * mail older than mail_keep_days, and the account system's expired sessions,
 * links and year-old security log, are removed about once an hour.
 */
#ifndef TSUNAGU_WORKER_WORKER_H
#define TSUNAGU_WORKER_WORKER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"

/* How often an idle worker looks for new work (a mail queued by another
 * process is picked up within this time). */
#define WORKER_POLL_MS 1000

typedef struct worker worker;

/* Totals of one worker's life, for `tsunagu worker --once`. */
typedef struct worker_totals {
    long sent, retried, failed, skipped;
} worker_totals;

/* Runs the loop in the calling thread until worker_stop() is called from
 * another thread or a signal handler's thread, or, with once, until no mail
 * is due.  Returns false (with a Japanese message in err) when it cannot
 * start: the database cannot be opened, the SMTP password file cannot be
 * read.  cfg must outlive the call. */
bool worker_run(worker *w, char *err, size_t errlen);

/* Checks what the worker needs before anything starts: a valid sender
 * address and a readable, private SMTP password file.  False with a
 * Japanese message, so that serve refuses to start rather than run without
 * mail. */
bool worker_check(const config *cfg, char *err, size_t errlen);

/* Creates a worker for cfg (nothing runs yet). */
worker *worker_new(const config *cfg, bool once);

/* Starts worker_run() on a thread of its own (serve).  False if the thread
 * cannot be created. */
bool worker_start_thread(worker *w);

/* Asks the loop to end after the message in hand; safe from any thread. */
void worker_stop(worker *w);

/* Joins the thread started by worker_start_thread() (if any) and frees w. */
void worker_free(worker *w);

/* What the worker has done so far. */
worker_totals worker_get_totals(worker *w);

#endif
