/*
 * value_int.h - the layout of tv, for the template engine only.
 *
 * Code outside src/tmpl uses value.h.  The renderer reads values directly
 * and builds short-lived scalars on its stack (loop.index and friends), so
 * it needs the full struct.
 */
#ifndef TSUNAGU_TMPL_VALUE_INT_H
#define TSUNAGU_TMPL_VALUE_INT_H

#include <stdint.h>

#include "tmpl/value.h"

/* Maps up to this many keys are searched linearly; bigger ones get a hash
 * index so that building and reading them stays linear overall. */
#define TV_MAP_LINEAR 32

typedef struct tv_entry {
    const char *key;
    size_t klen;
    uint32_t hash;
    tv *val;
} tv_entry;

struct tv {
    tv_type type;
    union {
        bool b;
        long long i;
        struct {
            const char *p;
            size_t n;
        } s; /* TV_STR, TV_HTML */
        struct {
            tv **items;
            size_t n, cap;
        } list;
        struct {
            tv_entry *e;
            size_t n, cap;
            uint32_t *index; /* entry number + 1, 0 = empty; NULL while small */
            size_t icap;     /* a power of two */
        } map;
    } u;
};

/* FNV-1a over key[0..n): the hash tv_get_n() expects. */
uint32_t tv_hash(const char *key, size_t n);

/* map[key[0..n)] with its precomputed hash; NULL if absent or not a map. */
const tv *tv_get_n(const tv *map, const char *key, size_t n, uint32_t hash);

#endif
