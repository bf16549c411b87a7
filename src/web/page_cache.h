/*
 * page_cache.h - a per-thread cache of rendered public pages (the content
 * pages of web/content_public.c and the home page).
 *
 * Why: a public page is the same bytes for every anonymous visitor until
 * something it shows changes, and rendering one costs queries that read many
 * rows (a list's count and OFFSET), Markdown and a template; serving the kept
 * bytes costs one indexed query.
 *
 * What is kept: for an anonymous GET (or HEAD) of a page whose handler goes
 * through page_cache_serve(), the response it produced: status, content type,
 * cache policy, extra headers and body.  Only a 200 that the handler marked
 * public (CACHE_PUBLIC_REVALIDATE), that sets no cookie and that was built
 * for nobody signed in is kept.  A request that carries the session cookie
 * (WEB_SESSION_COOKIE) is never served from the cache nor stored, so a
 * signed-in staff member always gets a page of their own.
 *
 * The key is what the HTML depends on (web/page.c): the path, the values of
 * the query parameters the handler reads (named by the caller; other
 * parameters do not make new entries, so junk query strings cannot push
 * real pages out), and the display preferences (web/prefs.h, canonical
 * values).  Accept-Encoding is not in the key: an entry keeps its body and,
 * made on first demand, its gzip'd copy.
 *
 * When an entry is stale (ARCHITECTURE.md decision 2: an in-process cache
 * only where a change elsewhere invalidates it): each eligible request runs
 * one indexed query (store_content_public_watch) that reads the generation
 * counters of content and media (CONTENT_GENERATION, moved by content_tx()
 * with every change), of the site settings ("setting") and of the master
 * lists ("master"), and the soonest publish_at / unpublish_at after the
 * moment this thread's entries began ("since").  This thread's whole cache
 * is dropped when
 *   - a counter moved (any process changed content, media, settings or master
 *     data: the next request of every thread of every server sees it), or
 *   - a scheduled change has come: some published item's publish_at or
 *     unpublish_at lies in (since, now] (so a scheduled item appears the
 *     second its time comes, with no write and no worker run), or
 *   - the JST date changed since then (pages show today's year), or the
 *     clock went back.
 * The schedule is re-read on each request rather than once when the cache is
 * filled: the same single query, and a schedule moved in the database
 * without the counter is still honoured on time.  A change made without
 * bumping a counter (by hand, in SQL) is not seen until one moves: bump
 * CONTENT_GENERATION with such a change.
 *
 * Why per thread: no lock on the hot path and nothing shared to get wrong;
 * the price is one render per thread per page after each change.
 *
 * Memory: per thread at most LIMIT_PAGE_CACHE_ENTRIES entries and
 * LIMIT_PAGE_CACHE_BYTES bytes (bodies, gzip'd copies, keys and headers);
 * a page over LIMIT_PAGE_CACHE_ENTRY is served but not kept; the least
 * recently used entry goes first.  The cache is freed when its thread ends.
 *
 * Ownership: an entry is reference-counted.  The cache holds one reference;
 * a response served from it holds another, and hands the body to
 * libmicrohttpd without a copy (http_response.borrowed) with a release
 * callback that drops it, from whichever thread libmicrohttpd calls it on.
 * An entry evicted or dropped while a response still sends it lives until
 * that response is done, outside the byte count.
 *
 * Failure: a failed query or allocation only means the page is rendered as
 * if there were no cache; nothing here turns into an error page.
 */
#ifndef TSUNAGU_WEB_PAGE_CACHE_H
#define TSUNAGU_WEB_PAGE_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "http/request.h"

/* ---- the request side ---- */

/* A handler's renderer: fills req->resp, returns 0 or -1 (a handler). */
typedef int (*page_cache_render_fn)(http_request *req);

/* Answers req from this thread's cache when it may, else calls render and
 * keeps what it produced when that may be kept (see above).  query_keys: the
 * query parameters render reads, NULL-terminated, or NULL for none.  Returns
 * render's result, or 0 for a response served from the cache. */
int page_cache_serve(http_request *req, const char *const *query_keys, page_cache_render_fn render);

/* ---- the structure (one per thread; exposed for its unit test) ---- */

typedef struct page_cache page_cache;
typedef struct page_cache_entry page_cache_entry;

/* What an entry holds; page_cache_put() copies it all. */
typedef struct page_cache_page {
    int status;
    const char *content_type; /* may be NULL */
    http_cache cache;
    bool gzip_ok;               /* the body may be sent gzip'd */
    const http_header *headers; /* nheaders extra response headers */
    size_t nheaders;
    const char *body;
    size_t len;
} page_cache_page;

/* An empty cache of at most max_entries entries and max_bytes bytes, each
 * entry at most max_entry bytes; NULL when memory runs out. */
page_cache *page_cache_new(size_t max_entries, size_t max_bytes, size_t max_entry);

/* Drops the cache's references (entries still being sent live on) and frees
 * it.  NULL is accepted. */
void page_cache_free(page_cache *c);

/* Drops every entry. */
void page_cache_clear(page_cache *c);

/* Entries held, and the bytes counted against max_bytes. */
size_t page_cache_count(const page_cache *c);
size_t page_cache_bytes(const page_cache *c);

/* The entry of key (klen bytes, any bytes) with a reference taken for the
 * caller, marked most recently used; NULL when there is none. */
page_cache_entry *page_cache_get(page_cache *c, const char *key, size_t klen);

/* Stores a copy of p under key, replacing an entry of the same key and
 * evicting the least recently used until it fits; returns the new entry with
 * a reference taken for the caller.  NULL (nothing stored, nothing evicted)
 * when the entry would be larger than max_entry or memory runs out. */
page_cache_entry *page_cache_put(page_cache *c, const char *key, size_t klen,
                                 const page_cache_page *p);

/* What entry e holds (valid while a reference is held). */
const page_cache_page *page_cache_entry_page(const page_cache_entry *e);

/* The body of e gzip'd, made on the first call and counted in c's bytes
 * (other entries are evicted to make room, never e itself); false when it is
 * not worth it (too short, not text, not smaller) or memory runs out.  Only
 * for the thread that owns c, while e is in c. */
bool page_cache_entry_gzip(page_cache *c, page_cache_entry *e, const char **gz, size_t *len);

/* Drops one reference; the last one frees the entry.  Any thread. */
void page_cache_entry_unref(page_cache_entry *e);

#endif
