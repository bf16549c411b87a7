/* app.c - see app.h. */
#include "web/app.h"

#include <stdio.h>
#include <string.h>

#include "core/secret.h"
#include "domain/mail.h"
#include "http/csrf.h"

bool app_init(app *a, const config *cfg, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->cfg = *cfg;
    char path[4200], msg[512];

    snprintf(path, sizeof path, "%s/templates", cfg->share_dir);
    a->tmpl = tmpl_set_load(path, msg, sizeof msg);
    if (!a->tmpl) {
        snprintf(err, errlen, "テンプレートの読み込みに失敗しました: %s", msg);
        goto fail;
    }
    a->mail = mail_env_load(cfg, msg, sizeof msg);
    if (!a->mail) {
        snprintf(err, errlen, "メールの文面の読み込みに失敗しました: %s", msg);
        goto fail;
    }
    account_params_init(&a->account, cfg);
    snprintf(path, sizeof path, "%s/keys", cfg->data_dir);
    a->keys = sealbox_keyring_load(path, msg, sizeof msg);
    if (!a->keys) {
        snprintf(err, errlen, "鍵を読み込めません: %s", msg);
        goto fail;
    }
    /* Mailed links never take the host from a request's Host header (a
     * forged one would point reset links at another site). */
    if (cfg->base_url[0])
        snprintf(a->base_url, sizeof a->base_url, "%s", cfg->base_url);
    else
        snprintf(a->base_url, sizeof a->base_url, "http://%s%s%s:%u",
                 strchr(cfg->listen_host, ':') ? "[" : "", cfg->listen_host,
                 strchr(cfg->listen_host, ':') ? "]" : "", cfg->port);
    snprintf(path, sizeof path, "%s/static", cfg->share_dir);
    a->statics = static_open(path, msg, sizeof msg);
    if (!a->statics) {
        snprintf(err, errlen, "static/ を開けません: %s", msg);
        goto fail;
    }
    a->router = router_compile(web_routes, web_routes_count, msg, sizeof msg);
    if (!a->router) {
        snprintf(err, errlen, "ルート表の誤り: %s", msg);
        goto fail;
    }
    uint8_t key[SECRET_KEY_LEN];
    snprintf(path, sizeof path, "%s/csrf.key", cfg->data_dir);
    if (!secret_load(path, key, msg, sizeof msg)) {
        snprintf(err, errlen, "%s", msg);
        goto fail;
    }
    csrf_set_key(key);
    memset(key, 0, sizeof key);
    return true;
fail:
    app_free(a);
    return false;
}

void app_free(app *a)
{
    tmpl_set_free(a->tmpl);
    mail_env_free(a->mail);
    sealbox_keyring_free(a->keys);
    if (a->statics)
        static_close(a->statics);
    router_free(a->router);
    memset(a, 0, sizeof *a);
}
