/* libFuzzer target: ini_parse() on arbitrary bytes, each pair fed to
 * config_set() on a scratch config.  Errors are expected; what must hold is
 * that nothing crashes or leaks, every error message is terminated valid
 * UTF-8 starting with "line N: ", and the config keeps only valid values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/ini.h"
#include "core/utf8.h"

typedef struct scratch {
    config c;
    bool keep_going;   /* ignore config_set() errors to reach later lines */
} scratch;

static bool set_pair(void *ctx, const char *key, const char *value, char *err, size_t errlen)
{
    scratch *s = ctx;
    bool ok = config_set(&s->c, key, value, NULL, err, errlen);
    if (!ok && !utf8_valid(err, strlen(err)))
        abort();
    return ok || s->keep_going;
}

static void check_string(const char *field, size_t size)
{
    size_t n = strnlen(field, size);
    if (n == size || !utf8_valid(field, n))
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)field[i] < 0x20 || field[i] == 0x7F)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static scratch s;
    config_defaults(&s.c);
    s.keep_going = size > 0 && (data[0] & 1);
    char err[160];
    err[0] = '\0';
    if (!ini_parse((const char *)data, size, set_pair, &s, err, sizeof err)) {
        if (strncmp(err, "line ", 5) != 0 || !utf8_valid(err, strlen(err)))
            abort();
    }
    const config *c = &s.c;
    check_string(c->listen_host, sizeof c->listen_host);
    check_string(c->data_dir, sizeof c->data_dir);
    check_string(c->share_dir, sizeof c->share_dir);
    check_string(c->trusted_proxies, sizeof c->trusted_proxies);
    check_string(c->base_url, sizeof c->base_url);
    check_string(c->smtp_url, sizeof c->smtp_url);
    check_string(c->smtp_from, sizeof c->smtp_from);
    check_string(c->smtp_user, sizeof c->smtp_user);
    check_string(c->centre_bcc, sizeof c->centre_bcc);
    if (c->port < 1 || c->port > 65535 || c->threads < 1 || c->threads > 256 ||
        c->log_level < LOG_DEBUG || c->log_level > LOG_ERROR || !c->data_dir[0])
        abort();
    /* what describe prints must load back */
    buf b = BUF_INIT;
    config_describe(c, &b);
    config again;
    config_defaults(&again);
    if (b.data && !ini_parse(b.data, b.len, set_pair, &(scratch){again, false}, err, sizeof err))
        abort();
    buf_free(&b);
    return 0;
}
