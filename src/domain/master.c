/* master.c - see master.h. */
#include "domain/master.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/utf8.h"
#include "store/store.h"

typedef struct load_ctx {
    const char *dir;
    char **names;
    size_t nnames;
    long count;
    char *err;
    size_t errlen;
} load_ctx;

static bool read_file(const char *path, buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(out, chunk, n);
    bool ok = !ferror(f) && buf_ok(out);
    fclose(f);
    return ok;
}

/* Loads one file; kind is the file name without ".tsv". */
static store_rc load_file(store *db, load_ctx *c, const char *name)
{
    char path[4200], kind[256];
    snprintf(path, sizeof path, "%s/%s", c->dir, name);
    size_t klen = strlen(name) - 4;
    if (klen >= sizeof kind)
        klen = sizeof kind - 1;
    memcpy(kind, name, klen);
    kind[klen] = '\0';

    buf text;
    buf_init(&text, 4 * 1024 * 1024);
    if (!read_file(path, &text) || !utf8_valid(text.data ? text.data : "", text.len)) {
        snprintf(c->err, c->errlen, "%s: 読めないか、UTF-8 ではありません", path);
        buf_free(&text);
        return STORE_ERROR;
    }
    store_rc rc = STORE_OK;
    char *save = NULL;
    int lineno = 0, sort = 0;
    for (char *line = strtok_r(text.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        if (lineno == 1 || len == 0 || line[0] == '#')
            continue; /* header, blank, comment */
        char *code = line, *label = strchr(code, '\t'), *kana = NULL;
        if (label) {
            *label++ = '\0';
            kana = strchr(label, '\t');
            if (kana)
                *kana++ = '\0';
        }
        if (!label || !*code || !*label) {
            snprintf(c->err, c->errlen, "%s:%d: 「コード<TAB>名称<TAB>かな」の形式ではありません",
                     path, lineno);
            rc = STORE_ERROR;
            break;
        }
        rc = store_master_put(db, kind, code, label, kana && *kana ? kana : NULL, ++sort);
        if (rc != STORE_OK && rc != STORE_DONE) {
            snprintf(c->err, c->errlen, "%s:%d: %s", path, lineno, store_errmsg(db));
            break;
        }
        rc = STORE_OK;
        c->count++;
    }
    buf_free(&text);
    return rc;
}

static store_rc load_all(store *db, void *ctx)
{
    load_ctx *c = ctx;
    c->count = 0;
    for (size_t i = 0; i < c->nnames; i++) {
        store_rc rc = load_file(db, c, c->names[i]);
        if (rc != STORE_OK)
            return rc;
    }
    return store_generation_bump(db, "master");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

long master_load_dir(store *db, const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: マスターデータのフォルダを開けません", dir);
        return -1;
    }
    load_ctx c = {.dir = dir, .err = err, .errlen = errlen};
    size_t cap = 0;
    struct dirent *e;
    bool ok = true;
    while (ok && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n <= 4 || e->d_name[0] == '.' || strcmp(e->d_name + n - 4, ".tsv") != 0)
            continue;
        if (c.nnames == cap) {
            cap = cap ? cap * 2 : 16;
            char **p = realloc(c.names, cap * sizeof *p);
            if (!p) {
                ok = false;
                break;
            }
            c.names = p;
        }
        if (!(c.names[c.nnames] = strdup(e->d_name)))
            ok = false;
        else
            c.nnames++;
    }
    closedir(d);
    long result = -1;
    if (!ok) {
        snprintf(err, errlen, "メモリが不足しています");
    } else {
        qsort(c.names, c.nnames, sizeof *c.names, cmp_str);
        err[0] = '\0';
        store_rc rc = store_tx(db, load_all, &c);
        if (rc == STORE_OK || rc == STORE_DONE)
            result = c.count;
        else if (!err[0])
            snprintf(err, errlen, "%s", store_errmsg(db));
    }
    for (size_t i = 0; i < c.nnames; i++)
        free(c.names[i]);
    free(c.names);
    return result;
}
