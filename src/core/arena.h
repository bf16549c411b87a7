/*
 * arena.h - a region allocator: many allocations, one free.
 *
 * Each request owns one arena; everything allocated for the request lives in
 * it and dies in arena_free(), called once from the completion callback.
 * Allocation failure returns NULL (never aborts); callers check it and answer
 * 503.  Not thread-safe: an arena belongs to one thread at a time.
 */
#ifndef TSUNAGU_CORE_ARENA_H
#define TSUNAGU_CORE_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block;

typedef struct arena {
    arena_block *head;   /* current block; older blocks chained behind it */
    size_t total;        /* bytes obtained from malloc, for accounting */
} arena;

/* Initialises an empty arena; allocates nothing until first use. */
void arena_init(arena *a);

/* Frees every block.  The arena may be reused after arena_init(). */
void arena_free(arena *a);

/* Returns n bytes aligned for any type, or NULL when out of memory or when
 * n is absurd (> 1 GiB).  Memory is not zeroed. */
void *arena_alloc(arena *a, size_t n);

/* As arena_alloc(), zeroed; count*size is checked for overflow. */
void *arena_calloc(arena *a, size_t count, size_t size);

/* Copies n bytes and appends a NUL; NULL on failure. */
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);

/* printf into the arena; NULL on failure. */
char *arena_printf(arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
