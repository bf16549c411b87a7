/*
 * base32.h - the RFC 4648 encodings the account system shows or stores:
 * base32 (section 6) and base64url (section 5).
 *
 * base32 carries TOTP secrets to authenticator apps: encoded upper case
 * without padding (the form otpauth URIs use), decoded the way people type
 * it: any case, optional '=' padding, spaces anywhere.  base64url without
 * padding is the text form of random tokens and sealed values; its decoder is
 * strict because only programs write it.
 *
 * Both live in one file because they are the same small bit-packing loop with
 * two alphabets; a reader finds them by the RFC they implement.
 *
 * Promises: encoders write a NUL-terminated string and fail only when out is
 * too small.  Decoders accept only canonical input (the unused low bits of the
 * last character must be zero, and the length must be one an encoder can
 * produce), so each byte string has exactly one accepted encoding (apart from
 * base32's case, spaces and padding); they never write more than outmax bytes
 * and leave *outlen alone on failure.  No allocation, no global state: safe
 * from any thread.
 */
#ifndef TSUNAGU_CRYPTO_BASE32_H
#define TSUNAGU_CRYPTO_BASE32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Characters (NUL not counted) of n bytes in base32 without padding. */
#define BASE32_ENCODED_LEN(n) ((8 * (n) + 4) / 5)

/* Characters (NUL not counted) of n bytes in base64url without padding. */
#define BASE64URL_ENCODED_LEN(n) ((4 * (n) + 2) / 3)

/* Writes in[0..n) as upper-case base32 without padding and a NUL into out;
 * false (out untouched) if outsize < BASE32_ENCODED_LEN(n) + 1. */
bool base32_encode(const uint8_t *in, size_t n, char *out, size_t outsize);

/* Decodes in[0..len): A-Z, a-z and 2-7, spaces ignored anywhere, optionally
 * followed by the '=' padding RFC 4648 prescribes for that length (all of it
 * or none).  False on any other character, a wrong length or padding,
 * non-zero unused bits, or more than outmax decoded bytes. */
bool base32_decode(const char *in, size_t len, uint8_t *out, size_t outmax, size_t *outlen);

/* Writes in[0..n) as base64url (A-Z a-z 0-9 - _) without padding and a NUL;
 * false (out untouched) if outsize < BASE64URL_ENCODED_LEN(n) + 1. */
bool base64url_encode(const uint8_t *in, size_t n, char *out, size_t outsize);

/* Decodes canonical unpadded base64url in[0..len).  False on any other
 * character (padding and spaces included), a length of 1 mod 4, non-zero
 * unused bits, or more than outmax decoded bytes. */
bool base64url_decode(const char *in, size_t len, uint8_t *out, size_t outmax, size_t *outlen);

#endif
