/*
 * session.h - login, server-side sessions and the staff second factor
 * (spec 別記2 3.1, SEC-12, SEC-22, SEC-23, SEC-27).
 *
 * Login (session_login):
 *   1. the per-address limit against password spraying is checked
 *      (ACCOUNT_ADDR_FAILURES failures per ACCOUNT_ADDR_WINDOW_MIN minutes,
 *      counted in the database: ARCHITECTURE.md decision 2);
 *   2. the account is read (no transaction);
 *   3. the password is verified with argon2id OUTSIDE any transaction, so
 *      the database's write lock is never held while hashing; an unknown ID
 *      costs the same through password_verify_dummy() (spec 3.1.5: the same
 *      message and the same time for an unknown ID and a wrong password);
 *   4. one short transaction records the outcome: the failure count and
 *      lock (3.1.6), the per-address failure, the security log, and on
 *      success a new session with a fresh ID (3.1.8; a new ID at every login
 *      defeats session fixation) and a stronger hash if the parameters rose.
 *
 * Sessions (3.1.7-3.1.9): the cookie carries a 256-bit random ID
 * (token_new()); the database keeps only its SHA-256.  A session is valid
 * while it has been used within session_idle_min minutes (3.1.9(2)), is less
 * than session_abs_hours old, and its account is active.  A staff session
 * whose second factor is still due is "half": it grants nothing but the TOTP
 * screen (stage SESSION_NEED_TOTP) or the TOTP enrolment screen
 * (SESSION_NEED_ENROL), and lives SESSION_HALF_MIN minutes at most.
 *
 * TOTP (SEC-23): every staff account must have a second factor when
 * p->staff_totp_required (the default); a staff account without one enrols
 * right after its password at first login.  Secrets are stored sealed
 * (crypto/sealbox.h, aad "account:<id>:totp"); each code is usable once (a
 * conditional update of the last step in the same transaction); wrong codes
 * count towards the lock like wrong passwords.
 *
 * Transactions: like account.h, every function here opens its own and must
 * be called with none open.  Memory: results in e->a.
 */
#ifndef TSUNAGU_DOMAIN_SESSION_H
#define TSUNAGU_DOMAIN_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/base32.h"
#include "crypto/token.h"
#include "crypto/totp.h"
#include "domain/account.h"

/* Minutes a half session (password checked, second factor due) lives. */
#define SESSION_HALF_MIN 10

/* Seconds between two writes of a session's last_seen_at: the idle timeout
 * is counted in minutes, so a write per minute at most spares the database
 * a write per page view. */
#define SESSION_TOUCH_INTERVAL_S 60

/* ---- login ---- */

typedef enum {
    SESSION_LOGIN_OK,              /* full session: set the cookie from token */
    SESSION_LOGIN_NEED_TOTP,       /* half session: set the cookie, show the TOTP screen */
    SESSION_LOGIN_NEED_TOTP_ENROL, /* half session: set the cookie, show TOTP enrolment */
    SESSION_LOGIN_FAILED,          /* show message; the same for every reason (3.1.5) */
    SESSION_LOGIN_RATE_LIMITED,    /* too many failures from this address: show message */
    SESSION_LOGIN_ERROR,           /* database or memory: 503 with message */
} session_login_status;

/* The true reason of a failure, for the security log (written by this
 * module) and for diagnostics.  Never shown: the screen shows `message`. */
typedef enum {
    SESSION_WHY_NONE,
    SESSION_WHY_UNKNOWN_ID,
    SESSION_WHY_WRONG_PASSWORD,
    SESSION_WHY_PROVISIONAL, /* address not confirmed yet */
    SESSION_WHY_SUSPENDED,
    SESSION_WHY_LOCKED,
    SESSION_WHY_BAD_HASH,      /* stored hash unreadable: logged as an error for staff */
    SESSION_WHY_CHANGED,       /* the account changed while the password was checked */
    SESSION_WHY_WRONG_CODE,    /* TOTP */
    SESSION_WHY_REPLAYED_CODE, /* TOTP code used already */
    SESSION_WHY_NO_SESSION,    /* TOTP step without a valid half session */
} session_why;

typedef struct session_login_result {
    session_login_status status;
    session_why why;
    bool locked_now;             /* this failure started a lock */
    int64_t account_id;          /* 0 when no account was found */
    char token[TOKEN_CHARS + 1]; /* the session ID for the cookie; "" unless a session was
                                    granted */
    const char *message;         /* Japanese, static; "" on success */
} session_login_result;

/* Logs in with the login ID and password typed into the form.  Always
 * fills *out.  A failure that is the account's (wrong password, locked,
 * suspended, provisional) and an unknown ID give the same status, message
 * and cost; out->why tells them apart.  The old session of the browser, if
 * any, should be ended by the caller with session_logout(). */
void session_login(const account_env *e, const char *login, const char *password,
                   size_t password_len, session_login_result *out);

/* ---- sessions ---- */

typedef enum {
    SESSION_FULL,       /* logged in */
    SESSION_NEED_TOTP,  /* half: only the TOTP screen */
    SESSION_NEED_ENROL, /* half: only the TOTP enrolment screen */
} session_stage;

typedef struct session_info {
    account_view account;
    session_stage stage;
    const char *created_at, *last_seen_at;
} session_info;

/* The session whose cookie value is `cookie`.  ACCOUNT_OK with *out, or
 * ACCOUNT_NOT_FOUND when the value is malformed, unknown, past a timeout
 * (the row is then deleted) or its account is not active: treat the visitor
 * as logged out.  Refreshes last_seen_at at most every
 * SESSION_TOUCH_INTERVAL_S seconds.  ACCOUNT_ERROR on a database error. */
account_rc session_lookup(const account_env *e, const char *cookie, session_info *out);

/* The account a handler may authorise with (spec 3.2.2(1)): that of a FULL
 * session, NULL for a half one.  Pass this, never &s->account, to the
 * account_is_* / account_may_* checks. */
const account_view *session_actor(const session_info *s);

/* Ends the session `cookie` (3.1.9(1)); ACCOUNT_OK also when there was none. */
account_rc session_logout(const account_env *e, const char *cookie);

/* ---- second factor ---- */

/* Checks the TOTP code of the half session `cookie` (stage
 * SESSION_NEED_TOTP).  On success the half session is replaced by a full
 * one with a new ID (out->token).  A wrong or replayed code counts towards
 * the lock (SESSION_LOGIN_FAILED); when it locks the account, or the half
 * session has expired, the half session ends and why/message ask for a new
 * login. */
void session_totp(const account_env *e, const char *cookie, const char *code,
                  session_login_result *out);

/* What the enrolment screen shows. */
typedef struct session_totp_enrolment {
    char secret_b32[BASE32_ENCODED_LEN(TOTP_SECRET_LEN) + 1]; /* to type in by hand */
    const char *uri;     /* otpauth:// URI for the QR code (e->a) */
    const char *pending; /* sealed secret to hand back to confirm (a hidden form
                            field): opaque, bound to this account (e->a) */
} session_totp_enrolment;

/* Starts an enrolment for the account of session `cookie` (a half session
 * of stage SESSION_NEED_ENROL, or a full session of an account without a
 * second factor): a fresh random secret, shown once.  Nothing is stored
 * until session_totp_enrol_confirm().  issuer is the name the authenticator
 * app shows (e.g. the centre's name; no ':').  ACCOUNT_FORBIDDEN when the
 * account already has a second factor (only staff can reset it). */
account_rc session_totp_enrol_begin(const account_env *e, const char *cookie, const char *issuer,
                                    session_totp_enrolment *out, char *err, size_t errlen);

/* Confirms an enrolment with the first code from the app: stores the secret
 * sealed and, for a half session, completes the login (out->token is the new
 * full session's ID).  A wrong code leaves everything as it was
 * (SESSION_LOGIN_FAILED with a message; it does not count towards the lock:
 * there is no secret to guess yet). */
void session_totp_enrol_confirm(const account_env *e, const char *cookie, const char *pending,
                                const char *code, session_login_result *out);

/* ---- key rotation (tsunagu keys rotate) ---- */

/* Re-seals every stored TOTP secret that is not under keys' current key
 * with the current one, in one transaction (so a failure changes nothing).
 * *resealed gets how many; *unreadable how many could not be opened with
 * any key of the ring (left as they are: staff reset those second
 * factors).  ACCOUNT_OK or ACCOUNT_ERROR. */
account_rc session_totp_reseal(const account_env *e, const sealbox_keyring *keys, int *resealed,
                               int *unreadable);

/* ---- inside the account modules' transactions ---- */

/* Inserts a session of stage for account_id with the ID `token` (made by
 * token_new() before the transaction).  Inside store_tx. */
store_rc session_insert(store *db, const char *now, int64_t account_id, session_stage stage,
                        const char token[TOKEN_CHARS + 1]);

#endif
