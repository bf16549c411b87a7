/*
 * config.c - see config.h.
 *
 * Every key is one row of a table: its name, the kind of value it takes, the
 * field it fills and its range.  config_set(), config_load_env() and
 * config_describe() all walk that table, so adding a key is one row (and a
 * field in the struct).
 */
#include "core/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fault.h"
#include "core/ini.h"
#include "core/limits.h"
#include "core/utf8.h"

#ifndef TSUNAGU_SHARE_DIR
#define TSUNAGU_SHARE_DIR "."
#endif

typedef enum {
    KIND_LISTEN,    /* listen_host + port */
    KIND_PORT,      /* port alone */
    KIND_UINT,      /* unsigned in [min, max] */
    KIND_PATH,      /* file or directory name */
    KIND_TEXT,      /* free text */
    KIND_PROXIES,   /* comma-separated IP addresses */
    KIND_HTTP_URL,  /* http:// or https:// */
    KIND_SMTP_URL,  /* smtp:// or smtps:// */
    KIND_MAIL,      /* one mail address */
    KIND_LEVEL,     /* log level name */
    KIND_CHOICE,    /* one of the words in choices */
} key_kind;

typedef struct key_desc {
    const char *name;
    key_kind kind;
    size_t offset;   /* of the field in struct config */
    size_t size;     /* of a char[] field */
    unsigned min, max;
    bool empty_ok;
    const char *const *choices; /* KIND_CHOICE: NULL-terminated */
} key_desc;

#define STR_FIELD(f) offsetof(config, f), sizeof(((config *)0)->f)
#define UINT_FIELD(f) offsetof(config, f), 0

static const char *const tls_choices[] = {"auto", "starttls", "none", NULL};
static const char *const on_off[] = {"on", "off", NULL};

/* The ranges of the session and lockout settings are sanity bounds, not
 * policy: the security policy's values are the defaults. */
static const key_desc keys[] = {
    {"listen", KIND_LISTEN, 0, 0, 0, 0, false, NULL},
    {"port", KIND_PORT, UINT_FIELD(port), 1, 65535, false, NULL},
    {"data_dir", KIND_PATH, STR_FIELD(data_dir), 0, 0, false, NULL},
    {"share_dir", KIND_PATH, STR_FIELD(share_dir), 0, 0, false, NULL},
    {"threads", KIND_UINT, UINT_FIELD(threads), 1, LIMIT_WORKER_THREADS, false, NULL},
    {"client_timeout", KIND_UINT, UINT_FIELD(client_timeout), 1, 3600, false, NULL},
    {"trusted_proxies", KIND_PROXIES, STR_FIELD(trusted_proxies), 0, 0, true, NULL},
    {"base_url", KIND_HTTP_URL, STR_FIELD(base_url), 0, 0, true, NULL},
    {"log_level", KIND_LEVEL, 0, 0, 0, 0, false, NULL},
    {"smtp_url", KIND_SMTP_URL, STR_FIELD(smtp_url), 0, 0, false, NULL},
    {"smtp_from", KIND_MAIL, STR_FIELD(smtp_from), 0, 0, true, NULL},
    {"smtp_user", KIND_TEXT, STR_FIELD(smtp_user), 0, 0, true, NULL},
    {"smtp_password_file", KIND_PATH, STR_FIELD(smtp_password_file), 0, 0, true, NULL},
    {"centre_bcc", KIND_MAIL, STR_FIELD(centre_bcc), 0, 0, true, NULL},
    {"smtp_from_name", KIND_TEXT, STR_FIELD(smtp_from_name), 0, 0, true, NULL},
    {"smtp_tls", KIND_CHOICE, STR_FIELD(smtp_tls), 0, 0, false, tls_choices},
    {"worker", KIND_CHOICE, STR_FIELD(worker), 0, 0, false, on_off},
    {"four_eyes", KIND_CHOICE, STR_FIELD(four_eyes), 0, 0, false, on_off},
    /* a try every second to a try a day; a mail a minute to a day of tries */
    {"mail_connections", KIND_UINT, UINT_FIELD(mail_connections), 1, 16, false, NULL},
    {"smtp_ca_file", KIND_PATH, STR_FIELD(smtp_ca_file), 0, 0, true, NULL},
    {"mail_max_attempts", KIND_UINT, UINT_FIELD(mail_max_attempts), 1, 100, false, NULL},
    {"mail_retry_base", KIND_UINT, UINT_FIELD(mail_retry_base), 1, 86400, false, NULL},
    {"mail_lease", KIND_UINT, UINT_FIELD(mail_lease), 1, 86400, false, NULL},
    {"mail_bulk_rate", KIND_UINT, UINT_FIELD(mail_bulk_rate), 0, 1000000, false, NULL},
    {"mail_keep_days", KIND_UINT, UINT_FIELD(mail_keep_days), 1, 3650, false, NULL},
    /* one day idle, 30 days absolute: beyond that a "session" is a password */
    {"session_idle_min", KIND_UINT, UINT_FIELD(session_idle_min), 1, 1440, false, NULL},
    {"session_abs_hours", KIND_UINT, UINT_FIELD(session_abs_hours), 1, 720, false, NULL},
    {"staff_session_idle_min", KIND_UINT, UINT_FIELD(staff_session_idle_min), 1, 1440, false,
     NULL},
    {"staff_session_abs_hours", KIND_UINT, UINT_FIELD(staff_session_abs_hours), 1, 720, false,
     NULL},
    /* spec 3.5.2: a year at least; ten at most */
    {"security_log_keep_days", KIND_UINT, UINT_FIELD(security_log_keep_days), 365, 3650, false,
     NULL},
    {"lockout_failures", KIND_UINT, UINT_FIELD(lockout_failures), 1, 100, false, NULL},
    {"lockout_min", KIND_UINT, UINT_FIELD(lockout_min), 1, 1440, false, NULL},
};
#define NKEYS (sizeof keys / sizeof keys[0])

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void config_defaults(config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->listen_host, sizeof c->listen_host, "%s", "127.0.0.1");
    c->port = 8080;
    snprintf(c->data_dir, sizeof c->data_dir, "%s", "./var");
    snprintf(c->share_dir, sizeof c->share_dir, "%s", TSUNAGU_SHARE_DIR);
    c->threads = 16;
    c->client_timeout = LIMIT_CONNECTION_TIMEOUT_S;
    c->log_level = LOG_INFO;
    snprintf(c->smtp_url, sizeof c->smtp_url, "%s", "smtp://127.0.0.1:2525");
    snprintf(c->smtp_tls, sizeof c->smtp_tls, "%s", "auto");
    snprintf(c->worker, sizeof c->worker, "%s", "on");
    snprintf(c->four_eyes, sizeof c->four_eyes, "%s", "off");
    c->mail_connections = 4;
    c->mail_max_attempts = 10;
    c->mail_retry_base = 60;
    c->mail_lease = 300;
    c->mail_bulk_rate = 600;
    c->mail_keep_days = 90;
    c->session_idle_min = 30;
    c->session_abs_hours = 12;
    c->staff_session_idle_min = 15;
    c->staff_session_abs_hours = 8;
    c->security_log_keep_days = 400;
    c->lockout_failures = 5;
    c->lockout_min = 30;
}

/* --- messages --- */


/* err = "SOURCE: KEY: message" (SOURCE: left out when NULL). */
static bool key_error(char *err, size_t errlen, const char *source, const char *key,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static bool key_error(char *err, size_t errlen, const char *source, const char *key,
                      const char *fmt, ...)
{
    if (errlen == 0)
        return false;
    int p = source ? snprintf(err, errlen, "%s: %s: ", source, key)
                   : snprintf(err, errlen, "%s: ", key);
    if (p >= 0 && (size_t)p < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + p, errlen - (size_t)p, fmt, ap);
        va_end(ap);
    }
    utf8_trim_partial(err);
    return false;
}

/* A short, printable rendering of a value for a message: at most 64 bytes,
 * cut at a character boundary.  (Values reaching it are valid UTF-8 without
 * controls; config_set() checks that first.) */
typedef struct shown {
    char s[64 + sizeof "…"];
} shown;

static shown show(const char *v)
{
    shown r;
    size_t n = strlen(v);
    if (n <= 64) {
        memcpy(r.s, v, n + 1);
        return r;
    }
    memcpy(r.s, v, 64);
    r.s[64] = '\0';
    utf8_trim_partial(r.s);
    strcat(r.s, "…");
    return r;
}

/* --- value parsers --- */

/* Decimal digits only, no sign, no spaces; false on overflow past max. */
static bool parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
    if (!*s)
        return false;
    unsigned long long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned)(*s - '0');
        if (v > max)
            return false;
    }
    if (v < min)
        return false;
    *out = (unsigned)v;
    return true;
}

static bool is_ip(const char *s)
{
    unsigned char addr[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1;
}

/* A DNS name: labels of letters, digits and '-' (not at either end),
 * separated by dots. */
static bool is_hostname(const char *s, size_t n)
{
    if (n == 0)
        return false;
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '.') {
            if (label == 0 || s[i - 1] == '-')
                return false;
            label = 0;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || (ch == '-' && label > 0)) {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return label > 0 && s[n - 1] != '-';
}

static bool set_listen(config *c, const char *v, const char *src, char *err, size_t errlen)
{
    const char *host, *port_str;
    size_t host_len;
    bool v6 = false;
    if (v[0] == '[') {
        const char *close = strchr(v, ']');
        if (!close || close[1] != ':')
            return key_error(err, errlen, src, "listen",
                             "%s は [IPv6アドレス]:ポート の形で指定してください", show(v).s);
        host = v + 1;
        host_len = (size_t)(close - host);
        port_str = close + 2;
        v6 = true;
    } else {
        const char *colon = strrchr(v, ':');
        if (!colon)
            return key_error(err, errlen, src, "listen",
                             "%s は ホスト:ポート、[IPv6アドレス]:ポート、:ポート のいずれかの形で"
                             "指定してください",
                             show(v).s);
        host = v;
        host_len = (size_t)(colon - v);
        if (memchr(host, ':', host_len))
            return key_error(err, errlen, src, "listen",
                             "IPv6 アドレスは [::1]:8080 のように [ ] で囲んでください");
        port_str = colon + 1;
    }
    unsigned port;
    if (!parse_uint(port_str, 1, 65535, &port))
        return key_error(err, errlen, src, "listen",
                         "ポート番号 %s は 1 から 65535 の整数で指定してください",
                         show(port_str).s);
    char h[sizeof c->listen_host];
    if (host_len >= sizeof h)
        return key_error(err, errlen, src, "listen", "ホスト名が長すぎます（最大 %zu バイト）",
                         sizeof h - 1);
    memcpy(h, host, host_len);
    h[host_len] = '\0';
    if (v6) {
        unsigned char addr[sizeof(struct in6_addr)];
        if (inet_pton(AF_INET6, h, addr) != 1)
            return key_error(err, errlen, src, "listen", "%s は IPv6 アドレスではありません",
                             show(h).s);
    } else if (host_len > 0 && !is_ip(h) && !is_hostname(h, host_len)) {
        return key_error(err, errlen, src, "listen",
                         "%s は IP アドレスでもホスト名でもありません", show(h).s);
    }
    if (host_len > 0)
        memcpy(c->listen_host, h, host_len + 1);
    c->port = port;
    return true;
}

/* "a, b,c" -> "a,b,c" into out (size bytes), each item an IP address. */
static bool set_proxies(char *out, size_t size, const char *v, const char *src, char *err,
                        size_t errlen)
{
    const char *key = "trusted_proxies";
    buf norm = BUF_INIT;
    for (const char *p = v; *v != '\0';) {   /* "" is an empty list */
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *s = p, *e = end;
        while (s < e && *s == ' ')
            s++;
        while (e > s && e[-1] == ' ')
            e--;
        char item[INET6_ADDRSTRLEN + 1];
        size_t n = (size_t)(e - s);
        bool ok = n > 0 && n < sizeof item;
        if (ok) {
            memcpy(item, s, n);
            item[n] = '\0';
            ok = is_ip(item);
        }
        if (!ok) {
            buf_free(&norm);
            if (n == 0)
                return key_error(err, errlen, src, key, "空の項目があります（, が余分です）");
            char bad[sizeof item];
            snprintf(bad, sizeof bad, "%.*s", (int)(n < sizeof bad ? n : sizeof bad - 1), s);
            utf8_trim_partial(bad);
            return key_error(err, errlen, src, key,
                             "%s は IP アドレスではありません（CIDR やホスト名は使えません）",
                             bad);
        }
        if (norm.len)
            buf_putc(&norm, ',');
        buf_append(&norm, item, n);
        if (!*end)
            break;
        p = end + 1;
    }
    if (!buf_ok(&norm)) {
        buf_free(&norm);
        return key_error(err, errlen, src, key, "メモリが足りません");
    }
    if (norm.len >= size) {
        buf_free(&norm);
        return key_error(err, errlen, src, key, "長すぎます（最大 %zu バイト）", size - 1);
    }
    memcpy(out, norm.data ? norm.data : "", norm.len + 1);
    buf_free(&norm);
    return true;
}

/* scheme://authority[/path]: the authority is non-empty, carries no user or
 * password ('@'), and the whole has no spaces or characters that would need
 * quoting in a header or an HTML attribute. */
static bool check_url(const char *v, const char *const *schemes, size_t nschemes,
                      const char **why)
{
    const char *rest = NULL;
    for (size_t i = 0; i < nschemes && !rest; i++) {
        size_t n = strlen(schemes[i]);
        if (strncmp(v, schemes[i], n) == 0)
            rest = v + n;
    }
    if (!rest) {
        *why = "scheme";
        return false;
    }
    size_t auth = strcspn(rest, "/?#");
    if (auth == 0) {
        *why = "host";
        return false;
    }
    if (memchr(rest, '@', auth)) {
        *why = "userinfo";
        return false;
    }
    if (strpbrk(v, " \"'<>\\^`{|}")) {
        *why = "chars";
        return false;
    }
    return true;
}

/* The caller has checked that v fits the field out. */
static bool set_url(char *out, const key_desc *k, const char *v, const char *src, char *err,
                    size_t errlen)
{
    static const char *const http[] = {"http://", "https://"};
    static const char *const smtp[] = {"smtp://", "smtps://"};
    bool is_http = k->kind == KIND_HTTP_URL;
    const char *why = NULL;
    if (!check_url(v, is_http ? http : smtp, 2, &why)) {
        if (strcmp(why, "userinfo") == 0)
            return key_error(err, errlen, src, k->name,
                             "URL に利用者名やパスワードを書かないでください"
                             "（smtp_user と smtp_password_file を使います）");
        if (strcmp(why, "chars") == 0)
            return key_error(err, errlen, src, k->name,
                             "URL に空白や \" ' < > \\ などの文字は使えません");
        return key_error(err, errlen, src, k->name, "%s は %s で始まる URL で指定してください",
                         show(v).s, is_http ? "http:// か https://" : "smtp:// か smtps://");
    }
    size_t n = strlen(v);
    if (is_http)
        while (n > 0 && v[n - 1] == '/')   /* base_url + "/path" must not give "//" */
            n--;
    memcpy(out, v, n);
    out[n] = '\0';
    return true;
}

/* local@domain, printable ASCII, nothing that means something in a header. */
static bool is_mail(const char *v)
{
    const char *at = strchr(v, '@');
    if (!at || at == v || !at[1] || strchr(at + 1, '@'))
        return false;
    for (const char *p = v; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch <= 0x20 || ch >= 0x7F || strchr("\"(),:;<>[\\]", ch))
            return false;
    }
    return is_hostname(at + 1, strlen(at + 1));
}

/* --- setting --- */

static const key_desc *find_key(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/* Control characters: C0, DEL, and C1 (U+0080..U+009F, C2 80..C2 9F). */
static bool has_control(const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p == 0x7F || (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F))
            return true;
    return false;
}

bool config_set(config *c, const char *key, const char *value, const char *source, char *err,
                size_t errlen)
{
    const key_desc *k = find_key(key);
    if (!k) {
        /* the name may be anything: show it only if it is safe to print */
        bool printable = utf8_valid(key, strlen(key)) && !has_control(key);
        return key_error(err, errlen, source, printable ? show(key).s : "(不正な名前)",
                         "不明な設定項目です");
    }
    if (!utf8_valid(value, strlen(value)))
        return key_error(err, errlen, source, k->name, "UTF-8 として正しくない文字があります");
    if (has_control(value))
        return key_error(err, errlen, source, k->name, "制御文字は使えません");
    if (!*value && !k->empty_ok && k->kind != KIND_UINT && k->kind != KIND_PORT)
        return key_error(err, errlen, source, k->name, "空にはできません");
    char *field = (char *)c + k->offset;
    if (k->size && strlen(value) >= k->size)
        return key_error(err, errlen, source, k->name, "長すぎます（最大 %zu バイト）",
                         k->size - 1);

    switch (k->kind) {
    case KIND_LISTEN:
        return set_listen(c, value, source, err, errlen);
    case KIND_PORT:
    case KIND_UINT: {
        unsigned v;
        if (!parse_uint(value, k->min, k->max, &v))
            return key_error(err, errlen, source, k->name,
                             "%s は %u から %u の整数で指定してください", show(value).s, k->min,
                             k->max);
        memcpy(field, &v, sizeof v);
        return true;
    }
    case KIND_LEVEL:
        for (int i = 0; i < 4; i++) {
            if (strcasecmp(value, level_names[i]) == 0) {
                c->log_level = (log_level)i;
                return true;
            }
        }
        if (strcasecmp(value, "warning") == 0) {
            c->log_level = LOG_WARN;
            return true;
        }
        return key_error(err, errlen, source, k->name,
                         "%s は debug、info、warn、error のいずれかで指定してください",
                         show(value).s);
    case KIND_CHOICE:
        for (size_t i = 0; k->choices[i]; i++)
            if (strcmp(value, k->choices[i]) == 0) {
                memcpy(field, value, strlen(value) + 1);
                return true;
            }
        {
            char list[128] = "";
            for (size_t i = 0; k->choices[i]; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                         i ? "、" : "", k->choices[i]);
            return key_error(err, errlen, source, k->name,
                             "%s は %s のいずれかで指定してください", show(value).s, list);
        }
    case KIND_PROXIES:
        return set_proxies(field, k->size, value, source, err, errlen);
    case KIND_HTTP_URL:
    case KIND_SMTP_URL:
        if (!*value) {
            field[0] = '\0';
            return true;
        }
        return set_url(field, k, value, source, err, errlen);
    case KIND_MAIL:
        if (*value && !is_mail(value))
            return key_error(err, errlen, source, k->name,
                             "%s はメールアドレスとして正しくありません", show(value).s);
        break;
    case KIND_PATH:
    case KIND_TEXT:
        break;
    }
    memcpy(field, value, strlen(value) + 1);
    return true;
}

/* --- sources --- */

/* Puts "PREFIX " in front of the message in err (cutting its tail to fit). */
static void prefix_err(char *err, size_t errlen, const char *prefix)
{
    if (errlen == 0)
        return;
    size_t plen = strlen(prefix) + 1;
    if (plen >= errlen) {
        snprintf(err, errlen, "%s", prefix);
        utf8_trim_partial(err);
        return;
    }
    size_t mlen = strnlen(err, errlen - 1);
    if (mlen > errlen - 1 - plen)
        mlen = errlen - 1 - plen;
    memmove(err + plen, err, mlen);
    memcpy(err, prefix, plen - 1);
    err[plen - 1] = ' ';
    err[plen + mlen] = '\0';
    utf8_trim_partial(err);
}

static bool set_from_ini(void *ctx, const char *key, const char *value, char *err, size_t errlen)
{
    return config_set(ctx, key, value, NULL, err, errlen);
}

/* Reads the whole file into a malloc'd buffer of at most LIMIT_CONFIG_FILE bytes. */
static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    char ebuf[128];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errlen)
            snprintf(err, errlen, "設定ファイル %s を開けません: %s", path,
                     strerror_r(errno, ebuf, sizeof ebuf));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (errlen)
            snprintf(err, errlen, "設定ファイル %s は通常のファイルではありません", path);
        close(fd);
        return NULL;
    }
    char *data = fault_malloc(LIMIT_CONFIG_FILE + 1);
    if (!data) {
        if (errlen)
            snprintf(err, errlen, "設定ファイル %s: メモリが足りません", path);
        close(fd);
        return NULL;
    }
    size_t n = 0;
    while (n <= LIMIT_CONFIG_FILE) {
        ssize_t r = read(fd, data + n, LIMIT_CONFIG_FILE + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            if (errlen)
                snprintf(err, errlen, "設定ファイル %s を読めません: %s", path,
                         strerror_r(errno, ebuf, sizeof ebuf));
            goto fail;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > LIMIT_CONFIG_FILE) {
        if (errlen)
            snprintf(err, errlen, "設定ファイル %s が大きすぎます（最大 %d バイト）", path,
                     LIMIT_CONFIG_FILE);
        goto fail;
    }
    close(fd);
    *len = n;
    return data;
fail:
    close(fd);
    free(data);
    return NULL;
}

bool config_load_file(config *c, const char *path, char *err, size_t errlen)
{
    size_t n = 0;
    char *text = read_file(path, &n, err, errlen);
    if (!text) {
        if (errlen)
            utf8_trim_partial(err);
        return false;
    }
    config *tmp = fault_malloc(sizeof *tmp);
    if (!tmp) {
        free(text);
        if (errlen)
            snprintf(err, errlen, "設定ファイル %s: メモリが足りません", path);
        return false;
    }
    *tmp = *c;
    bool ok = ini_parse(text, n, set_from_ini, tmp, err, errlen);
    if (ok)
        *c = *tmp;
    else
        prefix_err(err, errlen, path);
    free(tmp);
    free(text);
    return ok;
}

bool config_load_env(config *c, char *const *envp, char *err, size_t errlen)
{
    if (!envp)
        return true;
    config *tmp = fault_malloc(sizeof *tmp);
    if (!tmp) {
        if (errlen)
            snprintf(err, errlen, "環境変数: メモリが足りません");
        return false;
    }
    *tmp = *c;
    bool ok = true;
    for (size_t k = 0; k < NKEYS && ok; k++) {
        /* "TSUNAGU_" + the longest key name fits easily */
        char name[64];
        int len = snprintf(name, sizeof name, "TSUNAGU_%s", keys[k].name);
        if (len < 0 || (size_t)len >= sizeof name)
            continue;
        for (char *p = name; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
        for (char *const *e = envp; *e; e++) {
            if (strncmp(*e, name, (size_t)len) == 0 && (*e)[len] == '=') {
                char source[sizeof name + 32];
                snprintf(source, sizeof source, "環境変数 %s", name);
                ok = config_set(tmp, keys[k].name, *e + len + 1, source, err, errlen);
                break;
            }
        }
    }
    if (ok)
        *c = *tmp;
    free(tmp);
    return ok;
}

/* --- describing --- */

/* One "key = value" line; quoted when the INI parser would otherwise change
 * the value (empty, blank at either end, or starting with a quote). */
static void describe_line(buf *out, const char *key, const char *value)
{
    size_t n = strlen(value);
    bool quote = n == 0 || value[0] == ' ' || value[0] == '\t' || value[0] == '"' ||
                 value[n - 1] == ' ' || value[n - 1] == '\t';
    buf_printf(out, quote ? "%s = \"%s\"\n" : "%s = %s\n", key, value);
}

void config_describe(const config *c, buf *out)
{
    for (size_t i = 0; i < NKEYS; i++) {
        const key_desc *k = &keys[i];
        char num[16];
        const char *field = (const char *)c + k->offset;
        switch (k->kind) {
        case KIND_LISTEN: {
            bool v6 = strchr(c->listen_host, ':') != NULL;
            buf_printf(out, "listen = %s%s%s:%u\n", v6 ? "[" : "", c->listen_host,
                       v6 ? "]" : "", c->port);
            break;
        }
        case KIND_PORT:
            break;   /* part of listen */
        case KIND_UINT: {
            unsigned v;
            memcpy(&v, field, sizeof v);
            snprintf(num, sizeof num, "%u", v);
            describe_line(out, k->name, num);
            break;
        }
        case KIND_LEVEL: {
            int lv = (int)c->log_level;
            describe_line(out, k->name, level_names[lv < 0 || lv > 3 ? 1 : lv]);
            break;
        }
        default:
            describe_line(out, k->name, field);
            break;
        }
    }
}
