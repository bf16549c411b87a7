/*
 * request.h - one HTTP request as handlers see it, and the response they build.
 *
 * The server (http/server.c) creates an http_request per request with its own
 * arena; everything hanging off it (parsed query, cookies, form, route
 * parameters, response headers) lives in that arena and dies with it when
 * libmicrohttpd reports the request complete.  The response body is a
 * malloc'd buf handed to libmicrohttpd, or a borrowed static-file body that
 * is released through a callback.  Handlers never see libmicrohttpd types.
 */
#ifndef TSUNAGU_HTTP_REQUEST_H
#define TSUNAGU_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "http/params.h"
#include "http/upload.h"

struct MHD_Connection;
struct route;
struct store;

typedef struct http_header {
    const char *name;
    const char *value;
} http_header;

/* Cache policy of a response (vulnerability class 14: no caching of pages
 * that may hold secrets).  The default is CACHE_NONE: a handler must opt in. */
typedef enum {
    CACHE_NONE = 0,     /* Cache-Control: no-store */
    CACHE_PUBLIC_REVALIDATE, /* purely public page: no-cache (revalidate each time) */
    CACHE_SET_BY_HANDLER,    /* the handler added its own Cache-Control (static files) */
} http_cache;

typedef struct http_response {
    int status;                 /* 0 until a handler sets one */
    const char *content_type;
    buf body;                   /* owned; stolen by the server when queued */
    const char *borrowed;       /* alternative body not owned by us (static files) */
    size_t borrowed_len;
    void (*release)(void *cls); /* called once libmicrohttpd is done with borrowed (or when */
    void *release_cls;          /* the request ends); release_cls must not be arena memory */
    bool has_fd;                /* alternative body: a file of fd_len bytes, closed by the server */
    int fd;
    size_t fd_len;
    http_header headers[24];    /* extra headers; http_resp_header() refuses past the end */
    size_t nheaders;
    http_cache cache;
    bool gzip_ok;               /* body may be compressed if the client accepts it */
} http_response;

typedef struct http_request {
    arena *a;
    void *app;                  /* the application (web/app.h), opaque to http/ */
    struct store *db;           /* this thread's database handle, NULL if it failed to open */
    struct MHD_Connection *conn;
    const struct route *route;

    uint64_t id;                /* unique per request within this process (from 1) */
    const char *method;         /* as sent; HEAD is routed as GET */
    bool is_head;
    const char *path;           /* canonical decoded path (http/path.h) */
    const char *query_raw;      /* raw query string without '?', or NULL */
    http_params query;
    http_params cookies;
    http_form *form;            /* parsed body of a POST, NULL otherwise */

    const char *param_names[LIMIT_ROUTE_PARAMS];
    const char *param_values[LIMIT_ROUTE_PARAMS];
    size_t nparams;

    const char *client_addr;    /* peer address, or X-Forwarded-For's last hop from a trusted proxy */
    bool https;                 /* came over TLS (via a trusted proxy) */
    const char *csrf_cookie;    /* the browser's CSRF seed (set on first use) */
    void *auth;                 /* who is asking: the web layer's (web/auth.h), opaque here */

    http_response resp;
} http_request;

/* A request header value, or NULL. */
const char *http_header_get(const http_request *req, const char *name);

/* A path parameter declared in the route pattern ("/org/{id}" -> "id"), or NULL. */
const char *http_param(const http_request *req, const char *name);

/* Query-string and form values (first value), or NULL. */
const char *http_query(const http_request *req, const char *name);
const char *http_form_get(const http_request *req, const char *name);
const char *http_cookie(const http_request *req, const char *name);

#endif
