/*
 * media.c - serving the files of the media library, and the helpers the
 * content screens use.  See media.h for the headers each file is sent with.
 *
 *   GET /media/{id}/thumb    the thumbnail of an image
 *   GET /media/{id}/{name}   the file; {name} is decoration
 */
#include "web/media.h"
#include "web/page.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "http/response.h"
#include "tmpl/escape.h"
#include "web/app.h"
#include "web/auth.h"

void web_media_env(http_request *req, media_env *e)
{
    app *ap = req->app;
    memset(e, 0, sizeof *e);
    e->db = req->db;
    e->a = req->a;
    e->data_dir = ap->cfg.data_dir;
}

/* The name as one safe path segment: what the path rules refuse ('\\',
 * control characters, "." and "..") or the thumbnail route would catch
 * ("thumb") is avoided. */
static const char *url_segment_name(const char *name)
{
    if (!name || !*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
        strcmp(name, "thumb") == 0)
        return "file";
    for (const char *p = name; *p; p++)
        if (*p == '\\' || *p == '/' || (unsigned char)*p < 0x20 || *p == 0x7F)
            return "file";
    return name;
}

const char *web_media_url(arena *a, int64_t id, const char *name)
{
    const char *seg = url_segment_name(name);
    buf b;
    buf_init(&b, 8192);
    buf_printf(&b, "/media/%lld/", (long long)id);
    esc_percent(&b, seg, strlen(seg));
    const char *out = buf_ok(&b) ? arena_strndup(a, b.data, b.len) : NULL;
    buf_free(&b);
    return out;
}

/* Content-Disposition with the name (RFC 6266, RFC 8187): a plain-ASCII
 * fallback filename="..." for old clients, then filename*=UTF-8''... with
 * every byte outside the unreserved set percent-encoded. */
static const char *disposition(arena *a, bool show_inline, const char *name)
{
    buf b;
    buf_init(&b, 8192);
    buf_puts(&b, show_inline ? "inline" : "attachment");
    buf_puts(&b, "; filename=\"");
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        buf_putc(&b, c < 0x20 || c >= 0x7F || c == '"' || c == '\\' || c == '%' ? '_' : (char)c);
    }
    buf_puts(&b, "\"; filename*=UTF-8''");
    esc_percent(&b, name, strlen(name));
    const char *out = buf_ok(&b) ? arena_strndup(a, b.data, b.len) : NULL;
    buf_free(&b);
    return out;
}

/* True if the If-None-Match header names etag (or is "*"). */
static bool etag_matches(const char *header, const char *etag)
{
    if (!header)
        return false;
    if (strcmp(header, "*") == 0)
        return true;
    size_t n = strlen(etag);
    for (const char *p = strstr(header, etag); p; p = strstr(p + 1, etag)) {
        bool start = p == header || p[-1] == ' ' || p[-1] == ',';
        bool end = p[n] == '\0' || p[n] == ',' || p[n] == ' ';
        if (start && end)
            return true;
    }
    return false;
}

static int serve(http_request *req, bool thumb)
{
    int64_t id = web_path_id(req, "id");
    if (!id) {
        http_error(req, 404);
        return 0;
    }
    media_env e;
    web_media_env(req, &e);
    bool staff = account_is_staff(web_actor(req));
    int fd = -1;
    size_t size = 0;
    media_item it;
    media_rc rc = media_open(&e, id, staff, thumb, &fd, &size, &it);
    if (rc == MEDIA_NOT_FOUND) {
        http_error(req, 404);
        return 0;
    }
    if (rc != MEDIA_OK)
        return -1;

    /* Only what the library made public, not trashed, may sit in shared
     * caches (vulnerability class 14); the rest is no-store. */
    bool cacheable = it.public && !it.trashed;
    const char *etag =
        cacheable ? arena_printf(req->a, "\"%s%lld\"", thumb ? "t" : "m", (long long)it.id) : NULL;
    const char *type = thumb ? media_thumb_mime(it.mime) : it.mime;
    const char *disp = thumb ? "inline" : disposition(req->a, it.inline_ok, it.name);
    bool ok = disp && (!cacheable || etag) &&
              /* Even a file a browser did render may run nothing and reach
               * nothing (classes 5 and 13).  X-Content-Type-Options: nosniff
               * is on every response already (http/server.c). */
              http_resp_header(req, "Content-Security-Policy", "default-src 'none'; sandbox") &&
              http_resp_header(req, "Content-Disposition", disp);
    if (ok && cacheable) {
        req->resp.cache = CACHE_SET_BY_HANDLER;
        ok = http_resp_header(req, "Cache-Control", "public, max-age=86400") &&
             http_resp_header(req, "ETag", etag);
    }
    if (!ok) {
        close(fd);
        return -1;
    }
    req->resp.content_type = type;
    if (cacheable && etag_matches(http_header_get(req, "If-None-Match"), etag)) {
        close(fd);
        req->resp.status = 304;
        return 0;
    }
    /* The fd goes to the response last, once nothing can fail any more:
     * the server closes it after sending. */
    req->resp.status = 200;
    req->resp.has_fd = true;
    req->resp.fd = fd;
    req->resp.fd_len = size;
    return 0;
}

int web_media_file(http_request *req)
{
    return serve(req, false);
}

int web_media_thumb(http_request *req)
{
    return serve(req, true);
}

/* ---- for the content screens ---- */

tv *web_media_choices(http_request *req, bool images_only, int limit)
{
    arena *a = req->a;
    media_env e;
    web_media_env(req, &e);
    media_query q = {.kind = images_only ? "image" : NULL, .limit = limit};
    media_page page;
    if (media_list(&e, &q, &page) != MEDIA_OK)
        return NULL;
    tv *list = tv_list(a);
    if (!list)
        return NULL;
    for (int i = 0; i < page.n; i++) {
        const media_item *it = &page.items[i];
        tv *m = tv_map(a);
        const char *url = web_media_url(a, it->id, it->name);
        const char *thumb =
            it->has_thumb ? arena_printf(a, "/media/%lld/thumb", (long long)it->id) : "";
        const char *label = arena_printf(a, "%s（%s）", it->name, it->kind_label);
        if (!m || !url || !thumb || !label || !tv_set_int(a, m, "id", (long long)it->id) ||
            !tv_set_str(a, m, "name", it->name) || !tv_set_str(a, m, "label", label) ||
            !tv_set_bool(a, m, "is_image", it->is_image) || !tv_set_str(a, m, "url", url) ||
            !tv_set_str(a, m, "thumb_url", thumb) || !tv_push(a, list, m))
            return NULL;
    }
    return list;
}

const char *web_media_label(void *ctx, long long id, bool *is_image)
{
    http_request *req = ctx;
    media_env e;
    web_media_env(req, &e);
    return media_label(&e, (int64_t)id, is_image);
}
