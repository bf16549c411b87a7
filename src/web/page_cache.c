/* page_cache.c - see page_cache.h. */
#include "web/page_cache.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/buf.h"
#include "core/fault.h"
#include "core/hash.h"
#include "core/limits.h"
#include "domain/content.h"
#include "http/gzip.h"
#include "http/response.h"
#include "store/content.h"
#include "store/store.h"
#include "web/auth.h"
#include "web/prefs.h"

/* ---- the structure ---- */

/* One allocation: this struct, then the header array, then the key, the
 * strings and the body (so a hit costs no allocation and an entry one
 * malloc); the gzip'd copy, made later, is a second. */
struct page_cache_entry {
    atomic_uint refs;
    uint64_t hash;
    uint64_t used; /* the cache's tick at the last get/put (LRU) */
    size_t block;  /* bytes of the one allocation */
    const char *key;
    size_t klen;
    page_cache_page page;
    char *gz; /* NULL until made */
    size_t gz_len;
    bool gz_tried; /* made, or found not worth it */
};

struct page_cache {
    page_cache_entry **slots; /* n used, in no order */
    size_t n, max_entries;
    size_t bytes, max_bytes, max_entry;
    uint64_t tick;
};

static size_t entry_bytes(const page_cache_entry *e)
{
    return e->block + e->gz_len;
}

void page_cache_entry_unref(page_cache_entry *e)
{
    if (!e)
        return;
    /* acq_rel: the thread that frees sees every write made before the
     * other references were dropped. */
    if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1) {
        free(e->gz);
        free(e);
    }
}

page_cache *page_cache_new(size_t max_entries, size_t max_bytes, size_t max_entry)
{
    page_cache *c = fault_malloc(sizeof *c);
    if (!c)
        return NULL;
    memset(c, 0, sizeof *c);
    c->max_entries = max_entries ? max_entries : 1;
    c->max_bytes = max_bytes;
    c->max_entry = max_entry < max_bytes ? max_entry : max_bytes;
    c->slots = fault_malloc(c->max_entries * sizeof *c->slots);
    if (!c->slots) {
        free(c);
        return NULL;
    }
    return c;
}

/* Removes slot i (the last slot takes its place) and drops the cache's
 * reference. */
static void drop_slot(page_cache *c, size_t i)
{
    page_cache_entry *e = c->slots[i];
    c->bytes -= entry_bytes(e);
    c->slots[i] = c->slots[--c->n];
    page_cache_entry_unref(e);
}

void page_cache_clear(page_cache *c)
{
    while (c && c->n)
        drop_slot(c, c->n - 1);
}

void page_cache_free(page_cache *c)
{
    if (!c)
        return;
    page_cache_clear(c);
    free(c->slots);
    free(c);
}

size_t page_cache_count(const page_cache *c)
{
    return c->n;
}

size_t page_cache_bytes(const page_cache *c)
{
    return c->bytes;
}

static size_t find(const page_cache *c, uint64_t hash, const char *key, size_t klen)
{
    for (size_t i = 0; i < c->n; i++) {
        const page_cache_entry *e = c->slots[i];
        if (e->hash == hash && e->klen == klen && memcmp(e->key, key, klen) == 0)
            return i;
    }
    return SIZE_MAX;
}

/* Evicts the least recently used entry other than keep (NULL: any); false
 * when there is none to evict. */
static bool evict_one(page_cache *c, const page_cache_entry *keep)
{
    size_t victim = SIZE_MAX;
    for (size_t i = 0; i < c->n; i++)
        if (c->slots[i] != keep &&
            (victim == SIZE_MAX || c->slots[i]->used < c->slots[victim]->used))
            victim = i;
    if (victim == SIZE_MAX)
        return false;
    drop_slot(c, victim);
    return true;
}

page_cache_entry *page_cache_get(page_cache *c, const char *key, size_t klen)
{
    size_t i = find(c, hash_fnv1a(key, klen), key, klen);
    if (i == SIZE_MAX)
        return NULL;
    page_cache_entry *e = c->slots[i];
    e->used = ++c->tick;
    atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
    return e;
}

/* Adds n to *total unless that overflows or passes max. */
static bool add_size(size_t *total, size_t n, size_t max)
{
    if (n > max || *total > max - n)
        return false;
    *total += n;
    return true;
}

/* Copies s (n bytes) to *p and NUL-terminates it; returns the copy. */
static const char *put_str(char **p, const char *s, size_t n)
{
    char *out = *p;
    if (n)
        memcpy(out, s, n);
    out[n] = '\0';
    *p += n + 1;
    return out;
}

page_cache_entry *page_cache_put(page_cache *c, const char *key, size_t klen,
                                 const page_cache_page *p)
{
    size_t ctlen = p->content_type ? strlen(p->content_type) : 0;
    size_t hdr_off = (sizeof(page_cache_entry) + alignof(http_header) - 1) / alignof(http_header) *
                     alignof(http_header);
    size_t size = hdr_off;
    bool ok = klen < c->max_entry && p->len < c->max_entry &&
              p->nheaders <= c->max_entry / sizeof(http_header) &&
              add_size(&size, p->nheaders * sizeof(http_header), c->max_entry) &&
              add_size(&size, klen + 1, c->max_entry) && add_size(&size, ctlen + 1, c->max_entry) &&
              add_size(&size, p->len + 1, c->max_entry);
    for (size_t i = 0; ok && i < p->nheaders; i++)
        ok = add_size(&size, strlen(p->headers[i].name) + 1, c->max_entry) &&
             add_size(&size, strlen(p->headers[i].value) + 1, c->max_entry);
    if (!ok)
        return NULL; /* larger than an entry may be: served, not kept */

    page_cache_entry *e = fault_malloc(size);
    if (!e)
        return NULL;
    memset(e, 0, sizeof *e);
    atomic_init(&e->refs, 2); /* the cache's and the caller's */
    e->block = size;
    e->hash = hash_fnv1a(key, klen);
    http_header *hs = (http_header *)(void *)((char *)e + hdr_off);
    char *s = (char *)(hs + p->nheaders);
    e->key = put_str(&s, key, klen);
    e->klen = klen;
    e->page = *p;
    e->page.content_type = put_str(&s, p->content_type ? p->content_type : "", ctlen);
    if (!p->content_type)
        e->page.content_type = NULL;
    for (size_t i = 0; i < p->nheaders; i++) {
        hs[i].name = put_str(&s, p->headers[i].name, strlen(p->headers[i].name));
        hs[i].value = put_str(&s, p->headers[i].value, strlen(p->headers[i].value));
    }
    e->page.headers = hs;
    e->page.body = put_str(&s, p->body ? p->body : "", p->len);

    size_t old = find(c, e->hash, key, klen);
    if (old != SIZE_MAX)
        drop_slot(c, old);
    while (c->n && (c->n >= c->max_entries || c->bytes + size > c->max_bytes))
        evict_one(c, NULL);
    c->slots[c->n++] = e;
    c->bytes += size;
    e->used = ++c->tick;
    return e;
}

const page_cache_page *page_cache_entry_page(const page_cache_entry *e)
{
    return &e->page;
}

bool page_cache_entry_gzip(page_cache *c, page_cache_entry *e, const char **gz, size_t *len)
{
    if (!e->gz_tried) {
        e->gz_tried = true;
        const page_cache_page *p = &e->page;
        if (!p->gzip_ok || p->len < LIMIT_GZIP_MIN || !http_mime_compressible(p->content_type))
            return false;
        buf z;
        buf_init(&z, 0);
        if (!http_gzip(p->body, p->len, HTTP_GZIP_LEVEL_DEFAULT, &z) || !buf_ok(&z) ||
            z.len >= p->len) {
            buf_free(&z);
            return false;
        }
        /* Room for the copy, from other entries; never past the bound. */
        while (c->bytes + z.len > c->max_bytes && evict_one(c, e))
            ;
        if (c->bytes + z.len > c->max_bytes) {
            buf_free(&z);
            return false;
        }
        size_t n = 0;
        e->gz = buf_steal(&z, &n);
        e->gz_len = e->gz ? n : 0;
        c->bytes += e->gz_len;
    }
    if (!e->gz)
        return false;
    *gz = e->gz;
    *len = e->gz_len;
    return true;
}

/* ---- this thread's cache and its validity ---- */

/* The generation counters a public page depends on: content and media
 * (content_tx()), the site settings (web/settings.h) and the master lists
 * (domain/master.c). */
static const char *const watched[STORE_WATCH_GENS] = {CONTENT_GENERATION, "setting", "master"};

typedef struct thread_cache {
    page_cache *pages;
    struct store *db; /* the handle the entries were checked through */
    bool valid;       /* gens, since and until describe the entries */
    int64_t gens[STORE_WATCH_GENS];
    char since[STORE_TIMESTAMP_LEN]; /* when the entries' epoch began */
    time_t until;                    /* the first JST midnight after since */
} thread_cache;

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void thread_cache_destroy(void *p)
{
    thread_cache *tc = p;
    page_cache_free(tc->pages);
    free(tc);
}

static void cache_key_init(void)
{
    (void)pthread_key_create(&cache_key, thread_cache_destroy);
}

static thread_cache *thread_state(void)
{
    pthread_once(&cache_once, cache_key_init);
    thread_cache *tc = pthread_getspecific(cache_key);
    if (tc)
        return tc;
    tc = fault_malloc(sizeof *tc);
    if (!tc)
        return NULL;
    memset(tc, 0, sizeof *tc);
    tc->pages =
        page_cache_new(LIMIT_PAGE_CACHE_ENTRIES, LIMIT_PAGE_CACHE_BYTES, LIMIT_PAGE_CACHE_ENTRY);
    if (!tc->pages || pthread_setspecific(cache_key, tc) != 0) {
        page_cache_free(tc->pages);
        free(tc);
        return NULL;
    }
    return tc;
}

/* The first midnight in Japan (UTC+9, no daylight saving) after t. */
static time_t next_jst_midnight(time_t t)
{
    const time_t day = 24 * 3600, jst = 9 * 3600;
    return ((t + jst) / day + 1) * day - jst;
}

/* Checks this thread's entries against the database and the clock, and
 * drops them all when anything they may show has changed.  False when the
 * check could not run: then the cache must not be used for this request. */
static bool check_fresh(thread_cache *tc, http_request *req)
{
    time_t t = time(NULL);
    char now[STORE_TIMESTAMP_LEN];
    store_timestamp_at((int64_t)t, now);
    if (tc->db != req->db) {
        page_cache_clear(tc->pages);
        tc->valid = false;
        tc->db = req->db;
    }
    store_content_watch w;
    if (store_content_public_watch(req->db, watched, tc->valid ? tc->since : now, &w) != STORE_OK) {
        /* Nothing is known now: forget the entries rather than trust them
         * on the next request. */
        page_cache_clear(tc->pages);
        tc->valid = false;
        return false;
    }
    bool stale = !tc->valid || memcmp(tc->gens, w.gens, sizeof w.gens) != 0 || t >= tc->until ||
                 strcmp(now, tc->since) < 0 ||
                 (w.next_change[0] && strcmp(w.next_change, now) <= 0);
    if (stale) {
        /* The counters were read before anything is rendered, so a page
         * rendered from newer data than they say is only dropped once more. */
        page_cache_clear(tc->pages);
        memcpy(tc->gens, w.gens, sizeof w.gens);
        memcpy(tc->since, now, sizeof now);
        tc->until = next_jst_midnight(t);
        tc->valid = true;
    }
    return true;
}

/* Anonymous GET or HEAD with a database: the only requests the cache sees. */
static bool eligible(http_request *req)
{
    if (!req->db || !req->method || (strcmp(req->method, "GET") != 0 && !req->is_head))
        return false;
    if (http_cookie(req, WEB_SESSION_COOKIE))
        return false;
    return !web_auth_of(req)->has_session;
}

/* Appends "<length>:<bytes>" to b: keys of such parts cannot run into each
 * other whatever bytes a value holds. */
static void key_part(buf *b, const char *s)
{
    if (!s) {
        buf_putc(b, '-'); /* absent differs from empty ("0:") */
        return;
    }
    buf_printf(b, "%zu:", strlen(s));
    buf_puts(b, s);
}

/* The key of req into b: path, the query values render reads, preferences. */
static bool make_key(http_request *req, const char *const *query_keys, buf *b)
{
    key_part(b, req->path);
    for (size_t i = 0; query_keys && query_keys[i]; i++)
        key_part(b, http_query(req, query_keys[i]));
    display_prefs dp = prefs_from_request(req);
    key_part(b, dp.size);
    key_part(b, dp.color);
    return buf_ok(b);
}

/* Whether the response render just made may be kept for others. */
static bool storable(http_request *req)
{
    const http_response *rs = &req->resp;
    if (rs->status != 200 || rs->cache != CACHE_PUBLIC_REVALIDATE || rs->has_fd || rs->borrowed ||
        rs->release || !buf_ok(&rs->body) || web_actor(req))
        return false;
    for (size_t i = 0; i < rs->nheaders; i++)
        if (strcasecmp(rs->headers[i].name, "Set-Cookie") == 0)
            return false;
    return true;
}

static void release_entry(void *cls)
{
    page_cache_entry_unref(cls);
}

/* Answers req with entry e, whose reference passes to the response. */
static int serve_entry(http_request *req, thread_cache *tc, page_cache_entry *e)
{
    const page_cache_page *p = page_cache_entry_page(e);
    http_response *rs = &req->resp;
    buf_free(&rs->body);
    buf_init(&rs->body, 0);
    rs->nheaders = 0;
    rs->status = p->status;
    rs->content_type = p->content_type;
    rs->cache = p->cache;
    /* The server compresses only bodies it owns; for this one gzip_ok only
     * adds "Vary: Accept-Encoding", as on the rendered page. */
    rs->gzip_ok = p->gzip_ok;
    /* From here the response holds the reference; the server calls release
     * once libmicrohttpd is done with the body, or when the request ends
     * without it (release_cls is the entry itself, never arena memory). */
    rs->release = release_entry;
    rs->release_cls = e;
    const char *gz = NULL;
    size_t gz_len = 0;
    bool use_gz = http_accepts_gzip(http_header_get(req, "Accept-Encoding")) &&
                  page_cache_entry_gzip(tc->pages, e, &gz, &gz_len);
    bool ok = true;
    for (size_t i = 0; ok && i < p->nheaders; i++)
        ok = http_resp_header(req, p->headers[i].name, p->headers[i].value);
    if (ok && use_gz)
        ok = http_resp_header(req, "Content-Encoding", "gzip");
    if (!ok)
        return -1; /* no body set: the error page replaces it; release still drops e */
    rs->borrowed = use_gz ? gz : p->body;
    rs->borrowed_len = use_gz ? gz_len : p->len;
    return 0;
}

int page_cache_serve(http_request *req, const char *const *query_keys, page_cache_render_fn render)
{
    if (!eligible(req))
        return render(req);
    thread_cache *tc = thread_state();
    if (!tc || !check_fresh(tc, req))
        return render(req);
    buf key;
    buf_init(&key, LIMIT_PATH + LIMIT_HEADER_BYTES);
    if (!make_key(req, query_keys, &key)) {
        buf_free(&key);
        return render(req);
    }
    page_cache_entry *e = page_cache_get(tc->pages, key.data, key.len);
    if (e) {
        buf_free(&key);
        return serve_entry(req, tc, e);
    }

    int rc = render(req);
    if (rc == 0 && storable(req)) {
        const http_response *rs = &req->resp;
        page_cache_page p = {
            .status = rs->status,
            .content_type = rs->content_type,
            .cache = rs->cache,
            .gzip_ok = rs->gzip_ok,
            .headers = rs->headers,
            .nheaders = rs->nheaders,
            .body = rs->body.data,
            .len = rs->body.len,
        };
        e = page_cache_put(tc->pages, key.data, key.len, &p);
        if (e)
            rc = serve_entry(req, tc, e);
    }
    buf_free(&key);
    return rc;
}
