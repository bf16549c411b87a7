/*
 * account.h - the account system's business rules: who an account is, how
 * it comes to exist, how its password and mail address change, what staff
 * may do to it, and who may touch which record.  Login, sessions and the
 * second factor are in domain/session.h; the security log in
 * domain/security_log.h.
 *
 * One account table serves both sites and the staff (spec §6): members
 * (individual 個人 / group 団体 / company 企業), editors (編集者, centre staff)
 * and system administrators (システム管理者).
 *
 * The rules, with the clause each implements:
 *   - Login ID (spec 3.3.2): 3 to 64 characters of ASCII letters, digits and
 *     . _ - @ ; unique regardless of letter case (a lower-cased key under a
 *     UNIQUE index).  "Taro" and "taro" are the same ID.
 *   - Password (3.1.3, 3.1.6(1)(2)): password_acceptable() (8 characters or
 *     more, any characters but control characters, up to 1024 bytes), not
 *     the login ID itself; stored only as an argon2id hash with its own salt.
 *   - Mail address: mail_addr_valid(); one account per address, compared
 *     case-insensitively (SEC-11), so a password reset reaches one account.
 *   - Registration (3.3.1): a member account starts provisional; a link with
 *     a 256-bit single-use token (valid ACCOUNT_VERIFY_HOURS) goes to the
 *     address, and only opening it activates the account.  No mail ever
 *     holds a password (3.3.1(3)).
 *   - Password change (3.3.4) needs the current password; reset (3.3.5(1)
 *     (3)) goes through a single-use link mailed to the registered address.
 *   - Mail-address change (3.3.3) takes effect only when the link mailed to
 *     the NEW address is opened.
 *   - Self-deletion (3.3.7) needs the password.  Staff suspend (一時利用停止),
 *     resume, delete, unlock and change roles (3.3.6); suspension, deletion,
 *     a role change and a password change end the account's sessions.
 *
 * Calling convention: every operation takes an account_env (the request's
 * connection, arena and settings) and returns an account_rc; when the result
 * is not ACCOUNT_OK, err receives a Japanese message meant for the person at
 * the screen (never a database detail: those go to the error log).
 *
 * Transactions: every function here opens its own (store_tx) and MUST be
 * called with no transaction open on e->db; they return ACCOUNT_ERROR if one
 * is.  Password hashing and verification (argon2id, ~50 ms) always run
 * before the transaction, so the database's write lock is never held while
 * hashing.
 *
 * Memory: strings handed back (account_view and the like) live in e->a.
 * Threads: no state of its own; one account_env per request thread.
 */
#ifndef TSUNAGU_DOMAIN_ACCOUNT_H
#define TSUNAGU_DOMAIN_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/limits.h"
#include "crypto/password.h"
#include "crypto/sealbox.h"
#include "crypto/token.h"
#include "domain/mail.h"
#include "store/account.h"
#include "store/store.h"

/* ---- limits (the numbers with their reasons are in core/limits.h) ---- */

/* spec 3.3.2: the login-ID rule (see above). */
#define ACCOUNT_LOGIN_MIN 3
#define ACCOUNT_LOGIN_MAX 64

/* Characters of the display name (氏名・団体名・企業名); the longest group
 * names in the current data are under 60 characters. */
#define ACCOUNT_NAME_MAX_CHARS 100

/* Lifetimes of the mailed links.  24 hours lets a registrant who reads mail
 * once a day finish; a reset link is the key to the account, so it lives
 * only as long as the one sitting it is meant for (3.3.5). */
#define ACCOUNT_VERIFY_HOURS 24
#define ACCOUNT_EMAIL_CHANGE_HOURS 24
#define ACCOUNT_RESET_MIN 30

#define ACCOUNT_RESET_PER_HOUR LIMIT_ACCOUNT_RESET_PER_HOUR

/* Provisional accounts whose link was never opened are deleted after this
 * many days, freeing their ID and address (and holding no data that nobody
 * confirmed). */
#define ACCOUNT_PROVISIONAL_KEEP_DAYS 7

/* Password spraying: see core/limits.h. */
#define ACCOUNT_ADDR_FAILURES LIMIT_ACCOUNT_ADDR_FAILURES
#define ACCOUNT_ADDR_WINDOW_MIN LIMIT_ACCOUNT_ADDR_WINDOW_MIN

#define ACCOUNT_LIST_MAX LIMIT_ACCOUNT_LIST_MAX

/* ---- settings ---- */

/* What the rules need to know; filled from the configuration at start-up
 * by account_params_init(), read-only afterwards.  Tests fill it with small
 * hashing costs, short timeouts and a clock they move. */
typedef struct account_params {
    password_params pw;              /* new hashes and the dummy verification (3.1.5) */
    unsigned lockout_failures;       /* consecutive failures that lock (3.1.6) */
    unsigned lockout_min;            /* minutes a lock lasts */
    unsigned session_idle_min;       /* 3.1.9(2): idle timeout */
    unsigned session_abs_hours;      /* absolute timeout from login */
    unsigned staff_session_idle_min; /* SEC-22: the same for staff, shorter */
    unsigned staff_session_abs_hours;
    unsigned addr_failures;          /* per-address limit (ACCOUNT_ADDR_FAILURES) */
    unsigned addr_window_min;        /* ... over this many minutes */
    unsigned security_log_keep_days; /* at least SECURITY_LOG_KEEP_DAYS_MIN */
    bool staff_totp_required;        /* SEC-23: staff must have a second factor */
    int64_t (*clock)(void);          /* Unix seconds; NULL = the system clock */
} account_params;

/* Defaults: PASSWORD_PARAMS_DEFAULT, the configuration's lockout and
 * session numbers, the per-address limit above, 400 days of security log,
 * TOTP required for staff, the system clock. */
void account_params_init(account_params *p, const config *cfg);

/* The current time by p's clock. */
int64_t account_now(const account_params *p);

/* ---- a request's environment ---- */

typedef struct account_env {
    store *db; /* the thread's connection, no transaction open */
    arena *a;  /* the request's arena: results and mail rendering */
    const account_params *p;
    const mail_env *mail;        /* for the operations that send mail */
    const sealbox_keyring *keys; /* for TOTP (session.h); sealbox_keyring_load(DATA/keys) */
    const char *addr;            /* client address, for the security log and the
                                    per-address limit; NULL or "" = none (command line) */
    const char *base_url;        /* public URL the mailed links start with, no trailing '/' */
    const char *site_name;       /* the site the request came to, for mail subjects;
                                    NULL = the centre's name */
} account_env;

/* ---- results ---- */

typedef enum {
    ACCOUNT_OK = 0,
    ACCOUNT_INVALID,        /* input breaks a rule; err says which; show it with the form */
    ACCOUNT_TAKEN,          /* the login ID or mail address is registered already (3.3.2) */
    ACCOUNT_WRONG_PASSWORD, /* the password asked for confirmation is wrong (3.3.4, 3.3.7);
                               it counted towards the lock */
    ACCOUNT_TOKEN_BAD,      /* the mailed link is unknown, used or expired; err says which */
    ACCOUNT_NOT_FOUND,      /* no such account (or session: treat as logged out) */
    ACCOUNT_FORBIDDEN,      /* the actor may not do this (3.2.2(3)) */
    ACCOUNT_ERROR,          /* database, memory or random generator: answer 503; logged */
} account_rc;

/* ---- the account as screens see it ---- */

typedef enum { ACCOUNT_ROLE_MEMBER, ACCOUNT_ROLE_EDITOR, ACCOUNT_ROLE_ADMIN } account_role;

typedef enum {
    ACCOUNT_TYPE_NONE, /* staff */
    ACCOUNT_TYPE_INDIVIDUAL,
    ACCOUNT_TYPE_GROUP,
    ACCOUNT_TYPE_COMPANY,
} account_member_type;

typedef enum {
    ACCOUNT_STATUS_PROVISIONAL,
    ACCOUNT_STATUS_ACTIVE,
    ACCOUNT_STATUS_SUSPENDED,
} account_status;

/* An account without its secrets (no hash, no TOTP secret): what a handler
 * may put into a view.  Strings in e->a; timestamps are store_timestamp()
 * text (UTC), NULL when never set. */
typedef struct account_view {
    int64_t id;
    const char *login, *email, *name;
    account_role role;
    account_member_type member_type;
    account_status status;
    bool locked; /* a lock (3.1.6) is running */
    const char *locked_until;
    bool totp_enrolled;
    bool must_change_password;                   /* SEC-15: only the password change may be used */
    const char *last_login_at, *last_login_addr; /* this session's login */
    const char *prev_login_at, *prev_login_addr; /* the one before (SEC-13 前回ログイン) */
    const char *password_changed_at, *created_at;
} account_view;

/* Texts: the stored names ("member", "group", "active" ...) and Japanese
 * labels ("会員", "団体", "利用中" ...).  Parsing takes the stored names
 * (from forms and the command line) and returns false for anything else. */
const char *account_role_name(account_role r);
const char *account_role_label(account_role r);
bool account_role_parse(const char *s, account_role *r);
const char *account_member_type_name(account_member_type t); /* NULL for NONE */
const char *account_member_type_label(account_member_type t);
bool account_member_type_parse(const char *s, account_member_type *t);
const char *account_status_name(account_status s);
const char *account_status_label(account_status s);

/* Fills v from a stored row (strings shared with the row), judging the lock
 * at now (store timestamp). */
void account_view_from_row(const store_account_row *r, const char *now, account_view *v);

/* ---- rules on input ---- */

/* spec 3.3.2: true if login follows the login-ID rule; otherwise false with
 * a Japanese message in err (may be NULL). */
bool account_login_valid(const char *login, char *err, size_t errlen);

/* The lower-cased key of a valid login ID into out; false if login is not
 * valid. */
bool account_login_key(const char *login, char out[ACCOUNT_LOGIN_MAX + 1]);

/* ---- authorisation (spec 3.2.2; the permission matrix) ---- */

/* Each takes the account of a FULL session (session_actor()); NULL, a
 * suspended or provisional account gives false.
 *   staff:        editor or admin (the admin screens)
 *   admin:        system administrator (account management, settings)
 *   group:        a group member (posts volunteer recruitments, spec 6.3)
 *   may_edit:     the owner of a record, or staff
 *   may_manage:   may suspend, resume, unlock or delete accounts of target
 *                 role: admins any account, editors members only
 */
bool account_is_staff(const account_view *actor);
bool account_is_admin(const account_view *actor);
bool account_is_group(const account_view *actor);
bool account_may_edit(const account_view *actor, int64_t owner_account_id);
bool account_may_manage(const account_view *actor, account_role target);

/* ---- registration (spec 3.3.1) ---- */

typedef struct account_new {
    const char *login;
    const char *password;
    size_t password_len;
    const char *email;
    const char *name;                /* display name; may be "" */
    account_role role;               /* account_register(): members only */
    account_member_type member_type; /* required for members, NONE for staff */
} account_new;

/* Self-registration of a member: validates n, refuses a taken ID or address
 * (ACCOUNT_TAKEN, with a message saying which), creates the account
 * provisional, and in the same transaction queues mail kind
 * "account_verify" to n->email with url = base_url + "/register/verify?t="
 * TOKEN (valid ACCOUNT_VERIFY_HOURS) and, if centre_addr is a valid address,
 * mail kind "account_registered_centre" to it (spec AK-E1).  An unconfirmed
 * provisional account past its link's lifetime does not block its ID or
 * address: it is replaced.  *id (may be NULL) gets the new id. */
account_rc account_register(const account_env *e, const account_new *n, const char *centre_addr,
                            int64_t *id, char *err, size_t errlen);

/* Opens the registration link: activates the account.  ACCOUNT_TOKEN_BAD
 * with a message telling apart a used link ("確認済みです"), an expired one
 * and an unknown one.  *id (may be NULL) gets the account. */
account_rc account_verify(const account_env *e, const char *token, int64_t *id, char *err,
                          size_t errlen);

/* An account created by an operator (`tsunagu user add`) or a staff admin:
 * active at once, any role.  must_change_password (SEC-15) makes the first
 * login lead to the password change.  actor_id is the staff member creating
 * it (0 = the command line). */
account_rc account_create_verified(const account_env *e, const account_new *n,
                                   bool must_change_password, int64_t actor_id, int64_t *id,
                                   char *err, size_t errlen);

/* ---- reading ---- */

/* The account id.  ACCOUNT_NOT_FOUND when there is none. */
account_rc account_get(const account_env *e, int64_t id, account_view *out);

/* A page of the staff account list, newest first. */
typedef struct account_list_query {
    const char *role;         /* stored name, NULL = all */
    const char *status;       /* stored name, NULL = all */
    const char *login_prefix; /* start of the login ID, any case; NULL = all */
    int64_t before_id;        /* 0 = the newest page */
    int limit;                /* 1..ACCOUNT_LIST_MAX; other values give the maximum */
} account_list_query;

typedef struct account_list_page {
    account_view *rows;
    int n;
    int64_t next_before; /* 0 = last page */
} account_list_page;

account_rc account_list(const account_env *e, const account_list_query *q, account_list_page *out);

/* ---- password (spec 3.3.4, 3.3.5) ---- */

/* The password change of the logged-in account whose session cookie is
 * `cookie`: checks `current` (a wrong one counts towards the lock and gives
 * ACCOUNT_WRONG_PASSWORD), applies the rule to `fresh` (which may not equal
 * the current one), stores it, ends every other session of the account and
 * replaces this one: new_cookie receives the new session ID to set.
 * Clears must_change_password. */
account_rc account_change_password(const account_env *e, const char *cookie, const char *current,
                                   size_t current_len, const char *fresh, size_t fresh_len,
                                   char new_cookie[TOKEN_CHARS + 1], char *err, size_t errlen);

/* A reset request for the mail address typed into the form.  Returns
 * ACCOUNT_OK whether or not the address is registered (the screen shows one
 * message either way: spec 3.1.5's reasoning applies to addresses too);
 * ACCOUNT_INVALID only for an address that is not an address at all.  When
 * it is registered, mail kind "password_reset" goes to it with url =
 * base_url + "/password/reset?t=" TOKEN, valid ACCOUNT_RESET_MIN minutes;
 * earlier reset links of the account stop working; past
 * ACCOUNT_RESET_PER_HOUR requests an hour no further mail is sent. */
account_rc account_reset_request(const account_env *e, const char *email, char *err, size_t errlen);

/* Whether a reset link still works (for the page showing the new-password
 * form): ACCOUNT_OK or ACCOUNT_TOKEN_BAD with a message. */
account_rc account_reset_check(const account_env *e, const char *token, char *err, size_t errlen);

/* Completes a reset: spends the token, sets the new password, lifts a lock,
 * ends every session of the account, and activates a provisional account
 * (receiving the link proves the address, as 3.3.1 asks). */
account_rc account_reset_complete(const account_env *e, const char *token, const char *fresh,
                                  size_t fresh_len, char *err, size_t errlen);

/* ---- mail address (spec 3.3.3) ---- */

/* Asks to change actor's address to new_email; needs the password (so that
 * a borrowed session cannot take the account over through a reset).  Mail
 * kind "account_email_change" goes to the NEW address with url = base_url +
 * "/account/email/verify?t=" TOKEN (valid ACCOUNT_EMAIL_CHANGE_HOURS); the
 * address changes only when that link is opened. */
account_rc account_email_change_request(const account_env *e, const account_view *actor,
                                        const char *password, size_t password_len,
                                        const char *new_email, char *err, size_t errlen);

/* Opens the address-change link: the account's address becomes the new one
 * (ACCOUNT_TAKEN if another account took it meanwhile); unused reset links
 * (sent to the old address) stop working. */
account_rc account_email_change_confirm(const account_env *e, const char *token, char *err,
                                        size_t errlen);

/* ---- deletion by the user (spec 3.3.7) ---- */

/* Deletes the account of the full session `cookie` after checking its
 * password; its sessions and pending links go with it.  The last active
 * system administrator cannot delete itself (ACCOUNT_FORBIDDEN). */
account_rc account_delete_self(const account_env *e, const char *cookie, const char *password,
                               size_t password_len, char *err, size_t errlen);

/* ---- staff actions (spec 3.3.6, SEC-20, SEC-21, SEC-27) ---- */

/* actor: the acting staff member's account (session_actor()).  Each checks
 * account_may_manage() (ACCOUNT_FORBIDDEN otherwise), refuses to act on the
 * actor's own account, and refuses what would leave no active system
 * administrator.  Each writes the security log with actor's id.
 *   suspend:    一時利用停止 of an active account (ACCOUNT_INVALID otherwise);
 *               every live session of the account ends at once
 *   resume:     a suspended account back to active (ACCOUNT_INVALID otherwise)
 *   delete:     the account, its sessions and links
 *   unlock:     lifts a lock and clears the failure count
 *   totp_reset: removes the second factor (lost phone); the next login
 *               enrols a new one; ends the account's sessions
 *   set_role:   admins only; reason (1..100 characters, one line) is required
 *               and logged (SEC-20); the account's sessions end, so the new
 *               role (and a staff role's second factor) applies from the
 *               next login.  member_type is required for the member role
 *               and ignored otherwise. */
account_rc account_suspend(const account_env *e, const account_view *actor, int64_t id, char *err,
                           size_t errlen);
account_rc account_resume(const account_env *e, const account_view *actor, int64_t id, char *err,
                          size_t errlen);
account_rc account_delete(const account_env *e, const account_view *actor, int64_t id, char *err,
                          size_t errlen);
account_rc account_unlock(const account_env *e, const account_view *actor, int64_t id, char *err,
                          size_t errlen);
account_rc account_totp_reset(const account_env *e, const account_view *actor, int64_t id,
                              char *err, size_t errlen);
account_rc account_set_role(const account_env *e, const account_view *actor, int64_t id,
                            account_role role, account_member_type member_type, const char *reason,
                            char *err, size_t errlen);

/* ---- inside the account modules' transactions ---- */

/* Counts one failed password or code of account r (spec 3.1.6): when it
 * reaches p->lockout_failures the account is locked for p->lockout_min
 * minutes and a "lockout" entry is logged.  *locked (may be NULL) tells
 * whether this failure locked it.  Inside store_tx. */
store_rc account_count_failure(const account_env *e, const store_account_row *r, const char *now,
                               bool *locked);

/* ---- housekeeping (the worker, hourly) ---- */

typedef struct account_housekeeping_counts {
    int sessions, tokens, login_failures, provisional, security_log;
} account_housekeeping_counts;

/* Deletes expired sessions, spent and expired links, per-address failures
 * past the window, provisional accounts older than
 * ACCOUNT_PROVISIONAL_KEEP_DAYS, and security-log entries older than
 * p->security_log_keep_days (never under a year).  counts may be NULL. */
account_rc account_housekeeping(const account_env *e, account_housekeeping_counts *counts);

#endif
