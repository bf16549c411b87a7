/* upload.c - see upload.h. */
#include "http/upload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "http/multipart.h"

typedef enum {
    FORM_EMPTY, /* no Content-Type: no body expected */
    FORM_URLENCODED,
    FORM_MULTIPART,
} form_kind;

struct http_form_parser {
    arena *a;
    form_kind kind;
    const char *tmp_dir;
    size_t max_body;
    size_t received;
    parse_status error; /* sticky */
    bool finished;
    http_form form;
    size_t files_cap;

    buf body;             /* FORM_URLENCODED: the whole body (malloc'd) */
    multipart_parser *mp; /* FORM_MULTIPART */

    /* The multipart part being read. */
    bool is_file;
    const char *part_name;
    buf value;       /* a plain field's value (malloc'd) */
    http_upload cur; /* a file part; cur.path set while the file is ours */
    int fd;          /* cur's open file, or -1 */
};

/* The client's file name for display: the last component of a Unix or
 * Windows path ("C:\x\a.pdf" -> "a.pdf"), with control characters replaced. */
static char *display_name(arena *a, const char *filename)
{
    const char *base = filename;
    for (const char *s = filename; *s; s++)
        if (*s == '/' || *s == '\\')
            base = s + 1;
    char *name = arena_strdup(a, base);
    if (!name)
        return NULL;
    for (char *s = name; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            *s = '_';
    return name;
}

static parse_status open_temp(http_form_parser *fp)
{
    if (!fp->tmp_dir)
        return PARSE_IO;
    /* A random name from mkostemp, never the client's; mode 0600. */
    char *path = arena_printf(fp->a, "%s/upload-XXXXXX", fp->tmp_dir);
    if (!path)
        return PARSE_NOMEM;
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0)
        return PARSE_IO;
    fp->fd = fd;
    fp->cur.path = path;
    if (fchmod(fd, 0600) != 0)
        return PARSE_IO;
    return PARSE_OK;
}

static parse_status on_part_begin(void *ctx, const multipart_part_info *info)
{
    http_form_parser *fp = ctx;
    if (!info->filename) {
        if (fp->form.fields.count >= LIMIT_FORM_FIELDS)
            return PARSE_TOO_MANY;
        fp->is_file = false;
        fp->part_name = info->name;
        buf_reset(&fp->value);
        return PARSE_OK;
    }
    fp->is_file = true;
    fp->cur = (http_upload){
        .field = info->name,
        .filename = display_name(fp->a, info->filename),
        .content_type = info->content_type,
    };
    if (!fp->cur.filename)
        return PARSE_NOMEM;
    return open_temp(fp);
}

static parse_status write_all(int fd, const char *data, size_t n)
{
    while (n) {
        ssize_t w = write(fd, data, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return PARSE_IO;
        }
        data += w;
        n -= (size_t)w;
    }
    return PARSE_OK;
}

static parse_status on_part_data(void *ctx, const char *data, size_t n)
{
    http_form_parser *fp = ctx;
    if (fp->is_file) {
        if (n > LIMIT_UPLOAD_FILE - fp->cur.size)
            return PARSE_TOO_LONG;
        parse_status st = write_all(fp->fd, data, n);
        if (st == PARSE_OK)
            fp->cur.size += n;
        return st;
    }
    if (n > LIMIT_FIELD_VALUE - fp->value.len)
        return PARSE_TOO_LONG;
    buf_append(&fp->value, data, n);
    return buf_ok(&fp->value) ? PARSE_OK : PARSE_NOMEM;
}

static parse_status add_file(http_form_parser *fp)
{
    http_form *f = &fp->form;
    if (f->nfiles == fp->files_cap) {
        size_t cap = fp->files_cap ? fp->files_cap * 2 : 4;
        http_upload *files = arena_calloc(fp->a, cap, sizeof *files);
        if (!files)
            return PARSE_NOMEM;
        if (f->nfiles)
            memcpy(files, f->files, f->nfiles * sizeof *files);
        f->files = files;
        fp->files_cap = cap;
    }
    f->files[f->nfiles++] = fp->cur;
    fp->cur.path = NULL; /* now tracked in the form */
    return PARSE_OK;
}

static parse_status on_part_end(void *ctx)
{
    http_form_parser *fp = ctx;
    if (!fp->is_file) {
        const char *v = fp->value.data ? fp->value.data : "";
        if (!utf8_valid(v, fp->value.len))
            return PARSE_BAD_UTF8;
        char *copy = arena_strndup(fp->a, v, fp->value.len);
        if (!copy || !http_params_add(fp->a, &fp->form.fields, fp->part_name, copy, fp->value.len))
            return PARSE_NOMEM;
        return PARSE_OK;
    }
    int fd = fp->fd;
    fp->fd = -1;
    if (close(fd) != 0)
        return PARSE_IO;
    if (fp->cur.size == 0 && fp->cur.filename[0] == '\0') {
        /* A file input left empty: the browser still sends the part. */
        unlink(fp->cur.path);
        fp->cur.path = NULL;
        return PARSE_OK;
    }
    return add_file(fp);
}

static const multipart_callbacks form_callbacks = {
    .part_begin = on_part_begin,
    .part_data = on_part_data,
    .part_end = on_part_end,
};

static bool blank(const char *s)
{
    if (!s)
        return true;
    while (*s == ' ' || *s == '\t')
        s++;
    return *s == '\0';
}

http_form_parser *http_form_parser_new(arena *a, const char *content_type, const char *tmp_dir,
                                       size_t max_body, parse_status *st)
{
    form_kind kind;
    if (blank(content_type)) {
        kind = FORM_EMPTY;
    } else if (http_media_type_is(content_type, "application/x-www-form-urlencoded")) {
        kind = FORM_URLENCODED;
    } else if (http_media_type_is(content_type, "multipart/form-data")) {
        kind = FORM_MULTIPART;
    } else {
        *st = PARSE_UNSUPPORTED;
        return NULL;
    }
    *st = PARSE_NOMEM;
    http_form_parser *fp = arena_calloc(a, 1, sizeof *fp);
    if (!fp)
        return NULL;
    fp->a = a;
    fp->kind = kind;
    fp->max_body = max_body;
    fp->fd = -1;
    buf_init(&fp->body, 0);
    buf_init(&fp->value, 0);
    if (tmp_dir && !(fp->tmp_dir = arena_strdup(a, tmp_dir)))
        return NULL;
    if (kind == FORM_MULTIPART) {
        fp->mp = multipart_new(a, content_type, &form_callbacks, fp, st);
        if (!fp->mp)
            return NULL;
    }
    *st = PARSE_OK;
    return fp;
}

parse_status http_form_parser_feed(http_form_parser *fp, const char *data, size_t n)
{
    if (fp->error != PARSE_OK || fp->finished || n == 0)
        return fp->error;
    if (n > fp->max_body - fp->received)
        return fp->error = PARSE_TOO_LONG;
    fp->received += n;
    switch (fp->kind) {
    case FORM_EMPTY: fp->error = PARSE_UNSUPPORTED; break;
    case FORM_URLENCODED:
        buf_append(&fp->body, data, n);
        if (!buf_ok(&fp->body))
            fp->error = PARSE_NOMEM;
        break;
    case FORM_MULTIPART: fp->error = multipart_feed(fp->mp, data, n); break;
    }
    return fp->error;
}

parse_status http_form_parser_finish(http_form_parser *fp, http_form **out)
{
    if (!fp->finished) {
        fp->finished = true;
        if (fp->error == PARSE_OK && fp->kind == FORM_URLENCODED)
            fp->error = http_parse_urlencoded(fp->a, fp->body.data ? fp->body.data : "",
                                              fp->body.len, &fp->form.fields);
        else if (fp->error == PARSE_OK && fp->kind == FORM_MULTIPART)
            fp->error = multipart_finish(fp->mp);
        buf_free(&fp->body);
        buf_free(&fp->value);
    }
    *out = fp->error == PARSE_OK ? &fp->form : NULL;
    return fp->error;
}

void http_form_parser_cleanup(http_form_parser *fp)
{
    if (!fp)
        return;
    if (fp->fd >= 0) {
        close(fp->fd);
        fp->fd = -1;
    }
    if (fp->cur.path) {
        unlink(fp->cur.path);
        fp->cur.path = NULL;
    }
    for (size_t i = 0; i < fp->form.nfiles; i++) {
        if (fp->form.files[i].path) {
            unlink(fp->form.files[i].path);
            fp->form.files[i].path = NULL;
        }
    }
    buf_free(&fp->body);
    buf_free(&fp->value);
}
