/*
 * token.h - single-use random tokens: mail-address verification, password
 * reset links and session IDs.
 *
 * A token is 256 random bits from OpenSSL's RAND_bytes (spec 3.3.5(3): "a
 * sufficiently long random number"), written as 43 base64url characters, so
 * it is safe in a URL, a cookie and a mail line.  The database keeps only
 * token_hash() of it: a copy of the database then opens no session and resets
 * no password.  Because the token has 256 bits of entropy a plain SHA-256 is
 * enough; no salt or slow hash is needed.
 *
 * Lookup is by hash (an index on the hash column); token_equal() is for the
 * rare comparison of two token texts, such as a token echoed in a form.
 *
 * No allocation, no global state: every function is safe from any thread.
 */
#ifndef TSUNAGU_CRYPTO_TOKEN_H
#define TSUNAGU_CRYPTO_TOKEN_H

#include <stdbool.h>

#define TOKEN_CHARS 43    /* 256 random bits, base64url without padding */
#define TOKEN_HASH_HEX 65 /* SHA-256 hex + NUL */

/* Writes a fresh token and its NUL.  False (out = "") if the random
 * generator fails; the caller must then refuse the request, never retry with
 * a weaker source. */
bool token_new(char out[TOKEN_CHARS + 1]);

/* True if s is exactly TOKEN_CHARS base64url characters.  Check this before
 * hashing a token that came from a request, so junk never reaches the
 * database. */
bool token_well_formed(const char *s);

/* Lower-case hex SHA-256 of the token text: the value the database stores
 * and looks up.  False (out = "") only if libcrypto fails (out of memory);
 * a caller that ignores the result and stores "" would collide on the
 * unique index rather than create a usable token. */
bool token_hash(const char *token, char out[TOKEN_HASH_HEX]);

/* Compares two NUL-terminated strings in time that depends only on their
 * length (CRYPTO_memcmp), not on where they first differ.  Strings of
 * different lengths are unequal at once: the length of a token is public. */
bool token_equal(const char *a, const char *b);

#endif
