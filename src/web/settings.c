/* settings.c - see settings.h. */
#include "web/settings.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/fault.h"
#include "store/store.h"

typedef struct setting_kv {
    const char *key;
    const char *value;
} setting_kv;

typedef struct settings_cache {
    struct store *db;      /* the handle the copy was read through */
    int64_t generation;    /* -1 = nothing loaded */
    uint64_t checked_for;  /* id of the last request that checked the generation */
    arena mem;
    setting_kv *items;
    size_t n, cap;
    bool failed;
} settings_cache;

/* One per request thread, freed by the key's destructor when the thread
 * ends (the server's pool threads end at shutdown). */
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_destroy(void *p)
{
    settings_cache *c = p;
    arena_free(&c->mem);
    free(c);
}

static void cache_key_init(void)
{
    (void)pthread_key_create(&cache_key, cache_destroy);
}

static settings_cache *thread_cache(void)
{
    pthread_once(&cache_once, cache_key_init);
    settings_cache *c = pthread_getspecific(cache_key);
    if (!c) {
        c = fault_malloc(sizeof *c);
        if (!c)
            return NULL;
        memset(c, 0, sizeof *c);
        c->generation = -1;
        arena_init(&c->mem);
        if (pthread_setspecific(cache_key, c) != 0) {
            free(c);
            return NULL;
        }
    }
    return c;
}

static bool add(void *ctx, const char *key, const char *value)
{
    settings_cache *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        setting_kv *p = arena_alloc(&c->mem, cap * sizeof *p);
        if (!p) {
            c->failed = true;
            return false;
        }
        if (c->n)
            memcpy(p, c->items, c->n * sizeof *p);
        c->items = p;
        c->cap = cap;
    }
    const char *k = arena_strdup(&c->mem, key ? key : "");
    const char *v = arena_strdup(&c->mem, value ? value : "");
    if (!k || !v) {
        c->failed = true;
        return false;
    }
    c->items[c->n++] = (setting_kv){k, v};
    return true;
}

static bool refresh(settings_cache *c, struct store *db, uint64_t request_id)
{
    if (c->db == db && c->generation >= 0 && c->checked_for == request_id)
        return true; /* checked once already for this request */
    int64_t gen = store_generation_get(db, "setting");
    if (gen < 0)
        return false;
    if (c->db == db && c->generation == gen) {
        c->checked_for = request_id;
        return true;
    }
    arena_free(&c->mem);
    arena_init(&c->mem);
    c->items = NULL;
    c->n = c->cap = 0;
    c->failed = false;
    c->generation = -1;
    if (store_setting_each(db, add, c) != STORE_OK || c->failed)
        return false;
    c->db = db;
    c->generation = gen;
    c->checked_for = request_id;
    return true;
}

const char *web_setting(http_request *req, const char *key, const char *fallback)
{
    settings_cache *c = thread_cache();
    if (!c || !req->db || !refresh(c, req->db, req->id))
        return fallback;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->items[i].key, key) == 0)
            return c->items[i].value;
    return fallback;
}
