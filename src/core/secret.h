/*
 * secret.h - the server's own secret keys, kept in files outside the database.
 *
 * A key file holds 32 random bytes (OpenSSL RAND_bytes), mode 0600, created on
 * first use.  Keys are read at start-up and never logged.
 */
#ifndef TSUNAGU_CORE_SECRET_H
#define TSUNAGU_CORE_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SECRET_KEY_LEN 32

/* Loads path, creating it (and refusing a file readable by others) if needed. */
bool secret_load(const char *path, uint8_t key[SECRET_KEY_LEN], char *err, size_t errlen);

/* Fills out with n random bytes; false if the generator fails. */
bool secret_random(void *out, size_t n);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void secret_hex(const uint8_t *in, size_t n, char *out);

#endif
