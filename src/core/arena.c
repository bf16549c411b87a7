/* arena.c - see arena.h. */
#include "core/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fault.h"

struct arena_block {
    arena_block *next;
    size_t size;   /* usable bytes in data[] */
    size_t used;
    max_align_t data[];
};

#define ARENA_BLOCK_MIN (8 * 1024 - sizeof(arena_block))
#define ARENA_MAX_ALLOC ((size_t)1 << 30)

void arena_init(arena *a)
{
    a->head = NULL;
    a->total = 0;
}

void arena_free(arena *a)
{
    arena_block *b = a->head;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}

void *arena_alloc(arena *a, size_t n)
{
    const size_t align = _Alignof(max_align_t);
    if (n > ARENA_MAX_ALLOC)
        return NULL;
    if (n == 0)
        n = 1;
    size_t rounded = (n + align - 1) & ~(align - 1);
    arena_block *b = a->head;
    if (!b || b->size - b->used < rounded) {
        size_t size = rounded > ARENA_BLOCK_MIN ? rounded : ARENA_BLOCK_MIN;
        /* Grow blocks with the arena so big requests need few mallocs. */
        if (a->total / 2 > size && a->total / 2 < ARENA_MAX_ALLOC)
            size = a->total / 2;
        b = fault_malloc(sizeof(arena_block) + size);
        if (!b)
            return NULL;
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
        a->total += sizeof(arena_block) + size;
    }
    void *p = (char *)b->data + b->used;
    b->used += rounded;
    return p;
}

void *arena_calloc(arena *a, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    void *p = arena_alloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
