/* Unit tests of the page cache's structure (web/page_cache.h): what an entry
 * keeps, least-recently-used eviction, the entry and byte bounds, the gzip'd
 * copy, reference counting across threads, allocation failure.  When a cached
 * page goes stale is tested over HTTP (tests/http/test_page_cache.py). */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/fault.h"
#include "core/limits.h"
#include "web/page_cache.h"
#include "tap.h"

static page_cache_page html(const char *body, size_t len)
{
    return (page_cache_page){.status = 200,
                             .content_type = "text/html; charset=utf-8",
                             .cache = CACHE_PUBLIC_REVALIDATE,
                             .gzip_ok = true,
                             .body = body,
                             .len = len};
}

/* A body of n bytes of readable, compressible text. */
static char *text(size_t n, char fill)
{
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        s[i] = i % 64 == 63 ? '\n' : fill;
    s[n] = '\0';
    return s;
}

static page_cache_entry *put_str(page_cache *c, const char *key, const char *body)
{
    page_cache_page p = html(body, strlen(body));
    return page_cache_put(c, key, strlen(key), &p);
}

static bool has(page_cache *c, const char *key)
{
    page_cache_entry *e = page_cache_get(c, key, strlen(key));
    page_cache_entry_unref(e);
    return e != NULL;
}

TEST(get_returns_a_copy_of_what_was_put)
{
    page_cache *c = page_cache_new(8, 1 << 20, 1 << 16);
    CHECK(c != NULL);
    char body[] = "<p>お知らせ</p>";
    http_header hs[2] = {{"X-Robots-Tag", "noindex"}, {"Link", "</a>; rel=next"}};
    page_cache_page p = html(body, strlen(body));
    p.headers = hs;
    p.nheaders = 2;
    char key[] = "/notices";
    page_cache_entry *e = page_cache_put(c, key, strlen(key), &p);
    CHECK(e != NULL);
    page_cache_entry_unref(e);
    /* The cache holds copies: the caller's buffers may change. */
    body[3] = 'X';
    key[1] = 'X';
    hs[0].value = "changed";
    e = page_cache_get(c, "/notices", 8);
    CHECK(e != NULL);
    if (e) {
        const page_cache_page *q = page_cache_entry_page(e);
        CHECK_INT(q->status, 200);
        CHECK_STR(q->content_type, "text/html; charset=utf-8");
        CHECK_INT(q->cache, CACHE_PUBLIC_REVALIDATE);
        CHECK(q->gzip_ok);
        CHECK_INT(q->len, strlen("<p>お知らせ</p>"));
        CHECK(memcmp(q->body, "<p>お知らせ</p>", q->len) == 0);
        CHECK_INT(q->body[q->len], '\0');
        CHECK_INT(q->nheaders, 2);
        CHECK_STR(q->headers[0].name, "X-Robots-Tag");
        CHECK_STR(q->headers[0].value, "noindex");
        CHECK_STR(q->headers[1].value, "</a>; rel=next");
        page_cache_entry_unref(e);
    }
    CHECK_INT(page_cache_count(c), 1);
    CHECK(page_cache_bytes(c) > strlen(body));
    page_cache_free(c);
}

TEST(a_page_without_content_type_or_body_is_kept_as_such)
{
    page_cache *c = page_cache_new(4, 1 << 16, 1 << 12);
    page_cache_page p = {.status = 200, .cache = CACHE_PUBLIC_REVALIDATE};
    page_cache_entry *e = page_cache_put(c, "k", 1, &p);
    CHECK(e != NULL);
    if (e) {
        CHECK(page_cache_entry_page(e)->content_type == NULL);
        CHECK_INT(page_cache_entry_page(e)->len, 0);
        CHECK_STR(page_cache_entry_page(e)->body, "");
    }
    page_cache_entry_unref(e);
    page_cache_free(c);
}

TEST(keys_are_compared_whole_any_bytes_included)
{
    page_cache *c = page_cache_new(8, 1 << 16, 1 << 12);
    page_cache_entry_unref(put_str(c, "/notices", "a"));
    page_cache_page p = html("b", 1);
    page_cache_entry_unref(page_cache_put(c, "/notices\0x", 10, &p));
    CHECK(has(c, "/notices"));
    CHECK(!has(c, "/notice"));
    CHECK(!has(c, "/notices/"));
    CHECK(!has(c, ""));
    page_cache_entry *e = page_cache_get(c, "/notices\0x", 10);
    CHECK(e && page_cache_entry_page(e)->body[0] == 'b');
    page_cache_entry_unref(e);
    CHECK(page_cache_get(c, "/notices\0y", 10) == NULL);
    page_cache_free(c);
}

TEST(the_least_recently_used_entry_goes_first_when_full)
{
    page_cache *c = page_cache_new(3, 1 << 20, 1 << 16);
    page_cache_entry_unref(put_str(c, "a", "A"));
    page_cache_entry_unref(put_str(c, "b", "B"));
    page_cache_entry_unref(put_str(c, "c", "C"));
    CHECK(has(c, "a")); /* a is now the most recently used; b the least */
    page_cache_entry_unref(put_str(c, "d", "D"));
    CHECK_INT(page_cache_count(c), 3);
    CHECK(!has(c, "b"));
    CHECK(has(c, "a") && has(c, "c") && has(c, "d"));
    page_cache_entry_unref(put_str(c, "e", "E")); /* a was used before c and d */
    CHECK(!has(c, "a"));
    CHECK(has(c, "c") && has(c, "d") && has(c, "e"));
    page_cache_free(c);
}

TEST(putting_a_key_again_replaces_its_entry)
{
    page_cache *c = page_cache_new(4, 1 << 16, 1 << 12);
    page_cache_entry_unref(put_str(c, "/", "old"));
    size_t bytes = page_cache_bytes(c);
    page_cache_entry_unref(put_str(c, "/", "new"));
    CHECK_INT(page_cache_count(c), 1);
    CHECK_INT(page_cache_bytes(c), bytes);
    page_cache_entry *e = page_cache_get(c, "/", 1);
    CHECK(e && strcmp(page_cache_entry_page(e)->body, "new") == 0);
    page_cache_entry_unref(e);
    page_cache_free(c);
}

TEST(bytes_and_entries_never_pass_their_bounds)
{
    const size_t max_bytes = 64 * 1024, max_entry = 16 * 1024;
    page_cache *c = page_cache_new(16, max_bytes, max_entry);
    srand(7);
    size_t kept = 0;
    for (int i = 0; i < 2000; i++) {
        size_t n = (size_t)rand() % (max_entry + 4096);
        char *body = text(n, 'a' + i % 26);
        char key[32];
        snprintf(key, sizeof key, "/k%d", rand() % 100);
        page_cache_page p = html(body, n);
        page_cache_entry *e = page_cache_put(c, key, strlen(key), &p);
        if (e) {
            kept++;
            CHECK(n < max_entry);
            /* Sometimes ask for the gzip'd copy: it counts too. */
            const char *gz;
            size_t gzlen;
            if (i % 3 == 0)
                (void)page_cache_entry_gzip(c, e, &gz, &gzlen);
        }
        page_cache_entry_unref(e);
        free(body);
        CHECK(page_cache_bytes(c) <= max_bytes);
        CHECK(page_cache_count(c) <= 16);
    }
    CHECK(kept > 1000);
    page_cache_clear(c);
    CHECK_INT(page_cache_count(c), 0);
    CHECK_INT(page_cache_bytes(c), 0);
    page_cache_free(c);
}

TEST(a_page_over_the_entry_limit_is_not_kept_and_evicts_nothing)
{
    page_cache *c = page_cache_new(4, 64 * 1024, 8 * 1024);
    page_cache_entry_unref(put_str(c, "a", "A"));
    page_cache_entry_unref(put_str(c, "b", "B"));
    size_t bytes = page_cache_bytes(c);
    char *big = text(8 * 1024, 'x');
    page_cache_page p = html(big, strlen(big));
    CHECK(page_cache_put(c, "big", 3, &p) == NULL);
    CHECK_INT(page_cache_count(c), 2);
    CHECK_INT(page_cache_bytes(c), bytes);
    CHECK(has(c, "a") && has(c, "b"));
    /* Many headers count too. */
    http_header hs[64];
    for (size_t i = 0; i < 64; i++)
        hs[i] = (http_header){"X-Long", big + 8 * 1024 - 200};
    p = html("x", 1);
    p.headers = hs;
    p.nheaders = 64;
    CHECK(page_cache_put(c, "hdr", 3, &p) == NULL);
    free(big);
    page_cache_free(c);
}

TEST(an_entry_being_sent_outlives_eviction_clear_and_free)
{
    page_cache *c = page_cache_new(1, 1 << 16, 1 << 12);
    page_cache_entry *held = put_str(c, "a", "still here");
    CHECK(held != NULL);
    page_cache_entry_unref(put_str(c, "b", "B")); /* evicts a from the cache */
    CHECK(!has(c, "a"));
    CHECK_STR(page_cache_entry_page(held)->body, "still here");
    page_cache_entry *held2 = page_cache_get(c, "b", 1);
    page_cache_free(c);
    /* Both are read after the cache is gone (ASan and valgrind watch). */
    CHECK_STR(page_cache_entry_page(held2)->body, "B");
    page_cache_entry_unref(held);
    page_cache_entry_unref(held2);
}

typedef struct unref_job {
    page_cache_entry **entries;
    int n;
} unref_job;

static void *unref_all(void *p)
{
    unref_job *j = p;
    for (int i = 0; i < j->n; i++)
        page_cache_entry_unref(j->entries[i]);
    return NULL;
}

TEST(references_may_be_dropped_on_other_threads)
{
    /* libmicrohttpd may release a body on a thread other than the one whose
     * cache holds it: the count is atomic, the last drop frees. */
    enum { N = 4000 };
    page_cache *c = page_cache_new(8, 1 << 20, 1 << 16);
    page_cache_entry_unref(put_str(c, "/", "shared"));
    static page_cache_entry *refs[2][N];
    for (int t = 0; t < 2; t++)
        for (int i = 0; i < N; i++)
            refs[t][i] = page_cache_get(c, "/", 1);
    unref_job jobs[2] = {{refs[0], N}, {refs[1], N}};
    pthread_t th[2];
    for (int t = 0; t < 2; t++)
        CHECK(pthread_create(&th[t], NULL, unref_all, &jobs[t]) == 0);
    page_cache_clear(c); /* the cache's own reference goes meanwhile */
    for (int t = 0; t < 2; t++)
        pthread_join(th[t], NULL);
    CHECK_INT(page_cache_count(c), 0);
    page_cache_free(c); /* leak checkers see the entry freed exactly once */
}

/* Inflates a gzip stream; the text, or NULL. */
static char *gunzip(const char *gz, size_t n, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return NULL;
    size_t cap = 1 << 20;
    char *out = malloc(cap);
    z.next_in = (unsigned char *)(uintptr_t)gz;
    z.avail_in = (unsigned)n;
    z.next_out = (unsigned char *)out;
    z.avail_out = (unsigned)cap;
    int rc = inflate(&z, Z_FINISH);
    *out_len = z.total_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

TEST(the_gzip_copy_is_made_once_and_counted)
{
    page_cache *c = page_cache_new(8, 1 << 20, 1 << 16);
    char *body = text(20000, 'p');
    page_cache_page p = html(body, strlen(body));
    page_cache_entry *e = page_cache_put(c, "/", 1, &p);
    size_t before = page_cache_bytes(c);
    const char *gz = NULL, *gz2 = NULL;
    size_t n = 0, n2 = 0;
    CHECK(page_cache_entry_gzip(c, e, &gz, &n));
    CHECK(gz != NULL && n > 0 && n < strlen(body));
    CHECK_INT(page_cache_bytes(c), before + n);
    CHECK(page_cache_entry_gzip(c, e, &gz2, &n2));
    CHECK(gz2 == gz && n2 == n);
    CHECK_INT(page_cache_bytes(c), before + n);
    size_t plain_len = 0;
    char *plain = gz ? gunzip(gz, n, &plain_len) : NULL;
    CHECK(plain && plain_len == strlen(body) && memcmp(plain, body, plain_len) == 0);
    free(plain);
    page_cache_entry_unref(e);
    page_cache_clear(c);
    CHECK_INT(page_cache_bytes(c), 0);
    free(body);
    page_cache_free(c);
}

TEST(no_gzip_copy_for_short_bodies_other_types_or_when_refused)
{
    page_cache *c = page_cache_new(8, 1 << 20, 1 << 16);
    const char *gz;
    size_t n;
    page_cache_entry *e = put_str(c, "short", "<p>短い</p>");
    CHECK(!page_cache_entry_gzip(c, e, &gz, &n));
    page_cache_entry_unref(e);

    char *body = text(4000, 'q');
    page_cache_page p = html(body, strlen(body));
    p.content_type = "image/png";
    e = page_cache_put(c, "png", 3, &p);
    CHECK(!page_cache_entry_gzip(c, e, &gz, &n));
    page_cache_entry_unref(e);

    p = html(body, strlen(body));
    p.gzip_ok = false;
    e = page_cache_put(c, "nogz", 4, &p);
    CHECK(!page_cache_entry_gzip(c, e, &gz, &n));
    page_cache_entry_unref(e);
    free(body);
    page_cache_free(c);
}

TEST(the_gzip_copy_evicts_others_but_never_passes_the_bound)
{
    /* Two entries fill the cache (each one's size measured in a roomy cache
     * first); the copy of the second (a gzip stream is 20 bytes at least)
     * needs room. */
    char *a = text(6000, 'a'), *b = text(6000, 'b');
    page_cache *c = page_cache_new(8, 1 << 20, 1 << 20);
    page_cache_page p = html(a, strlen(a));
    page_cache_entry_unref(page_cache_put(c, "a", 1, &p));
    size_t exact = page_cache_bytes(c);
    page_cache_free(c);
    const size_t bound = 2 * exact + 10;
    c = page_cache_new(8, bound, exact);
    page_cache_entry_unref(page_cache_put(c, "a", 1, &p));
    p = html(b, strlen(b));
    page_cache_entry *e = page_cache_put(c, "b", 1, &p);
    CHECK_INT(page_cache_count(c), 2);
    const char *gz;
    size_t n;
    CHECK(page_cache_entry_gzip(c, e, &gz, &n));
    CHECK(!has(c, "a"));
    CHECK(has(c, "b"));
    CHECK(page_cache_bytes(c) <= bound);
    page_cache_entry_unref(e);
    page_cache_free(c);

    /* Alone and still too big with its copy: served plain, bound kept. */
    c = page_cache_new(8, exact, exact);
    p = html(a, strlen(a));
    e = page_cache_put(c, "a", 1, &p);
    CHECK(e != NULL);
    CHECK(e && !page_cache_entry_gzip(c, e, &gz, &n));
    CHECK_INT(page_cache_bytes(c), exact);
    page_cache_entry_unref(e);
    page_cache_free(c);
    free(a);
    free(b);
}

TEST(allocation_failure_stores_nothing_and_loses_nothing)
{
    char *body = text(3000, 'r');
    for (long nth = 1; nth <= 8; nth++) {
        page_cache *c = page_cache_new(4, 1 << 16, 1 << 14);
        if (!c)
            continue;
        page_cache_entry_unref(put_str(c, "kept", "K"));
        size_t bytes = page_cache_bytes(c);
        fault_fail_nth(nth);
        page_cache_page p = html(body, strlen(body));
        page_cache_entry *e = page_cache_put(c, "/", 1, &p);
        const char *gz;
        size_t n;
        bool zipped = e && page_cache_entry_gzip(c, e, &gz, &n);
        bool fired = fault_fired();
        fault_fail_nth(0);
        if (!e) {
            CHECK(fired);
            CHECK_INT(page_cache_count(c), 1);
            CHECK_INT(page_cache_bytes(c), bytes);
        } else if (!zipped) {
            CHECK(fired); /* the copy failed: the page is still there, plain */
            CHECK(has(c, "/"));
        }
        CHECK(has(c, "kept"));
        page_cache_entry_unref(e);
        page_cache_free(c);
    }
    fault_fail_nth(1);
    CHECK(page_cache_new(4, 1024, 512) == NULL);
    fault_fail_nth(2);
    CHECK(page_cache_new(4, 1024, 512) == NULL);
    fault_fail_nth(0);
    free(body);
}

TEST(the_limits_hold_a_page_and_bound_a_thread)
{
    /* A page of the bench's size fits many times over; the bound times the
     * default 16 threads stays within bench/http.sh's 64 MB aim. */
    CHECK(LIMIT_PAGE_CACHE_ENTRY <= LIMIT_PAGE_CACHE_BYTES);
    CHECK(LIMIT_PAGE_CACHE_BYTES / (40 * 1024) >= 32);
    CHECK(16 * (long long)LIMIT_PAGE_CACHE_BYTES <= 64LL * 1024 * 1024);
    CHECK(LIMIT_PAGE_CACHE_ENTRIES >= 16);
}

int main(void)
{
    return tap_run();
}
