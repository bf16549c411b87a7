/*
 * media.h - the media library: files staff upload for pages and content
 * (issue: "uploads stored outside static/ under random names, type sniffed
 * with libmagic, served with Content-Disposition and nosniff, image
 * thumbnails"; spec 8.10 vulnerability classes 3, 12 and 13).
 *
 * The rules, with the class each answers:
 *   - The type is decided by the bytes, never by the name or the type the
 *     browser claimed (13): libmagic names it, and only the allow-list of
 *     media_type_allowed() is kept: JPEG, PNG, GIF and WebP images, PDF,
 *     Office documents (OOXML and the legacy binary formats) and plain
 *     text or CSV.  SVG (it can hold script), HTML, PHP and other scripts,
 *     executables and everything else are refused whatever the extension
 *     says.  An image must also decode; its header is read first
 *     (domain/image_size.h) and images over MEDIA_MAX_PIXELS are refused
 *     before any decoder runs (decompression bombs).
 *   - The bytes live in DATA/media/ (mode 0700, files 0600), outside
 *     static/, under a random 32-hex-character name without extension (3,
 *     12): nothing a client sends ever becomes part of a path, the web
 *     server never maps a URL onto that directory, and a stored file has no
 *     extension a server could take as a script.  The client's file name
 *     is kept only as text, for display and for Content-Disposition.
 *   - Images get a thumbnail (at most MEDIA_THUMB_MAX_WIDTH wide, re-encoded
 *     as PNG, or JPEG for JPEG photographs) under another random name;
 *     re-encoding also drops whatever else the original carried.
 *   - Files and rows: the file is written and fsync'd (and its directory)
 *     before the row commits; the row and its audit line (domain/audit.h)
 *     commit together; if the commit fails the files are removed again.
 *   - Reading (media_open): an item that is public and not in the trash is
 *     for everyone; any other only for staff.  Whoever is refused learns
 *     nothing: the answer is MEDIA_NOT_FOUND either way (8).
 *   - Staff change the alt text and the public flag, trash and restore; each
 *     change writes one audit line in its transaction.
 *
 * libmagic: one magic_t for the process, loaded with the system's default
 * database (Debian package libmagic-mgc) on first use and shared behind a
 * mutex.  A magic_t must not be used by two threads at once; one per
 * thread would cost a copy of the database (several MiB) per server
 * thread, while uploads are rare staff actions, so the lock is never
 * contended in practice.
 *
 * Calling convention as in domain/account.h: a media_env (the request's
 * connection and arena, the data directory), a media_rc, and err receiving a
 * Japanese message for the screen when the result is not MEDIA_OK.  Each
 * call runs its own transaction; none may be open on e->db.  Strings handed
 * back live in e->a.
 */
#ifndef TSUNAGU_DOMAIN_MEDIA_H
#define TSUNAGU_DOMAIN_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/limits.h"
#include "domain/account.h"
#include "store/store.h"

/* ---- limits ---- */

/* One file: the upload limit of the whole server. */
#define MEDIA_MAX_BYTES LIMIT_UPLOAD_FILE

/* Pixels of an image, checked from its header before decoding.  The
 * largest camera and phone photographs are 24-50 million pixels, but
 * nothing the centre puts on a page needs more than 40; a decoded image
 * takes 4 bytes a pixel, so this bounds one decode at 160 MB. */
#define MEDIA_MAX_PIXELS (40 * 1000 * 1000)

/* The thumbnail fits in this box (the admin list, the choice lists); tall
 * images are bounded too, so a 320 x 40000 strip gives no huge thumbnail. */
#define MEDIA_THUMB_MAX_WIDTH 320
#define MEDIA_THUMB_MAX_HEIGHT 640

/* Characters of the alt text (a sentence or two) and of a file name. */
#define MEDIA_ALT_MAX_CHARS 300
#define MEDIA_NAME_MAX_CHARS 200

/* Items on one page of the staff list. */
#define MEDIA_LIST_MAX 200

/* ---- environment and results ---- */

typedef struct media_env {
    store *db;            /* the thread's connection, no transaction open */
    arena *a;             /* results */
    const char *data_dir; /* DATA: files go to DATA/media/ */
} media_env;

typedef enum {
    MEDIA_OK = 0,
    MEDIA_NOT_FOUND, /* no such item, or not for this reader */
    MEDIA_INVALID,   /* refused: the type, the size, the text (err says why) */
    MEDIA_ERROR,     /* our side: database, disk, libmagic (logged) */
} media_rc;

/* One item as the screens see it (never the name on disk). */
typedef struct media_item {
    int64_t id;
    const char *name;       /* the uploader's file name */
    const char *mime;       /* the sniffed type it is served as */
    const char *kind_label; /* 画像, PDF, Word ... */
    int64_t size;
    int width, height;             /* 0 when not an image */
    int thumb_width, thumb_height; /* 0 when there is no thumbnail */
    bool is_image;
    bool has_thumb;
    bool inline_ok; /* shown in the browser rather than downloaded */
    const char *alt;
    bool public;
    bool trashed;
    int64_t uploaded_by;
    const char *uploader_login, *uploader_name; /* NULL when the account is gone */
    const char *created_at, *trashed_at;        /* UTC timestamps; trashed_at NULL */
} media_item;

/* ---- the type rules (pure; exposed for tests) ---- */

/* The type an upload named name is stored and served as, given the type
 * libmagic sniffed; NULL when it is refused.  Zip archives count as Office
 * documents only under a docx/xlsx/pptx name, OLE files under doc/xls/ppt,
 * text only under .txt or .csv (the stored type then follows the
 * extension). */
const char *media_type_allowed(const char *sniffed, const char *name);

/* True for the types shown in the browser (Content-Disposition: inline):
 * the four image types and PDF.  Everything else is downloaded. */
bool media_type_inline(const char *mime);

/* The type libmagic gives p[0..n) ("image/png"), written to out; false
 * (with a log line) when libmagic cannot be loaded or fails. */
bool media_sniff(const void *p, size_t n, char *out, size_t outlen);

/* The thumbnail size for an image of w x h: scaled down to fit
 * MEDIA_THUMB_MAX_WIDTH x MEDIA_THUMB_MAX_HEIGHT, never up, at least 1. */
void media_thumb_size(int w, int h, int *tw, int *th);

/* A size for people: "512 バイト", "1.5 KB", "2.3 MB" (in a; NULL on OOM). */
const char *media_size_text(arena *a, int64_t size);

/* The type of the thumbnail of an image of type mime. */
const char *media_thumb_mime(const char *mime);

/* ---- operations ---- */

/* Adds the file at tmp_path (an upload's temp file under DATA/tmp, on the
 * same file system as DATA/media) as a new item, uploaded by actor (a staff
 * member) with the client's file name, alt text and public flag; *id (may
 * be NULL) gets its id.  On MEDIA_OK the file has been moved (rename()) to
 * DATA/media/: the caller must forget tmp_path (set the upload's path to
 * NULL).  On any other result tmp_path is left where it was and nothing
 * else remains.
 * MEDIA_INVALID: an empty or too large file, a refused type, an image that
 * does not decode or is too large, a name or alt text too long. */
media_rc media_add(const media_env *e, const account_view *actor, const char *tmp_path,
                   const char *client_name, const char *alt, bool public, int64_t *id, char *err,
                   size_t errlen);

/* The item id for staff (trashed or not). */
media_rc media_get(const media_env *e, int64_t id, media_item *out);

/* Opens the bytes of id (thumb: its thumbnail) for serving: *fd (read-only,
 * close-on-exec; the caller closes it) and *out.  staff: the reader is
 * staff.  MEDIA_NOT_FOUND for no such item, no thumbnail, or an item that
 * is not public or is in the trash when the reader is not staff.
 * *size gets the number of bytes of the opened file. */
media_rc media_open(const media_env *e, int64_t id, bool staff, bool thumb, int *fd, size_t *size,
                    media_item *out);

/* A page of the staff list. */
typedef struct media_query {
    bool trash;                /* the trash instead */
    const char *kind;          /* "image", "other", or NULL */
    const char *name_contains; /* or NULL */
    int64_t before_id;         /* paging: items older than this id; 0 = newest */
    int limit;                 /* 1 .. MEDIA_LIST_MAX */
} media_query;

typedef struct media_page {
    media_item *items;
    int n;
    int64_t total;       /* items matching the filters, all pages */
    int64_t next_before; /* pass as before_id for the next page; 0 = no more */
} media_page;

media_rc media_list(const media_env *e, const media_query *q, media_page *out);

/* Sets the alt text and the public flag (audit line "media.update"). */
media_rc media_set_alt(const media_env *e, const account_view *actor, int64_t id, const char *alt,
                       bool public, char *err, size_t errlen);

/* Puts the item in the trash, and takes it out again (audit lines
 * "media.trash", "media.restore").  MEDIA_INVALID when it is already there
 * (or not there). */
media_rc media_trash(const media_env *e, const account_view *actor, int64_t id, char *err,
                     size_t errlen);
media_rc media_restore(const media_env *e, const account_view *actor, int64_t id, char *err,
                       size_t errlen);

/* For the content engine (content/field.h, field_env.media): the file name
 * of id, or NULL when there is no such item or it is in the trash;
 * *is_image (may be NULL) set.  The name lives in e->a. */
const char *media_label(const media_env *e, int64_t id, bool *is_image);

/* Frees the shared libmagic handle (at exit, so leak checkers stay quiet);
 * the next media_sniff() loads it again. */
void media_shutdown(void);

#endif
