/* smtp.c - SMTP delivery over libcurl.  See smtp.h. */
#include "mail/smtp.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/fault.h"

struct smtp_session {
    CURL *curl;
    char *url;      /* the configured URL plus "/helo_domain" */
    char *password; /* wiped on close */
    char errbuf[CURL_ERROR_SIZE];
    char reply[256]; /* the server's last reply line, for messages */
    /* the message being read by libcurl */
    const char *msg;
    size_t len, pos;
};

bool smtp_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

void smtp_global_cleanup(void)
{
    curl_global_cleanup();
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = fault_malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

bool smtp_host_is_loopback(const char *url)
{
    const char *h = strstr(url, "://");
    if (!h)
        return false;
    h += 3;
    char host[256];
    size_t n;
    if (*h == '[') { /* [IPv6]:port */
        const char *e = strchr(++h, ']');
        if (!e)
            return false;
        n = (size_t)(e - h);
    } else {
        n = strcspn(h, ":/");
    }
    if (n == 0 || n >= sizeof host)
        return false;
    memcpy(host, h, n);
    host[n] = '\0';
    if (strcasecmp(host, "localhost") == 0)
        return true;
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

static size_t read_cb(char *out, size_t size, size_t nitems, void *ctx)
{
    smtp_session *s = ctx;
    size_t room = size * nitems, left = s->len - s->pos;
    size_t n = left < room ? left : room;
    memcpy(out, s->msg + s->pos, n);
    s->pos += n;
    return n;
}

/* Keeps the server's last reply line.  Only what the server sends is
 * looked at: what we send includes AUTH, i.e. the password. */
static int debug_cb(CURL *c, curl_infotype type, char *data, size_t size, void *ctx)
{
    (void)c;
    smtp_session *s = ctx;
    if (type != CURLINFO_HEADER_IN)
        return 0;
    size_t n = 0;
    while (n < size && n < sizeof s->reply - 1 && data[n] != '\r' && data[n] != '\n') {
        unsigned char ch = (unsigned char)data[n];
        s->reply[n] = ch >= 0x20 && ch < 0x7F ? (char)ch : '?';
        n++;
    }
    s->reply[n] = '\0';
    return 0;
}

smtp_session *smtp_open(const smtp_opts *o)
{
    bool smtps = strncmp(o->url, "smtps://", 8) == 0;
    if (!smtps && strncmp(o->url, "smtp://", 7) != 0)
        return NULL;
    smtp_session *s = fault_malloc(sizeof *s);
    if (!s)
        return NULL;
    memset(s, 0, sizeof *s);
    size_t n = strlen(o->url) + strlen(o->helo_domain) + 2;
    s->url = fault_malloc(n);
    s->curl = curl_easy_init();
    if (!s->url || !s->curl)
        goto fail;
    /* libcurl takes the URL's path as the EHLO name. */
    snprintf(s->url, n, "%s/%s", o->url, o->helo_domain);

    long use_ssl = CURLUSESSL_NONE;
    if (o->tls == SMTP_TLS_STARTTLS || (o->tls == SMTP_TLS_AUTO && !smtp_host_is_loopback(o->url)))
        use_ssl = CURLUSESSL_ALL;
    CURL *c = s->curl;
    long timeout = o->timeout_s > 0 ? o->timeout_s : 60L;
    bool ok = curl_easy_setopt(c, CURLOPT_URL, s->url) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps") == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_USE_SSL, use_ssl) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_UPLOAD, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_READDATA, s) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->errbuf) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, debug_cb) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_DEBUGDATA, s) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_VERBOSE, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout < 10 ? timeout : 10L) ==
                  CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout) == CURLE_OK;
    if (ok && o->ca_file && o->ca_file[0])
        ok = curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file) == CURLE_OK;
    if (ok && o->user && o->user[0]) {
        s->password = dup_str(o->password ? o->password : "");
        ok = s->password && curl_easy_setopt(c, CURLOPT_USERNAME, o->user) == CURLE_OK &&
             curl_easy_setopt(c, CURLOPT_PASSWORD, s->password) == CURLE_OK;
    }
    if (ok)
        return s;
fail:
    smtp_close(s);
    return NULL;
}

void smtp_close(smtp_session *s)
{
    if (!s)
        return;
    if (s->curl)
        curl_easy_cleanup(s->curl);
    if (s->password) {
        OPENSSL_cleanse(s->password, strlen(s->password));
        free(s->password);
    }
    free(s->url);
    free(s);
}

/* Sorts a failed transfer into the four results of smtp.h.  The server's
 * reply code decides when there is one; libcurl's own code only when the
 * server never answered.  libcurl reports a refusal after the message body
 * as a "weird server reply", so that code alone says little. */
static smtp_result classify(CURLcode rc, long code, const char *detail)
{
    /* 421: the service is closing; 530/534/535/538: authentication is
     * required or refused.  Those are the session's problem, not the
     * message's. */
    if (code == 421 || code == 530 || code == 534 || code == 535 || code == 538)
        return SMTP_CONNECTION;
    if (code >= 500 && code <= 599) {
        /* A refused sender is our configuration (smtp_from), the same for
         * every message: do not fail the whole queue one by one for it. */
        if (strncmp(detail, "MAIL failed", 11) == 0)
            return SMTP_CONNECTION;
        return SMTP_PERMANENT;
    }
    if (code >= 400 && code <= 499)
        return SMTP_TRANSIENT;
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_LOGIN_DENIED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_AUTH_ERROR:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return SMTP_CONNECTION;
    default:
        /* A connection dropped mid-message, a timeout: the next message of
         * the batch reconnects. */
        return SMTP_TRANSIENT;
    }
}

static const char *result_text(smtp_result r)
{
    switch (r) {
    case SMTP_PERMANENT:
        return "SMTP サーバーがこのメールを拒否しました";
    case SMTP_CONNECTION:
        return "SMTP サーバーを利用できません";
    default:
        return "SMTP サーバーへの送信が一時的に失敗しました";
    }
}

smtp_result smtp_send(smtp_session *s, const char *from, const char *const *rcpts, size_t nrcpt,
                      const char *msg, size_t len, char *err, size_t errlen)
{
    struct curl_slist *list = NULL;
    char addr[320];
    smtp_result r = SMTP_TRANSIENT;
    if (errlen)
        err[0] = '\0';
    for (size_t i = 0; i < nrcpt; i++) {
        snprintf(addr, sizeof addr, "<%s>", rcpts[i]);
        struct curl_slist *l = curl_slist_append(list, addr);
        if (!l) {
            snprintf(err, errlen, "メモリが足りません");
            curl_slist_free_all(list);
            return SMTP_TRANSIENT;
        }
        list = l;
    }
    snprintf(addr, sizeof addr, "<%s>", from);
    s->msg = msg;
    s->len = len;
    s->pos = 0;
    s->errbuf[0] = '\0';
    s->reply[0] = '\0';
    CURLcode rc = curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, addr);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, list);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    if (rc == CURLE_OK)
        rc = curl_easy_perform(s->curl);
    long code = 0;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
    if (rc == CURLE_OK) {
        r = SMTP_SENT;
    } else {
        r = classify(rc, code, s->errbuf);
        if (code >= 400 && s->reply[0])
            snprintf(err, errlen, "%s（%s）", result_text(r), s->reply);
        else
            snprintf(err, errlen, "%s（%s）", result_text(r),
                     s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
    }
    /* The list is ours; libcurl keeps only the pointer. */
    curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
    curl_slist_free_all(list);
    s->msg = NULL;
    return r;
}
