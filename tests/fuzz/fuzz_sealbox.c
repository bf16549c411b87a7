/* libFuzzer target: sealbox_open() and sealbox_key_id_of() on arbitrary
 * text, and a seal/open round trip of the input bytes.  What must hold:
 * nothing crashes or leaks; no input opens (the kept corpus holds values
 * sealed under a different key, so only a forgery could open, and a failed
 * open leaves no plaintext); a key id is -1 or 1..9999; the input sealed
 * under the fixed key opens to itself, and not under another aad nor after
 * any one character is changed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "crypto/sealbox.h"

static sealbox_keyring *ring;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const uint8_t key[SEALBOX_KEY_LEN] = "fixed fuzzing key, 32 bytes ...";
    ring = sealbox_keyring_from_key(1, key);
    if (!ring)
        abort();
    return 0;
}

static void must_not_open(const char *s, const char *aad)
{
    buf o = BUF_INIT;
    if (sealbox_open(ring, s, aad, &o) || o.len != 0)
        abort();
    buf_free(&o);
}

static void round_trip(const uint8_t *data, size_t size)
{
    buf s = BUF_INIT, o = BUF_INIT;
    if (!sealbox_seal(ring, data, size, "user:1:totp", &s))
        abort();
    if (sealbox_key_id_of(s.data) != 1)
        abort();
    if (!sealbox_open(ring, s.data, "user:1:totp", &o) || o.len != size ||
        (size && memcmp(o.data, data, size) != 0))
        abort();
    must_not_open(s.data, "user:2:totp");
    /* Change one character, chosen by the input, to a different one. */
    size_t pos = size ? ((size_t)data[0] * 257 + data[size - 1]) % s.len : s.len - 1;
    s.data[pos] = s.data[pos] == 'A' ? 'B' : 'A';
    must_not_open(s.data, "user:1:totp");
    buf_free(&s);
    buf_free(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    int id = sealbox_key_id_of(s);
    if (id != -1 && (id < 1 || id > SEALBOX_KEY_ID_MAX))
        abort();
    must_not_open(s, "user:1:totp");
    must_not_open(s, "");
    free(s);
    if (size <= SEALBOX_MAX_PLAINTEXT)
        round_trip(data, size);
    return 0;
}
