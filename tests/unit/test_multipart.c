/* Unit tests of src/http/multipart.c and src/http/upload.c: the streaming
 * multipart/form-data parser and the form collector with its temp files. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/fault.h"
#include "core/limits.h"
#include "http/multipart.h"
#include "http/upload.h"
#include "tap.h"

#define BOUNDARY "----tsunaguB7MA4YWxk"
#define CT "multipart/form-data; boundary=" BOUNDARY

static char tmp_dir[1024];

/* ---- helpers ----------------------------------------------------------------- */

static void add_field(buf *b, const char *name, const char *value)
{
    buf_printf(b, "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n",
               name, value);
}

static void add_file(buf *b, const char *name, const char *filename, const char *data, size_t n)
{
    buf_printf(b,
               "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"; "
               "filename=\"%s\"\r\nContent-Type: application/pdf\r\n\r\n",
               name, filename);
    buf_append(b, data, n);
    buf_puts(b, "\r\n");
}

static void close_body(buf *b)
{
    buf_puts(b, "--" BOUNDARY "--\r\n");
}

static size_t dir_entries(void)
{
    DIR *d = opendir(tmp_dir);
    size_t n = 0;
    if (!d)
        return 9999;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* The whole content of a file (malloc'd, NUL-terminated), or NULL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    buf b;
    buf_init(&b, 0);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    buf_putc(&b, '\0');
    return buf_steal(&b, len);
}

/* Runs body[0..n) through a form parser in chunks of `chunk` bytes (0 =
 * whole).  Returns the status of the first failing call, or of finish. */
static parse_status run_form(arena *a, const char *ct, const char *body, size_t n, size_t chunk,
                             http_form_parser **fpp, http_form **form)
{
    parse_status st;
    *form = NULL;
    *fpp = http_form_parser_new(a, ct, tmp_dir, LIMIT_BODY_UPLOAD, &st);
    if (!*fpp)
        return st;
    if (chunk == 0)
        chunk = n ? n : 1;
    for (size_t i = 0; i < n; i += chunk) {
        size_t len = n - i < chunk ? n - i : chunk;
        st = http_form_parser_feed(*fpp, body + i, len);
        if (st != PARSE_OK)
            return st;
    }
    return http_form_parser_finish(*fpp, form);
}

/* Callbacks that record what the raw parser reports. */
typedef struct rec {
    buf log; /* "B(name|filename|type)" "D(data)" "E" in order, data merged */
    int begins, ends;
    int fail_on_begin; /* begin number that returns PARSE_IO (0 = never) */
} rec;

static parse_status rec_begin(void *ctx, const multipart_part_info *info)
{
    rec *r = ctx;
    r->begins++;
    buf_printf(&r->log, "B(%s|%s|%s)", info->name, info->filename ? info->filename : "-",
               info->content_type ? info->content_type : "-");
    return r->begins == r->fail_on_begin ? PARSE_IO : PARSE_OK;
}

static parse_status rec_data(void *ctx, const char *data, size_t n)
{
    rec *r = ctx;
    if (n == 0)
        buf_puts(&r->log, "<EMPTY>");
    buf_append(&r->log, data, n);
    return PARSE_OK;
}

static parse_status rec_end(void *ctx)
{
    rec *r = ctx;
    r->ends++;
    buf_puts(&r->log, "E");
    return PARSE_OK;
}

static const multipart_callbacks rec_cb = {rec_begin, rec_data, rec_end};

/* Feeds body through a raw parser in chunks; returns feed/finish status. */
static parse_status run_raw(const char *ct, const char *body, size_t n, size_t chunk, rec *r)
{
    arena a;
    arena_init(&a);
    buf_init(&r->log, 0);
    parse_status st;
    multipart_parser *p = multipart_new(&a, ct, &rec_cb, r, &st);
    if (p) {
        if (chunk == 0)
            chunk = n ? n : 1;
        for (size_t i = 0; i < n && st == PARSE_OK; i += chunk)
            st = multipart_feed(p, body + i, n - i < chunk ? n - i : chunk);
        if (st == PARSE_OK)
            st = multipart_finish(p);
    }
    arena_free(&a);
    return st;
}

static parse_status raw_str(const char *body, rec *r)
{
    return run_raw(CT, body, strlen(body), 0, r);
}

/* ---- the normal form ----------------------------------------------------------- */

/* File content full of things that look like a delimiter but are not one,
 * CRLFs, every byte value, and a CRLF right before the real delimiter. */
static size_t tricky_content(char *out)
{
    static const char *pieces[] = {
        "%PDF-1.4\r\nA",
        "x--" BOUNDARY " not at a line start",
        "\r\n----tsunaguB7MA4YWxZ", /* the boundary but for its last byte */
        "\r\n-",
        "\r\r\n--",
        "\r\n--\r\n",
        "\r\n\r\n",
        "x--" BOUNDARY "--",
    };
    size_t o = 0;
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        memcpy(out + o, pieces[i], strlen(pieces[i]));
        o += strlen(pieces[i]);
    }
    for (int c = 0; c < 256; c++)
        out[o++] = (char)c;
    memcpy(out + o, "\r\n", 2);
    return o + 2;
}

static void build_normal_form(buf *b, char *content, size_t *content_len)
{
    *content_len = tricky_content(content);
    buf_init(b, 0);
    buf_puts(b, "preamble to ignore\r\n");
    add_field(b, "title", "報告書");
    add_field(b, "note", "一行目\r\n二行目");
    add_file(b, "file1", "報告書.pdf", content, *content_len);
    add_field(b, "field", "福祉");
    add_field(b, "field", "環境");
    add_file(b, "file2", "b.txt", "hello", 5);
    add_field(b, "empty", "");
    close_body(b);
    buf_puts(b, "epilogue to ignore\r\n--" BOUNDARY "\r\n");
}

static void check_normal_form(const http_form *f, const char *content, size_t content_len)
{
    CHECK_INT(f->fields.count, 5);
    CHECK_STR(http_params_get(&f->fields, "title"), "報告書");
    CHECK_STR(http_params_get(&f->fields, "note"), "一行目\r\n二行目");
    CHECK_INT(http_params_count(&f->fields, "field"), 2);
    CHECK_STR(http_params_get_nth(&f->fields, "field", 1), "環境");
    CHECK_STR(http_params_get(&f->fields, "empty"), "");
    CHECK_INT(f->nfiles, 2);
    if (f->nfiles != 2)
        return;
    CHECK_STR(f->files[0].field, "file1");
    CHECK_STR(f->files[0].filename, "報告書.pdf");
    CHECK_STR(f->files[0].content_type, "application/pdf");
    CHECK_INT(f->files[0].size, content_len);
    size_t len = 0;
    char *got = slurp(f->files[0].path, &len);
    CHECK(got && len == content_len + 1 && memcmp(got, content, content_len) == 0);
    free(got);
    CHECK_STR(f->files[1].filename, "b.txt");
    CHECK_INT(f->files[1].size, 5);
    got = slurp(f->files[1].path, &len);
    CHECK_STR(got, "hello");
    free(got);
    for (size_t i = 0; i < 2; i++) {
        struct stat sb;
        const char *path = f->files[i].path;
        CHECK(strncmp(path, tmp_dir, strlen(tmp_dir)) == 0 && path[strlen(tmp_dir)] == '/');
        CHECK(strchr(path + strlen(tmp_dir) + 1, '/') == NULL);
        CHECK(strstr(path, "報告書") == NULL && strstr(path, "b.txt") == NULL);
        CHECK(stat(path, &sb) == 0 && S_ISREG(sb.st_mode));
        CHECK_INT(sb.st_mode & 07777, 0600);
    }
}

TEST(normal_form_whole_and_byte_by_byte_give_the_same_result)
{
    char content[1024];
    size_t content_len;
    buf b;
    build_normal_form(&b, content, &content_len);
    static const size_t chunks[] = {0, 1, 2, 3, 7, 64, 4096};
    for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        arena a;
        arena_init(&a);
        http_form_parser *fp;
        http_form *f;
        CHECK_INT(run_form(&a, CT, b.data, b.len, chunks[k], &fp, &f), PARSE_OK);
        CHECK(f != NULL);
        if (f)
            check_normal_form(f, content, content_len);
        CHECK_INT(dir_entries(), 2);
        http_form_parser_cleanup(fp);
        CHECK_INT(dir_entries(), 0);
        http_form_parser_cleanup(fp); /* idempotent */
        arena_free(&a);
    }
    buf_free(&b);
}

TEST(raw_parser_reports_parts_in_order_for_any_chunk_size)
{
    char content[1024];
    size_t content_len;
    buf b;
    build_normal_form(&b, content, &content_len);
    rec whole = {0};
    CHECK_INT(run_raw(CT, b.data, b.len, 0, &whole), PARSE_OK);
    CHECK_INT(whole.begins, 7);
    CHECK_INT(whole.ends, 7);
    CHECK(strstr(whole.log.data, "<EMPTY>") == NULL);
    static const char head[] = "B(title|-|-)報告書EB(note|-|-)一行目\r\n二行目EB(file1|報告書.pdf|";
    CHECK(strncmp(whole.log.data, head, strlen(head)) == 0);
    for (size_t chunk = 1; chunk < 40; chunk++) {
        rec r = {0};
        CHECK_INT(run_raw(CT, b.data, b.len, chunk, &r), PARSE_OK);
        CHECK(r.log.len == whole.log.len && memcmp(r.log.data, whole.log.data, r.log.len) == 0);
        buf_free(&r.log);
    }
    buf_free(&whole.log);
    buf_free(&b);
}

TEST(content_ending_in_cr_before_the_delimiter)
{
    rec r = {0};
    CHECK_INT(raw_str("--" BOUNDARY "\r\nContent-Disposition: form-data; name=a\r\n\r\n"
                      "x\r\r\n--" BOUNDARY "\r\nContent-Disposition: form-data; name=b\r\n\r\n"
                      "\r\n\r\n--" BOUNDARY "--",
                      &r),
              PARSE_OK);
    CHECK_STR(r.log.data, "B(a|-|-)x\rEB(b|-|-)\r\nE");
    buf_free(&r.log);
}

TEST(padding_after_delimiter_and_no_preamble)
{
    rec r = {0};
    CHECK_INT(raw_str("--" BOUNDARY " \t\r\ncontent-disposition: FORM-DATA ; NAME=\"a\"\r\n"
                      "X-Other: ignored\r\n\r\n1\r\n--" BOUNDARY "--",
                      &r),
              PARSE_OK);
    CHECK_STR(r.log.data, "B(a|-|-)1E");
    buf_free(&r.log);
    /* a body that starts with CRLF before the first delimiter is fine too */
    CHECK_INT(raw_str("\r\n--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
                      "\r\n--" BOUNDARY "--\r\n",
                      &r),
              PARSE_OK);
    CHECK_STR(r.log.data, "B(a|-|-)E");
    buf_free(&r.log);
}

/* ---- refusals ---------------------------------------------------------------------- */

TEST(missing_closing_boundary_is_bad_encoding)
{
    rec r = {0};
    CHECK_INT(raw_str("--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1", &r),
              PARSE_BAD_ENCODING);
    CHECK_INT(r.ends, 0);
    buf_free(&r.log);
    CHECK_INT(raw_str("--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
                      "--" BOUNDARY "\r\n",
                      &r),
              PARSE_BAD_ENCODING);
    buf_free(&r.log);
    CHECK_INT(raw_str("", &r), PARSE_BAD_ENCODING);
    buf_free(&r.log);
    CHECK_INT(raw_str("no delimiter at all", &r), PARSE_BAD_ENCODING);
    buf_free(&r.log);
    CHECK_INT(raw_str("--" BOUNDARY "-", &r), PARSE_BAD_ENCODING);
    buf_free(&r.log);

    /* through the form parser, the file begun is removed by cleanup */
    arena a;
    arena_init(&a);
    buf b;
    buf_init(&b, 0);
    add_file(&b, "f", "a.txt", "data", 4);
    http_form_parser *fp;
    http_form *f;
    CHECK_INT(run_form(&a, CT, b.data, b.len, 0, &fp, &f), PARSE_BAD_ENCODING);
    CHECK(f == NULL);
    CHECK_INT(dir_entries(), 1);
    http_form_parser_cleanup(fp);
    CHECK_INT(dir_entries(), 0);
    buf_free(&b);
    arena_free(&a);
}

TEST(syntax_errors_in_part_headers)
{
    static const struct {
        const char *headers;
        parse_status want;
    } cases[] = {
        {"\r\n", PARSE_BAD_ENCODING},                             /* no headers */
        {"Content-Type: text/plain\r\n\r\n", PARSE_BAD_ENCODING}, /* no disposition */
        {"Content-Disposition: attachment; name=\"a\"\r\n\r\n", PARSE_BAD_ENCODING},
        {"Content-Disposition: form-data\r\n\r\n", PARSE_BAD_ENCODING}, /* no name */
        {"Content-Disposition: form-data; filename=\"x\"\r\n\r\n", PARSE_BAD_ENCODING},
        {"Content-Disposition: form-data; name=\"a\r\n\r\n", PARSE_BAD_ENCODING}, /* open quote */
        {"Content-Disposition: form-data; name=\r\n\r\n", PARSE_BAD_ENCODING},
        {"Content-Disposition: form-data; name\r\n\r\n", PARSE_BAD_ENCODING},
        {"Content-Disposition: form-data; name=\"a\" junk\r\n\r\n", PARSE_BAD_ENCODING},
        {"Content-Disposition: form-data; name=\"a\"; name=\"b\"\r\n\r\n", PARSE_BAD_ENCODING},
        {"Content-Disposition: form-data; name=\"a\"\r\nContent-Disposition: form-data; "
         "name=\"b\"\r\n\r\n",
         PARSE_BAD_ENCODING},
        {"Content-Disposition: form-data;\r\n name=\"a\"\r\n\r\n", PARSE_BAD_ENCODING}, /* fold */
        {"Content-Disposition form-data; name=\"a\"\r\n\r\n", PARSE_BAD_ENCODING},
        {"Bad Name: x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n", PARSE_BAD_ENCODING},
        {"Content-Disposition: form-data; name=\"a\nb\"\r\n\r\n", PARSE_BAD_ENCODING},
        {"Content-Disposition: form-data; name=\"a\x01\"\r\n\r\n", PARSE_BAD_ENCODING},
        {"Content-Disposition: form-data; name=\"\xff\"\r\n\r\n", PARSE_BAD_UTF8},
        {"Content-Disposition: form-data; name=\"%C0%AF\"; filename=\"\xc0\xaf\"\r\n\r\n",
         PARSE_BAD_UTF8},
        {"Content-Disposition: form-data; name=\"a\"; filename*=UTF-8''%C0%AF\r\n\r\n",
         PARSE_BAD_UTF8},
        {"Content-Disposition: form-data; name=\"a\"; filename*=UTF-8''%G0\r\n\r\n",
         PARSE_BAD_ENCODING},
        {"Content-Disposition: form-data; name=\"a\"; filename*=UTF-8''a%00\r\n\r\n",
         PARSE_BAD_ENCODING},
        {"Content-Disposition: form-data; name=\"a\"; filename*=noquotes\r\n\r\n",
         PARSE_BAD_ENCODING},
        {"Content-Disposition: form-data; name=\"a\"\r\nContent-Type: \xff\r\n\r\n",
         PARSE_BAD_UTF8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf b;
        buf_init(&b, 0);
        buf_printf(&b, "--" BOUNDARY "\r\n%s1\r\n--" BOUNDARY "--", cases[i].headers);
        rec r = {0};
        parse_status st = raw_str(b.data, &r);
        if (st != cases[i].want)
            printf("# case %zu -> %d\n", i, (int)st);
        CHECK_INT(st, cases[i].want);
        CHECK_INT(r.begins, 0);
        buf_free(&r.log);
        buf_free(&b);
    }
}

TEST(text_after_a_delimiter_is_bad_encoding)
{
    rec r = {0};
    /* "\r\n--BOUNDARYx": the delimiter may not appear inside content (RFC 2046) */
    CHECK_INT(raw_str("--" BOUNDARY
                      "\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--" BOUNDARY
                      "x\r\n--" BOUNDARY "--",
                      &r),
              PARSE_BAD_ENCODING);
    buf_free(&r.log);
    CHECK_INT(raw_str("--" BOUNDARY " -\r\n", &r), PARSE_BAD_ENCODING);
    buf_free(&r.log);
    CHECK_INT(raw_str("--" BOUNDARY "\rX", &r), PARSE_BAD_ENCODING);
    buf_free(&r.log);
}

TEST(too_many_parts)
{
    for (int extra = 0; extra <= 1; extra++) {
        buf b;
        buf_init(&b, 0);
        for (int i = 0; i < LIMIT_MULTIPART_PARTS + extra; i++)
            add_field(&b, "f", "v");
        close_body(&b);
        rec r = {0};
        CHECK_INT(raw_str(b.data, &r), extra ? PARSE_TOO_MANY : PARSE_OK);
        CHECK_INT(r.begins, LIMIT_MULTIPART_PARTS);
        buf_free(&r.log);
        buf_free(&b);
    }
}

TEST(header_block_too_long)
{
    for (int extra = 0; extra <= 1; extra++) {
        const char *head = "Content-Disposition: form-data; name=\"a\"\r\nX-Pad: ";
        size_t pad = LIMIT_MULTIPART_HEADER - strlen(head) - 4 + (size_t)extra;
        buf b;
        buf_init(&b, 0);
        buf_puts(&b, "--" BOUNDARY "\r\n");
        buf_puts(&b, head);
        for (size_t i = 0; i < pad; i++)
            buf_putc(&b, 'p');
        buf_puts(&b, "\r\n\r\n1\r\n--" BOUNDARY "--");
        rec r = {0};
        CHECK_INT(raw_str(b.data, &r), extra ? PARSE_TOO_LONG : PARSE_OK);
        buf_free(&r.log);
        buf_free(&b);
    }
}

TEST(name_longer_than_field_name_limit)
{
    char name[LIMIT_FIELD_NAME + 2];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    buf b;
    buf_init(&b, 0);
    add_field(&b, name, "v");
    close_body(&b);
    rec r = {0};
    CHECK_INT(raw_str(b.data, &r), PARSE_TOO_LONG);
    buf_free(&r.log);
    buf_free(&b);
}

TEST(bad_content_type_headers_are_refused)
{
    static const char *bad[] = {
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=\"\"",
        "multipart/form-data; boundary=\"abc",
        "multipart/form-data; boundary=a\\b",
        "multipart/form-data; boundary=\"a b \"",
        "multipart/form-data; boundary=x; boundary=y",
        "multipart/mixed; boundary=x",
        "text/plain; boundary=x",
        "multipart/form-data; boundary=\"a\x01\"",
        /* 71 characters */
        "multipart/form-data; boundary="
        "12345678901234567890123456789012345678901234567890123456789012345678901",
        "",
    };
    arena a;
    arena_init(&a);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        parse_status st = PARSE_OK;
        CHECK(multipart_new(&a, bad[i], &rec_cb, NULL, &st) == NULL);
        CHECK_INT(st, PARSE_BAD_ENCODING);
    }
    parse_status st = PARSE_OK;
    CHECK(multipart_new(&a, NULL, &rec_cb, NULL, &st) == NULL);
    static const char *good[] = {
        "multipart/form-data; boundary=x",
        "Multipart/Form-Data;Boundary=\"a b'()+_,-./:=?z\"; charset=utf-8",
        "multipart/form-data; charset=utf-8; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
        "multipart/form-data; boundary="
        "1234567890123456789012345678901234567890123456789012345678901234567890",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        CHECK(multipart_new(&a, good[i], &rec_cb, NULL, &st) != NULL);
        CHECK_INT(st, PARSE_OK);
    }
    arena_free(&a);
}

TEST(errors_are_sticky_and_callback_errors_stop_the_parser)
{
    arena a;
    arena_init(&a);
    rec r = {0};
    buf_init(&r.log, 0);
    r.fail_on_begin = 2;
    parse_status st;
    multipart_parser *p = multipart_new(&a, CT, &rec_cb, &r, &st);
    buf b;
    buf_init(&b, 0);
    add_field(&b, "a", "1");
    add_field(&b, "b", "2");
    add_field(&b, "c", "3");
    close_body(&b);
    CHECK_INT(multipart_feed(p, b.data, b.len), PARSE_IO);
    CHECK_INT(r.begins, 2);
    CHECK_INT(multipart_feed(p, "x", 1), PARSE_IO);
    CHECK_INT(multipart_finish(p), PARSE_IO);
    buf_free(&b);
    buf_free(&r.log);
    arena_free(&a);
}

/* ---- file names ---------------------------------------------------------------------- */

static const char *one_file_name(arena *a, const char *disposition_params, parse_status *st,
                                 http_form_parser **fp)
{
    buf b;
    buf_init(&b, 0);
    buf_printf(&b,
               "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"f\"; %s\r\n\r\n"
               "data\r\n--" BOUNDARY "--\r\n",
               disposition_params);
    http_form *f;
    *st = run_form(a, CT, b.data, b.len, 0, fp, &f);
    buf_free(&b);
    return f && f->nfiles == 1 ? f->files[0].filename : NULL;
}

TEST(file_names_rfc5987_and_path_stripping)
{
    static const struct {
        const char *params, *want;
    } cases[] = {
        {"filename=\"fallback.pdf\"; filename*=UTF-8''%E5%A0%B1%E5%91%8A%E6%9B%B8.pdf",
         "報告書.pdf"},
        {"filename*=utf-8'ja'%E6%97%A5%E6%9C%AC.txt", "日本.txt"},
        {"filename*=iso-8859-1'en'%E9t%E9.txt", "été.txt"},
        {"filename*=Shift_JIS''%93%FA.txt; filename=\"plain.txt\"", "plain.txt"},
        {"filename=\"C:\\x\\a.pdf\"", "a.pdf"},
        {"filename=\"C:\\Documents and Settings\\user\\My Documents\\b c.pdf\"", "b c.pdf"},
        {"filename=\"/etc/passwd\"", "passwd"},
        {"filename=\"../../x.txt\"", "x.txt"},
        {"filename=\"a\tb.txt\"", "a_b.txt"},
        {"filename=\"報告書.pdf\"", "報告書.pdf"},
        {"filename=\"semi;colon.pdf\"", "semi;colon.pdf"},
        {"filename=plain.txt", "plain.txt"},
        {"filename*=UTF-8''..%2F..%2Fevil.sh", "evil.sh"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena a;
        arena_init(&a);
        parse_status st;
        http_form_parser *fp = NULL;
        const char *name = one_file_name(&a, cases[i].params, &st, &fp);
        CHECK_INT(st, PARSE_OK);
        CHECK_STR(name, cases[i].want);
        http_form_parser_cleanup(fp);
        arena_free(&a);
    }
    CHECK_INT(dir_entries(), 0);
}

TEST(empty_file_input_adds_no_file)
{
    arena a;
    arena_init(&a);
    buf b;
    buf_init(&b, 0);
    add_field(&b, "title", "x");
    add_file(&b, "file1", "", "", 0);
    add_file(&b, "file2", "empty.txt", "", 0); /* a real, empty file is kept */
    close_body(&b);
    http_form_parser *fp;
    http_form *f;
    CHECK_INT(run_form(&a, CT, b.data, b.len, 1, &fp, &f), PARSE_OK);
    CHECK(f && f->nfiles == 1);
    if (f && f->nfiles == 1) {
        CHECK_STR(f->files[0].field, "file2");
        CHECK_INT(f->files[0].size, 0);
    }
    CHECK_INT(dir_entries(), 1);
    http_form_parser_cleanup(fp);
    CHECK_INT(dir_entries(), 0);
    buf_free(&b);
    arena_free(&a);
}

TEST(upload_past_file_limit_is_too_long_and_cleaned_up)
{
    arena a;
    arena_init(&a);
    parse_status st;
    http_form_parser *fp = http_form_parser_new(&a, CT, tmp_dir, LIMIT_BODY_UPLOAD, &st);
    CHECK(fp != NULL);
    const char *head = "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"f\"; "
                       "filename=\"big.bin\"\r\n\r\n";
    CHECK_INT(http_form_parser_feed(fp, head, strlen(head)), PARSE_OK);
    char *chunk = malloc(64 * 1024);
    memset(chunk, 'z', 64 * 1024);
    size_t sent = 0;
    st = PARSE_OK;
    while (st == PARSE_OK && sent <= LIMIT_UPLOAD_FILE) {
        st = http_form_parser_feed(fp, chunk, 64 * 1024);
        sent += 64 * 1024;
    }
    CHECK_INT(st, PARSE_TOO_LONG);
    CHECK_INT(sent, LIMIT_UPLOAD_FILE + 64 * 1024);
    CHECK_INT(dir_entries(), 1);
    http_form *f;
    CHECK_INT(http_form_parser_finish(fp, &f), PARSE_TOO_LONG);
    CHECK(f == NULL);
    http_form_parser_cleanup(fp);
    CHECK_INT(dir_entries(), 0);
    free(chunk);
    arena_free(&a);
}

TEST(file_of_exactly_the_limit_is_accepted)
{
    arena a;
    arena_init(&a);
    char *data = malloc(LIMIT_UPLOAD_FILE);
    memset(data, 'q', LIMIT_UPLOAD_FILE);
    buf b;
    buf_init(&b, 0);
    add_file(&b, "f", "max.bin", data, LIMIT_UPLOAD_FILE);
    close_body(&b);
    http_form_parser *fp;
    http_form *f;
    CHECK_INT(run_form(&a, CT, b.data, b.len, 100000, &fp, &f), PARSE_OK);
    CHECK(f && f->nfiles == 1 && f->files[0].size == LIMIT_UPLOAD_FILE);
    http_form_parser_cleanup(fp);
    CHECK_INT(dir_entries(), 0);
    buf_free(&b);
    free(data);
    arena_free(&a);
}

TEST(claimed_file_survives_cleanup)
{
    arena a;
    arena_init(&a);
    buf b;
    buf_init(&b, 0);
    add_file(&b, "f", "keep.txt", "keep me", 7);
    add_file(&b, "g", "drop.txt", "drop me", 7);
    close_body(&b);
    http_form_parser *fp;
    http_form *f;
    CHECK_INT(run_form(&a, CT, b.data, b.len, 0, &fp, &f), PARSE_OK);
    char kept[sizeof tmp_dir + 8];
    snprintf(kept, sizeof kept, "%s.kept", tmp_dir);
    CHECK(f && f->nfiles == 2 && rename(f->files[0].path, kept) == 0);
    if (f)
        f->files[0].path = NULL;
    http_form_parser_cleanup(fp);
    CHECK_INT(dir_entries(), 0);
    size_t len;
    char *got = slurp(kept, &len);
    CHECK_STR(got, "keep me");
    free(got);
    unlink(kept);
    buf_free(&b);
    arena_free(&a);
}

/* ---- plain field limits -------------------------------------------------------------- */

TEST(multipart_field_value_limits_and_utf8)
{
    arena a;
    arena_init(&a);
    http_form_parser *fp;
    http_form *f;
    char *big = malloc(LIMIT_FIELD_VALUE + 2);
    for (int extra = 0; extra <= 1; extra++) {
        memset(big, 'v', LIMIT_FIELD_VALUE + (size_t)extra);
        big[LIMIT_FIELD_VALUE + extra] = '\0';
        buf b;
        buf_init(&b, 0);
        add_field(&b, "v", big);
        close_body(&b);
        CHECK_INT(run_form(&a, CT, b.data, b.len, 5000, &fp, &f),
                  extra ? PARSE_TOO_LONG : PARSE_OK);
        http_form_parser_cleanup(fp);
        buf_free(&b);
    }
    free(big);
    static const char *bad[] = {"\xff", "\xc0\xaf", "a\0b"};
    for (size_t i = 0; i < 3; i++) {
        buf b;
        buf_init(&b, 0);
        buf_puts(&b, "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"v\"\r\n\r\n");
        buf_append(&b, bad[i], i == 2 ? 3 : strlen(bad[i]));
        buf_puts(&b, "\r\n--" BOUNDARY "--");
        CHECK_INT(run_form(&a, CT, b.data, b.len, 0, &fp, &f), PARSE_BAD_UTF8);
        http_form_parser_cleanup(fp);
        buf_free(&b);
    }
    arena_free(&a);
}

/* ---- the form parser's other encodings ---------------------------------------------- */

TEST(form_parser_urlencoded_in_chunks)
{
    static const char body[] = "name=%E5%B1%B1%E7%94%B0+%E5%A4%AA%E9%83%8E&field=a&field=b";
    for (size_t chunk = 0; chunk < 6; chunk++) {
        arena a;
        arena_init(&a);
        http_form_parser *fp;
        http_form *f;
        CHECK_INT(run_form(&a, "application/x-www-form-urlencoded; charset=UTF-8", body,
                           strlen(body), chunk, &fp, &f),
                  PARSE_OK);
        CHECK(f != NULL);
        if (f) {
            CHECK_STR(http_params_get(&f->fields, "name"), "山田 太郎");
            CHECK_INT(http_params_count(&f->fields, "field"), 2);
            CHECK_INT(f->nfiles, 0);
            http_form *again;
            CHECK_INT(http_form_parser_finish(fp, &again), PARSE_OK);
            CHECK(again == f);
        }
        http_form_parser_cleanup(fp);
        arena_free(&a);
    }
}

TEST(form_parser_body_limit_type_and_empty_bodies)
{
    arena a;
    arena_init(&a);
    parse_status st;
    http_form_parser *fp =
        http_form_parser_new(&a, "application/x-www-form-urlencoded", tmp_dir, 10, &st);
    CHECK_INT(st, PARSE_OK);
    CHECK_INT(http_form_parser_feed(fp, "a=12345", 7), PARSE_OK);
    CHECK_INT(http_form_parser_feed(fp, "678", 3), PARSE_OK);
    CHECK_INT(http_form_parser_feed(fp, "9", 1), PARSE_TOO_LONG);
    CHECK_INT(http_form_parser_feed(fp, "", 0), PARSE_TOO_LONG);
    http_form *f;
    CHECK_INT(http_form_parser_finish(fp, &f), PARSE_TOO_LONG);
    http_form_parser_cleanup(fp);

    CHECK(http_form_parser_new(&a, "application/json", tmp_dir, 10, &st) == NULL);
    CHECK_INT(st, PARSE_UNSUPPORTED);
    CHECK(http_form_parser_new(&a, "text/plain", tmp_dir, 10, &st) == NULL);
    CHECK_INT(st, PARSE_UNSUPPORTED);
    CHECK(http_form_parser_new(&a, "multipart/form-data", tmp_dir, 10, &st) == NULL);
    CHECK_INT(st, PARSE_BAD_ENCODING);

    /* no Content-Type: only an empty body */
    for (int with_body = 0; with_body <= 1; with_body++) {
        fp = http_form_parser_new(&a, with_body ? NULL : "", tmp_dir, 10, &st);
        CHECK(fp != NULL);
        if (with_body)
            CHECK_INT(http_form_parser_feed(fp, "x", 1), PARSE_UNSUPPORTED);
        CHECK_INT(http_form_parser_finish(fp, &f), with_body ? PARSE_UNSUPPORTED : PARSE_OK);
        CHECK(with_body ? f == NULL : (f != NULL && f->fields.count == 0));
        http_form_parser_cleanup(fp);
    }
    http_form_parser_cleanup(NULL);
    arena_free(&a);
}

TEST(unwritable_tmp_dir_is_io_error)
{
    arena a;
    arena_init(&a);
    parse_status st;
    http_form_parser *fp =
        http_form_parser_new(&a, CT, "/nonexistent-dir/for-sure", LIMIT_BODY_UPLOAD, &st);
    buf b;
    buf_init(&b, 0);
    add_file(&b, "f", "a.txt", "x", 1);
    CHECK_INT(http_form_parser_feed(fp, b.data, b.len), PARSE_IO);
    http_form_parser_cleanup(fp);
    buf_free(&b);
    arena_free(&a);
}

/* ---- allocation failures ---------------------------------------------------------------- */

TEST(form_parser_survives_allocation_failure)
{
    char content[1024];
    size_t content_len;
    buf b;
    build_normal_form(&b, content, &content_len);
    static const char urlenc[] = "a=1&b=%E6%97%A5&c=x+y";
    for (int kind = 0; kind < 2; kind++) {
        int oom_runs = 0;
        for (long nth = 1; nth < 10000; nth++) {
            arena a;
            arena_init(&a);
            http_form_parser *fp = NULL;
            http_form *f;
            fault_fail_nth(nth);
            parse_status st = kind == 0 ? run_form(&a, CT, b.data, b.len, 3, &fp, &f)
                                        : run_form(&a, "application/x-www-form-urlencoded", urlenc,
                                                   strlen(urlenc), 4, &fp, &f);
            int fired = fault_fired();
            fault_fail_nth(0);
            CHECK(st == PARSE_OK || (fired && st == PARSE_NOMEM));
            if (st == PARSE_OK && kind == 0)
                check_normal_form(f, content, content_len);
            http_form_parser_cleanup(fp);
            CHECK_INT(dir_entries(), 0);
            arena_free(&a);
            if (!fired)
                break;
            oom_runs++;
        }
        CHECK(oom_runs >= 2);
    }
    buf_free(&b);
}

/* ---- setup ---------------------------------------------------------------------------- */

int main(void)
{
    /* A fresh directory in the system's temp dir, removed at the end. */
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = P_tmpdir;
    int n = snprintf(tmp_dir, sizeof tmp_dir, "%s/tsunagu-multipart-XXXXXX", base);
    if (n < 0 || (size_t)n >= sizeof tmp_dir || !mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    int rc = tap_run();
    if (rmdir(tmp_dir) != 0) {
        printf("# temp dir %s not empty\n", tmp_dir);
        rc = 1;
    }
    return rc;
}
