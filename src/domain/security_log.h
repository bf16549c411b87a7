/*
 * security_log.h - the security log of the account system (spec 別記2 3.5,
 * SEC-28..SEC-32): who logged in, failed, was locked out, changed a password
 * or an address, and what staff did to accounts.
 *
 * Entries live in the database (table security_log, migration 003), written
 * in the same transaction as the change they record, so an entry exists if
 * and only if the change happened.  Nothing here is held in memory.
 *
 * Masking (spec 3.5.1(2)): the login ID is stored as its first character and
 * "***" ("taro" -> "t***"), enough for staff to tell entries apart while the
 * account_id column links to the account itself; detail text passes through
 * log_mask() (core/log.h), so a mail address or telephone number that slips
 * into it is masked too.  Passwords, tokens, TOTP codes and secrets are
 * never given to this module.  The client address is kept whole: it is what
 * an incident investigation needs (3.5 "incident investigation").
 *
 * Retention (spec 3.5.2(1)): entries are kept at least
 * SECURITY_LOG_KEEP_DAYS_MIN days whatever the setting asks.
 *
 * Threads: functions take the caller's connection; no state of their own.
 */
#ifndef TSUNAGU_DOMAIN_SECURITY_LOG_H
#define TSUNAGU_DOMAIN_SECURITY_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/limits.h"
#include "store/account.h"
#include "store/store.h"

/* spec 3.5.2(1): logs are kept for at least one year. */
#define SECURITY_LOG_KEEP_DAYS_MIN 365

/* Entries on one page of the admin screen at most. */
#define SECURITY_LOG_PAGE_MAX LIMIT_SECURITY_LOG_PAGE_MAX

/* Bytes kept of the client address and of the detail text. */
#define SECURITY_LOG_ADDR_MAX 64
#define SECURITY_LOG_DETAIL_MAX 512

/* The events.  Their names (security_event_name) are what the table stores
 * and what the admin screen filters by. */
typedef enum {
    SECURITY_LOGIN_OK,               /* "login_ok": a session was granted */
    SECURITY_LOGIN_FAILED,           /* "login_failed": detail gives the true reason */
    SECURITY_LOCKOUT,                /* "lockout": failures reached the limit (3.1.6) */
    SECURITY_UNLOCK,                 /* "unlock": staff lifted a lock */
    SECURITY_TOTP_FAILED,            /* "totp_failed": a wrong or replayed code */
    SECURITY_TOTP_ENROLLED,          /* "totp_enrolled" */
    SECURITY_TOTP_RESET,             /* "totp_reset": staff removed a second factor */
    SECURITY_LOGOUT,                 /* "logout" */
    SECURITY_PASSWORD_CHANGED,       /* "password_changed" (3.3.4) */
    SECURITY_RESET_REQUESTED,        /* "reset_requested" (3.3.5) */
    SECURITY_RESET_DONE,             /* "reset_done" */
    SECURITY_EMAIL_CHANGE_REQUESTED, /* "email_change_requested" (3.3.3) */
    SECURITY_EMAIL_CHANGED,          /* "email_changed" */
    SECURITY_REGISTERED,             /* "registered": a provisional account (3.3.1) */
    SECURITY_VERIFIED,               /* "verified": its address was confirmed */
    SECURITY_CREATED,                /* "created": by an operator, active at once */
    SECURITY_ROLE_CHANGED,           /* "role_changed" (SEC-20) */
    SECURITY_SUSPENDED,              /* "suspended" (3.3.6) */
    SECURITY_RESUMED,                /* "resumed" */
    SECURITY_DELETED,                /* "deleted" (3.3.6, 3.3.7) */
    SECURITY_EVENT_COUNT
} security_event;

/* The stored name of ev; "" for a value out of range. */
const char *security_event_name(security_event ev);

/* The event called name; false if there is none (e.g. a filter from a form). */
bool security_event_parse(const char *name, security_event *ev);

/* A short Japanese label for the admin screen ("ログイン成功" ...). */
const char *security_event_label(security_event ev);

/* Bytes security_log_mask_login() may write, NUL included. */
#define SECURITY_LOG_LOGIN_MASKED 8

/* Writes the masked form of a login ID: its first character (a whole UTF-8
 * character, or '?' when the first bytes are not one) followed by "***";
 * "" for NULL or "". */
void security_log_mask_login(const char *login, char out[SECURITY_LOG_LOGIN_MASKED]);

/* One entry to write.  login is the ID as typed (masked here); account_id
 * and actor_id 0 = none; addr and detail may be NULL. */
typedef struct security_log_new {
    security_event event;
    int64_t account_id;
    int64_t actor_id; /* the staff member acting on someone else's account */
    const char *login;
    const char *addr;
    const char *detail; /* plain words: the reason, the old and new role ... */
} security_log_new;

/* Inserts the entry, stamped `now` (store_timestamp text).  Call inside the
 * transaction of the change it records.  STORE_OK or the database's code
 * (STORE_NOMEM when masking runs out of memory). */
store_rc security_log_add(store *db, const char *now, const security_log_new *e);

/* A query of the admin screen.  Every filter is optional. */
typedef struct security_log_query {
    const char *event;  /* an event name, NULL or "" = all */
    int64_t account_id; /* 0 = all */
    const char *from;   /* store timestamps: from <= at < to; NULL or "" = open */
    const char *to;
    int64_t before_id; /* 0 = the newest page; else entries older than this id */
    int limit;         /* 1..SECURITY_LOG_PAGE_MAX; other values give the maximum */
} security_log_query;

typedef struct security_log_page {
    store_security_log_entry *rows; /* newest first, in the arena */
    int n;
    int64_t next_before; /* before_id of the next (older) page; 0 = this is the last */
} security_log_page;

/* Reads one page.  STORE_OK, or the database's code; an unknown event name
 * gives an empty page. */
store_rc security_log_list(store *db, arena *a, const security_log_query *q,
                           security_log_page *out);

/* Converts a JST calendar date "YYYY-MM-DD" (a date field of the admin form)
 * to the store timestamp of its first second (end = false) or of the first
 * second of the next day (end = true), so that [from, to) covers whole JST
 * days.  False for anything that is not a valid date. */
bool security_log_jst_day(const char *date, bool end, char out[STORE_TIMESTAMP_LEN]);

/* Deletes entries older than keep_days days before now_unix; keep_days below
 * SECURITY_LOG_KEEP_DAYS_MIN counts as that minimum (spec 3.5.2(1)).  *n
 * (may be NULL) gets how many. */
store_rc security_log_purge(store *db, int64_t now_unix, unsigned keep_days, int *n);

#endif
