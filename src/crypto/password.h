/*
 * password.h - password hashing (argon2id) and the password rule.
 *
 * Passwords are stored only as argon2id PHC strings with a 16-byte random
 * salt per hash (spec 3.1.6(1)(2): salted hash, a different salt per user;
 * SEC-16), e.g.
 *
 *   $argon2id$v=19$m=19456,t=2,p=1$<22 chars of salt>$<43 chars of hash>
 *
 * The string carries its own parameters, so raising the cost later needs no
 * migration: after a successful login, password_needs_rehash() says whether
 * to store a fresh password_hash() of the password just typed.
 *
 * Cost: one hash or verify with PASSWORD_PARAMS_DEFAULT takes about 50 ms of
 * one core and 19 MiB of memory, allocated and freed inside the call.  The
 * functions take no lock and keep no state, so any number of threads may hash
 * at once; bound the number of logins in flight if memory is tight
 * (N concurrent logins = N x m_kib KiB).  With parallelism > 1 libargon2
 * starts that many threads per call.
 *
 * What can fail: the random generator (password_hash returns false), memory
 * (PASSWORD_ERROR), a stored string that is not one of ours (PASSWORD_BAD_HASH:
 * treat as "cannot log in", log it for staff, never show it to the user).
 */
#ifndef TSUNAGU_CRYPTO_PASSWORD_H
#define TSUNAGU_CRYPTO_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct password_params {
    uint32_t m_kib, t_cost, parallelism;
} password_params;

/* OWASP Password Storage Cheat Sheet minimum for argon2id: 19 MiB, 2 passes,
 * 1 lane. */
#define PASSWORD_PARAMS_DEFAULT ((password_params){19456, 2, 1})

/* Bytes for a PHC string, NUL included.  With a 16-byte salt and a 32-byte
 * hash the longest string argon2 can write (every parameter at its maximum)
 * is 119 bytes; the unit test checks argon2_encodedlen() against this. */
#define PASSWORD_HASH_MAX 128

/* spec 3.1.3(2): fewer than 8 characters must be refused. */
#define PASSWORD_MIN_CHARS 8

/* spec 3.1.3(2): at least 64 characters must be accepted.  1024 bytes is 64
 * characters of any script (at most 4 bytes each) with room to spare (341
 * kanji, 1024 ASCII) and bounds the bytes an attacker can make us hash. */
#define PASSWORD_MAX_BYTES 1024

/* Upper bounds on the parameters password_hash() uses and password_verify()
 * accepts from a stored string, so that a corrupt or hostile row cannot make
 * one login allocate gigabytes or run for minutes.  Far above any setting a
 * web login would use (RFC 9106's second recommendation is 64 MiB, t=3, p=4). */
#define PASSWORD_M_KIB_MAX (256u * 1024u) /* 256 MiB */
#define PASSWORD_T_COST_MAX 16u
#define PASSWORD_PARALLELISM_MAX 8u

/* Hashes pw[0..len) with a fresh 16-byte salt into a PHC string in out.
 * False if len > PASSWORD_MAX_BYTES, p is outside the bounds above (or
 * m_kib < 8 * parallelism, argon2's own minimum), the random generator fails
 * or argon2 runs out of memory; out is then "".  Does not apply the password
 * rule: call password_acceptable() first on anything a person chose. */
bool password_hash(const char *pw, size_t len, password_params p, char out[PASSWORD_HASH_MAX]);

typedef enum {
    PASSWORD_MATCH,
    PASSWORD_MISMATCH,
    PASSWORD_BAD_HASH, /* phc is not an argon2id v19 string within the bounds */
    PASSWORD_ERROR     /* out of memory or threads; try again later */
} password_result;

/* Checks pw[0..len) against the stored PHC string.  Any NUL-terminated phc is
 * safe: it is parsed strictly (argon2id, v=19, bounded parameters, salt 8-64
 * and hash 16-64 bytes) before libargon2 sees it; argon2id_verify() then
 * compares in constant time.  A password longer than PASSWORD_MAX_BYTES
 * cannot have been stored, so it is a PASSWORD_MISMATCH found without
 * hashing (password_verify_dummy() skips the hash for it too, so the timing
 * still does not tell an unknown ID from a wrong password). */
password_result password_verify(const char *phc, const char *pw, size_t len);

/* True if phc should be replaced by a fresh hash with p: it is not a
 * well-formed argon2id v19 string, its memory or passes are below p, its lane
 * count differs from p (so stored hashes converge on the configured cost,
 * which password_verify_dummy() imitates), or its salt or hash is shorter
 * than password_hash() makes.  Call after PASSWORD_MATCH, while the plain
 * password is at hand. */
bool password_needs_rehash(const char *phc, password_params p);

/* spec 3.1.5 (same message and same response time for an unknown ID and a
 * wrong password): runs one verification of the same cost as a real one,
 * against a fixed hash made with p, and throws the result away.  The login
 * code MUST call this on the unknown-ID path (and for a suspended or locked
 * account whose hash it does not check), passing the parameters new hashes
 * are made with, so that every failed login costs the same time. */
void password_verify_dummy(const char *pw, size_t len, password_params p);

/* The password rule (spec 3.1.3, SEC-14): valid UTF-8, no control
 * characters (C0, DEL, C1), at least PASSWORD_MIN_CHARS characters counted
 * as code points (so "パスワード日本語です" is 10), at most
 * PASSWORD_MAX_BYTES bytes.  Letters, digits, symbols and spaces are all
 * allowed and no mix is forced (spec 3.1.3(1)).  On false writes a Japanese
 * message for the user into err (if err is not NULL). */
bool password_acceptable(const char *pw, size_t len, char *err, size_t errlen);

#endif
