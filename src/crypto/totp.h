/*
 * totp.h - time-based one-time passwords (RFC 6238) for staff two-factor
 * authentication (SEC-19, SEC-23).
 *
 * Six digits, a 30-second step, HMAC-SHA-1: the parameters every
 * authenticator app supports.  SHA-1 appears here and nowhere else in
 * Tsunagu; see totp.c for why that is compatible with the e-Government
 * recommended-cipher rule (spec 3.6.2(2)).
 *
 * The secret (TOTP_SECRET_LEN random bytes from secret_random()) is stored
 * sealed (crypto/sealbox.h), never in clear, and shown once as a totp_uri()
 * QR code and as base32 text.  Secrets and codes are never logged.
 *
 * A code is usable once: the caller keeps the last accepted step per user in
 * the database and passes it to totp_verify().  A guess of six digits wins
 * with a chance of 3 in a million (three steps are accepted), so failed codes
 * must count towards the account lock (spec 3.1.6) like wrong passwords.
 *
 * No allocation of our own (OpenSSL allocates inside HMAC), no global state:
 * safe from any thread.
 */
#ifndef TSUNAGU_CRYPTO_TOTP_H
#define TSUNAGU_CRYPTO_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define TOTP_SECRET_LEN 20 /* 160-bit secrets, RFC 4226 section 4 recommendation */
#define TOTP_DIGITS 6
#define TOTP_PERIOD 30 /* seconds per step */

/* Keys outside [TOTP_KEY_MIN, TOTP_KEY_MAX] bytes are refused: RFC 4226 R6
 * requires at least 128 bits; 64 bytes is HMAC-SHA-1's block size. */
#define TOTP_KEY_MIN 16
#define TOTP_KEY_MAX 64

/* Writes the six-digit code for unix_time (and its NUL) into out.  False
 * (out = "") if the key length is out of range, unix_time is negative or
 * libcrypto fails. */
bool totp_code(const uint8_t *key, size_t keylen, int64_t unix_time, char out[7]);

/* Accepts the code for the current step or one step either side (clock
 * drift, RFC 6238 section 5.2).  Spaces in code are ignored ("123 456", as
 * apps show it); anything else but exactly six ASCII digits is refused.  The
 * three candidates are all computed and compared in constant time.
 * Refuses a code whose step is <= *last_step (replay: each code works once,
 * and after a code from a later step the earlier ones are spent too).  On
 * success sets *last_step to the step used: the caller must store it in the
 * same transaction as the login, with a conditional update (UPDATE ... SET
 * totp_last_step = ? WHERE id = ? AND totp_last_step < ?) so that two
 * requests racing with one code cannot both win.  Start from 0 for a user
 * who has not logged in with a code yet. */
bool totp_verify(const uint8_t *key, size_t keylen, const char *code, int64_t unix_time,
                 int64_t *last_step);

/* Appends to out the otpauth URI authenticator apps read from a QR code:
 *   otpauth://totp/Issuer:account?secret=BASE32&issuer=Issuer&algorithm=SHA1&digits=6&period=30
 * issuer and account are UTF-8, percent-encoded (RFC 3986 unreserved
 * characters kept).  False if either is empty, longer than 256 bytes, not
 * valid UTF-8, or contains ':' (the label separator, which the Key URI format
 * forbids inside either part), if the key length is out of range, or if out
 * fails (out of memory or past its max); out may then hold part of the URI. */
bool totp_uri(const char *issuer, const char *account, const uint8_t *key, size_t keylen, buf *out);

#endif
