/* content_env.c - the content engine's environment for a request.  See
 * content_env.h. */
#include "web/content_env.h"

#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "web/app.h"
#include "web/media.h"

/* ---- master lists: read once per request and kind ---- */

/* The lists this request has read, by kind (a form asks for the same list
 * once per field that uses it). */
typedef struct master_cache {
    const char *kind;
    const char *const *labels;
    size_t n;
    struct master_cache *next;
} master_cache;

/* The field engine's callback context: the request and its list cache. */
typedef struct content_env_ctx {
    http_request *req;
    master_cache *cache;
} content_env_ctx;

typedef struct master_acc {
    arena *a;
    const char **labels;
    size_t n, cap;
    bool oom;
} master_acc;

static bool master_add(void *ctx, const char *code, const char *label, const char *kana)
{
    (void)code;
    (void)kana;
    master_acc *m = ctx;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 32;
        const char **p = arena_alloc(m->a, cap * sizeof *p);
        if (!p) {
            m->oom = true;
            return false;
        }
        if (m->n)
            memcpy(p, m->labels, m->n * sizeof *p);
        m->labels = p;
        m->cap = cap;
    }
    const char *s = arena_strdup(m->a, label);
    if (!s) {
        m->oom = true;
        return false;
    }
    m->labels[m->n++] = s;
    return true;
}

static const char *const *master_labels(void *ctx, const char *kind, size_t *n)
{
    content_env_ctx *c = ctx;
    http_request *req = c->req;
    *n = 0;
    for (master_cache *k = c->cache; k; k = k->next)
        if (strcmp(k->kind, kind) == 0) {
            *n = k->n;
            return k->labels;
        }
    master_acc m = {.a = req->a};
    if (store_master_each(req->db, kind, master_add, &m) != STORE_OK || m.oom || m.n == 0)
        return NULL;
    master_cache *k = arena_alloc(req->a, sizeof *k);
    const char *kcopy = arena_strdup(req->a, kind);
    if (k && kcopy) {
        *k = (master_cache){kcopy, m.labels, m.n, c->cache};
        c->cache = k;
    }
    *n = m.n;
    return m.labels;
}

static const char *media_label_of(void *ctx, long long id, bool *is_image)
{
    content_env_ctx *c = ctx;
    return web_media_label(c->req, id, is_image);
}

bool web_content_env(http_request *req, content_env *e)
{
    app *ap = req->app;
    memset(e, 0, sizeof *e);
    e->db = req->db;
    e->a = req->a;
    e->mail = ap->mail;
    e->base_url = ap->base_url;
    e->four_eyes = strcmp(ap->cfg.four_eyes, "on") == 0;
    content_env_ctx *c = arena_alloc(req->a, sizeof *c);
    if (!c)
        return false;
    *c = (content_env_ctx){.req = req, .cache = NULL};
    e->fields.a = req->a;
    e->fields.master = master_labels;
    e->fields.media = media_label_of;
    e->fields.ctx = c;
    return req->db != NULL;
}

static const char *form_get(void *ctx, const char *name, size_t nth)
{
    http_request *req = ctx;
    return req->form ? http_params_get_nth(&req->form->fields, name, nth) : NULL;
}

void web_field_input(http_request *req, field_input *in)
{
    in->get = form_get;
    in->ctx = req;
}

const content_type *web_content_type(http_request *req)
{
    return content_type_find(http_param(req, "type"));
}

