/* server.c - see server.h for the request lifecycle. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fault.h"
#include "core/log.h"
#include "http/csrf.h"
#include "http/gzip.h"
#include "http/path.h"
#include "http/response.h"
#include "store/store.h"

#define MAX_PROXIES 16

typedef struct proxy_addr {
    int family;
    unsigned char bytes[16];
} proxy_addr;

struct http_server {
    struct MHD_Daemon *daemon;
    http_server_opts o;
    char *tmp_dir;
    proxy_addr proxies[MAX_PROXIES];
    size_t nproxies;
    unsigned port;
    atomic_int in_flight;
    atomic_bool stopping;
    pthread_mutex_t db_lock;     /* guards dbs[] (only touched when a thread opens its handle) */
    struct store *dbs[256];
    size_t ndbs;
};

typedef struct req_ctx {
    http_request req;
    arena arena;
    http_server *srv;
    struct timespec start;
    const char *raw_uri;
    http_form_parser *fp;
    int early_status;        /* decided before the handler runs (400, 403, 404, 413 ...) */
    const char *allow;       /* Allow header for 405 */
    size_t body_bytes;
    size_t max_body;
    bool started;            /* first call of the access handler done */
    bool queued;
    int status;              /* for the access log */
    size_t bytes;
} req_ctx;

static atomic_uint_fast64_t request_ids;
static _Thread_local struct store *tls_db;
static _Thread_local bool tls_db_tried;

/* ---- small helpers ---------------------------------------------------- */

static long long elapsed_us(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000000LL + (now.tv_nsec - start->tv_nsec) / 1000;
}

const char *http_header_get(const http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_param(const http_request *req, const char *name)
{
    for (size_t i = 0; i < req->nparams; i++)
        if (strcmp(req->param_names[i], name) == 0)
            return req->param_values[i];
    return NULL;
}

const char *http_query(const http_request *req, const char *name)
{
    return http_params_get(&req->query, name);
}

const char *http_form_get(const http_request *req, const char *name)
{
    return req->form ? http_params_get(&req->form->fields, name) : NULL;
}

const char *http_cookie(const http_request *req, const char *name)
{
    return http_params_get(&req->cookies, name);
}

static bool parse_proxies(http_server *s, const char *list, char *err, size_t errlen)
{
    const char *p = list ? list : "";
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ", ");
        if (n == 0)
            break;
        char tmp[64];
        if (n >= sizeof tmp || s->nproxies == MAX_PROXIES) {
            snprintf(err, errlen, "trusted_proxies: 指定が長すぎます");
            return false;
        }
        memcpy(tmp, p, n);
        tmp[n] = '\0';
        proxy_addr *a = &s->proxies[s->nproxies];
        if (inet_pton(AF_INET, tmp, a->bytes) == 1)
            a->family = AF_INET;
        else if (inet_pton(AF_INET6, tmp, a->bytes) == 1)
            a->family = AF_INET6;
        else {
            snprintf(err, errlen, "trusted_proxies: %s は IP アドレスではありません", tmp);
            return false;
        }
        s->nproxies++;
        p += n;
    }
    return true;
}

static bool is_trusted_proxy(const http_server *s, const struct sockaddr *sa)
{
    for (size_t i = 0; i < s->nproxies; i++) {
        const proxy_addr *a = &s->proxies[i];
        if (sa->sa_family == AF_INET && a->family == AF_INET &&
            memcmp(&((const struct sockaddr_in *)sa)->sin_addr, a->bytes, 4) == 0)
            return true;
        if (sa->sa_family == AF_INET6 && a->family == AF_INET6 &&
            memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, a->bytes, 16) == 0)
            return true;
    }
    return false;
}

/* Sets client_addr and https; X-Forwarded-* count only from a trusted proxy. */
static void identify_client(req_ctx *c)
{
    http_request *req = &c->req;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char addr[INET6_ADDRSTRLEN] = "-";
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, addr, sizeof addr);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, addr, sizeof addr);
    req->client_addr = arena_strdup(req->a, addr);
    req->https = false;
    if (sa && is_trusted_proxy(c->srv, sa)) {
        const char *proto = http_header_get(req, "X-Forwarded-Proto");
        req->https = proto && strcmp(proto, "https") == 0;
        const char *xff = http_header_get(req, "X-Forwarded-For");
        if (xff) {
            /* The last hop is the one our proxy added. */
            const char *last = strrchr(xff, ',');
            last = last ? last + 1 : xff;
            while (*last == ' ')
                last++;
            unsigned char tmp[16];
            if (inet_pton(AF_INET, last, tmp) == 1 || inet_pton(AF_INET6, last, tmp) == 1)
                req->client_addr = arena_strdup(req->a, last);
        }
    }
    if (!req->client_addr)
        req->client_addr = "-";
}

/* ---- responses -------------------------------------------------------- */

/* The headers every response carries (spec 3.4 clickjacking, classes 5, 6, 14). */
static void security_headers(struct MHD_Response *r, const http_request *req)
{
    /* A handler may send a stricter policy of its own (web/media.c: uploads
     * are served sandboxed); every response carries exactly one. */
    bool own_csp = false;
    for (size_t i = 0; i < req->resp.nheaders; i++)
        if (strcasecmp(req->resp.headers[i].name, "Content-Security-Policy") == 0)
            own_csp = true;
    if (!own_csp)
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self'; font-src 'self'; connect-src 'self'; "
                                "object-src 'none'; base-uri 'self'; form-action 'self'; "
                                "frame-ancestors 'none'");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "strict-origin-when-cross-origin");
    MHD_add_response_header(r, "Permissions-Policy",
                            "camera=(), microphone=(), geolocation=(), payment=(), usb=()");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    if (req->https)
        MHD_add_response_header(r, "Strict-Transport-Security",
                                "max-age=31536000; includeSubDomains");
}

static const char *status_fallback_text(int status)
{
    switch (status) {
    case 400: return "リクエストの形式が正しくありません。";
    case 403: return "このページを表示する権限がありません。";
    case 404: return "ページが見つかりません。";
    case 405: return "このページはその方法では利用できません。";
    case 413: return "送信された内容が大きすぎます。";
    case 415: return "送信された形式には対応していません。";
    case 503: return "ただいま混み合っています。しばらくしてからもう一度お試しください。";
    default: return "サーバーで問題が発生しました。しばらくしてからもう一度お試しください。";
    }
}

void http_error(http_request *req, int status)
{
    req_ctx *c = (req_ctx *)req;
    buf_reset(&req->resp.body);
    if (req->resp.has_fd) { /* a file body set before the error is not sent */
        close(req->resp.fd);
        req->resp.has_fd = false;
    }
    req->resp.nheaders = 0;
    req->resp.cache = CACHE_NONE;
    if (status == 405 && c->allow)
        http_resp_header(req, "Allow", c->allow);
    if (c->srv->o.error_page && c->srv->o.error_page(req, status, status == 405 ? c->allow : NULL))
        return;
    buf_reset(&req->resp.body);
    http_text(req, status, "text/plain; charset=utf-8", status_fallback_text(status));
}

static bool client_accepts_gzip(http_request *req)
{
    return http_accepts_gzip(http_header_get(req, "Accept-Encoding"));
}

/* Releases a borrowed body that was never handed to libmicrohttpd. */
static void release_borrowed(req_ctx *c)
{
    if (c->req.resp.release) {
        c->req.resp.release(c->req.resp.release_cls);
        c->req.resp.release = NULL;
    }
}

static enum MHD_Result queue(req_ctx *c)
{
    http_request *req = &c->req;
    http_response *rs = &req->resp;
    struct MHD_Response *r = NULL;
    bool gz = false;

    if (rs->status == 0)
        http_error(req, 500);
    if (atomic_load(&c->srv->stopping))
        http_resp_header(req, "Connection", "close");

    if (rs->has_fd) {
        r = MHD_create_response_from_fd(rs->fd_len, rs->fd); /* takes the fd */
        rs->has_fd = false;
        c->bytes = rs->fd_len;
    } else if (rs->borrowed) {
        /* libmicrohttpd may release the body after the completion callback
         * has freed this request, so the callback gets only release_cls. */
        r = MHD_create_response_from_buffer_with_free_callback_cls(
            rs->borrowed_len, (void *)rs->borrowed, rs->release, rs->release_cls);
        if (r)
            rs->release = NULL;
        c->bytes = rs->borrowed_len;
    } else {
        if (rs->gzip_ok && rs->body.len >= LIMIT_GZIP_MIN && rs->content_type &&
            http_mime_compressible(rs->content_type) && client_accepts_gzip(req)) {
            buf z;
            buf_init(&z, 0);
            if (http_gzip(rs->body.data, rs->body.len, 6, &z) && buf_ok(&z) &&
                z.len < rs->body.len) {
                buf_free(&rs->body);
                rs->body = z;
                gz = true;
            } else {
                buf_free(&z);
            }
        }
        size_t len = 0;
        char *body = buf_steal(&rs->body, &len);
        if (body) {
            r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
            if (!r)
                free(body);
        }
        c->bytes = len;
    }
    if (!r) {
        log_error("応答を作成できません (メモリ不足)");
        return MHD_NO;
    }
    security_headers(r, req);
    if (rs->content_type)
        MHD_add_response_header(r, "Content-Type", rs->content_type);
    switch (rs->cache) {
    case CACHE_NONE:
        MHD_add_response_header(r, "Cache-Control", "no-store");
        break;
    case CACHE_PUBLIC_REVALIDATE:
        MHD_add_response_header(r, "Cache-Control", "no-cache");
        break;
    case CACHE_SET_BY_HANDLER:
        break;
    }
    if (gz)
        MHD_add_response_header(r, "Content-Encoding", "gzip");
    if (rs->gzip_ok)
        MHD_add_response_header(r, "Vary", "Accept-Encoding");
    for (size_t i = 0; i < rs->nheaders; i++)
        MHD_add_response_header(r, rs->headers[i].name, rs->headers[i].value);
    c->status = rs->status;
    enum MHD_Result ret = MHD_queue_response(req->conn, (unsigned)rs->status, r);
    MHD_destroy_response(r);
    c->queued = true;
    return ret;
}

static enum MHD_Result answer_error(req_ctx *c, int status)
{
    http_error(&c->req, status);
    return queue(c);
}

/* ---- lifecycle -------------------------------------------------------- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    http_server *s = cls;
    req_ctx *c = fault_malloc(sizeof *c);
    if (!c)
        return NULL;
    memset(c, 0, sizeof *c);
    clock_gettime(CLOCK_MONOTONIC, &c->start);
    arena_init(&c->arena);
    c->srv = s;
    c->req.a = &c->arena;
    c->req.app = s->o.app;
    c->req.conn = conn;
    c->req.id = atomic_fetch_add(&request_ids, 1) + 1;
    buf_init(&c->req.resp.body, 0);
    c->raw_uri = arena_strdup(&c->arena, uri);
    atomic_fetch_add(&s->in_flight, 1);
    return c;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    http_server *s = cls;
    req_ctx *c = *con_cls;
    if (!c)
        return;
    *con_cls = NULL;
    http_request *req = &c->req;
    if (c->started) {
        const char *q = req->query_raw;
        log_access(&(log_access_entry){
            .method = req->method ? req->method : "-",
            .path = req->path ? req->path : (c->raw_uri ? c->raw_uri : "-"),
            .query = req->path ? q : NULL,
            .status = c->queued ? c->status : 0,
            .bytes = c->bytes,
            .duration_us = (uint64_t)elapsed_us(&c->start),
            .addr = req->client_addr ? req->client_addr : "-",
        });
    }
    if (c->fp)
        http_form_parser_cleanup(c->fp);
    release_borrowed(c);
    if (req->resp.has_fd)
        close(req->resp.fd);
    if (req->db && store_in_tx(req->db)) {
        /* Our bug: a handler left a transaction open. */
        log_error("BUG %s:%d: transaction left open after %s %s", __FILE__, __LINE__,
                  req->method ? req->method : "-", req->path ? req->path : "-");
        store_exec(req->db, "ROLLBACK");
    }
    buf_free(&req->resp.body);
    arena_free(&c->arena);
    free(c);
    atomic_fetch_sub(&s->in_flight, 1);
}

static struct store *thread_db(http_server *s)
{
    if (!tls_db_tried && s->o.db_open) {
        tls_db_tried = true;
        tls_db = s->o.db_open(s->o.app);
        if (tls_db) {
            pthread_mutex_lock(&s->db_lock);
            if (s->ndbs < sizeof s->dbs / sizeof s->dbs[0])
                s->dbs[s->ndbs++] = tls_db;
            pthread_mutex_unlock(&s->db_lock);
        }
    }
    return tls_db;
}

/* First call: everything that can be decided from the request line and headers. */
static void begin_request(req_ctx *c, const char *method)
{
    http_request *req = &c->req;
    http_server *s = c->srv;
    c->started = true;
    req->method = arena_strdup(req->a, method);
    req->is_head = strcmp(method, "HEAD") == 0;
    identify_client(c);
    req->db = thread_db(s);
    if (!req->method || !c->raw_uri) {
        c->early_status = 503;
        return;
    }

    const char *uri = c->raw_uri;
    const char *qm = strchr(uri, '?');
    size_t plen = qm ? (size_t)(qm - uri) : strlen(uri);
    char *raw_path = arena_strndup(req->a, uri, plen);
    if (!raw_path) {
        c->early_status = 503;
        return;
    }
    char *path = NULL;
    parse_status ps = http_path_normalise(req->a, raw_path, &path);
    if (ps != PARSE_OK) {
        c->early_status = ps == PARSE_NOMEM ? 503 : ps == PARSE_TOO_LONG ? 414 : 400;
        return;
    }
    req->path = path;
    if (qm) {
        req->query_raw = qm + 1;
        ps = http_parse_urlencoded(req->a, qm + 1, strlen(qm + 1), &req->query);
        if (ps != PARSE_OK) {
            c->early_status = parse_status_http(ps);
            return;
        }
    }
    const char *cookie = http_header_get(req, "Cookie");
    if (cookie && http_parse_cookies(req->a, cookie, &req->cookies) != PARSE_OK) {
        c->early_status = 503;
        return;
    }
    req->csrf_cookie = http_cookie(req, CSRF_COOKIE);

    route_match m = router_find(s->o.router, req, method, path, &c->allow);
    if (m == ROUTE_NOT_FOUND) {
        c->early_status = 404;
        return;
    }
    if (m == ROUTE_BAD_METHOD) {
        c->early_status = 405;
        return;
    }
    int st = 403;
    if (!s->o.authorise || !s->o.authorise(req, req->route->perm, &st)) {
        c->early_status = st;
        return;
    }

    bool post = strcmp(req->route->method, "POST") == 0;
    c->max_body = req->route->max_body ? req->route->max_body : post ? LIMIT_BODY_FORM : 0;
    const char *cl = http_header_get(req, "Content-Length");
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno || *end || end == cl) {
            c->early_status = 400;
            return;
        }
        if (n > c->max_body) {
            c->early_status = 413;
            return;
        }
    }
    if (post) {
        const char *ct = http_header_get(req, "Content-Type");
        parse_status fst = PARSE_OK;
        c->fp = http_form_parser_new(req->a, ct ? ct : "", s->tmp_dir, c->max_body, &fst);
        if (!c->fp)
            c->early_status = fst == PARSE_NOMEM ? 503 : 415;
    }
}

static enum MHD_Result dispatch(req_ctx *c)
{
    http_request *req = &c->req;
    if (c->fp) {
        parse_status ps = http_form_parser_finish(c->fp, &req->form);
        if (ps != PARSE_OK)
            return answer_error(c, parse_status_http(ps));
    }
    if (req->route->csrf && !http_csrf_verify(req)) {
        log_warn("CSRF 検査に失敗: %s %s from %s", req->method, req->path, req->client_addr);
        return answer_error(c, 403);
    }
    if (req->route->handler(req) != 0 || req->resp.status == 0) {
        log_error("handler failed: %s %s", req->method, req->path);
        return answer_error(c, 500);
    }
    return queue(c);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)cls;
    (void)url;
    (void)version;
    (void)conn;
    req_ctx *c = *con_cls;
    if (!c)
        return MHD_NO; /* out of memory in on_uri: drop the connection */

    if (!c->started) {
        begin_request(c, method);
        if (c->early_status)
            return answer_error(c, c->early_status);
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (c->queued)
            return MHD_YES; /* an early answer is on its way: discard the rest */
        c->body_bytes += n;
        if (c->early_status) {
            /* libmicrohttpd 0.9.75 cannot queue a response while a body is
             * still arriving, so the error waits for its end; a client that
             * keeps sending far past the limit is cut off instead. */
            return c->body_bytes > 2 * c->max_body + LIMIT_BODY_FORM ? MHD_NO : MHD_YES;
        }
        if (c->body_bytes > c->max_body)
            c->early_status = 413;
        else if (!c->fp)
            c->early_status = 400;
        else {
            parse_status ps = http_form_parser_feed(c->fp, upload_data, n);
            if (ps != PARSE_OK)
                c->early_status = parse_status_http(ps);
        }
        return MHD_YES;
    }
    if (c->queued)
        return MHD_YES;
    if (c->early_status)
        return answer_error(c, c->early_status);
    return dispatch(c);
}

/* Keeps the URL exactly as sent; http/path.c decodes it (once, strictly). */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_warn("libmicrohttpd: %s", msg);
}
#pragma GCC diagnostic pop

http_server *http_server_start(const http_server_opts *o, char *err, size_t errlen)
{
    http_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->o = *o;
    pthread_mutex_init(&s->db_lock, NULL);
    if (!parse_proxies(s, o->trusted_proxies, err, errlen))
        goto fail;
    if (asprintf(&s->tmp_dir, "%s/tmp", o->data_dir) < 0) {
        s->tmp_dir = NULL;
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (mkdir(s->tmp_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", s->tmp_dir, strerror(errno));
        goto fail;
    }

    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | MHD_USE_TURBO;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, o->host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)o->port);
    } else if (inet_pton(AF_INET6, o->host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)o->port);
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, errlen, "listen: %s は IP アドレスではありません", o->host);
        goto fail;
    }

    s->daemon = MHD_start_daemon(
        flags, (uint16_t)o->port, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* first, so it catches every message */
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(o->threads ? o->threads : 1),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)LIMIT_CONNECTIONS_TOTAL,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)LIMIT_CONNECTIONS_PER_ADDR,
        MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)(o->client_timeout ? o->client_timeout : LIMIT_CONNECTION_TIMEOUT_S),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)LIMIT_HEADER_BYTES * 2,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "%s:%u で待ち受けを開始できません（使用中のポートではありませんか）",
                 o->host, o->port);
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : o->port;
    return s;
fail:
    free(s->tmp_dir);
    pthread_mutex_destroy(&s->db_lock);
    free(s);
    return NULL;
}

unsigned http_server_port(const http_server *s)
{
    return s->port;
}

void http_server_stop(http_server *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, true);
    MHD_socket ls = MHD_quiesce_daemon(s->daemon);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    /* Let the requests in flight finish; idle keep-alive connections do not count. */
    for (int i = 0; i < LIMIT_SHUTDOWN_GRACE_S * 100 && atomic_load(&s->in_flight) > 0; i++)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    if (atomic_load(&s->in_flight) > 0)
        log_warn("終了待ちの時間切れ: %d 件のリクエストを打ち切ります", atomic_load(&s->in_flight));
    MHD_stop_daemon(s->daemon);
    for (size_t i = 0; i < s->ndbs; i++)
        if (s->o.db_close)
            s->o.db_close(s->dbs[i]);
    free(s->tmp_dir);
    pthread_mutex_destroy(&s->db_lock);
    free(s);
}
