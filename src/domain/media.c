/* media.c - the media library's rules over store/media.h.  See media.h. */
#include "domain/media.h"
#include "domain/content.h"

#include <errno.h>
#include <fcntl.h>
#include <gd.h>
#include <magic.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "content/record.h"
#include "core/buf.h"
#include "core/fault.h"
#include "core/log.h"
#include "core/utf8.h"
#include "domain/audit.h"
#include "domain/image_size.h"
#include "store/media.h"

static const char MSG_ERROR[] = "ただいま処理できません。しばらくしてからもう一度お試しください。";
static const char MSG_TYPE[] =
    "この種類のファイルは登録できません（PDF、画像、Office 文書、テキストのみ）。";
static const char MSG_BROKEN[] = "画像を読み込めません。壊れたファイルではありませんか。";
static const char MSG_NOT_STAFF[] = "この操作はできません。";
static const char MSG_TOO_BIG[] = "ファイルが大きすぎます（1 ファイル 10 MB まで）。";
static const char MSG_TOO_MANY_PIXELS[] =
    "画像が大きすぎます（4,000 万画素まで）。縮小してから登録してください。";
/* The two messages above name the limits: change them together. */
_Static_assert(MEDIA_MAX_BYTES == 10 * 1024 * 1024, "MSG_TOO_BIG names the upload limit");
_Static_assert(MEDIA_MAX_PIXELS == 40 * 1000 * 1000, "MSG_TOO_MANY_PIXELS names the limit");

#define STORED_HEX 32 /* 128 random bits */

/* ---- the type rules ---- */

#define MIME_DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#define MIME_XLSX "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define MIME_PPTX "application/vnd.openxmlformats-officedocument.presentationml.presentation"
#define MIME_DOC "application/msword"
#define MIME_XLS "application/vnd.ms-excel"
#define MIME_PPT "application/vnd.ms-powerpoint"

/* Types kept as libmagic names them, whatever the name. */
static const char *const exact_types[] = {
    "image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", MIME_DOCX,
    MIME_XLSX,    MIME_PPTX,   MIME_DOC,    MIME_XLS,     MIME_PPT,
};

/* A container type that is accepted only under one of these extensions,
 * which then names the stored type. */
typedef struct by_ext {
    const char *ext;
    const char *mime;
} by_ext;

static const by_ext zip_exts[] = {{".docx", MIME_DOCX}, {".xlsx", MIME_XLSX}, {".pptx", MIME_PPTX}};
static const by_ext ole_exts[] = {{".doc", MIME_DOC}, {".xls", MIME_XLS}, {".ppt", MIME_PPT}};
static const by_ext text_exts[] = {{".txt", "text/plain"}, {".csv", "text/csv"}};

/* What libmagic calls an OLE compound file it cannot name further. */
static const char *const ole_types[] = {"application/CDFV2", "application/x-ole-storage",
                                        "application/vnd.ms-office"};

#define COUNT(a) (sizeof(a) / sizeof *(a))

static const char *by_extension(const by_ext *t, size_t n, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++) {
        size_t el = strlen(t[i].ext);
        if (len > el && strcasecmp(name + len - el, t[i].ext) == 0)
            return t[i].mime;
    }
    return NULL;
}

const char *media_type_allowed(const char *sniffed, const char *name)
{
    if (!sniffed || !name)
        return NULL;
    for (size_t i = 0; i < COUNT(exact_types); i++)
        if (strcmp(sniffed, exact_types[i]) == 0)
            return exact_types[i];
    if (strcmp(sniffed, "application/zip") == 0)
        return by_extension(zip_exts, COUNT(zip_exts), name);
    for (size_t i = 0; i < COUNT(ole_types); i++)
        if (strcmp(sniffed, ole_types[i]) == 0)
            return by_extension(ole_exts, COUNT(ole_exts), name);
    if (strcmp(sniffed, "text/plain") == 0 || strcmp(sniffed, "text/csv") == 0)
        return by_extension(text_exts, COUNT(text_exts), name);
    return NULL;
}

bool media_type_inline(const char *mime)
{
    /* PDFs download: a browser's PDF viewer does not run under the
     * sandbox policy every upload is served with (web/media.c). */
    static const char *const shown[] = {"image/jpeg", "image/png", "image/gif", "image/webp"};
    for (size_t i = 0; mime && i < COUNT(shown); i++)
        if (strcmp(mime, shown[i]) == 0)
            return true;
    return false;
}

static bool is_image_type(const char *mime)
{
    return mime && strncmp(mime, "image/", 6) == 0;
}

const char *media_thumb_mime(const char *mime)
{
    /* Photographs stay JPEG; drawings, transparency and animation frames
     * are better kept lossless. */
    return mime && strcmp(mime, "image/jpeg") == 0 ? "image/jpeg" : "image/png";
}

static const char *kind_label(const char *mime)
{
    if (is_image_type(mime))
        return "画像";
    if (strcmp(mime, "application/pdf") == 0)
        return "PDF";
    if (strcmp(mime, MIME_DOCX) == 0 || strcmp(mime, MIME_DOC) == 0)
        return "Word 文書";
    if (strcmp(mime, MIME_XLSX) == 0 || strcmp(mime, MIME_XLS) == 0)
        return "Excel 表";
    if (strcmp(mime, MIME_PPTX) == 0 || strcmp(mime, MIME_PPT) == 0)
        return "PowerPoint 資料";
    if (strcmp(mime, "text/csv") == 0)
        return "CSV";
    if (strcmp(mime, "text/plain") == 0)
        return "テキスト";
    return "ファイル";
}

void media_thumb_size(int w, int h, int *tw, int *th)
{
    if (w <= 0 || h <= 0) {
        *tw = *th = 0;
        return;
    }
    /* The smaller of the two scale factors, in 64-bit integers. */
    int64_t nw = w, nh = h;
    if (nw > MEDIA_THUMB_MAX_WIDTH) {
        nh = nh * MEDIA_THUMB_MAX_WIDTH / nw;
        nw = MEDIA_THUMB_MAX_WIDTH;
    }
    if (nh > MEDIA_THUMB_MAX_HEIGHT) {
        nw = nw * MEDIA_THUMB_MAX_HEIGHT / nh;
        nh = MEDIA_THUMB_MAX_HEIGHT;
    }
    *tw = nw < 1 ? 1 : (int)nw;
    *th = nh < 1 ? 1 : (int)nh;
}

/* ---- libmagic and libgd, shared by the process ---- */

static pthread_mutex_t magic_lock = PTHREAD_MUTEX_INITIALIZER;
static magic_t magic_cookie; /* guarded by magic_lock */

bool media_sniff(const void *p, size_t n, char *out, size_t outlen)
{
    if (outlen)
        out[0] = '\0';
    pthread_mutex_lock(&magic_lock);
    if (!magic_cookie) {
        magic_cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
        if (magic_cookie && magic_load(magic_cookie, NULL) != 0) {
            log_error("libmagic のデータベースを読み込めません（パッケージ libmagic-mgc）: %s",
                      magic_error(magic_cookie));
            magic_close(magic_cookie);
            magic_cookie = NULL;
        } else if (!magic_cookie) {
            log_error("libmagic を初期化できません: %s", strerror(errno));
        }
    }
    const char *t = magic_cookie ? magic_buffer(magic_cookie, p, n) : NULL;
    if (magic_cookie && !t)
        log_error("libmagic: %s", magic_error(magic_cookie));
    bool ok = t && strlen(t) < outlen;
    if (ok)
        memcpy(out, t, strlen(t) + 1);
    pthread_mutex_unlock(&magic_lock);
    return ok;
}

void media_shutdown(void)
{
    pthread_mutex_lock(&magic_lock);
    if (magic_cookie)
        magic_close(magic_cookie);
    magic_cookie = NULL;
    pthread_mutex_unlock(&magic_lock);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* libgd's complaints about a broken image go to our log, not to stderr. */
static void gd_log(int priority, const char *fmt, va_list ap)
{
    (void)priority;
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_info("libgd: %s", msg);
}
#pragma GCC diagnostic pop

static pthread_once_t gd_once = PTHREAD_ONCE_INIT;

static void gd_init(void)
{
    gdSetErrorMethod(gd_log);
}

/* ---- small helpers ---- */

static media_rc fail(media_rc rc, const char *msg, char *err, size_t errlen)
{
    if (err && errlen)
        utf8_format(err, errlen, "%s", msg);
    return rc;
}

static media_rc fail_error(const media_env *e, const char *what, char *err, size_t errlen)
{
    log_error("media: %s: %s", what, e->db ? store_errmsg(e->db) : "");
    return fail(MEDIA_ERROR, MSG_ERROR, err, errlen);
}

static bool tx_free(const media_env *e, const char *fn)
{
    if (e->db && !store_in_tx(e->db))
        return true;
    log_error("media: %s called without a connection or inside a transaction", fn);
    return false;
}

/* One line of text of at most max characters: valid UTF-8, no control
 * characters (so no line breaks). */
static bool one_line(const char *s, size_t max_chars)
{
    size_t n = strlen(s);
    if (!utf8_valid(s, n) || utf8_count(s, n) > max_chars)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
            return false;
    return true;
}

static bool stored_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n != STORED_HEX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* A fresh random name for a file under DATA/media/ (ARCHITECTURE.md: never
 * a name the client chose). */
static bool random_name(char out[STORED_HEX + 1])
{
    unsigned char b[STORED_HEX / 2];
    if (RAND_bytes(b, sizeof b) != 1) {
        out[0] = '\0';
        return false;
    }
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof b; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[STORED_HEX] = '\0';
    return true;
}

static bool write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

static bool fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = fsync(fd) == 0;
    close(fd);
    return ok;
}

/* DATA/media, created 0700 when missing; refused if it is not a directory
 * of its own (a symlink could point the files anywhere). */
static const char *media_dir(const media_env *e)
{
    const char *dir = arena_printf(e->a, "%s/media", e->data_dir);
    if (!dir)
        return NULL;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        log_error("media: %s: %s", dir, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        log_error("media: %s はディレクトリではありません", dir);
        return NULL;
    }
    if ((st.st_mode & 077) != 0 && chmod(dir, 0700) != 0)
        log_warn("media: %s の権限を 0700 にできません: %s", dir, strerror(errno));
    return dir;
}

static void item_from_row(const store_media_row *r, media_item *it)
{
    memset(it, 0, sizeof *it);
    it->id = r->id;
    it->name = r->name;
    it->mime = r->mime;
    it->kind_label = kind_label(r->mime);
    it->size = r->size;
    it->is_image = is_image_type(r->mime);
    if (it->is_image && r->width > 0 && r->height > 0 && r->width <= INT32_MAX &&
        r->height <= INT32_MAX) {
        it->width = (int)r->width;
        it->height = (int)r->height;
    }
    it->has_thumb = r->thumb != NULL;
    if (it->has_thumb)
        media_thumb_size(it->width, it->height, &it->thumb_width, &it->thumb_height);
    it->inline_ok = media_type_inline(r->mime);
    it->alt = r->alt;
    it->public = r->public;
    it->trashed = r->trashed_at != NULL;
    it->uploaded_by = r->uploaded_by;
    it->uploader_login = r->uploader_login;
    it->uploader_name = r->uploader_name;
    it->created_at = r->created_at;
    it->trashed_at = r->trashed_at;
}

/* The audit log's record text of a row (content/record.h), or NULL on OOM. */
static const char *audit_record(arena *a, const char *name, const char *mime, int64_t size,
                                int64_t w, int64_t h, const char *alt, bool public,
                                const char *trashed_at)
{
    record r;
    record_init(&r, a);
    char num[32];
    bool ok = record_set(&r, "name", name) && record_set(&r, "mime", mime);
    snprintf(num, sizeof num, "%lld", (long long)size);
    ok = ok && record_set(&r, "size", num);
    if (w > 0 && h > 0) {
        snprintf(num, sizeof num, "%lld", (long long)w);
        ok = ok && record_set(&r, "width", num);
        snprintf(num, sizeof num, "%lld", (long long)h);
        ok = ok && record_set(&r, "height", num);
    }
    ok = ok && record_set(&r, "alt", alt) && record_set(&r, "public", public ? "1" : "0") &&
         record_set(&r, "trashed_at", trashed_at);
    if (!ok)
        return NULL;
    buf b;
    buf_init(&b, 0);
    const char *out = record_encode(&r, &b) && buf_ok(&b) ? arena_strndup(a, b.data, b.len) : NULL;
    buf_free(&b);
    return out;
}

static const char *row_record(arena *a, const store_media_row *r)
{
    return audit_record(a, r->name, r->mime, r->size, r->width, r->height, r->alt, r->public,
                        r->trashed_at);
}

/* ---- adding a file ---- */

/* The whole temp file in a malloc'd buffer (the caller frees *out).
 * MEDIA_INVALID for an empty or oversized file. */
static media_rc read_upload(int fd, unsigned char **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        log_error("media: the upload is not a regular file");
        return fail(MEDIA_ERROR, MSG_ERROR, err, errlen);
    }
    if (st.st_size == 0)
        return fail(MEDIA_INVALID, "ファイルが空です。中身のあるファイルを選んでください。", err,
                    errlen);
    if (st.st_size > MEDIA_MAX_BYTES)
        return fail(MEDIA_INVALID, MSG_TOO_BIG, err, errlen);
    size_t size = (size_t)st.st_size;
    unsigned char *b = fault_malloc(size);
    if (!b) {
        log_error("media: out of memory reading an upload of %zu bytes", size);
        return fail(MEDIA_ERROR, MSG_ERROR, err, errlen);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = pread(fd, b + got, size - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got != size) {
        free(b);
        log_error("media: short read of an upload (%zu of %zu bytes)", got, size);
        return fail(MEDIA_ERROR, MSG_ERROR, err, errlen);
    }
    *out = b;
    *n = size;
    return MEDIA_OK;
}

typedef struct thumb_out {
    void *data; /* gdMalloc'd: free with gdFree */
    int size;
    int width, height;         /* the thumbnail's */
    int src_width, src_height; /* the decoded image's */
} thumb_out;

/* Checks an image of type mime and makes its thumbnail.  MEDIA_INVALID
 * for a header that is not the sniffed format, too many pixels, or bytes
 * that do not decode. */
static media_rc image_thumbnail(const unsigned char *p, size_t n, const char *mime, thumb_out *t,
                                char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    image_info info;
    static const char *const fmt_mime[] = {[IMAGE_PNG] = "image/png",
                                           [IMAGE_JPEG] = "image/jpeg",
                                           [IMAGE_GIF] = "image/gif",
                                           [IMAGE_WEBP] = "image/webp"};
    if (!image_size(p, n, &info) || strcmp(fmt_mime[info.format], mime) != 0)
        return fail(MEDIA_INVALID, MSG_BROKEN, err, errlen);
    if (image_pixels(&info) > MEDIA_MAX_PIXELS || info.width > INT32_MAX || info.height > INT32_MAX)
        return fail(MEDIA_INVALID, MSG_TOO_MANY_PIXELS, err, errlen);
    if (n > INT32_MAX)
        return fail(MEDIA_INVALID, MSG_BROKEN, err, errlen);
    pthread_once(&gd_once, gd_init);
    gdImagePtr im = NULL;
    switch (info.format) {
    case IMAGE_PNG: im = gdImageCreateFromPngPtr((int)n, (void *)p); break;
    case IMAGE_JPEG: im = gdImageCreateFromJpegPtr((int)n, (void *)p); break;
    case IMAGE_GIF: im = gdImageCreateFromGifPtr((int)n, (void *)p); break;
    case IMAGE_WEBP: im = gdImageCreateFromWebpPtr((int)n, (void *)p); break;
    case IMAGE_UNKNOWN: break;
    }
    if (!im)
        return fail(MEDIA_INVALID, MSG_BROKEN, err, errlen);
    /* The decoder must have read the size the header said (GIF: a frame no
     * larger than the screen); anything else means the two disagree. */
    if ((uint32_t)gdImageSX(im) > info.width || (uint32_t)gdImageSY(im) > info.height) {
        gdImageDestroy(im);
        return fail(MEDIA_INVALID, MSG_BROKEN, err, errlen);
    }
    int w = gdImageSX(im), h = gdImageSY(im);
    t->src_width = w;
    t->src_height = h;
    media_thumb_size(w, h, &t->width, &t->height);
    media_rc rc = MEDIA_ERROR;
    if (!gdImageTrueColor(im) && !gdImagePaletteToTrueColor(im))
        goto done;
    gdImageSetInterpolationMethod(im, GD_TRIANGLE);
    gdImagePtr small = gdImageScale(im, (unsigned)t->width, (unsigned)t->height);
    if (!small)
        goto done;
    if (strcmp(media_thumb_mime(mime), "image/jpeg") == 0) {
        t->data = gdImageJpegPtr(small, &t->size, 82);
    } else {
        gdImageAlphaBlending(small, 0);
        gdImageSaveAlpha(small, 1);
        t->data = gdImagePngPtrEx(small, &t->size, 9);
    }
    gdImageDestroy(small);
    if (t->data && t->size > 0)
        rc = MEDIA_OK;
done:
    gdImageDestroy(im);
    if (rc != MEDIA_OK) {
        log_error("media: cannot make a thumbnail (%s, %dx%d)", mime, w, h);
        if (t->data)
            gdFree(t->data);
        t->data = NULL;
        return fail(rc, MSG_ERROR, err, errlen);
    }
    return MEDIA_OK;
}

/* Writes a new file dir/name (0600, never over an existing one) and
 * fsyncs it. */
static bool write_new_file(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    bool ok = write_all(fd, p, n) && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = false;
    if (!ok)
        unlink(path);
    return ok;
}

typedef struct add_ctx {
    const media_env *e;
    const account_view *actor;
    store_media_new row;
    const char *summary, *after;
    int64_t id;
} add_ctx;

static store_rc add_body(store *db, void *vctx)
{
    add_ctx *c = vctx;
    store_rc rc = store_media_insert(db, &c->row, &c->id);
    if (rc != STORE_OK)
        return rc == STORE_DONE ? STORE_ERROR : rc;
    return audit_add(db, c->actor->id, c->actor->login, "media.upload", "media", c->id, c->summary,
                     NULL, c->after);
}

const char *media_size_text(arena *a, int64_t size)
{
    if (size < 1024)
        return arena_printf(a, "%lld バイト", (long long)size);
    if (size < 1024 * 1024)
        return arena_printf(a, "%.1f KB", (double)size / 1024.0);
    return arena_printf(a, "%.1f MB", (double)size / (1024.0 * 1024.0));
}

media_rc media_add(const media_env *e, const account_view *actor, const char *tmp_path,
                   const char *client_name, const char *alt, bool public, int64_t *id, char *err,
                   size_t errlen)
{
    if (id)
        *id = 0;
    if (!tx_free(e, __func__))
        return fail(MEDIA_ERROR, MSG_ERROR, err, errlen);
    if (!account_is_staff(actor))
        return fail(MEDIA_INVALID, MSG_NOT_STAFF, err, errlen);
    if (!tmp_path)
        return fail(MEDIA_INVALID, "ファイルを選んでください。", err, errlen);
    if (!client_name || !*client_name)
        client_name = "file";
    if (!one_line(client_name, MEDIA_NAME_MAX_CHARS))
        return fail(MEDIA_INVALID,
                    "ファイル名が長すぎます（200 文字まで）。名前を短くしてから登録してください。",
                    err, errlen);
    if (!alt)
        alt = "";
    if (!one_line(alt, MEDIA_ALT_MAX_CHARS))
        return fail(MEDIA_INVALID, "代替テキストは改行を含めず 300 文字以内で入力してください。",
                    err, errlen);

    int fd = open(tmp_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        log_error("media: cannot open the upload %s: %s", tmp_path, strerror(errno));
        return fail(MEDIA_ERROR, MSG_ERROR, err, errlen);
    }
    unsigned char *bytes = NULL;
    size_t n = 0;
    thumb_out th = {0};
    const char *dst = NULL, *thumb_path = NULL;
    bool moved = false;
    media_rc rc = read_upload(fd, &bytes, &n, err, errlen);
    if (rc != MEDIA_OK)
        goto out;

    /* Vulnerability class 13: the bytes decide, never the name. */
    char sniffed[128];
    if (!media_sniff(bytes, n, sniffed, sizeof sniffed)) {
        rc = fail(MEDIA_ERROR, MSG_ERROR, err, errlen);
        goto out;
    }
    const char *mime = media_type_allowed(sniffed, client_name);
    if (!mime) {
        log_info("media: refused an upload sniffed as %s", sniffed);
        rc = fail(MEDIA_INVALID, MSG_TYPE, err, errlen);
        goto out;
    }
    if (is_image_type(mime)) {
        rc = image_thumbnail(bytes, n, mime, &th, err, errlen);
        if (rc != MEDIA_OK)
            goto out;
    }

    const char *dir = media_dir(e);
    char stored[STORED_HEX + 1], thumb[STORED_HEX + 1];
    if (!dir || !random_name(stored) || (th.data && !random_name(thumb)) ||
        !(dst = arena_printf(e->a, "%s/%s", dir, stored)) ||
        (th.data && !(thumb_path = arena_printf(e->a, "%s/%s", dir, thumb)))) {
        rc = fail_error(e, "storage names", err, errlen);
        goto out;
    }
    if (thumb_path && !write_new_file(thumb_path, th.data, (size_t)th.size)) {
        log_error("media: cannot write %s: %s", thumb_path, strerror(errno));
        thumb_path = NULL;
        rc = fail(MEDIA_ERROR, MSG_ERROR, err, errlen);
        goto out;
    }
    /* The temp file becomes the stored file: same file system (both under
     * DATA), so rename() moves it in one step. */
    if (fchmod(fd, 0600) != 0 || fsync(fd) != 0 || rename(tmp_path, dst) != 0) {
        log_error("media: cannot move the upload to %s: %s", dst, strerror(errno));
        rc = fail(MEDIA_ERROR, MSG_ERROR, err, errlen);
        goto out;
    }
    moved = true;
    if (!fsync_dir(dir)) {
        log_error("media: cannot fsync %s: %s", dir, strerror(errno));
        rc = fail(MEDIA_ERROR, MSG_ERROR, err, errlen);
        goto out;
    }

    char now[STORE_TIMESTAMP_LEN];
    store_timestamp(now);
    const char *size_label = media_size_text(e->a, (int64_t)n);
    add_ctx c = {
        .e = e,
        .actor = actor,
        .row = {.stored = stored,
                .name = client_name,
                .mime = mime,
                .size = (int64_t)n,
                .width = th.src_width,
                .height = th.src_height,
                .thumb = th.data ? thumb : NULL,
                .alt = alt,
                .public = public,
                .uploaded_by = actor->id,
                .now = now},
        .summary = arena_printf(e->a, "ファイル「%s」を登録しました（%s、%s）", client_name,
                                kind_label(mime), size_label ? size_label : ""),
        .after = audit_record(e->a, client_name, mime, (int64_t)n, th.src_width, th.src_height, alt,
                              public, NULL),
    };
    if (!c.summary || !c.after) {
        rc = fail_error(e, "audit text (out of memory)", err, errlen);
        goto out;
    }
    if (content_tx(e->db, add_body, &c) != STORE_OK) {
        rc = fail_error(e, "add", err, errlen);
        goto out;
    }
    if (id)
        *id = c.id;
    rc = MEDIA_OK;
out:
    if (rc != MEDIA_OK) {
        /* Nothing may remain of a refused or failed upload but its temp
         * file, which the request's clean-up removes. */
        if (moved && rename(dst, tmp_path) != 0)
            unlink(dst);
        if (thumb_path)
            unlink(thumb_path);
    }
    if (th.data)
        gdFree(th.data);
    free(bytes);
    close(fd);
    return rc;
}

/* ---- reading ---- */

media_rc media_get(const media_env *e, int64_t id, media_item *out)
{
    memset(out, 0, sizeof *out);
    if (!e->db)
        return MEDIA_ERROR;
    store_media_row r;
    store_rc rc = id > 0 ? store_media_get(e->db, e->a, id, &r) : STORE_DONE;
    if (rc == STORE_DONE)
        return MEDIA_NOT_FOUND;
    if (rc != STORE_OK) {
        log_error("media: get %lld: %s", (long long)id, store_errmsg(e->db));
        return MEDIA_ERROR;
    }
    item_from_row(&r, out);
    return MEDIA_OK;
}

media_rc media_open(const media_env *e, int64_t id, bool staff, bool thumb, int *fd, size_t *size,
                    media_item *out)
{
    *fd = -1;
    *size = 0;
    memset(out, 0, sizeof *out);
    if (!e->db)
        return MEDIA_ERROR;
    store_media_row r;
    store_rc rc = id > 0 ? store_media_get(e->db, e->a, id, &r) : STORE_DONE;
    if (rc == STORE_DONE)
        return MEDIA_NOT_FOUND;
    if (rc != STORE_OK) {
        log_error("media: open %lld: %s", (long long)id, store_errmsg(e->db));
        return MEDIA_ERROR;
    }
    /* Vulnerability class 8: a staff-only or trashed item does not exist
     * for anyone else. */
    if (!staff && (!r.public || r.trashed_at))
        return MEDIA_NOT_FOUND;
    const char *name = thumb ? r.thumb : r.stored;
    if (!name)
        return MEDIA_NOT_FOUND;
    /* Only names we made ever become part of a path (class 3). */
    if (!stored_name_ok(name)) {
        log_error("media: item %lld has a malformed stored name", (long long)id);
        return MEDIA_ERROR;
    }
    const char *path = arena_printf(e->a, "%s/media/%s", e->data_dir, name);
    if (!path)
        return MEDIA_ERROR;
    int f = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (f < 0) {
        int saved = errno; /* the log may change errno */
        log_error("media: item %lld: %s: %s", (long long)id, path, strerror(saved));
        return saved == ENOENT ? MEDIA_NOT_FOUND : MEDIA_ERROR;
    }
    struct stat st;
    if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(f);
        log_error("media: item %lld: %s is not a regular file", (long long)id, path);
        return MEDIA_ERROR;
    }
    item_from_row(&r, out);
    *fd = f;
    *size = (size_t)st.st_size;
    return MEDIA_OK;
}

media_rc media_list(const media_env *e, const media_query *q, media_page *out)
{
    memset(out, 0, sizeof *out);
    if (!e->db)
        return MEDIA_ERROR;
    int limit = q->limit < 1 ? 50 : q->limit > MEDIA_LIST_MAX ? MEDIA_LIST_MAX : q->limit;
    store_media_filter f = {.trash = q->trash, .kind = q->kind, .name_contains = q->name_contains};
    store_media_row *rows;
    int n;
    /* One more than a page tells whether there is a next one. */
    store_rc rc = store_media_list(e->db, e->a, &f, q->before_id, limit + 1, &rows, &n);
    int64_t total = rc == STORE_OK ? store_media_count(e->db, &f) : -1;
    if (rc != STORE_OK || total < 0) {
        log_error("media: list: %s", store_errmsg(e->db));
        return MEDIA_ERROR;
    }
    int shown = n > limit ? limit : n;
    out->items = arena_calloc(e->a, (size_t)(shown ? shown : 1), sizeof *out->items);
    if (!out->items)
        return MEDIA_ERROR;
    for (int i = 0; i < shown; i++)
        item_from_row(&rows[i], &out->items[i]);
    out->n = shown;
    out->total = total;
    out->next_before = n > limit ? rows[limit - 1].id : 0;
    return MEDIA_OK;
}

/* ---- changes by staff ---- */

typedef enum { CHANGE_ALT, CHANGE_TRASH, CHANGE_RESTORE } change_kind;

typedef struct change_ctx {
    const media_env *e;
    const account_view *actor;
    change_kind kind;
    int64_t id;
    const char *alt;
    bool public;
    media_rc rc;
    const char *msg;
} change_ctx;

static store_rc change_body(store *db, void *vctx)
{
    change_ctx *c = vctx;
    arena *a = c->e->a;
    c->rc = MEDIA_ERROR;
    c->msg = NULL;
    store_media_row r;
    store_rc rc = store_media_get(db, a, c->id, &r);
    if (rc == STORE_DONE) {
        c->rc = MEDIA_NOT_FOUND;
        return STORE_DONE; /* nothing changed: commit the empty transaction */
    }
    if (rc != STORE_OK)
        return rc;
    const char *before = row_record(a, &r);
    char now[STORE_TIMESTAMP_LEN];
    store_timestamp(now);
    const char *action, *summary;
    switch (c->kind) {
    case CHANGE_ALT:
        rc = store_media_update(db, c->id, c->alt, c->public);
        r.alt = c->alt;
        r.public = c->public;
        action = "media.update";
        summary = arena_printf(a, "ファイル「%s」の代替テキストと公開の設定を変更しました", r.name);
        break;
    case CHANGE_TRASH:
        rc = store_media_trash(db, c->id, now);
        if (rc == STORE_DONE)
            c->msg = "このファイルはすでにゴミ箱にあります。";
        r.trashed_at = now;
        action = "media.trash";
        summary = arena_printf(a, "ファイル「%s」をゴミ箱に移しました", r.name);
        break;
    default:
        rc = store_media_restore(db, c->id);
        if (rc == STORE_DONE)
            c->msg = "このファイルはゴミ箱にありません。";
        r.trashed_at = NULL;
        action = "media.restore";
        summary = arena_printf(a, "ファイル「%s」をゴミ箱から戻しました", r.name);
        break;
    }
    if (rc == STORE_DONE) {
        c->rc = MEDIA_INVALID;
        return STORE_DONE;
    }
    if (rc != STORE_OK)
        return rc;
    const char *after = row_record(a, &r);
    if (!before || !after || !summary)
        return STORE_NOMEM;
    rc = audit_add(db, c->actor->id, c->actor->login, action, "media", c->id, summary, before,
                   after);
    if (rc == STORE_OK)
        c->rc = MEDIA_OK;
    return rc;
}

static media_rc change(const media_env *e, const account_view *actor, change_ctx *c, char *err,
                       size_t errlen)
{
    if (!tx_free(e, "media change"))
        return fail(MEDIA_ERROR, MSG_ERROR, err, errlen);
    if (!account_is_staff(actor))
        return fail(MEDIA_INVALID, MSG_NOT_STAFF, err, errlen);
    c->e = e;
    c->actor = actor;
    store_rc rc = content_tx(e->db, change_body, c);
    if (rc != STORE_OK || c->rc == MEDIA_ERROR)
        return fail_error(e, "change", err, errlen);
    if (c->rc == MEDIA_NOT_FOUND)
        return fail(MEDIA_NOT_FOUND, "ファイルが見つかりません。", err, errlen);
    if (c->rc != MEDIA_OK)
        return fail(c->rc, c->msg ? c->msg : MSG_NOT_STAFF, err, errlen);
    return MEDIA_OK;
}

media_rc media_set_alt(const media_env *e, const account_view *actor, int64_t id, const char *alt,
                       bool public, char *err, size_t errlen)
{
    if (!alt)
        alt = "";
    if (!one_line(alt, MEDIA_ALT_MAX_CHARS))
        return fail(MEDIA_INVALID, "代替テキストは改行を含めず 300 文字以内で入力してください。",
                    err, errlen);
    change_ctx c = {.kind = CHANGE_ALT, .id = id, .alt = alt, .public = public};
    return change(e, actor, &c, err, errlen);
}

media_rc media_trash(const media_env *e, const account_view *actor, int64_t id, char *err,
                     size_t errlen)
{
    change_ctx c = {.kind = CHANGE_TRASH, .id = id};
    return change(e, actor, &c, err, errlen);
}

media_rc media_restore(const media_env *e, const account_view *actor, int64_t id, char *err,
                       size_t errlen)
{
    change_ctx c = {.kind = CHANGE_RESTORE, .id = id};
    return change(e, actor, &c, err, errlen);
}

const char *media_label(const media_env *e, int64_t id, bool *is_image)
{
    if (is_image)
        *is_image = false;
    media_item it;
    if (media_get(e, id, &it) != MEDIA_OK || it.trashed)
        return NULL;
    if (is_image)
        *is_image = it.is_image;
    return it.name;
}
