/*
 * hash.h - 64-bit FNV-1a, for the in-process hash tables and comparisons
 * that hash only our own data or data whose collisions cost a comparison,
 * never a denial of service: the statement cache (store/stmt.c, SQL texts
 * are our literals), the line diff (content/diff.c, a collision only makes
 * two lines be compared) and the page cache (web/page_cache.c, a bounded
 * LRU whose keys are compared in full).  Not for keys an attacker chooses in
 * an unbounded table: that needs a seeded hash.
 */
#ifndef TSUNAGU_CORE_HASH_H
#define TSUNAGU_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t hash_fnv1a(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3u;
    }
    return h;
}

#endif
