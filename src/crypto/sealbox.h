/*
 * sealbox.h - AES-256-GCM encryption at rest with rotating keys, for TOTP
 * secrets and other designated class-I fields (spec 3.6.2, SEC-47).
 *
 * Keys live outside the database in a directory of key files DIR/NNNN.key
 * (NNNN = 0001..9999, 32 random bytes each, mode 0600, in a directory no
 * group or other may write).  The highest id is the current key: new values
 * are sealed with it; older keys stay to open older values.  A sealed value
 * is text, safe in a TEXT column:
 *
 *   tsb1.<keyid>.<base64url(nonce 12 | ciphertext | tag 16)>
 *
 * with a fresh random 96-bit nonce per seal.  The caller's aad ("additional
 * authenticated data", e.g. "user:42:totp") is bound into the tag but not
 * stored: a value copied to another row, or to another column, does not open.
 *
 * Rotation (spec 3.6.2(3), key management): sealbox_keyring_rotate() (run
 * from the command line) writes the next key file; every running process
 * must then load the keyring again (restart) before it can open values sealed
 * under the new key; a re-seal job uses sealbox_key_id_of() to find values
 * under old keys, opens and seals them again; only then may an old key file
 * be removed.  Removing a key file makes every value still sealed under it
 * unreadable for good.
 *
 * Ownership and threads: a keyring owns copies of the keys, wiped with
 * OPENSSL_cleanse() when freed; keys never reach a log or an error message.
 * Once loaded, a keyring is only read by seal and open, so threads may share
 * it; rotate changes it and must not run while another thread uses it.
 * Plaintext that sealbox_open() appends to the caller's buf belongs to the
 * caller, who must wipe it (OPENSSL_cleanse(b.data, b.len)) before
 * buf_free(); pass a buf that is empty or large enough, because growing a
 * buf later copies the plaintext and frees the old block unwiped.
 */
#ifndef TSUNAGU_CRYPTO_SEALBOX_H
#define TSUNAGU_CRYPTO_SEALBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define SEALBOX_KEY_LEN 32
#define SEALBOX_KEY_ID_MAX 9999           /* four digits in the file name */
#define SEALBOX_MAX_PLAINTEXT (64 * 1024) /* a few short secrets or fields */

typedef struct sealbox_keyring sealbox_keyring;

/* Loads every key file DIR/NNNN.key.  Refuses (NULL, a Japanese message in
 * err) the whole keyring if any key file is a symlink, not a regular file,
 * readable or writable by group or others, or not exactly 32 bytes, if a
 * name is NNNN.key with id 0000, or if DIR is not a directory or is writable
 * by group or others (DIR itself may be a symlink, e.g. to an encrypted
 * volume; key files may not).  Other names in DIR are ignored.  Creates DIR (0700,
 * its parent must exist) and DIR/0001.key when there is no key yet, and
 * syncs the directory so that a key that sealed data survives a crash.
 * NULL also on out of memory. */
sealbox_keyring *sealbox_keyring_load(const char *dir, char *err, size_t errlen);

/* For tests and tools: a keyring holding one key under id (1..9999), with no
 * file behind it.  The caller's key bytes are copied.  NULL on a bad id or
 * out of memory. */
sealbox_keyring *sealbox_keyring_from_key(int id, const uint8_t key[SEALBOX_KEY_LEN]);

/* Wipes the keys and frees k.  NULL is allowed. */
void sealbox_keyring_free(sealbox_keyring *k);

/* Writes DIR/<current id + 1>.key (DIR: the one k was loaded from) with
 * fresh random bytes (mode 0600, synced with its directory) and makes it the
 * current key of k.  False, with k unchanged, if the file already exists
 * (another process rotated: load again), the id would pass
 * SEALBOX_KEY_ID_MAX, or writing fails. */
bool sealbox_keyring_rotate(sealbox_keyring *k, const char *dir, char *err, size_t errlen);

/* The id new values are sealed under. */
int sealbox_current_key_id(const sealbox_keyring *k);

/* Seals pt[0..n) (n <= SEALBOX_MAX_PLAINTEXT; pt may be NULL when n is 0)
 * under the current key and aad (NULL means ""), and appends the text form
 * to out.  False if n is too large or the random generator, libcrypto or out
 * fails (out may then be failed; nothing is appended otherwise). */
bool sealbox_seal(const sealbox_keyring *k, const uint8_t *pt, size_t n, const char *aad, buf *out);

/* Opens sealed with the aad it was sealed with and appends the plaintext to
 * out (still NUL-terminated after it, so text plaintext reads as a string).
 * False, with out's length unchanged and no plaintext left in its memory, if
 * sealed is malformed, names a key not in k, was altered, the aad differs,
 * or out or libcrypto fails. */
bool sealbox_open(const sealbox_keyring *k, const char *sealed, const char *aad, buf *out);

/* The key id a sealed value names, without opening it; -1 if the text is not
 * well-formed.  Lets a re-seal job find values under old keys. */
int sealbox_key_id_of(const char *sealed);

#endif
