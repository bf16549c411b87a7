/* mail.c - rendering mail into the outbox.  See mail.h. */
#include "domain/mail.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/fault.h"
#include "mail/addr.h"
#include "mail/message.h"
#include "mail/template.h"
#include "store/outbox.h"
#include "tmpl/tmpl.h"

/* How many mail kinds and shared parts templates/mail may hold. */
#define MAIL_KINDS_MAX 256

typedef struct mail_kind {
    char name[64];
    bool bcc_centre;
} mail_kind;

struct mail_env {
    tmpl_set *tmpl; /* "mail/KIND.subject.txt", "mail/KIND.body.txt", "mail/_part.txt" */
    mail_kind kinds[MAIL_KINDS_MAX];
    size_t nkinds;
    char from[256];
    char from_name[256]; /* "" = the centre's name from the settings */
    char centre_bcc[256];
    char base_url[512];
    char domain[256]; /* of from: the Message-ID's right-hand side */
};

/* ---- loading ---- */

typedef struct loader {
    char *names[2 * MAIL_KINDS_MAX];
    char *sources[2 * MAIL_KINDS_MAX];
    size_t n;
} loader;

static void loader_free(loader *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->names[i]);
        free(l->sources[i]);
    }
}

/* Takes name and source (malloc'd) into l; frees them when l is full. */
static bool loader_add(loader *l, char *name, char *source)
{
    if (!name || !source || l->n >= sizeof l->names / sizeof *l->names) {
        free(name);
        free(source);
        return false;
    }
    l->names[l->n] = name;
    l->sources[l->n++] = source;
    return true;
}

static char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *str_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? fault_malloc((size_t)n + 1) : NULL;
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* Reads a whole file (at most MAIL_TEMPLATE_MAX bytes) into a NUL-terminated
 * malloc'd string. */
static char *read_small(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s を開けません: %s", path, strerror(errno));
        return NULL;
    }
    buf b = BUF_INIT;
    buf_init(&b, MAIL_TEMPLATE_MAX + 1);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad || !buf_ok(&b) || b.len > MAIL_TEMPLATE_MAX) {
        snprintf(err, errlen, "%s を読めません（大きすぎるか、読み込みに失敗しました）", path);
        buf_free(&b);
        return NULL;
    }
    *len = b.len;
    buf_putc(&b, '\0');
    if (!buf_ok(&b)) {
        snprintf(err, errlen, "メモリが足りません");
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b, NULL);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds one file of templates/mail to l (and to e's kinds). */
static bool load_one(mail_env *e, loader *l, const char *dir, const char *file, char *err,
                     size_t errlen)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t len;
    char *text = read_small(path, &len, err, errlen);
    if (!text)
        return false;
    if (file[0] == '_') { /* a shared part: compiled as written */
        if (!loader_add(l, str_printf("mail/%s", file), text)) {
            snprintf(err, errlen, "メール文面が多すぎるか、メモリが足りません");
            return false;
        }
        return true;
    }
    size_t stem = strlen(file) - 4;
    if (stem >= sizeof e->kinds[0].name || e->nkinds >= MAIL_KINDS_MAX) {
        snprintf(err, errlen, "%s: 名前が長すぎるか、メール文面が多すぎます", path);
        free(text);
        return false;
    }
    mail_template_parts parts;
    char why[256];
    if (!mail_template_split(text, len, &parts, why, sizeof why)) {
        snprintf(err, errlen, "%s: %s", path, why);
        free(text);
        return false;
    }
    free(text);
    mail_kind *k = &e->kinds[e->nkinds];
    memcpy(k->name, file, stem);
    k->name[stem] = '\0';
    k->bcc_centre = parts.bcc_centre;
    bool ok = loader_add(l, str_printf("mail/%s.subject.txt", k->name), parts.subject);
    ok = loader_add(l, str_printf("mail/%s.body.txt", k->name), parts.body) && ok;
    if (!ok) {
        snprintf(err, errlen, "メール文面が多すぎるか、メモリが足りません");
        return false;
    }
    e->nkinds++;
    return true;
}

/* The host part of an http(s) URL, or "" when there is none. */
static void url_host(const char *url, char *out, size_t n)
{
    out[0] = '\0';
    const char *h = strstr(url, "://");
    if (!h)
        return;
    h += 3;
    size_t len = strcspn(h, ":/");
    if (len == 0 || len >= n || *h == '[')
        return;
    memcpy(out, h, len);
    out[len] = '\0';
}

bool mail_from_address(const config *cfg, char *out, size_t n)
{
    if (cfg->smtp_from[0]) {
        snprintf(out, n, "%s", cfg->smtp_from);
    } else {
        char host[200];
        url_host(cfg->base_url, host, sizeof host);
        snprintf(out, n, "noreply@%s", host[0] ? host : "localhost");
    }
    return mail_addr_valid(out);
}

mail_env *mail_env_load(const config *cfg, char *err, size_t errlen)
{
    mail_env *e = fault_malloc(sizeof *e);
    if (!e) {
        snprintf(err, errlen, "メモリが足りません");
        return NULL;
    }
    memset(e, 0, sizeof *e);
    snprintf(e->from_name, sizeof e->from_name, "%s", cfg->smtp_from_name);
    snprintf(e->centre_bcc, sizeof e->centre_bcc, "%s", cfg->centre_bcc);
    snprintf(e->base_url, sizeof e->base_url, "%s", cfg->base_url);
    if (!mail_from_address(cfg, e->from, sizeof e->from)) {
        snprintf(err, errlen, "送信元のメールアドレス %s が正しくありません（smtp_from を設定してください）",
                 e->from);
        free(e);
        return NULL;
    }
    snprintf(e->domain, sizeof e->domain, "%s", mail_addr_domain(e->from));

    char dir[4200];
    snprintf(dir, sizeof dir, "%s/templates/mail", cfg->share_dir);
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s を開けません: %s", dir, strerror(errno));
        free(e);
        return NULL;
    }
    /* Sorted, so that errors and kinds come in a stable order. */
    char *files[2 * MAIL_KINDS_MAX];
    size_t nfiles = 0;
    bool ok = true;
    struct dirent *de;
    while (ok && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || !ends_with(de->d_name, ".txt"))
            continue;
        if (nfiles >= sizeof files / sizeof *files) {
            snprintf(err, errlen, "%s: メール文面が多すぎます", dir);
            ok = false;
            break;
        }
        size_t n = strlen(de->d_name) + 1;
        files[nfiles] = fault_malloc(n);
        if (!files[nfiles]) {
            snprintf(err, errlen, "メモリが足りません");
            ok = false;
            break;
        }
        memcpy(files[nfiles++], de->d_name, n);
    }
    closedir(d);
    qsort(files, nfiles, sizeof *files, by_name);
    loader l = {.n = 0};
    for (size_t i = 0; ok && i < nfiles; i++)
        ok = load_one(e, &l, dir, files[i], err, errlen);
    for (size_t i = 0; i < nfiles; i++)
        free(files[i]);
    if (ok) {
        e->tmpl = tmpl_set_from_strings((const char *const *)l.names,
                                        (const char *const *)l.sources, l.n, err, errlen);
        ok = e->tmpl != NULL;
    }
    loader_free(&l);
    if (!ok) {
        free(e);
        return NULL;
    }
    return e;
}

void mail_env_free(mail_env *e)
{
    if (!e)
        return;
    tmpl_set_free(e->tmpl);
    free(e);
}

static const mail_kind *find_kind(const mail_env *e, const char *name)
{
    for (size_t i = 0; i < e->nkinds; i++)
        if (strcmp(e->kinds[i].name, name) == 0)
            return &e->kinds[i];
    return NULL;
}

bool mail_kind_exists(const mail_env *e, const char *kind)
{
    return find_kind(e, kind) != NULL;
}

const char *mail_env_from(const mail_env *e)
{
    return e->from;
}

/* ---- rendering ---- */

/* What one send shares between its recipients: the settings tree and the
 * From name, read once. */
typedef struct shared_values {
    tv *settings;
    const char *from_name;
} shared_values;

typedef struct settings_ctx {
    arena *a;
    tv *root;
    bool ok;
} settings_ctx;

/* Puts value at the dotted key: "centre.name" -> root.centre.name. */
static bool add_setting(void *ctx, const char *key, const char *value)
{
    settings_ctx *c = ctx;
    tv *map = c->root;
    const char *p = key;
    for (const char *dot; (dot = strchr(p, '.')) != NULL; p = dot + 1) {
        char *part = arena_strndup(c->a, p, (size_t)(dot - p));
        if (!part) {
            c->ok = false;
            return false;
        }
        tv *next = (tv *)tv_get(map, part);
        if (tv_kind(next) != TV_MAP) {
            next = tv_map(c->a);
            if (!tv_set(c->a, map, part, next)) {
                c->ok = false;
                return false;
            }
        }
        map = next;
    }
    if (!tv_set_str(c->a, map, p, value))
        c->ok = false;
    return c->ok;
}

static store_rc shared_load(store *db, const mail_env *e, arena *a, shared_values *s, char *err,
                            size_t errlen)
{
    settings_ctx c = {.a = a, .root = tv_map(a), .ok = true};
    if (!c.root) {
        snprintf(err, errlen, "メモリが足りません");
        return STORE_NOMEM;
    }
    store_rc rc = store_setting_each(db, add_setting, &c);
    if (rc != STORE_OK)
        return rc;
    if (!c.ok) {
        snprintf(err, errlen, "メモリが足りません");
        return STORE_NOMEM;
    }
    s->settings = c.root;
    s->from_name = e->from_name;
    if (!s->from_name[0]) {
        const tv *centre = tv_get(c.root, "centre");
        const char *name = tv_text(tv_get(centre, "name"), NULL);
        s->from_name = name ? name : "";
    }
    return STORE_OK;
}

/* Renders template name into out as a NUL-terminated string. */
static bool render(const mail_env *e, const char *name, const tv *root, buf *out, char *err,
                   size_t errlen)
{
    buf_reset(out);
    if (!tmpl_render(e->tmpl, name, root, out, err, errlen))
        return false;
    buf_putc(out, '\0');
    if (!buf_ok(out)) {
        snprintf(err, errlen, "メモリが足りません");
        return false;
    }
    return true;
}

/* Renders, composes and inserts one message. */
static store_rc enqueue_one(store *db, const mail_env *e, arena *a, const shared_values *s,
                            const mail_kind *k, const char *to_addr, const char *to_name,
                            tv *values, int64_t bulk_id, int64_t *id, char *err, size_t errlen)
{
    if (!to_addr || !mail_addr_valid(to_addr)) {
        snprintf(err, errlen, "宛先のメールアドレスが正しくありません");
        return STORE_ERROR;
    }
    tv *root = values ? values : tv_map(a);
    tv *to = tv_map(a);
    if (!root || !to || !tv_set_str(a, to, "address", to_addr) ||
        !tv_set_str(a, to, "name", to_name ? to_name : "") || !tv_set(a, root, "to", to) ||
        !tv_set(a, root, "settings", s->settings) ||
        !tv_set_str(a, root, "base_url", e->base_url)) {
        snprintf(err, errlen, "メモリが足りません");
        return STORE_NOMEM;
    }
    char name[128], now[STORE_TIMESTAMP_LEN], msgid[MAIL_MESSAGE_ID_MAX];
    buf subject = BUF_INIT, body = BUF_INIT, msg = BUF_INIT;
    store_rc rc = STORE_ERROR;
    snprintf(name, sizeof name, "mail/%s.subject.txt", k->name);
    if (!render(e, name, root, &subject, err, errlen))
        goto out;
    snprintf(name, sizeof name, "mail/%s.body.txt", k->name);
    if (!render(e, name, root, &body, err, errlen))
        goto out;
    if (!mail_message_id(e->domain, msgid, sizeof msgid)) {
        snprintf(err, errlen, "Message-ID を作れません");
        goto out;
    }
    mail_message m = {
        .from_addr = e->from,
        .from_name = s->from_name[0] ? s->from_name : NULL,
        .to_addr = to_addr,
        .to_name = to_name && to_name[0] ? to_name : NULL,
        .subject = subject.data,
        .subject_len = subject.len - 1, /* render() added the NUL */
        .body = body.data,
        .body_len = body.len - 1,
        .message_id = msgid,
        .date = (int64_t)time(NULL),
    };
    if (!mail_compose(&m, &msg, err, errlen))
        goto out;
    buf_putc(&msg, '\0');
    if (!buf_ok(&msg)) {
        snprintf(err, errlen, "メモリが足りません");
        rc = STORE_NOMEM;
        goto out;
    }
    store_timestamp(now);
    store_outbox_new row = {
        .kind = k->name,
        .message_id = msgid,
        .mail_from = e->from,
        .rcpt_to = to_addr,
        .bcc = k->bcc_centre ? e->centre_bcc : "",
        .subject = subject.data,
        .message = msg.data,
        .bulk_id = bulk_id,
        .now = now,
    };
    rc = store_outbox_insert(db, &row, id);
    if (rc != STORE_OK)
        snprintf(err, errlen, "送信待ちのメールを保存できません: %s", store_errmsg(db));
out:
    buf_free(&subject);
    buf_free(&body);
    buf_free(&msg);
    return rc;
}

store_rc mail_enqueue(store *db, const mail_env *e, arena *a, const char *kind,
                      const char *to_addr, const char *to_name, tv *values, int64_t *id, char *err,
                      size_t errlen)
{
    const mail_kind *k = find_kind(e, kind);
    if (!k) {
        snprintf(err, errlen, "メールの種類「%s」の文面がありません", kind);
        return STORE_ERROR;
    }
    shared_values s;
    store_rc rc = shared_load(db, e, a, &s, err, errlen);
    if (rc != STORE_OK)
        return rc;
    return enqueue_one(db, e, a, &s, k, to_addr, to_name, values, 0, id, err, errlen);
}

store_rc mail_enqueue_bulk(store *db, const mail_env *e, arena *a, const char *kind,
                           const char *title, const mail_recipient *r, size_t n,
                           mail_bulk_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    const mail_kind *k = find_kind(e, kind);
    if (!k) {
        snprintf(err, errlen, "メールの種類「%s」の文面がありません", kind);
        return STORE_ERROR;
    }
    shared_values s;
    store_rc rc = shared_load(db, e, a, &s, err, errlen);
    if (rc != STORE_OK)
        return rc;
    char now[STORE_TIMESTAMP_LEN];
    store_timestamp(now);
    rc = store_mail_bulk_insert(db, kind, title, now, &res->bulk_id);
    if (rc != STORE_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        int stopped = r[i].addr ? store_mail_stop_has(db, r[i].addr) : 0;
        if (stopped < 0)
            return STORE_ERROR;
        if (stopped) {
            res->stopped++;
            continue;
        }
        /* Each recipient's values live in a's memory; a bulk of many
         * thousands renders into the same arena, so keep values small. */
        char why[256];
        rc = enqueue_one(db, e, a, &s, k, r[i].addr, r[i].name, r[i].values, res->bulk_id, NULL,
                         why, sizeof why);
        if (rc != STORE_OK) {
            snprintf(err, errlen, "%zu 件目（%s）: %s", i + 1,
                     r[i].addr && mail_addr_valid(r[i].addr) ? r[i].addr : "不正なアドレス", why);
            return rc;
        }
        res->queued++;
    }
    return STORE_OK;
}
