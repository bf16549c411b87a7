/* libFuzzer target: the streaming multipart parser and the form collector.
 *
 * The first byte chooses the mode (bit 0) and the chunk size (bits 1-7, so
 * 1..128 bytes); the rest is the body, sent with the fixed boundary "XyZ".
 * Mode 0 drives multipart_feed() with callbacks that check and record what
 * they are given, and requires the same record when the body is fed whole.
 * Mode 1 drives http_form_parser into a fresh temp dir ($TMPDIR or the
 * system's), checks what it collected, and that cleanup leaves the dir empty. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "http/multipart.h"
#include "http/upload.h"

#define CONTENT_TYPE "multipart/form-data; boundary=XyZ"

/* What the callbacks saw, as one byte string: "B" name NUL filename NUL
 * content for each begin, the content bytes, "E" for each end. */
typedef struct counts {
    size_t begins, ends, bytes;
    int open;
    buf log;
} counts;

static parse_status on_begin(void *ctx, const multipart_part_info *info)
{
    counts *c = ctx;
    if (c->open || !info->name || !utf8_valid(info->name, strlen(info->name)) ||
        strlen(info->name) > LIMIT_FIELD_NAME)
        abort();
    if (info->filename && !utf8_valid(info->filename, strlen(info->filename)))
        abort();
    c->open = 1;
    c->begins++;
    buf_putc(&c->log, 'B');
    buf_append(&c->log, info->name, strlen(info->name) + 1);
    if (info->filename)
        buf_append(&c->log, info->filename, strlen(info->filename) + 1);
    return PARSE_OK;
}

static parse_status on_data(void *ctx, const char *data, size_t n)
{
    counts *c = ctx;
    if (!c->open || n == 0 || !data)
        abort();
    c->bytes += n;
    buf_append(&c->log, data, n);
    return PARSE_OK;
}

static parse_status on_end(void *ctx)
{
    counts *c = ctx;
    if (!c->open)
        abort();
    c->open = 0;
    c->ends++;
    buf_putc(&c->log, 'E');
    return PARSE_OK;
}

static char tmp_dir[1024];

static void remove_tmp_dir(void)
{
    rmdir(tmp_dir);
}

static parse_status raw_run(const char *body, size_t n, size_t chunk, counts *c)
{
    arena a;
    arena_init(&a);
    static const multipart_callbacks cb = {on_begin, on_data, on_end};
    parse_status st;
    multipart_parser *p = multipart_new(&a, CONTENT_TYPE, &cb, c, &st);
    if (!p)
        abort();
    for (size_t i = 0; i < n && st == PARSE_OK; i += chunk)
        st = multipart_feed(p, body + i, n - i < chunk ? n - i : chunk);
    parse_status fin = multipart_finish(p);
    if (st != PARSE_OK && fin != st)
        abort(); /* errors are sticky */
    if (c->begins > LIMIT_MULTIPART_PARTS || c->ends > c->begins || c->bytes > n)
        abort();
    if (fin == PARSE_OK && c->open)
        abort(); /* a complete body ends every part it began */
    arena_free(&a);
    return fin;
}

/* The chunk size must not change anything: same status, same events. */
static void raw_mode(const char *body, size_t n, size_t chunk)
{
    counts c1 = {0}, c2 = {0};
    buf_init(&c1.log, 0);
    buf_init(&c2.log, 0);
    parse_status s1 = raw_run(body, n, chunk, &c1);
    parse_status s2 = raw_run(body, n, n ? n : 1, &c2);
    if (!buf_ok(&c1.log) || !buf_ok(&c2.log))
        abort();
    if (s1 != s2 || c1.log.len != c2.log.len ||
        (c1.log.len && memcmp(c1.log.data, c2.log.data, c1.log.len) != 0))
        abort();
    buf_free(&c1.log);
    buf_free(&c2.log);
}

static void form_mode(const char *body, size_t n, size_t chunk)
{
    if (!tmp_dir[0]) {
        const char *base = getenv("TMPDIR");
        if (!base || !*base)
            base = P_tmpdir;
        int len = snprintf(tmp_dir, sizeof tmp_dir, "%s/tsunagu-fuzz-multipart-XXXXXX", base);
        if (len < 0 || (size_t)len >= sizeof tmp_dir || !mkdtemp(tmp_dir))
            abort();
        atexit(remove_tmp_dir);
    }
    arena a;
    arena_init(&a);
    parse_status st;
    http_form_parser *fp = http_form_parser_new(&a, CONTENT_TYPE, tmp_dir, n, &st);
    if (!fp)
        abort();
    for (size_t i = 0; i < n && st == PARSE_OK; i += chunk)
        st = http_form_parser_feed(fp, body + i, n - i < chunk ? n - i : chunk);
    http_form *f = NULL;
    parse_status fin = http_form_parser_finish(fp, &f);
    if ((fin == PARSE_OK) != (f != NULL))
        abort();
    if (f) {
        for (size_t i = 0; i < f->nfiles; i++) {
            struct stat sb;
            const http_upload *u = &f->files[i];
            if (stat(u->path, &sb) != 0 || (size_t)sb.st_size != u->size ||
                (sb.st_mode & 07777) != 0600)
                abort();
            if (strchr(u->filename, '/') || strchr(u->filename, '\\'))
                abort();
        }
        for (size_t i = 0; i < f->fields.count; i++)
            if (!utf8_valid(f->fields.items[i].value, f->fields.items[i].value_len))
                abort();
    }
    http_form_parser_cleanup(fp);
    arena_free(&a);
    /* Every temp file is gone. */
    DIR *d = opendir(tmp_dir);
    if (!d)
        abort();
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            abort();
    closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)(data[0] >> 1) + 1;
    const char *body = (const char *)data + 1;
    if (data[0] & 1)
        form_mode(body, size - 1, chunk);
    else
        raw_mode(body, size - 1, chunk);
    return 0;
}
