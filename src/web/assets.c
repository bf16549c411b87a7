/*
 * assets.c - GET /static/{*path}: files of static/ only (http/static.c does
 * the checks against traversal, hidden files and symlinks of any kind).
 */
#include <stdlib.h>
#include <string.h>

#include "core/fault.h"
#include "http/gzip.h"
#include "http/response.h"
#include "web/app.h"

typedef struct static_ref {
    static_files *sf;
    void *entry;
} static_ref;

static void release(void *cls)
{
    static_ref *ref = cls;
    static_release(ref->sf, ref->entry);
    free(ref);
}

int web_static(http_request *req)
{
    app *ap = req->app;
    static_result r;
    const char *path = http_param(req, "path");
    if (!static_lookup(ap->statics, path ? path : "",
                       http_accepts_gzip(http_header_get(req, "Accept-Encoding")),
                       http_header_get(req, "If-None-Match"),
                       http_header_get(req, "If-Modified-Since"), &r))
        return -1;
    http_response *rs = &req->resp;
    if (r.fd >= 0) {
        rs->has_fd = true;
        rs->fd = r.fd;
        rs->fd_len = r.len;
    }
    static_ref *ref = fault_malloc(sizeof *ref);
    if (!ref) {
        static_release(ap->statics, r.entry);
        return -1;
    }
    *ref = (static_ref){ap->statics, r.entry};
    rs->release = release;
    rs->release_cls = ref;
    if (r.status == 404) {
        http_error(req, 404);
        return 0;
    }
    rs->status = r.status;
    if (!rs->has_fd) {
        rs->borrowed = r.status == 200 && r.body ? r.body : "";
        rs->borrowed_len = r.status == 200 && r.body ? r.len : 0;
    }
    rs->cache = CACHE_SET_BY_HANDLER;
    bool ok = http_resp_header(req, "Cache-Control", r.cache_control) &&
              http_resp_header(req, "ETag", r.etag) &&
              http_resp_header(req, "Last-Modified", r.last_modified) &&
              (!r.vary_encoding || http_resp_header(req, "Vary", "Accept-Encoding"));
    if (r.status == 200) {
        rs->content_type = r.mime;
        if (r.gzip)
            ok = ok && http_resp_header(req, "Content-Encoding", "gzip");
        if (strcmp(r.mime, "application/octet-stream") == 0)
            ok = ok && http_resp_header(req, "Content-Disposition", "attachment");
    }
    return ok ? 0 : -1;
}
