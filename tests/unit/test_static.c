/*
 * Unit tests of src/http/static.c, mime.c and gzip.c: static files, their
 * caching and compression, and the refusals of security spec classes 3
 * (directory traversal) and 12 (unintended file disclosure).
 *
 * Each test builds its own tree under a mkdtemp() directory:
 *   base/secret.txt                a file next to the root, never to be served
 *   base/static/                   the root
 *     css/tsunagu.css              compressible, above LIMIT_GZIP_MIN
 *     css/small.css                compressible, below LIMIT_GZIP_MIN
 *     js/app-3f2a9c1e0b.js         fingerprinted
 *     tsunagu.3f2a9c1e.css         fingerprinted
 *     img/logo.png                 not compressible
 *     a/b.txt, 日本語.txt
 *     .hidden, sub/.git/config     hidden
 *     link_out -> /etc/passwd      symlink out of the tree
 *     link_secret -> ../secret.txt symlink out of the tree
 *     link_in -> css/tsunagu.css   symlink inside the tree (refused too: all symlinks are)
 *     linkdir -> css               symlinked directory inside the tree (refused)
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "core/buf.h"
#include "core/fault.h"
#include "core/limits.h"
#include "http/gzip.h"
#include "http/static.h"
#include "tap.h"

/* ---- fixture -------------------------------------------------------------- */

typedef struct tree {
    char base[64];
    char root[96];
} tree;

static char css_text[4096];
static unsigned char png_bytes[2048];

static void join(char *out, size_t n, const tree *t, const char *rel)
{
    snprintf(out, n, "%s/%s", t->root, rel);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        printf("# cannot write %s: %s\n", path, strerror(errno));
        return;
    }
    if (len)
        fwrite(data, 1, len, f);
    fclose(f);
}

static void put(const tree *t, const char *rel, const char *text)
{
    char p[512];
    join(p, sizeof p, t, rel);
    write_file(p, text, strlen(text));
}

static void set_mtime(const tree *t, const char *rel, time_t sec)
{
    char p[512];
    join(p, sizeof p, t, rel);
    struct timespec ts[2] = {{.tv_sec = sec}, {.tv_sec = sec}};
    utimensat(AT_FDCWD, p, ts, 0);
}

static void mkdir_in(const tree *t, const char *rel)
{
    char p[512];
    join(p, sizeof p, t, rel);
    mkdir(p, 0755);
}

static void tree_make(tree *t)
{
    snprintf(t->base, sizeof t->base, "/tmp/tsunagu-static-XXXXXX");
    if (!mkdtemp(t->base)) {
        printf("# mkdtemp: %s\n", strerror(errno));
        abort();
    }
    snprintf(t->root, sizeof t->root, "%s/static", t->base);
    mkdir(t->root, 0755);

    if (!css_text[0]) {
        size_t n = 0;
        while (n + 64 < sizeof css_text)
            n += (size_t)snprintf(css_text + n, sizeof css_text - n,
                                  ".c%zu { color: #123456; margin: 0 auto; }\n", n);
        for (size_t i = 0; i < sizeof png_bytes; i++)
            png_bytes[i] = (unsigned char)(i % 7);   /* compressible, yet not to be compressed */
        memcpy(png_bytes, "\x89PNG\r\n\x1a\n", 8);
    }

    char p[512];
    snprintf(p, sizeof p, "%s/secret.txt", t->base);
    write_file(p, "secret", 6);
    mkdir_in(t, "css");
    mkdir_in(t, "js");
    mkdir_in(t, "img");
    mkdir_in(t, "a");
    mkdir_in(t, "sub");
    mkdir_in(t, "sub/.git");
    put(t, "css/tsunagu.css", css_text);
    put(t, "css/small.css", "body { margin: 0; }\n");
    put(t, "js/app-3f2a9c1e0b.js", css_text);
    put(t, "tsunagu.3f2a9c1e.css", css_text);
    join(p, sizeof p, t, "img/logo.png");
    write_file(p, png_bytes, sizeof png_bytes);
    put(t, "a/b.txt", "b\n");
    put(t, "日本語.txt", "日本語\n");
    put(t, ".hidden", "hidden\n");
    put(t, "sub/.git/config", "[core]\n");
    join(p, sizeof p, t, "link_out");
    symlink("/etc/passwd", p);
    join(p, sizeof p, t, "link_secret");
    symlink("../secret.txt", p);
    join(p, sizeof p, t, "link_in");
    symlink("css/tsunagu.css", p);
    join(p, sizeof p, t, "linkdir");
    symlink("css", p);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void tree_free(tree *t)
{
    nftw(t->base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static static_files *open_tree(const tree *t)
{
    char err[256];
    static_files *sf = static_open(t->root, err, sizeof err);
    if (!sf)
        printf("# static_open: %s\n", err);
    return sf;
}

/* Looks up path with no conditional headers; returns the status (0 on false). */
static int status_of(static_files *sf, const char *path)
{
    static_result r;
    if (!static_lookup(sf, path, true, NULL, NULL, &r))
        return 0;
    static_release(sf, r.entry);
    if (r.fd >= 0)
        close(r.fd);
    return r.status;
}

/* Inflates a gzip stream into out (malloc'd, caller frees); false on error. */
static bool gunzip(const char *in, size_t n, char **out, size_t *outlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 16) != Z_OK)
        return false;
    size_t cap = n * 4 + 64, len = 0;
    char *p = malloc(cap);
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)n;
    int rc;
    do {
        if (len == cap) {
            cap *= 2;
            p = realloc(p, cap);
        }
        zs.next_out = (Bytef *)p + len;
        zs.avail_out = (uInt)(cap - len);
        rc = inflate(&zs, Z_NO_FLUSH);
        len = cap - zs.avail_out;
    } while (rc == Z_OK);
    inflateEnd(&zs);
    if (rc != Z_STREAM_END || zs.avail_in != 0) {
        free(p);
        return false;
    }
    *out = p;
    *outlen = len;
    return true;
}

/* ---- gzip.c ----------------------------------------------------------------- */

TEST(gzip_round_trips_and_appends)
{
    static const size_t sizes[] = {0, 1, 511, 4096, 200000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        char *in = malloc(n + 1);
        for (size_t i = 0; i < n; i++)
            in[i] = (char)("abcabcx\n"[i % 8] + (i % 1000 == 0));
        buf out = BUF_INIT;
        buf_puts(&out, "HEAD");
        CHECK(http_gzip(in, n, 6, &out));
        CHECK(buf_ok(&out));
        CHECK(memcmp(out.data, "HEAD", 4) == 0);
        char *plain = NULL;
        size_t plen = 0;
        CHECK(gunzip(out.data + 4, out.len - 4, &plain, &plen));
        CHECK_INT(plen, n);
        CHECK(plain && memcmp(plain, in, n) == 0);
        free(plain);
        buf_free(&out);
        free(in);
    }
}

TEST(gzip_grows_output_beyond_the_reserved_bound)
{
    /* Above GZIP_BOUND_MAX the output is grown chunk by chunk; random bytes
     * make the output about as large as the input. */
    size_t n = 9u * 1024 * 1024;
    char *in = malloc(n);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        in[i] = (char)x;
    }
    buf out = BUF_INIT;
    CHECK(http_gzip(in, n, 1, &out));
    char *plain = NULL;
    size_t plen = 0;
    CHECK(gunzip(out.data, out.len, &plain, &plen));
    CHECK_INT(plen, n);
    CHECK(plain && memcmp(plain, in, n) == 0);
    free(plain);
    buf_free(&out);
    free(in);
}

TEST(gzip_reports_oom_and_bad_level_means_default)
{
    const char *text = "hello hello hello hello";
    for (long nth = 1; nth < 50; nth++) {
        buf out = BUF_INIT;
        fault_fail_nth(nth);
        bool ok = http_gzip(text, strlen(text), 42, &out);
        bool fired = fault_fired();
        fault_fail_nth(0);
        if (fired) {
            CHECK(!ok);
            CHECK(!buf_ok(&out));
        } else {
            CHECK(ok);
        }
        buf_free(&out);
        if (!fired)
            break;
    }
    buf capped;
    buf_init(&capped, 8);   /* too small for any gzip stream */
    CHECK(!http_gzip(text, strlen(text), 6, &capped));
    buf_free(&capped);
}

TEST(accept_encoding_table)
{
    static const struct {
        const char *value;
        bool gzip;
    } cases[] = {
        {"gzip", true},
        {"GZIP", true},
        {"x-gzip", true},
        {"gzip, deflate, br", true},
        {"deflate, gzip;q=1.0", true},
        {"deflate, gzip ; q=0.5", true},
        {"gzip;q=0", false},
        {"gzip;q=0.000", false},
        {"gzip;Q=0.001", true},
        {"*;q=0.5", true},
        {"*", true},
        {"*;q=0", false},
        {"*;q=0.5, gzip;q=0", false},
        {"gzip;q=0, *", false},
        {"gzip, gzip;q=0", false},
        {"identity", false},
        {"deflate, br", false},
        {"", false},
        {" , ,", false},
        {"gzipx", false},
        {"gzip;q=2", false},
        {"gzip;q=1.5", false},
        {"gzip;q=0.5x", false},
        {"gzip;q", false},
        {"gzip;level=9", true},
        {"gzip junk", false},
        {"br;q=1, gzip;q=0.8, *;q=0.1", true},
    };
    CHECK(!http_accepts_gzip(NULL));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (http_accepts_gzip(cases[i].value) != cases[i].gzip) {
            printf("# Accept-Encoding \"%s\" should give %d\n", cases[i].value, cases[i].gzip);
            tap_failed_checks++;
        }
    }
}

TEST(compressible_types_table)
{
    CHECK(http_mime_compressible("text/css; charset=utf-8"));
    CHECK(http_mime_compressible("TEXT/HTML"));
    CHECK(http_mime_compressible("text/javascript;charset=utf-8"));
    CHECK(http_mime_compressible("application/javascript"));
    CHECK(http_mime_compressible("application/json"));
    CHECK(http_mime_compressible("application/xml"));
    CHECK(http_mime_compressible("application/manifest+json"));
    CHECK(http_mime_compressible("image/svg+xml"));
    CHECK(!http_mime_compressible("image/png"));
    CHECK(!http_mime_compressible("font/woff2"));
    CHECK(!http_mime_compressible("application/pdf"));
    CHECK(!http_mime_compressible("application/octet-stream"));
    CHECK(!http_mime_compressible("application/jsonx"));
    CHECK(!http_mime_compressible("text/"));
    CHECK(!http_mime_compressible(""));
    CHECK(!http_mime_compressible(NULL));
}

/* ---- mime.c ----------------------------------------------------------------- */

TEST(mime_types_by_extension)
{
    CHECK_STR(static_mime_type("css/tsunagu.css"), "text/css; charset=utf-8");
    CHECK_STR(static_mime_type("A.CSS"), "text/css; charset=utf-8");
    CHECK_STR(static_mime_type("x.js"), "text/javascript; charset=utf-8");
    CHECK_STR(static_mime_type("x.mjs"), "text/javascript; charset=utf-8");
    CHECK_STR(static_mime_type("x.html"), "text/html; charset=utf-8");
    CHECK_STR(static_mime_type("x.txt"), "text/plain; charset=utf-8");
    CHECK_STR(static_mime_type("x.json"), "application/json");
    CHECK_STR(static_mime_type("x.js.map"), "application/json");
    CHECK_STR(static_mime_type("x.svg"), "image/svg+xml");
    CHECK_STR(static_mime_type("x.png"), "image/png");
    CHECK_STR(static_mime_type("x.jpg"), "image/jpeg");
    CHECK_STR(static_mime_type("x.JPEG"), "image/jpeg");
    CHECK_STR(static_mime_type("x.gif"), "image/gif");
    CHECK_STR(static_mime_type("x.webp"), "image/webp");
    CHECK_STR(static_mime_type("x.ico"), "image/vnd.microsoft.icon");
    CHECK_STR(static_mime_type("x.woff"), "font/woff");
    CHECK_STR(static_mime_type("x.woff2"), "font/woff2");
    CHECK_STR(static_mime_type("x.pdf"), "application/pdf");
    CHECK_STR(static_mime_type("x.xml"), "application/xml");
    CHECK_STR(static_mime_type("site.webmanifest"), "application/manifest+json");
    CHECK_STR(static_mime_type("x.exe"), "application/octet-stream");
    CHECK_STR(static_mime_type("Makefile"), "application/octet-stream");
    CHECK_STR(static_mime_type("dir.css/noext"), "application/octet-stream");
    CHECK_STR(static_mime_type(".css"), "application/octet-stream");
    CHECK_STR(static_mime_type("x."), "application/octet-stream");
}

TEST(fingerprinted_names)
{
    CHECK(static_is_fingerprinted("tsunagu.3f2a9c1e.css"));
    CHECK(static_is_fingerprinted("js/app-3f2a9c1e0b.js"));
    CHECK(static_is_fingerprinted("app-3F2A9C1E.min.js"));
    CHECK(static_is_fingerprinted("css/tsunagu.3f2a9c1e.css.map"));
    CHECK(!static_is_fingerprinted("tsunagu.css"));
    CHECK(!static_is_fingerprinted("tsunagu.3f2a9c1.css"));      /* 7 digits */
    CHECK(!static_is_fingerprinted("report-20250301.pdf"));      /* a date, not a hash */
    CHECK(!static_is_fingerprinted("deadbeefcafe.css"));         /* the name itself */
    CHECK(!static_is_fingerprinted("x.abcdefab.css"));           /* letters only */
    CHECK(!static_is_fingerprinted("x.3f2a9c1g.css"));
    CHECK(!static_is_fingerprinted("3f2a9c1e/x.css"));           /* a directory */
    CHECK(!static_is_fingerprinted("app-3f2a9c1e0b"));           /* no extension */
    CHECK(!static_is_fingerprinted(NULL));
}

/* ---- static.c ------------------------------------------------------------------ */

TEST(serves_a_file_with_type_body_and_validators)
{
    tree t;
    tree_make(&t);
    set_mtime(&t, "css/small.css", 784111777);   /* Sun, 06 Nov 1994 08:49:37 GMT */
    static_files *sf = open_tree(&t);
    CHECK(sf != NULL);
    static_result r;
    CHECK(static_lookup(sf, "css/small.css", false, NULL, NULL, &r));
    CHECK_INT(r.status, 200);
    CHECK_STR(r.mime, "text/css; charset=utf-8");
    CHECK_INT(r.len, strlen("body { margin: 0; }\n"));
    CHECK(r.body && memcmp(r.body, "body { margin: 0; }\n", r.len) == 0);
    CHECK(!r.gzip);
    CHECK(r.fd == -1);
    CHECK_STR(r.last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
    CHECK_STR(r.cache_control, STATIC_CACHE_REVALIDATE);
    CHECK_INT(strlen(r.etag), 34);
    CHECK(r.etag[0] == '"' && r.etag[33] == '"');
    CHECK(r.entry != NULL);

    /* the second lookup is a cache hit with the same answer */
    static_result r2;
    CHECK(static_lookup(sf, "css/small.css", false, NULL, NULL, &r2));
    CHECK_INT(r2.status, 200);
    CHECK(r2.entry == r.entry);
    CHECK(r2.body == r.body);
    CHECK_STR(r2.etag, r.etag);
    static_release(sf, r2.entry);
    static_release(sf, r.entry);

    CHECK(static_lookup(sf, "日本語.txt", false, NULL, NULL, &r));
    CHECK_INT(r.status, 200);
    CHECK_STR(r.mime, "text/plain; charset=utf-8");
    CHECK(r.len == strlen("日本語\n") && memcmp(r.body, "日本語\n", r.len) == 0);
    static_release(sf, r.entry);
    CHECK_INT(status_of(sf, "a/b.txt"), 200);
    static_close(sf);
    tree_free(&t);
}

TEST(not_modified_on_matching_etag_or_date)
{
    tree t;
    tree_make(&t);
    set_mtime(&t, "css/small.css", 784111777);
    static_files *sf = open_tree(&t);
    static_result r;
    CHECK(static_lookup(sf, "css/small.css", false, NULL, NULL, &r));
    char etag[48], weak[64], list[160];
    snprintf(etag, sizeof etag, "%s", r.etag);
    snprintf(weak, sizeof weak, "W/%s", r.etag);
    snprintf(list, sizeof list, "\"nope\", W/\"other\" ,%s", r.etag);
    static_release(sf, r.entry);

    const char *match[] = {etag, weak, list, "*", " \"x\", *"};
    for (size_t i = 0; i < sizeof match / sizeof match[0]; i++) {
        CHECK(static_lookup(sf, "css/small.css", false, match[i], NULL, &r));
        CHECK_INT(r.status, 304);
        CHECK(r.body == NULL && r.entry == NULL && r.fd == -1);
        CHECK_STR(r.etag, etag);
        CHECK_STR(r.cache_control, STATIC_CACHE_REVALIDATE);
        CHECK_STR(r.last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
    }
    const char *miss[] = {"\"nope\"", "", "W/", "\"abc", etag + 1, "nonsense"};
    for (size_t i = 0; i < sizeof miss / sizeof miss[0]; i++) {
        CHECK(static_lookup(sf, "css/small.css", false, miss[i], NULL, &r));
        CHECK_INT(r.status, 200);
        static_release(sf, r.entry);
    }

    /* If-Modified-Since: equal or later -> 304, earlier -> 200; all three forms */
    const char *not_newer[] = {
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Mon, 07 Nov 1994 00:00:00 GMT",
    };
    for (size_t i = 0; i < sizeof not_newer / sizeof not_newer[0]; i++) {
        CHECK(static_lookup(sf, "css/small.css", false, NULL, not_newer[i], &r));
        CHECK_INT(r.status, 304);
    }
    const char *newer[] = {
        "Sun, 06 Nov 1994 08:49:36 GMT", "yesterday", "", "Sun, 31 Feb 1994 08:49:37 GMT",
    };
    for (size_t i = 0; i < sizeof newer / sizeof newer[0]; i++) {
        CHECK(static_lookup(sf, "css/small.css", false, NULL, newer[i], &r));
        CHECK_INT(r.status, 200);
        static_release(sf, r.entry);
    }
    /* If-None-Match wins over If-Modified-Since, both ways */
    CHECK(static_lookup(sf, "css/small.css", false, "\"nope\"", "Sun, 06 Nov 1994 08:49:37 GMT",
                        &r));
    CHECK_INT(r.status, 200);
    static_release(sf, r.entry);
    CHECK(static_lookup(sf, "css/small.css", false, etag, "Sat, 01 Jan 1972 00:00:00 GMT", &r));
    CHECK_INT(r.status, 304);
    static_close(sf);
    tree_free(&t);
}

TEST(etag_changes_when_the_file_changes_and_the_cache_refreshes)
{
    tree t;
    tree_make(&t);
    set_mtime(&t, "css/small.css", 1700000000);
    static_files *sf = open_tree(&t);
    static_result r1, r2;
    CHECK(static_lookup(sf, "css/small.css", false, NULL, NULL, &r1));
    CHECK_INT(r1.status, 200);

    put(&t, "css/small.css", "body { margin: 1em; }\n");
    set_mtime(&t, "css/small.css", 1700000100);
    CHECK(static_lookup(sf, "css/small.css", false, NULL, NULL, &r2));
    CHECK_INT(r2.status, 200);
    CHECK(strcmp(r1.etag, r2.etag) != 0);
    CHECK(strcmp(r1.last_modified, r2.last_modified) != 0);
    CHECK(r2.len == strlen("body { margin: 1em; }\n") &&
          memcmp(r2.body, "body { margin: 1em; }\n", r2.len) == 0);
    /* the response still sending the old version keeps its bytes */
    CHECK(r1.len == strlen("body { margin: 0; }\n") &&
          memcmp(r1.body, "body { margin: 0; }\n", r1.len) == 0);
    static_release(sf, r1.entry);

    /* the old ETag no longer validates; the new one does */
    static_result r3;
    CHECK(static_lookup(sf, "css/small.css", false, r1.etag, NULL, &r3));
    CHECK_INT(r3.status, 200);
    static_release(sf, r3.entry);
    CHECK(static_lookup(sf, "css/small.css", false, r2.etag, NULL, &r3));
    CHECK_INT(r3.status, 304);
    static_release(sf, r2.entry);

    /* the same content rewritten keeps its content ETag */
    put(&t, "css/small.css", "body { margin: 1em; }\n");
    set_mtime(&t, "css/small.css", 1700000200);
    CHECK(static_lookup(sf, "css/small.css", false, r2.etag, NULL, &r3));
    CHECK_INT(r3.status, 304);

    /* a deleted file answers 404 at once */
    char p[512];
    join(p, sizeof p, &t, "css/small.css");
    unlink(p);
    CHECK_INT(status_of(sf, "css/small.css"), 404);
    put(&t, "css/small.css", "again\n");
    CHECK(static_lookup(sf, "css/small.css", false, NULL, NULL, &r3));
    CHECK(r3.status == 200 && r3.len == 6 && memcmp(r3.body, "again\n", 6) == 0);
    static_release(sf, r3.entry);
    static_close(sf);
    tree_free(&t);
}

TEST(gzip_variant_only_for_compressible_types_when_accepted)
{
    tree t;
    tree_make(&t);
    static_files *sf = open_tree(&t);
    static_result plain, gz;
    CHECK(static_lookup(sf, "css/tsunagu.css", false, NULL, NULL, &plain));
    CHECK(static_lookup(sf, "css/tsunagu.css", true, NULL, NULL, &gz));
    CHECK_INT(plain.status, 200);
    CHECK_INT(gz.status, 200);
    CHECK(!plain.gzip);
    CHECK(gz.gzip);
    CHECK(plain.vary_encoding && gz.vary_encoding);
    CHECK(gz.len < plain.len);
    CHECK_INT(plain.len, strlen(css_text));
    CHECK(strcmp(plain.etag, gz.etag) != 0);
    char *out = NULL;
    size_t outlen = 0;
    CHECK(gunzip(gz.body, gz.len, &out, &outlen));
    CHECK(outlen == strlen(css_text) && out && memcmp(out, css_text, outlen) == 0);
    free(out);

    /* each representation validates with its own tag */
    static_result r;
    CHECK(static_lookup(sf, "css/tsunagu.css", true, gz.etag, NULL, &r));
    CHECK_INT(r.status, 304);
    CHECK(!r.gzip);
    CHECK_STR(r.etag, gz.etag);
    CHECK(static_lookup(sf, "css/tsunagu.css", true, plain.etag, NULL, &r));
    CHECK_INT(r.status, 200);
    static_release(sf, r.entry);
    static_release(sf, gz.entry);
    static_release(sf, plain.entry);

    /* png: never compressed; tiny css: not worth it */
    CHECK(static_lookup(sf, "img/logo.png", true, NULL, NULL, &r));
    CHECK_INT(r.status, 200);
    CHECK_STR(r.mime, "image/png");
    CHECK(!r.gzip && !r.vary_encoding);
    CHECK(r.len == sizeof png_bytes && memcmp(r.body, png_bytes, r.len) == 0);
    static_release(sf, r.entry);
    CHECK(static_lookup(sf, "css/small.css", true, NULL, NULL, &r));
    CHECK(r.status == 200 && !r.gzip);
    static_release(sf, r.entry);
    static_close(sf);
    tree_free(&t);
}

TEST(class3_traversal_and_hidden_paths_answer_404)
{
    tree t;
    tree_make(&t);
    static_files *sf = open_tree(&t);
    static const char *refused[] = {
        "../secret.txt", "a/../../secret.txt", "css/../css/tsunagu.css", "%2e%2e/secret.txt",
        "%2e%2e%2fsecret.txt", "..", ".", "a/./b.txt", "./a/b.txt", "", "/", "/etc/passwd",
        "//etc/passwd", "css/", "css", "css//tsunagu.css", ".hidden", "sub/.git/config",
        "sub/.git", "a\\b.txt", "..\\secret.txt", "css/tsunagu.css/", "css/tsunagu.css/.",
        "a/b.txt\n", "a/b.txt\r", "\x7f", "nonexistent.css", "css/\xff.css", "css/\xc0\xae.css",
        "img", "a/b.txt/x",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        int st = status_of(sf, refused[i]);
        if (st != 404) {
            printf("# \"%s\" gave %d, expected 404\n", refused[i], st);
            tap_failed_checks++;
        }
    }
    CHECK_INT(status_of(sf, NULL), 404);

    /* NUL inside the length: refused even though the prefix names a file */
    static_result r;
    static const char nul_path[] = "css/tsunagu.css\0../../secret.txt";
    CHECK(static_lookup_n(sf, nul_path, sizeof nul_path - 1, true, NULL, NULL, &r));
    CHECK_INT(r.status, 404);
    CHECK(static_lookup_n(sf, "a/b.txt\0", 8, true, NULL, NULL, &r));
    CHECK_INT(r.status, 404);
    /* the length is honoured: a prefix of a longer buffer */
    CHECK(static_lookup_n(sf, "a/b.txtXYZ", 7, true, NULL, NULL, &r));
    CHECK_INT(r.status, 200);
    static_release(sf, r.entry);

    /* over LIMIT_PATH */
    size_t n = LIMIT_PATH + 10;
    char *longp = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        longp[i] = (i % 50 == 49) ? '/' : 'a';
    longp[n] = '\0';
    CHECK_INT(status_of(sf, longp), 404);
    free(longp);

    /* a 404 gives nothing away */
    CHECK(static_lookup(sf, "../secret.txt", true, "*", NULL, &r));
    CHECK(r.status == 404 && r.mime == NULL && r.body == NULL && r.entry == NULL &&
          r.etag[0] == '\0' && r.fd == -1);
    static_close(sf);
    tree_free(&t);
}

TEST(class12_symlinks_are_refused_in_and_out_of_the_tree)
{
    tree t;
    tree_make(&t);
    static_files *sf = open_tree(&t);
    CHECK_INT(status_of(sf, "link_out"), 404);
    CHECK_INT(status_of(sf, "link_secret"), 404);
    CHECK_INT(status_of(sf, "link_in"), 404);              /* policy: every symlink refused */
    CHECK_INT(status_of(sf, "linkdir/tsunagu.css"), 404);
    CHECK_INT(status_of(sf, "css/tsunagu.css"), 200);      /* the real file */

    /* a directory swapped for a symlink after its file was cached */
    CHECK_INT(status_of(sf, "a/b.txt"), 200);
    char a[512], moved[512], p[512];
    join(a, sizeof a, &t, "a");
    join(moved, sizeof moved, &t, "a_moved");
    CHECK(rename(a, moved) == 0);
    snprintf(p, sizeof p, "%s", t.base);
    CHECK(symlink(p, a) == 0);                             /* a -> base, out of the tree */
    snprintf(p, sizeof p, "%s/b.txt", t.base);
    write_file(p, "outside\n", 8);
    CHECK_INT(status_of(sf, "a/b.txt"), 404);
    CHECK_INT(status_of(sf, "a/secret.txt"), 404);
    static_close(sf);

    /* the root itself may be a symlink: it is resolved once at open */
    char rootlink[512];
    snprintf(rootlink, sizeof rootlink, "%s/rootlink", t.base);
    CHECK(symlink(t.root, rootlink) == 0);
    char err[256];
    sf = static_open(rootlink, err, sizeof err);
    CHECK(sf != NULL);
    CHECK_INT(status_of(sf, "css/tsunagu.css"), 200);
    static_close(sf);
    tree_free(&t);
}

TEST(special_files_answer_404)
{
    tree t;
    tree_make(&t);
    char p[512];
    join(p, sizeof p, &t, "fifo.css");
    CHECK(mkfifo(p, 0644) == 0);
    static_files *sf = open_tree(&t);
    CHECK_INT(status_of(sf, "fifo.css"), 404);   /* and does not block */
    if (geteuid() != 0) {
        join(p, sizeof p, &t, "css/small.css");
        chmod(p, 0);
        CHECK_INT(status_of(sf, "css/small.css"), 404);
        chmod(p, 0644);
    }
    static_close(sf);
    tree_free(&t);
}

TEST(fingerprinted_files_are_cached_as_immutable)
{
    tree t;
    tree_make(&t);
    static_files *sf = open_tree(&t);
    static_result r;
    CHECK(static_lookup(sf, "tsunagu.3f2a9c1e.css", true, NULL, NULL, &r));
    CHECK_INT(r.status, 200);
    CHECK_STR(r.cache_control, "public, max-age=31536000, immutable");
    static_release(sf, r.entry);
    CHECK(static_lookup(sf, "js/app-3f2a9c1e0b.js", false, NULL, NULL, &r));
    CHECK_INT(r.status, 200);
    CHECK_STR(r.mime, "text/javascript; charset=utf-8");
    CHECK_STR(r.cache_control, STATIC_CACHE_IMMUTABLE);
    static_release(sf, r.entry);
    CHECK(static_lookup(sf, "css/tsunagu.css", false, NULL, NULL, &r));
    CHECK_STR(r.cache_control, "public, max-age=0, must-revalidate");
    static_release(sf, r.entry);
    static_close(sf);
    tree_free(&t);
}

TEST(files_above_the_cache_limit_are_handed_over_as_descriptors)
{
    tree t;
    tree_make(&t);
    size_t n = LIMIT_STATIC_CACHE_FILE + 100;
    char *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + i % 26);
    char p[512];
    join(p, sizeof p, &t, "big.txt");
    write_file(p, big, n);
    set_mtime(&t, "big.txt", 1700000000);
    static_files *sf = open_tree(&t);
    static_result r;
    CHECK(static_lookup(sf, "big.txt", true, NULL, NULL, &r));
    CHECK_INT(r.status, 200);
    CHECK(r.body == NULL && r.entry == NULL && !r.gzip);
    CHECK_INT(r.len, n);
    CHECK(r.fd >= 0);
    CHECK_STR(r.mime, "text/plain; charset=utf-8");
    char *got = malloc(n + 1);
    CHECK(r.fd >= 0 && pread(r.fd, got, n + 1, 0) == (ssize_t)n);
    CHECK(memcmp(got, big, n) == 0);
    free(got);
    if (r.fd >= 0)
        close(r.fd);
    char etag[48];
    snprintf(etag, sizeof etag, "%s", r.etag);
    CHECK(etag[0] == '"');
    CHECK(static_lookup(sf, "big.txt", true, etag, NULL, &r));
    CHECK_INT(r.status, 304);
    CHECK(r.fd == -1);
    CHECK(static_lookup(sf, "big.txt", true, NULL, "Tue, 14 Nov 2023 22:13:20 GMT", &r));
    CHECK_INT(r.status, 304);
    static_close(sf);
    free(big);
    tree_free(&t);
}

TEST(static_open_refuses_a_missing_or_non_directory_root)
{
    char err[256];
    CHECK(static_open("/nonexistent/tsunagu/static", err, sizeof err) == NULL);
    CHECK(err[0] != '\0');
    tree t;
    tree_make(&t);
    char p[512];
    join(p, sizeof p, &t, "a/b.txt");
    CHECK(static_open(p, err, sizeof err) == NULL);
    CHECK(err[0] != '\0');
    CHECK(static_open(NULL, err, sizeof err) == NULL);
    static_close(NULL);
    static_release(NULL, NULL);
    tree_free(&t);
}

TEST(releases_may_outlive_static_close)
{
    tree t;
    tree_make(&t);
    static_files *sf = open_tree(&t);
    static_result r;
    CHECK(static_lookup(sf, "css/tsunagu.css", true, NULL, NULL, &r));
    static_close(sf);
    char *out = NULL;
    size_t outlen = 0;
    CHECK(r.gzip && gunzip(r.body, r.len, &out, &outlen));
    CHECK(outlen == strlen(css_text));
    free(out);
    static_release(NULL, r.entry);
    tree_free(&t);
}

TEST(many_files_grow_the_table_and_stay_cached)
{
    tree t;
    tree_make(&t);
    mkdir_in(&t, "many");
    enum { N = 300 };
    char rel[64], text[64];
    for (int i = 0; i < N; i++) {
        snprintf(rel, sizeof rel, "many/f%d.txt", i);
        snprintf(text, sizeof text, "file %d\n", i);
        put(&t, rel, text);
    }
    static_files *sf = open_tree(&t);
    void *first[N];
    for (int i = 0; i < N; i++) {
        snprintf(rel, sizeof rel, "many/f%d.txt", i);
        snprintf(text, sizeof text, "file %d\n", i);
        static_result r;
        CHECK(static_lookup(sf, rel, false, NULL, NULL, &r));
        CHECK(r.status == 200 && r.len == strlen(text) && memcmp(r.body, text, r.len) == 0);
        first[i] = r.entry;
        static_release(sf, r.entry);
    }
    int hits = 0;
    for (int i = 0; i < N; i++) {
        snprintf(rel, sizeof rel, "many/f%d.txt", i);
        static_result r;
        CHECK(static_lookup(sf, rel, false, NULL, NULL, &r));
        hits += r.entry == first[i];
        static_release(sf, r.entry);
    }
    CHECK_INT(hits, N);
    static_close(sf);
    tree_free(&t);
}

TEST(files_past_the_total_cache_bound_are_served_uncached)
{
    tree t;
    tree_make(&t);
    mkdir_in(&t, "big");
    size_t n = LIMIT_STATIC_CACHE_FILE;   /* the largest file still cached */
    int files = LIMIT_STATIC_CACHE_TOTAL / LIMIT_STATIC_CACHE_FILE + 2;
    unsigned char *data = malloc(n);
    char rel[64], p[512];
    for (int i = 0; i < files; i++) {
        memset(data, i, n);
        snprintf(rel, sizeof rel, "big/%d.png", i);
        join(p, sizeof p, &t, rel);
        write_file(p, data, n);
    }
    static_files *sf = open_tree(&t);
    int cached = 0;
    for (int i = 0; i < files; i++) {
        snprintf(rel, sizeof rel, "big/%d.png", i);
        static_result a, b;
        CHECK(static_lookup(sf, rel, true, NULL, NULL, &a));
        CHECK(static_lookup(sf, rel, true, NULL, NULL, &b));
        CHECK(a.status == 200 && b.status == 200 && a.len == n && b.len == n);
        CHECK(a.body && (unsigned char)a.body[n - 1] == (unsigned char)i);
        CHECK(a.fd == -1);
        CHECK_STR(a.etag, b.etag);
        cached += a.entry == b.entry;
        static_release(sf, a.entry);
        static_release(sf, b.entry);
    }
    CHECK_INT(cached, LIMIT_STATIC_CACHE_TOTAL / LIMIT_STATIC_CACHE_FILE);
    static_close(sf);
    free(data);
    tree_free(&t);
}

/* ---- concurrency --------------------------------------------------------------- */

#define HOT_A "/* version A */ body { color: black; }\n"
#define HOT_B "/* version B, longer */ body { color: navy; background: white; }\n"

typedef struct hammer {
    static_files *sf;
    tree *t;
    atomic_bool stop;
    atomic_int bad;
    atomic_long served;
} hammer;

static void *reader(void *arg)
{
    hammer *h = arg;
    static const char *paths[] = {"css/hot.css", "css/tsunagu.css", "css/inplace.css",
                                  "img/logo.png", "../secret.txt", "nonexistent.css"};
    unsigned seed = (unsigned)(uintptr_t)&seed;
    while (!atomic_load(&h->stop)) {
        const char *path = paths[rand_r(&seed) % 6];
        bool gz = rand_r(&seed) & 1;
        static_result r;
        if (!static_lookup(h->sf, path, gz, NULL, NULL, &r)) {
            atomic_fetch_add(&h->bad, 1);
            continue;
        }
        if (strcmp(path, "css/hot.css") == 0) {
            bool ok = r.status == 200 &&
                      ((r.len == strlen(HOT_A) && memcmp(r.body, HOT_A, r.len) == 0) ||
                       (r.len == strlen(HOT_B) && memcmp(r.body, HOT_B, r.len) == 0));
            if (!ok)
                atomic_fetch_add(&h->bad, 1);
        } else if (strcmp(path, "css/tsunagu.css") == 0) {
            char *out = NULL;
            size_t n = 0;
            bool ok = r.status == 200 &&
                      (r.gzip ? gunzip(r.body, r.len, &out, &n) && n == strlen(css_text) &&
                                    memcmp(out, css_text, n) == 0
                              : r.len == strlen(css_text));
            free(out);
            if (!ok)
                atomic_fetch_add(&h->bad, 1);
        } else if (path[0] == '.' || path[0] == 'n') {
            if (r.status != 404)
                atomic_fetch_add(&h->bad, 1);
        }
        /* touch every byte, so ASan sees a use after free if there is one */
        unsigned sum = 0;
        for (size_t i = 0; r.body && i < r.len; i++)
            sum += (unsigned char)r.body[i];
        (void)sum;
        static_release(h->sf, r.entry);
        atomic_fetch_add(&h->served, 1);
    }
    return NULL;
}

TEST(concurrent_lookups_while_a_file_is_rewritten)
{
    tree t;
    tree_make(&t);
    put(&t, "css/hot.css", HOT_A);
    put(&t, "css/inplace.css", css_text);
    hammer h = {.sf = open_tree(&t), .t = &t};
    atomic_init(&h.stop, false);
    atomic_init(&h.bad, 0);
    atomic_init(&h.served, 0);
    pthread_t th[8];
    for (int i = 0; i < 8; i++)
        pthread_create(&th[i], NULL, reader, &h);

    char hot[512], tmp[512], inplace[512];
    join(hot, sizeof hot, &t, "css/hot.css");
    join(tmp, sizeof tmp, &t, "css/.hot.tmp");
    join(inplace, sizeof inplace, &t, "css/inplace.css");
    struct timespec pause = {.tv_nsec = 200000};
    for (int i = 0; i < 400; i++) {
        /* atomic replacement, as a deploy does */
        const char *text = (i & 1) ? HOT_B : HOT_A;
        write_file(tmp, text, strlen(text));
        rename(tmp, hot);
        /* in-place rewrite, as an editor may do: readers may see any state of it */
        write_file(inplace, css_text, (size_t)(i * 37) % strlen(css_text));
        nanosleep(&pause, NULL);
    }
    atomic_store(&h.stop, true);
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    CHECK_INT(atomic_load(&h.bad), 0);
    CHECK(atomic_load(&h.served) > 1000);
    printf("# %ld lookups during 400 rewrites\n", atomic_load(&h.served));
    static_close(h.sf);
    tree_free(&t);
}

/* ---- fault injection --------------------------------------------------------------- */

TEST(lookup_survives_every_allocation_failure)
{
    tree t;
    tree_make(&t);
    static const char *paths[] = {"css/tsunagu.css", "img/logo.png", "js/app-3f2a9c1e0b.js",
                                  "css/small.css", "../secret.txt", "css/tsunagu.css"};
    long nth;
    for (nth = 1; nth < 10000; nth++) {
        static_files *sf = open_tree(&t);
        if (!sf)
            break;
        fault_fail_nth(nth);
        bool failed_once = false;
        for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
            static_result r;
            bool ok = static_lookup(sf, paths[i], true, NULL, NULL, &r);
            if (!ok) {
                failed_once = true;
                CHECK(r.status == 404 && r.entry == NULL && r.body == NULL && r.fd == -1);
                continue;
            }
            if (i == 4) {
                CHECK_INT(r.status, 404);
            } else {
                CHECK_INT(r.status, 200);
                CHECK(r.body != NULL);
            }
            static_release(sf, r.entry);
        }
        bool fired = fault_fired();
        fault_fail_nth(0);
        if (failed_once)
            CHECK(fired);
        /* after the failure the cache works normally */
        CHECK_INT(status_of(sf, "css/tsunagu.css"), 200);
        static_close(sf);
        if (!fired)
            break;
    }
    CHECK(nth > 3 && nth < 10000);
    printf("# %ld allocation points on the lookup path\n", nth - 1);
    tree_free(&t);
}

TEST(static_open_survives_every_allocation_failure)
{
    tree t;
    tree_make(&t);
    long nth;
    for (nth = 1; nth < 100; nth++) {
        char err[256];
        fault_fail_nth(nth);
        static_files *sf = static_open(t.root, err, sizeof err);
        bool fired = fault_fired();
        fault_fail_nth(0);
        if (fired)
            CHECK(sf == NULL && err[0] != '\0');
        else
            CHECK(sf != NULL);
        static_close(sf);
        if (!fired)
            break;
    }
    CHECK(nth > 1 && nth < 100);
    tree_free(&t);
}

int main(void)
{
    return tap_run();
}
