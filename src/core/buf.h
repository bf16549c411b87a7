/*
 * buf.h - a growable byte buffer with a sticky error flag.
 *
 * Appends never fail loudly: on out-of-memory (or past max) the buffer sets
 * `failed`, ignores further appends, and the owner checks buf_ok() once at
 * the end.  The bytes come from malloc, so a finished buffer may be handed to
 * libmicrohttpd with MHD_RESPMEM_MUST_FREE via buf_steal().  The content is
 * always NUL-terminated (the NUL is not counted in len).
 */
#ifndef TSUNAGU_CORE_BUF_H
#define TSUNAGU_CORE_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;     /* 0 = no limit other than memory */
    bool failed;
} buf;

#define BUF_INIT {0}

void buf_init(buf *b, size_t max);
void buf_free(buf *b);
void buf_reset(buf *b);                 /* len = 0, keeps memory, clears failed */
bool buf_reserve(buf *b, size_t extra);
void buf_append(buf *b, const void *p, size_t n);
void buf_puts(buf *b, const char *s);
void buf_putc(buf *b, char c);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline bool buf_ok(const buf *b) { return !b->failed; }

/* Returns the malloc'd, NUL-terminated data and leaves the buffer empty; the
 * caller owns (and frees) the result.  NULL if the buffer failed. */
char *buf_steal(buf *b, size_t *len);

#endif
