/*
 * server.h - the HTTP server: libmicrohttpd glue and the request lifecycle.
 *
 * One request, in order (server.c):
 *   URI callback      -> request context + arena; the raw URI is kept
 *   first call        -> path normalised, query and cookies parsed (400 on bad
 *                        bytes), route found (404/405), permission checked
 *                        (403), body size checked against the route (413)
 *   body calls        -> the form parser streams the body (files to disk)
 *   last call         -> CSRF checked (403), handler called, response built
 *                        with the security headers, gzip'd when it pays
 *   completion        -> access log line, temp files removed, arena freed
 * Handlers run on a pool of threads; each thread has its own database handle.
 */
#ifndef TSUNAGU_HTTP_SERVER_H
#define TSUNAGU_HTTP_SERVER_H

#include <stdbool.h>

#include "http/request.h"
#include "http/route.h"

struct store;

typedef struct http_server_opts {
    const char *host;            /* "127.0.0.1", "::1", "0.0.0.0" */
    unsigned port;
    unsigned threads;
    unsigned client_timeout;     /* seconds; 0 = LIMIT_CONNECTION_TIMEOUT_S */
    const char *trusted_proxies; /* comma-separated addresses, may be empty */
    const char *data_dir;        /* database, upload temp files (data_dir/tmp) */
    const router *router;
    void *app;                   /* passed to handlers as req->app */

    /* Decides whether the request may use a route of this permission.  On
     * false the server answers with the status it returns in *status (403,
     * or 303 to the sign-in page with Location set by the hook). */
    bool (*authorise)(http_request *req, perm p, int *status);

    /* Renders an error page (404, 405 with allow, 413, ...) into req->resp;
     * returns false to fall back to plain text. */
    bool (*error_page)(http_request *req, int status, const char *allow);

    /* Opens this thread's database handle (the server calls it once per
     * thread and closes the handles at shutdown). */
    struct store *(*db_open)(void *app);
    void (*db_close)(struct store *db);
} http_server_opts;

typedef struct http_server http_server;

/* Starts listening; NULL with err on failure (address in use ...). */
http_server *http_server_start(const http_server_opts *o, char *err, size_t errlen);

/* Stops accepting, waits up to LIMIT_SHUTDOWN_GRACE_S for the requests in
 * flight to finish, then stops and frees everything. */
void http_server_stop(http_server *s);

/* The port actually bound (useful with port 0). */
unsigned http_server_port(const http_server *s);

#endif
