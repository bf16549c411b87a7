/* demo.c - see demo.h. */
#include "domain/demo.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/ini.h"
#include "store/store.h"

typedef struct demo_ctx {
    buf text;
    char *err;
    size_t errlen;
} demo_ctx;

static bool put_setting(void *ctx, const char *key, const char *value, char *err, size_t errlen)
{
    store *db = ctx;
    store_rc rc = store_setting_put(db, key, value);
    if (rc != STORE_OK && rc != STORE_DONE) {
        snprintf(err, errlen, "%s: %s", key, store_errmsg(db));
        return false;
    }
    return true;
}

static store_rc load_settings(store *db, void *ctx)
{
    demo_ctx *c = ctx;
    if (!ini_parse(c->text.data, c->text.len, put_setting, db, c->err, c->errlen))
        return STORE_ERROR;
    return store_generation_bump(db, "setting");
}

bool demo_load(store *db, const char *share_dir, char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/data/demo/settings.ini", share_dir);
    demo_ctx c = {.err = err, .errlen = errlen};
    buf_init(&c.text, 1024 * 1024);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s を開けません", path);
        return false;
    }
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&c.text, chunk, n);
    bool ok = !ferror(f) && buf_ok(&c.text);
    fclose(f);
    if (!ok) {
        snprintf(err, errlen, "%s を読めません", path);
        buf_free(&c.text);
        return false;
    }
    buf_putc(&c.text, '\0');
    c.text.len--;
    err[0] = '\0';
    store_rc rc = store_tx(db, load_settings, &c);
    buf_free(&c.text);
    if (rc != STORE_OK && rc != STORE_DONE) {
        if (!err[0])
            snprintf(err, errlen, "%s", store_errmsg(db));
        return false;
    }
    return true;
}
