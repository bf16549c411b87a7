/*
 * media.h - the screens of the media library (domain/media.h):
 *   web/media.c        GET /media/{id}/{name} and /media/{id}/thumb: the
 *                      files themselves, for everyone (public items) or
 *                      staff (the rest)
 *   web/admin_media.c  the staff screens under /admin/media: the list with
 *                      thumbnails, filters and pages, the upload form, one
 *                      item with its alt text, trash and restore
 * and what the content screens need from the library.
 *
 * Serving (vulnerability classes 5, 12, 13 of spec 8.10): a file is sent
 * with its sniffed type, `X-Content-Type-Options: nosniff` (every response
 * has it, http/server.c), `Content-Security-Policy: default-src 'none';
 * sandbox` (so even a file a browser did render could run nothing and
 * reach nothing), and `Content-Disposition: inline` only for the four
 * image types and PDF, `attachment` for everything else, with the name
 * as filename*=UTF-8''... .  Public items may be cached for a day; staff-only
 * and trashed ones never (no-store).  The {name} segment of the URL is
 * decoration for people and search engines: any name serves the file.
 */
#ifndef TSUNAGU_WEB_MEDIA_H
#define TSUNAGU_WEB_MEDIA_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/media.h"
#include "http/request.h"
#include "tmpl/value.h"

/* Handlers (routes.c). */
int web_media_file(http_request *req);
int web_media_thumb(http_request *req);
int web_admin_media(http_request *req);
int web_admin_media_upload(http_request *req);
int web_admin_media_item(http_request *req);
int web_admin_media_action(http_request *req);

/* The media environment for domain calls made by this request. */
void web_media_env(http_request *req, media_env *e);

/* The public URL of item id named name: "/media/ID/NAME" with the name
 * percent-encoded as one path segment (a name the path rules would refuse,
 * such as "..", becomes "file").  In the request's arena; NULL on OOM. */
const char *web_media_url(arena *a, int64_t id, const char *name);

/* For a content form's choices: the newest items in use (not in the trash),
 * at most limit (1..MEDIA_LIST_MAX), images only when images_only; a list
 * of maps {id, name, label ("name（画像）"), is_image, url, thumb_url ("" without
 * a thumbnail)}.  NULL on error (logged). */
tv *web_media_choices(http_request *req, bool images_only, int limit);

/* The content engine's field_env.media callback (content/field.h): ctx is
 * the http_request.  The file name of id, or NULL when there is no such
 * item in use; *is_image set. */
const char *web_media_label(void *ctx, long long id, bool *is_image);

#endif
