/*
 * set.c - building and freeing a template set: reading the template
 * directory (or strings), then handing the sources to tmpl_compile().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fault.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "tmpl/internal.h"

void tmpl_error(char *err, size_t errlen, const char *file, int line, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    int k = line > 0 ? snprintf(err, errlen, "%s:%d: ", file, line)
                     : snprintf(err, errlen, "%s: ", file);
    if (k < 0) {
        err[0] = '\0';
        return;
    }
    if ((size_t)k < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
        va_end(ap);
    }
    /* A message cut short may end inside a character: drop the remnant. */
    size_t n = strlen(err);
    for (int i = 0; i < 3 && n > 0 && !utf8_valid(err, n); i++)
        err[--n] = '\0';
}

void tmpl_set_free(tmpl_set *s)
{
    if (!s)
        return;
    arena_free(&s->mem);
    free(s);
}

static tmpl_set *set_new(void)
{
    tmpl_set *s = fault_malloc(sizeof *s);
    if (!s)
        return NULL;
    memset(s, 0, sizeof *s);
    arena_init(&s->mem);
    return s;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const tmpl_source *)a)->name, ((const tmpl_source *)b)->name);
}

/* Sorts src by name, refuses duplicates, compiles into s.  Frees s and
 * returns NULL on any error. */
static tmpl_set *finish(tmpl_set *s, tmpl_source *src, size_t n, char *err, size_t errlen)
{
    if (n > 1)
        qsort(src, n, sizeof *src, by_name);
    for (size_t i = 1; i < n; i++)
        if (strcmp(src[i - 1].name, src[i].name) == 0) {
            tmpl_error(err, errlen, src[i].name, 0, "同じ名前のテンプレートが二つあります");
            tmpl_set_free(s);
            return NULL;
        }
    if (!tmpl_compile(s, src, n, err, errlen)) {
        tmpl_set_free(s);
        return NULL;
    }
    return s;
}

tmpl_set *tmpl_set_from_strings(const char *const *names, const char *const *sources, size_t n,
                                char *err, size_t errlen)
{
    if (n > LIMIT_TMPL_FILES) {
        tmpl_error(err, errlen, "(templates)", 0, "テンプレートが多すぎます（%d まで）",
                   LIMIT_TMPL_FILES);
        return NULL;
    }
    tmpl_set *s = set_new();
    tmpl_source *src = s ? arena_calloc(&s->mem, n ? n : 1, sizeof *src) : NULL;
    if (!src) {
        tmpl_error(err, errlen, "(templates)", 0, "メモリが足りません");
        tmpl_set_free(s);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = names[i] ? names[i] : "";
        if (!*name || !sources[i]) {
            tmpl_error(err, errlen, "(templates)", 0, "名前か内容のないテンプレートがあります");
            tmpl_set_free(s);
            return NULL;
        }
        size_t len = strlen(sources[i]);
        if (len > LIMIT_TMPL_FILE) {
            tmpl_error(err, errlen, name, 0, "テンプレートが大きすぎます（%d バイトまで）",
                       LIMIT_TMPL_FILE);
            tmpl_set_free(s);
            return NULL;
        }
        src[i].name = arena_strdup(&s->mem, name);
        src[i].text = arena_strndup(&s->mem, sources[i], len);
        src[i].len = len;
        if (!src[i].name || !src[i].text) {
            tmpl_error(err, errlen, name, 0, "メモリが足りません");
            tmpl_set_free(s);
            return NULL;
        }
    }
    return finish(s, src, n, err, errlen);
}

/* ---- loading a directory ---- */

typedef struct loader {
    tmpl_set *s;
    const char *root;
    tmpl_source *src;
    size_t n, cap;
    char *err;
    size_t errlen;
} loader;

static bool has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), k = strlen(suffix);
    return n > k && strcmp(name + n - k, suffix) == 0;
}

/* Reads the template at path into the set's arena as name. */
static bool read_template(loader *l, const char *path, const char *name)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        tmpl_error(l->err, l->errlen, name, 0, "読めません（%s）", strerror(errno));
        if (fd >= 0)
            close(fd);
        return false;
    }
    if (st.st_size > LIMIT_TMPL_FILE) {
        tmpl_error(l->err, l->errlen, name, 0, "テンプレートが大きすぎます（%d バイトまで）",
                   LIMIT_TMPL_FILE);
        close(fd);
        return false;
    }
    size_t size = (size_t)st.st_size, got = 0;
    char *text = arena_alloc(&l->s->mem, size + 1);
    tmpl_source *v = tmpl_grow(&l->s->mem, l->src, l->n, &l->cap, sizeof *v);
    if (!text || !v) {
        tmpl_error(l->err, l->errlen, name, 0, "メモリが足りません");
        close(fd);
        return false;
    }
    l->src = v;
    while (got < size) {
        ssize_t r = read(fd, text + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            tmpl_error(l->err, l->errlen, name, 0, "読めません（%s）", strerror(errno));
            close(fd);
            return false;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    text[got] = '\0';
    l->src[l->n++] = (tmpl_source){.name = name, .text = text, .len = got};
    return true;
}

/* Collects the templates under root/rel ("" for root itself). */
static bool walk(loader *l, const char *rel, int depth)
{
    char *dirpath = rel[0] ? arena_printf(&l->s->mem, "%s/%s", l->root, rel)
                           : arena_strdup(&l->s->mem, l->root);
    if (!dirpath) {
        tmpl_error(l->err, l->errlen, l->root, 0, "メモリが足りません");
        return false;
    }
    DIR *d = opendir(dirpath);
    if (!d) {
        tmpl_error(l->err, l->errlen, dirpath, 0, "ディレクトリを開けません（%s）",
                   strerror(errno));
        return false;
    }
    bool ok = true;
    struct dirent *e;
    while (ok && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *name = rel[0] ? arena_printf(&l->s->mem, "%s/%s", rel, e->d_name)
                            : arena_strdup(&l->s->mem, e->d_name);
        char *path = name ? arena_printf(&l->s->mem, "%s/%s", l->root, name) : NULL;
        struct stat st;
        if (!path) {
            tmpl_error(l->err, l->errlen, l->root, 0, "メモリが足りません");
            ok = false;
        } else if (stat(path, &st) != 0) {
            tmpl_error(l->err, l->errlen, name, 0, "読めません（%s）", strerror(errno));
            ok = false;
        } else if (S_ISDIR(st.st_mode)) {
            if (depth + 1 > LIMIT_TMPL_DIR_DEPTH) {
                tmpl_error(l->err, l->errlen, name, 0, "ディレクトリが深すぎます（%d 段まで）",
                           LIMIT_TMPL_DIR_DEPTH);
                ok = false;
            } else {
                ok = walk(l, name, depth + 1);
            }
        } else if (S_ISREG(st.st_mode) &&
                   (has_suffix(e->d_name, ".html") || has_suffix(e->d_name, ".txt"))) {
            if (l->n >= LIMIT_TMPL_FILES) {
                tmpl_error(l->err, l->errlen, l->root, 0, "テンプレートが多すぎます（%d まで）",
                           LIMIT_TMPL_FILES);
                ok = false;
            } else {
                ok = read_template(l, path, name);
            }
        }
    }
    closedir(d);
    return ok;
}

tmpl_set *tmpl_set_load(const char *dir, char *err, size_t errlen)
{
    tmpl_set *s = set_new();
    if (!s) {
        tmpl_error(err, errlen, dir, 0, "メモリが足りません");
        return NULL;
    }
    loader l = {.s = s, .root = dir, .err = err, .errlen = errlen};
    if (!walk(&l, "", 0)) {
        tmpl_set_free(s);
        return NULL;
    }
    return finish(s, l.src, l.n, err, errlen);
}
