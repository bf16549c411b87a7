/* value.c - see value.h. */
#include "tmpl/value_int.h"

#include <string.h>

static tv *tv_new(arena *a, tv_type type)
{
    tv *v = arena_calloc(a, 1, sizeof *v);
    if (v)
        v->type = type;
    return v;
}

tv *tv_null(arena *a)
{
    return tv_new(a, TV_NULL);
}

tv *tv_bool(arena *a, bool b)
{
    tv *v = tv_new(a, TV_BOOL);
    if (v)
        v->u.b = b;
    return v;
}

tv *tv_int(arena *a, long long i)
{
    tv *v = tv_new(a, TV_INT);
    if (v)
        v->u.i = i;
    return v;
}

static tv *tv_bytes(arena *a, tv_type type, const char *s, size_t n)
{
    if (!s)
        return NULL;
    tv *v = tv_new(a, type);
    if (!v)
        return NULL;
    char *p = arena_strndup(a, s, n);
    if (!p)
        return NULL;
    v->u.s.p = p;
    v->u.s.n = n;
    return v;
}

tv *tv_str(arena *a, const char *s)
{
    return s ? tv_bytes(a, TV_STR, s, strlen(s)) : NULL;
}

tv *tv_strn(arena *a, const char *s, size_t n)
{
    return tv_bytes(a, TV_STR, s, n);
}

tv *tv_html_sanitised(arena *a, const char *html, size_t n)
{
    return tv_bytes(a, TV_HTML, html, n);
}

tv *tv_list(arena *a)
{
    return tv_new(a, TV_LIST);
}

tv *tv_map(arena *a)
{
    return tv_new(a, TV_MAP);
}

/* Returns a copy of old[0..n) in a block of 2x capacity (at least min), or
 * NULL.  The old block stays in the arena: growth by doubling wastes at most
 * as much as it keeps. */
static void *grow(arena *a, void *old, size_t n, size_t *cap, size_t elem, size_t min)
{
    size_t ncap = *cap ? *cap * 2 : min;
    if (ncap < *cap || ncap > ((size_t)1 << 30) / elem)
        return NULL;
    void *p = arena_alloc(a, ncap * elem);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, old, n * elem);
    *cap = ncap;
    return p;
}

bool tv_push(arena *a, tv *list, tv *item)
{
    if (!list || !item || list->type != TV_LIST)
        return false;
    if (list->u.list.n == list->u.list.cap) {
        size_t cap = list->u.list.cap;
        tv **p = grow(a, list->u.list.items, list->u.list.n, &cap, sizeof *p, 8);
        if (!p)
            return false;
        list->u.list.items = p;
        list->u.list.cap = cap;
    }
    list->u.list.items[list->u.list.n++] = item;
    return true;
}

uint32_t tv_hash(const char *key, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)key[i];
        h *= 16777619u;
    }
    return h;
}

/* Index of key in map's entries, or map->u.map.n when absent. */
static size_t find(const tv *map, const char *key, size_t n, uint32_t hash)
{
    const tv_entry *e = map->u.map.e;
    if (map->u.map.index) {
        size_t mask = map->u.map.icap - 1;
        for (size_t i = hash & mask;; i = (i + 1) & mask) {
            uint32_t slot = map->u.map.index[i];
            if (slot == 0)
                return map->u.map.n;
            const tv_entry *x = &e[slot - 1];
            if (x->hash == hash && x->klen == n && memcmp(x->key, key, n) == 0)
                return slot - 1;
        }
    }
    for (size_t i = 0; i < map->u.map.n; i++)
        if (e[i].hash == hash && e[i].klen == n && memcmp(e[i].key, key, n) == 0)
            return i;
    return map->u.map.n;
}

static void index_insert(tv *map, size_t entry)
{
    size_t mask = map->u.map.icap - 1;
    size_t i = map->u.map.e[entry].hash & mask;
    while (map->u.map.index[i] != 0)
        i = (i + 1) & mask;
    map->u.map.index[i] = (uint32_t)(entry + 1);
}

/* Keeps the hash index at most half full; false on out-of-memory (the map
 * is unchanged then). */
static bool index_reserve(arena *a, tv *map, size_t count)
{
    if (count <= TV_MAP_LINEAR || (map->u.map.index && count * 2 <= map->u.map.icap))
        return true;
    size_t icap = 64;
    while (icap < count * 4)
        icap *= 2;
    uint32_t *index = arena_calloc(a, icap, sizeof *index);
    if (!index)
        return false;
    map->u.map.index = index;
    map->u.map.icap = icap;
    for (size_t i = 0; i < map->u.map.n; i++)
        index_insert(map, i);
    return true;
}

bool tv_set(arena *a, tv *map, const char *key, tv *v)
{
    if (!map || !key || !v || map->type != TV_MAP)
        return false;
    size_t n = strlen(key);
    uint32_t hash = tv_hash(key, n);
    size_t at = find(map, key, n, hash);
    if (at < map->u.map.n) {
        map->u.map.e[at].val = v;
        return true;
    }
    if (map->u.map.n >= UINT32_MAX - 1)
        return false;
    if (map->u.map.n == map->u.map.cap) {
        size_t cap = map->u.map.cap;
        tv_entry *e = grow(a, map->u.map.e, map->u.map.n, &cap, sizeof *e, 8);
        if (!e)
            return false;
        map->u.map.e = e;
        map->u.map.cap = cap;
    }
    char *k = arena_strndup(a, key, n);
    if (!k || !index_reserve(a, map, map->u.map.n + 1))
        return false;
    size_t i = map->u.map.n++;
    map->u.map.e[i] = (tv_entry){.key = k, .klen = n, .hash = hash, .val = v};
    if (map->u.map.index)
        index_insert(map, i);
    return true;
}

bool tv_set_str(arena *a, tv *map, const char *key, const char *s)
{
    return tv_set(a, map, key, tv_str(a, s));
}

bool tv_set_int(arena *a, tv *map, const char *key, long long i)
{
    return tv_set(a, map, key, tv_int(a, i));
}

bool tv_set_bool(arena *a, tv *map, const char *key, bool b)
{
    return tv_set(a, map, key, tv_bool(a, b));
}

const tv *tv_get_n(const tv *map, const char *key, size_t n, uint32_t hash)
{
    if (!map || map->type != TV_MAP)
        return NULL;
    size_t at = find(map, key, n, hash);
    return at < map->u.map.n ? map->u.map.e[at].val : NULL;
}

const tv *tv_get(const tv *map, const char *key)
{
    if (!key)
        return NULL;
    size_t n = strlen(key);
    return tv_get_n(map, key, n, tv_hash(key, n));
}

tv_type tv_kind(const tv *v)
{
    return v ? v->type : TV_NULL;
}

size_t tv_len(const tv *v)
{
    if (!v)
        return 0;
    switch (v->type) {
    case TV_STR:
    case TV_HTML: return v->u.s.n;
    case TV_LIST: return v->u.list.n;
    case TV_MAP: return v->u.map.n;
    default: return 0;
    }
}

const tv *tv_at(const tv *list, size_t i)
{
    if (!list || list->type != TV_LIST || i >= list->u.list.n)
        return NULL;
    return list->u.list.items[i];
}

const char *tv_text(const tv *v, size_t *n)
{
    if (!v || (v->type != TV_STR && v->type != TV_HTML))
        return NULL;
    if (n)
        *n = v->u.s.n;
    return v->u.s.p;
}

long long tv_int_value(const tv *v)
{
    return v && v->type == TV_INT ? v->u.i : 0;
}

bool tv_bool_value(const tv *v)
{
    return v && v->type == TV_BOOL && v->u.b;
}
