/*
 * utf8.h - strict UTF-8 validation (RFC 3629).
 *
 * Refuses overlong forms, surrogates (U+D800..U+DFFF), code points above
 * U+10FFFF, truncated sequences and NUL.  Used at the edge on every decoded
 * input (ARCHITECTURE.md decision 8).
 */
#ifndef TSUNAGU_CORE_UTF8_H
#define TSUNAGU_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True if s[0..n) is valid UTF-8 without NUL bytes. */
bool utf8_valid(const char *s, size_t n);

/* Number of code points in valid UTF-8 s[0..n). */
size_t utf8_count(const char *s, size_t n);

/* Cuts NUL-terminated s back to a character boundary, dropping a sequence
 * that a truncating snprintf cut in half. */
void utf8_trim_partial(char *s);

/* snprintf into out[0..n) that never leaves half a character at the end:
 * the one way messages (often Japanese) are written into a caller's fixed
 * error buffer.  Nothing happens when out is NULL or n is 0. */
void utf8_format(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
