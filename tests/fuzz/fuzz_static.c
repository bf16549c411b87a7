/*
 * libFuzzer target for http/static.c, mime.c and gzip.c.  The first byte picks
 * what the rest feeds:
 *   0  Accept-Encoding parsing (must not crash, must be deterministic)
 *   1  media type, compressibility and fingerprint of a file name
 *   2  gzip: the output must inflate back to the input
 *   3  a url_path against a fixed tree: 200 only for the exact names of the
 *      files meant to be served (anything else is a traversal or disclosure)
 *   4  If-None-Match / If-Modified-Since (split at the first '\n') on a file:
 *      only 200 or 304, and a 304 by ETag only when the tag is in the list
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/buf.h"
#include "http/gzip.h"
#include "http/static.h"

static const char *const servable[] = {"css/a.css", "b.txt", "d/e/f.js", "日本.txt"};
#define NSERVABLE (sizeof servable / sizeof servable[0])

static char base[64];
static static_files *sf;

static void put(const char *rel, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", base, rel);
    FILE *f = fopen(p, "wb");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
}

static void mk(const char *rel)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", base, rel);
    mkdir(p, 0755);
}

static void cleanup(void)
{
    static const char *const files[] = {
        "static/css/a.css", "static/b.txt", "static/d/e/f.js", "static/日本.txt",
        "static/.h", "static/d/.x", "static/l", "static/ld", "secret",
    };
    static const char *const dirs[] = {"static/d/e", "static/d", "static/css", "static", ""};
    static_close(sf);
    char p[256];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", base, files[i]);
        unlink(p);
    }
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", base, dirs[i]);
        rmdir(p);
    }
}

static void setup(void)
{
    snprintf(base, sizeof base, "/tmp/tsunagu-fuzz-static-XXXXXX");
    if (!mkdtemp(base))
        abort();
    mk("static");
    mk("static/css");
    mk("static/d");
    mk("static/d/e");
    put("static/css/a.css", "body { color: black; }\n");
    put("static/b.txt", "b\n");
    put("static/d/e/f.js", "let x = 1;\n");
    put("static/日本.txt", "日本\n");
    put("static/.h", "hidden\n");
    put("static/d/.x", "hidden\n");
    put("secret", "secret\n");
    char p[256], q[256];
    snprintf(p, sizeof p, "%s/static/l", base);
    if (symlink("/etc/passwd", p) != 0)
        abort();
    snprintf(p, sizeof p, "%s/static/ld", base);
    if (symlink("d", p) != 0)
        abort();
    snprintf(q, sizeof q, "%s/static", base);
    char err[256];
    sf = static_open(q, err, sizeof err);
    if (!sf)
        abort();
    atexit(cleanup);
}

static char *cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

static void check_gzip(const uint8_t *data, size_t size)
{
    buf out = BUF_INIT;
    if (!http_gzip(data, size, size ? data[0] % 12 - 1 : 6, &out))
        abort();
    unsigned char *back = malloc(size + 1);
    if (!back)
        abort();
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 16) != Z_OK)
        abort();
    zs.next_in = (Bytef *)out.data;
    zs.avail_in = (uInt)out.len;
    zs.next_out = back;
    zs.avail_out = (uInt)(size + 1);
    int rc = inflate(&zs, Z_FINISH);
    if (rc != Z_STREAM_END || zs.total_out != size || memcmp(back, data, size) != 0)
        abort();
    inflateEnd(&zs);
    free(back);
    buf_free(&out);
}

static void check_path(const uint8_t *data, size_t size)
{
    static_result r;
    if (!static_lookup_n(sf, (const char *)data, size, size & 1, NULL, NULL, &r))
        abort();   /* no allocation failure is injected here */
    if (r.status == 200) {
        bool known = false;
        for (size_t i = 0; i < NSERVABLE; i++)
            if (size == strlen(servable[i]) && memcmp(data, servable[i], size) == 0)
                known = true;
        if (!known || !r.body)
            abort();
    } else if (r.status != 404) {
        abort();
    }
    static_release(sf, r.entry);
}

static void check_conditional(const uint8_t *data, size_t size)
{
    char *s = cstr(data, size);
    char *ims = strchr(s, '\n');
    if (ims)
        *ims++ = '\0';
    const char *inm = s[0] ? s : NULL;
    static_result r;
    if (!static_lookup(sf, "css/a.css", false, inm, ims, &r))
        abort();
    if (r.status == 304) {
        if (inm && !strchr(inm, '*') && !strstr(inm, r.etag))
            abort();
    } else if (r.status != 200) {
        abort();
    }
    static_release(sf, r.entry);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!sf)
        setup();
    if (size == 0)
        return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    switch (mode % 5) {
    case 0: {
        char *s = cstr(data, size);
        if (http_accepts_gzip(s) != http_accepts_gzip(s))
            abort();
        free(s);
        break;
    }
    case 1: {
        char *s = cstr(data, size);
        const char *m = static_mime_type(s);
        if (!m)
            abort();
        (void)http_mime_compressible(s);
        (void)http_mime_compressible(m);
        (void)static_is_fingerprinted(s);
        free(s);
        break;
    }
    case 2:
        check_gzip(data, size);
        break;
    case 3:
        check_path(data, size);
        break;
    case 4:
        check_conditional(data, size);
        break;
    }
    return 0;
}
