/*
 * Unit tests of the media library (domain/media.h over store/media.h) and
 * of the image header parser (domain/image_size.h): the allow-list decided
 * by sniffing, refused kinds whatever their extension (vulnerability class
 * 13 of spec 8.10), where and how the bytes are stored (classes 3 and 12),
 * thumbnails, decompression bombs, who may open what (class 8), and the
 * audit lines of every change.
 *
 * Each test works in a fresh temporary data directory with a migrated
 * database and one editor account; uploads are written to DATA/tmp as the
 * form collector would.  Images are made with libgd itself.
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <gd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/arena.h"
#include "core/fault.h"
#include "domain/account.h"
#include "domain/image_size.h"
#include "domain/media.h"
#include "store/account.h"
#include "store/media.h"
#include "store/store.h"
#include "tap.h"

static const char MSG_TYPE[] =
    "この種類のファイルは登録できません（PDF、画像、Office 文書、テキストのみ）。";

/* ---- fixture ---- */

typedef struct fx {
    char root[256], data[300], tmp[320], media[320];
    store *db;
    arena a;
    media_env e;
    account_view editor, member;
    int uploads;
} fx;

static void fx_open(fx *f)
{
    memset(f, 0, sizeof *f);
    const char *base = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : P_tmpdir;
    snprintf(f->root, sizeof f->root, "%s/tsunagu-media-XXXXXX", base);
    if (!mkdtemp(f->root)) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(f->data, sizeof f->data, "%s/data", f->root);
    snprintf(f->tmp, sizeof f->tmp, "%s/tmp", f->data);
    snprintf(f->media, sizeof f->media, "%s/media", f->data);
    char err[512];
    f->db = store_open(f->data, err, sizeof err);
    if (!f->db || store_migrate(f->db, err, sizeof err) < 0) {
        printf("# cannot set up a store: %s\n", err);
        exit(2);
    }
    mkdir(f->tmp, 0700);
    arena_init(&f->a);
    f->e = (media_env){.db = f->db, .a = &f->a, .data_dir = f->data};
    char now[STORE_TIMESTAMP_LEN];
    store_timestamp(now);
    store_account_new n = {.login = "editor1",
                           .login_key = "editor1",
                           .email = "editor1@example.jp",
                           .email_key = "editor1@example.jp",
                           .name = "職員 一",
                           .role = "editor",
                           .status = "active",
                           .password_hash = "x",
                           .now = now};
    int64_t id = 0;
    if (store_account_insert(f->db, &n, &id) != STORE_OK) {
        printf("# cannot add the editor: %s\n", store_errmsg(f->db));
        exit(2);
    }
    f->editor = (account_view){.id = id,
                               .login = "editor1",
                               .name = "職員 一",
                               .role = ACCOUNT_ROLE_EDITOR,
                               .status = ACCOUNT_STATUS_ACTIVE};
    f->member = (account_view){.id = id,
                               .login = "member1",
                               .name = "会員",
                               .role = ACCOUNT_ROLE_MEMBER,
                               .status = ACCOUNT_STATUS_ACTIVE};
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void fx_close(fx *f)
{
    CHECK(!store_in_tx(f->db));
    store_close(f->db);
    arena_free(&f->a);
    nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes bytes to a new temp file under DATA/tmp, as the form collector does. */
static const char *upload(fx *f, const void *p, size_t n)
{
    char *path = arena_printf(&f->a, "%s/upload-%d", f->tmp, ++f->uploads);
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return NULL;
    if (n)
        fwrite(p, 1, n, fp);
    fclose(fp);
    chmod(path, 0600);
    return path;
}

static const char *upload_str(fx *f, const char *s)
{
    return upload(f, s, strlen(s));
}

static bool exists(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0;
}

/* Files in DATA/media (-1 when the directory is missing). */
static int media_files(fx *f)
{
    DIR *d = opendir(f->media);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *de; (de = readdir(d));)
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static int64_t q_int(fx *f, const char *sql, int64_t arg)
{
    store_stmt *st = store_prepare(f->db, sql);
    if (!st)
        return -999;
    if (arg)
        store_bind_int(st, 1, arg);
    int64_t v = store_step(st) == STORE_ROW ? store_col_int(st, 0) : -998;
    store_done(st);
    return v;
}

static media_rc add(fx *f, const void *p, size_t n, const char *name, int64_t *id, char *err,
                    size_t errlen)
{
    const char *path = upload(f, p, n);
    media_rc rc = media_add(&f->e, &f->editor, path, name, "説明", true, id, err, errlen);
    /* The contract: moved on success, left in place otherwise. */
    CHECK(exists(path) == (rc != MEDIA_OK));
    return rc;
}

/* ---- test images, made with libgd ---- */

typedef enum { MK_PNG, MK_JPEG, MK_GIF, MK_WEBP } mk_format;

/* An image of w x h in fmt (gdFree the result); *n set. */
static void *make_image(mk_format fmt, int w, int h, size_t *n)
{
    gdImagePtr im = fmt == MK_GIF ? gdImageCreate(w, h) : gdImageCreateTrueColor(w, h);
    if (!im)
        return NULL;
    int red = gdImageColorAllocate(im, 200, 30, 30);
    int blue = gdImageColorAllocate(im, 30, 30, 200);
    gdImageFilledRectangle(im, 0, 0, w - 1, h - 1, red);
    gdImageFilledRectangle(im, 0, 0, w / 2, h / 2, blue);
    int size = 0;
    void *p = NULL;
    switch (fmt) {
    case MK_PNG: p = gdImagePngPtr(im, &size); break;
    case MK_JPEG: p = gdImageJpegPtr(im, &size, 80); break;
    case MK_GIF: p = gdImageGifPtr(im, &size); break;
    case MK_WEBP: p = gdImageWebpPtr(im, &size); break;
    }
    gdImageDestroy(im);
    *n = (size_t)size;
    return p;
}

/* A PNG file holding only a signature and an IHDR of w x h (enough for the
 * header check; no decoder ever reads further when it is refused). */
static size_t png_header(unsigned char *out, uint32_t w, uint32_t h)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    memcpy(out, sig, 8);
    unsigned char chunk[4 + 4 + 13 + 4] = {0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    unsigned char *d = chunk + 8;
    d[0] = (unsigned char)(w >> 24), d[1] = (unsigned char)(w >> 16);
    d[2] = (unsigned char)(w >> 8), d[3] = (unsigned char)w;
    d[4] = (unsigned char)(h >> 24), d[5] = (unsigned char)(h >> 16);
    d[6] = (unsigned char)(h >> 8), d[7] = (unsigned char)h;
    d[8] = 8, d[9] = 2; /* 8-bit RGB */
    uLong crc = crc32(0, chunk + 4, 4 + 13);
    chunk[21] = (unsigned char)(crc >> 24), chunk[22] = (unsigned char)(crc >> 16);
    chunk[23] = (unsigned char)(crc >> 8), chunk[24] = (unsigned char)crc;
    memcpy(out + 8, chunk, sizeof chunk);
    return 8 + sizeof chunk;
}

/* A 1x1 GIF with a comment extension holding HTML: a valid image that is
 * also an HTML polyglot. */
static const unsigned char polyglot_gif[] =
    "GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
    "!\xfe\x1f<html><script>alert(1)</script>\x00"
    ",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00;";

/* A stored (uncompressed) zip archive of the given files, in a (for the
 * Office Open XML cases). */
static unsigned char *make_zip(arena *a, const char *const *names, const char *const *bodies,
                               int nfiles, size_t *n)
{
    unsigned char *out = arena_alloc(a, 8192), *p = out;
    unsigned char *cd = arena_alloc(a, 4096), *c = cd;
    uint32_t offsets[8];
#define U16(q, v) ((q)[0] = (unsigned char)(v), (q)[1] = (unsigned char)((v) >> 8), (q) += 2)
#define U32(q, v) (U16(q, (v)&0xFFFF), U16(q, (v) >> 16))
    for (int i = 0; i < nfiles; i++) {
        uint32_t nl = (uint32_t)strlen(names[i]), bl = (uint32_t)strlen(bodies[i]);
        uint32_t crc = (uint32_t)crc32(0, (const Bytef *)bodies[i], bl);
        offsets[i] = (uint32_t)(p - out);
        U32(p, 0x04034b50u), U16(p, 20), U16(p, 0), U16(p, 0), U16(p, 0), U16(p, 0x21);
        U32(p, crc), U32(p, bl), U32(p, bl), U16(p, nl), U16(p, 0);
        memcpy(p, names[i], nl), p += nl;
        memcpy(p, bodies[i], bl), p += bl;
        U32(c, 0x02014b50u), U16(c, 20), U16(c, 20), U16(c, 0), U16(c, 0), U16(c, 0);
        U16(c, 0x21), U32(c, crc), U32(c, bl), U32(c, bl), U16(c, nl), U16(c, 0), U16(c, 0);
        U16(c, 0), U16(c, 0), U32(c, 0), U32(c, offsets[i]);
        memcpy(c, names[i], nl), c += nl;
    }
    uint32_t cd_off = (uint32_t)(p - out), cd_len = (uint32_t)(c - cd);
    memcpy(p, cd, cd_len), p += cd_len;
    U32(p, 0x06054b50u), U16(p, 0), U16(p, 0), U16(p, nfiles), U16(p, nfiles);
    U32(p, cd_len), U32(p, cd_off), U16(p, 0);
#undef U16
#undef U32
    *n = (size_t)(p - out);
    return out;
}

/* ---- image_size ---- */

TEST(image_size_reads_png_jpeg_gif_and_webp_headers)
{
    static const struct {
        mk_format fmt;
        image_format want;
    } cases[] = {
        {MK_PNG, IMAGE_PNG}, {MK_JPEG, IMAGE_JPEG}, {MK_GIF, IMAGE_GIF}, {MK_WEBP, IMAGE_WEBP}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t n;
        unsigned char *p = make_image(cases[i].fmt, 37, 23, &n);
        CHECK(p != NULL);
        image_info info;
        CHECK(image_size(p, n, &info));
        CHECK_INT(info.format, cases[i].want);
        CHECK_INT(info.width, 37);
        CHECK_INT(info.height, 23);
        /* Every prefix shorter than the header is refused, never over-read. */
        for (size_t k = 0; k < 12 && k < n; k++)
            CHECK(!image_size(p, k, &info));
        gdFree(p);
    }
}

TEST(image_size_refuses_what_it_does_not_understand)
{
    image_info info;
    CHECK(!image_size(NULL, 0, &info));
    CHECK(!image_size((const unsigned char *)"hello", 5, &info));
    CHECK_INT(info.format, IMAGE_UNKNOWN);
    unsigned char png[64];
    size_t n = png_header(png, 0, 10);
    CHECK(!image_size(png, n, &info)); /* zero width */
    n = png_header(png, 0x80000000u, 10);
    CHECK(!image_size(png, n, &info)); /* over 2^31-1 */
    /* JPEG: a scan before any frame header, junk between segments, a height
     * left to a DNL marker. */
    static const unsigned char sos_first[] = {0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02};
    CHECK(!image_size(sos_first, sizeof sos_first, &info));
    static const unsigned char junk[] = {0xFF, 0xD8, 0x12, 0xFF, 0xC0, 0x00, 0x0B,
                                         8,    0,    1,    0,    1,    1};
    CHECK(!image_size(junk, sizeof junk, &info));
    static const unsigned char dnl[] = {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 8, 0,
                                        0,    0,    5,    1,    1,    0x11, 0};
    CHECK(!image_size(dnl, sizeof dnl, &info));
    static const unsigned char sof2[] = {0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x04, 'h',
                                         'i',  0xFF, 0xC2, 0x00, 0x0B, 8,    0x01,
                                         0x00, 0x02, 0x00, 1,    1,    0x11, 0};
    CHECK(image_size(sof2, sizeof sof2, &info)); /* progressive, after a comment */
    CHECK_INT(info.width, 512);
    CHECK_INT(info.height, 256);
    /* GIF: no image before the trailer. */
    static const unsigned char gif_empty[] = "GIF89a\x05\x00\x05\x00\x00\x00\x00;";
    CHECK(!image_size(gif_empty, sizeof gif_empty - 1, &info));
    /* WebP: an animation frame is not a key frame header. */
    static const unsigned char webp_bad[] = "RIFF\x20\x00\x00\x00WEBPVP8 \x10\x00\x00\x00"
                                            "\x01\x00\x00\x9d\x01\x2a\x05\x00\x05\x00";
    CHECK(!image_size(webp_bad, sizeof webp_bad - 1, &info));
}

TEST(image_size_reports_the_larger_of_the_gif_screen_and_its_first_frame)
{
    /* screen 2x2, frame at (10,20) of 30x40 */
    static const unsigned char gif[] = "GIF89a\x02\x00\x02\x00\x00\x00\x00"
                                       ",\x0a\x00\x14\x00\x1e\x00\x28\x00\x00";
    image_info info;
    CHECK(image_size(gif, sizeof gif - 1, &info));
    CHECK_INT(info.width, 40);
    CHECK_INT(info.height, 60);
    CHECK(image_size(polyglot_gif, sizeof polyglot_gif - 1, &info));
    CHECK_INT(info.width, 1);
}

/* ---- the type rules ---- */

TEST(class_13_the_allow_list_goes_by_the_sniffed_type)
{
    CHECK_STR(media_type_allowed("image/png", "a.exe"), "image/png");
    CHECK_STR(media_type_allowed("image/jpeg", "photo"), "image/jpeg");
    CHECK_STR(media_type_allowed("application/pdf", "x.PDF"), "application/pdf");
    CHECK(media_type_allowed("application/zip", "report.docx") != NULL);
    CHECK(strstr(media_type_allowed("application/zip", "Book.XLSX"), "spreadsheetml") != NULL);
    CHECK(media_type_allowed("application/zip", "archive.zip") == NULL);
    CHECK(media_type_allowed("application/zip", "docx") == NULL);
    CHECK_STR(media_type_allowed("application/CDFV2", "old.xls"), "application/vnd.ms-excel");
    CHECK(media_type_allowed("application/CDFV2", "setup.msi") == NULL);
    CHECK_STR(media_type_allowed("application/msword", "a.doc"), "application/msword");
    CHECK_STR(media_type_allowed("text/plain", "memo.txt"), "text/plain");
    CHECK_STR(media_type_allowed("text/plain", "list.csv"), "text/csv");
    CHECK_STR(media_type_allowed("text/csv", "list.csv"), "text/csv");
    CHECK(media_type_allowed("text/plain", "page.html") == NULL);
    CHECK(media_type_allowed("text/plain", "x.php") == NULL);
    static const char *const refused[] = {"image/svg+xml",
                                          "text/html",
                                          "text/x-php",
                                          "text/x-shellscript",
                                          "text/javascript",
                                          "application/javascript",
                                          "application/x-executable",
                                          "application/x-dosexec",
                                          "application/octet-stream",
                                          "text/xml",
                                          "application/xhtml+xml",
                                          "image/bmp",
                                          "application/x-msi",
                                          "image/x-icon"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        CHECK(media_type_allowed(refused[i], "x.png") == NULL);
    CHECK(media_type_inline("image/webp") && !media_type_inline("application/pdf"));
    CHECK(!media_type_inline("text/plain") && !media_type_inline("text/csv"));
    CHECK(!media_type_inline("application/msword"));
}

TEST(thumbnail_sizes_fit_the_box_and_never_grow)
{
    int w, h;
    media_thumb_size(4000, 3000, &w, &h);
    CHECK_INT(w, 320);
    CHECK_INT(h, 240);
    media_thumb_size(100, 50, &w, &h);
    CHECK_INT(w, 100);
    CHECK_INT(h, 50);
    media_thumb_size(320, 40000, &w, &h);
    CHECK_INT(w, 5);
    CHECK_INT(h, 640);
    media_thumb_size(40000, 1, &w, &h);
    CHECK_INT(w, 320);
    CHECK_INT(h, 1);
}

/* ---- adding files ---- */

TEST(an_image_is_stored_under_a_random_name_outside_static_with_a_thumbnail)
{
    fx f;
    fx_open(&f);
    size_t n;
    void *png = make_image(MK_PNG, 1000, 500, &n);
    int64_t id = 0;
    char err[512] = "";
    CHECK_INT(add(&f, png, n, "写真 1.png", &id, err, sizeof err), MEDIA_OK);
    gdFree(png);
    CHECK(id > 0);
    CHECK_INT(media_files(&f), 2); /* the file and its thumbnail */
    struct stat st;
    CHECK(stat(f.media, &st) == 0 && (st.st_mode & 0777) == 0700);

    store_media_row r;
    CHECK_INT(store_media_get(f.db, &f.a, id, &r), STORE_OK);
    CHECK_STR(r.name, "写真 1.png");
    CHECK_STR(r.mime, "image/png");
    CHECK_INT(r.width, 1000);
    CHECK_INT(r.height, 500);
    CHECK_INT(r.size, (int64_t)n);
    CHECK(r.thumb != NULL);
    CHECK_INT(strlen(r.stored), 32);
    CHECK(strspn(r.stored, "0123456789abcdef") == 32);
    CHECK(strcmp(r.stored, r.thumb) != 0);
    char *path = arena_printf(&f.a, "%s/%s", f.media, r.stored);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == (off_t)n);

    /* The thumbnail is a PNG of 320 x 160. */
    int fd;
    size_t size;
    media_item it;
    CHECK_INT(media_open(&f.e, id, false, true, &fd, &size, &it), MEDIA_OK);
    unsigned char *tb = malloc(size);
    CHECK(tb && read(fd, tb, size) == (ssize_t)size);
    close(fd);
    image_info info;
    CHECK(image_size(tb, size, &info));
    CHECK_INT(info.format, IMAGE_PNG);
    CHECK_INT(info.width, 320);
    CHECK_INT(info.height, 160);
    CHECK_INT(it.thumb_width, 320);
    CHECK_INT(it.thumb_height, 160);
    free(tb);

    /* One audit line, by the uploader. */
    CHECK_INT(q_int(&f,
                    "SELECT count(*) FROM audit_log WHERE action = 'media.upload' AND "
                    "target_type = 'media' AND target_id = ?",
                    id),
              1);
    CHECK_INT(q_int(&f, "SELECT actor_id FROM audit_log WHERE target_id = ?", id), f.editor.id);
    fx_close(&f);
}

TEST(every_accepted_kind_is_stored_with_its_sniffed_type)
{
    fx f;
    fx_open(&f);
    char err[512];
    int64_t id;
    static const struct {
        mk_format fmt;
        const char *name, *mime, *thumb_mime;
    } images[] = {{MK_JPEG, "a.jpg", "image/jpeg", "image/jpeg"},
                  {MK_GIF, "b.gif", "image/gif", "image/png"},
                  {MK_WEBP, "c.webp", "image/webp", "image/png"}};
    for (size_t i = 0; i < sizeof images / sizeof *images; i++) {
        size_t n;
        void *p = make_image(images[i].fmt, 500, 400, &n);
        CHECK_INT(add(&f, p, n, images[i].name, &id, err, sizeof err), MEDIA_OK);
        gdFree(p);
        media_item it;
        int fd;
        size_t size;
        CHECK_INT(media_open(&f.e, id, false, false, &fd, &size, &it), MEDIA_OK);
        close(fd);
        CHECK_STR(it.mime, images[i].mime);
        CHECK(it.is_image && it.has_thumb && it.inline_ok);
        CHECK_STR(media_thumb_mime(it.mime), images[i].thumb_mime);
    }
    static const char pdf[] = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    CHECK_INT(add(&f, pdf, sizeof pdf - 1, "資料.pdf", &id, err, sizeof err), MEDIA_OK);
    media_item it;
    CHECK_INT(media_get(&f.e, id, &it), MEDIA_OK);
    CHECK_STR(it.mime, "application/pdf");
    CHECK(!it.inline_ok && !it.is_image && !it.has_thumb);

    static const char *const names[] = {"[Content_Types].xml", "word/document.xml"};
    static const char *const bodies[] = {"<Types/>", "<w:document/>"};
    size_t zn;
    unsigned char *zip = make_zip(&f.a, names, bodies, 2, &zn);
    CHECK_INT(add(&f, zip, zn, "報告書.docx", &id, err, sizeof err), MEDIA_OK);
    CHECK_INT(media_get(&f.e, id, &it), MEDIA_OK);
    CHECK(strstr(it.mime, "wordprocessingml") != NULL);
    CHECK(!it.inline_ok);
    /* the same archive under another name is a zip, and refused */
    CHECK_INT(add(&f, zip, zn, "報告書.zip", &id, err, sizeof err), MEDIA_INVALID);
    CHECK_STR(err, MSG_TYPE);

    static const char csv[] = "name,count\nA,1\nB,2\nC,3\n";
    CHECK_INT(add(&f, csv, sizeof csv - 1, "一覧.csv", &id, err, sizeof err), MEDIA_OK);
    CHECK_INT(media_get(&f.e, id, &it), MEDIA_OK);
    CHECK_STR(it.mime, "text/csv");
    CHECK(!it.inline_ok);
    static const char txt[] = "センターからのお知らせです。\n";
    CHECK_INT(add(&f, txt, sizeof txt - 1, "memo.txt", &id, err, sizeof err), MEDIA_OK);
    CHECK_INT(media_get(&f.e, id, &it), MEDIA_OK);
    CHECK_STR(it.mime, "text/plain");
    fx_close(&f);
}

TEST(class_13_scripts_markup_and_executables_are_refused_whatever_the_extension)
{
    fx f;
    fx_open(&f);
    static const char php[] = "<?php system($_GET['c']); ?>\n";
    static const char html[] = "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>";
    static const char svg[] = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\">"
                              "<script>alert(document.cookie)</script></svg>";
    static const char sh[] = "#!/bin/sh\nrm -rf /\n";
    static const unsigned char elf[] = {0x7F, 'E', 'L', 'F', 2, 1, 1,    0, 0, 0, 0, 0,
                                        0,    0,   0,   0,   2, 0, 0x3E, 0, 1, 0, 0, 0};
    static const char js[] = "function f(){ fetch('/admin'); }\nf();\n";
    static const struct {
        const void *p;
        size_t n;
        const char *name;
    } cases[] = {
        {php, sizeof php - 1, "evil.php"},    {php, sizeof php - 1, "evil.png"},
        {php, sizeof php - 1, "evil.txt"},    {html, sizeof html - 1, "page.html"},
        {html, sizeof html - 1, "photo.jpg"}, {html, sizeof html - 1, "page.txt"},
        {svg, sizeof svg - 1, "logo.svg"},    {svg, sizeof svg - 1, "logo.png"},
        {sh, sizeof sh - 1, "run.txt"},       {elf, sizeof elf, "tool.pdf"},
        {js, sizeof js - 1, "app.js"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char err[512] = "";
        int64_t id = -1;
        media_rc rc = add(&f, cases[i].p, cases[i].n, cases[i].name, &id, err, sizeof err);
        if (rc != MEDIA_INVALID)
            printf("# %s was not refused (%d)\n", cases[i].name, (int)rc);
        CHECK_INT(rc, MEDIA_INVALID);
        CHECK_STR(err, MSG_TYPE);
        CHECK_INT(id, 0);
    }
    /* plain text is kept only under .txt / .csv */
    static const char txt[] = "hello\n";
    char err[512];
    CHECK_INT(add(&f, txt, sizeof txt - 1, "hello.html", NULL, err, sizeof err), MEDIA_INVALID);
    CHECK(media_files(&f) <= 0);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM media", 0), 0);
    fx_close(&f);
}

TEST(class_13_a_gif_html_polyglot_is_kept_only_as_an_image)
{
    /* Decision: a valid GIF that also carries HTML (in a comment block) is
     * an image; it is stored, and only ever served as image/gif (with
     * nosniff and a sandbox CSP, web/media.c), so no browser reads it as
     * HTML.  Bytes that only start like a GIF do not decode, and are
     * refused. */
    fx f;
    fx_open(&f);
    char err[512];
    int64_t id;
    CHECK_INT(add(&f, polyglot_gif, sizeof polyglot_gif - 1, "x.gif", &id, err, sizeof err),
              MEDIA_OK);
    media_item it;
    int fd;
    size_t size;
    CHECK_INT(media_open(&f.e, id, false, false, &fd, &size, &it), MEDIA_OK);
    close(fd);
    CHECK_STR(it.mime, "image/gif");
    CHECK(it.inline_ok);
    CHECK_INT(size, sizeof polyglot_gif - 1);
    /* the same bytes named .html are still only a GIF */
    CHECK_INT(add(&f, polyglot_gif, sizeof polyglot_gif - 1, "x.html", &id, err, sizeof err),
              MEDIA_OK);
    CHECK_INT(media_get(&f.e, id, &it), MEDIA_OK);
    CHECK_STR(it.mime, "image/gif");
    static const char fake[] = "GIF89a<html><script>alert(1)</script></html>";
    CHECK_INT(add(&f, fake, sizeof fake - 1, "y.gif", &id, err, sizeof err), MEDIA_INVALID);
    CHECK(strstr(err, "画像を読み込めません") != NULL);
    fx_close(&f);
}

TEST(decompression_bombs_are_refused_from_the_header)
{
    fx f;
    fx_open(&f);
    char err[512];
    unsigned char png[64];
    size_t n = png_header(png, 100000, 100000);
    CHECK_INT(add(&f, png, n, "bomb.png", NULL, err, sizeof err), MEDIA_INVALID);
    CHECK(strstr(err, "4,000 万画素") != NULL);
    n = png_header(png, 8000, 5001); /* just over 40 million */
    CHECK_INT(add(&f, png, n, "big.png", NULL, err, sizeof err), MEDIA_INVALID);
    CHECK(strstr(err, "4,000 万画素") != NULL);
    /* a GIF whose screen claims 65535 x 65535 */
    static const unsigned char gif[] = "GIF89a\xff\xff\xff\xff\x00\x00\x00"
                                       ",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00;";
    CHECK_INT(add(&f, gif, sizeof gif - 1, "bomb.gif", NULL, err, sizeof err), MEDIA_INVALID);
    CHECK(strstr(err, "4,000 万画素") != NULL);
    /* within the limit but cut short: the decoder refuses it */
    n = png_header(png, 10, 10);
    CHECK_INT(add(&f, png, n, "cut.png", NULL, err, sizeof err), MEDIA_INVALID);
    CHECK(strstr(err, "画像を読み込めません") != NULL);
    CHECK(media_files(&f) <= 0);
    fx_close(&f);
}

TEST(sizes_names_alt_text_and_the_actor_are_checked)
{
    fx f;
    fx_open(&f);
    char err[512];
    CHECK_INT(add(&f, "", 0, "empty.txt", NULL, err, sizeof err), MEDIA_INVALID);
    CHECK(strstr(err, "空") != NULL);
    /* one byte over the limit (a sparse file) */
    const char *big = upload(&f, "x", 1);
    CHECK(truncate(big, (off_t)MEDIA_MAX_BYTES + 1) == 0);
    CHECK_INT(media_add(&f.e, &f.editor, big, "big.pdf", "", true, NULL, err, sizeof err),
              MEDIA_INVALID);
    CHECK(strstr(err, "大きすぎます") != NULL);
    static const char pdf[] = "%PDF-1.4\n%%EOF\n";
    const char *p = upload_str(&f, pdf);
    CHECK_INT(media_add(&f.e, &f.editor, p, "a.pdf", "一行目\n二行目", true, NULL, err, sizeof err),
              MEDIA_INVALID);
    CHECK(strstr(err, "代替テキスト") != NULL);
    char longname[700];
    memset(longname, 'a', 640);
    strcpy(longname + 640, ".pdf");
    CHECK_INT(media_add(&f.e, &f.editor, p, longname, "", true, NULL, err, sizeof err),
              MEDIA_INVALID);
    CHECK_INT(media_add(&f.e, &f.member, p, "a.pdf", "", true, NULL, err, sizeof err),
              MEDIA_INVALID);
    CHECK(exists(p));
    CHECK_INT(q_int(&f, "SELECT count(*) FROM media", 0), 0);
    fx_close(&f);
}

TEST(a_failed_insert_leaves_no_file_behind)
{
    fx f;
    fx_open(&f);
    /* An actor whose account does not exist: the foreign key refuses the
     * row, after the files were written. */
    account_view ghost = f.editor;
    ghost.id = 987654;
    size_t n;
    void *png = make_image(MK_PNG, 40, 30, &n);
    const char *p = upload(&f, png, n);
    gdFree(png);
    char err[512];
    CHECK_INT(media_add(&f.e, &ghost, p, "a.png", "", true, NULL, err, sizeof err), MEDIA_ERROR);
    CHECK(exists(p));
    CHECK_INT(media_files(&f), 0);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM media", 0), 0);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM audit_log", 0), 0);
    fx_close(&f);
}

TEST(allocation_failures_never_leave_files_or_rows_half_done)
{
    fx f;
    fx_open(&f);
    size_t n;
    void *png = make_image(MK_PNG, 60, 40, &n);
    int ok = 0;
    for (long k = 1; k < 400; k++) {
        const char *p = upload(&f, png, n);
        int before = media_files(&f);
        int64_t rows = q_int(&f, "SELECT count(*) FROM media", 0);
        char err[512];
        fault_fail_nth(k);
        media_rc rc = media_add(&f.e, &f.editor, p, "a.png", "", true, NULL, err, sizeof err);
        bool fired = fault_fired();
        fault_fail_nth(0);
        CHECK(!store_in_tx(f.db));
        if (rc == MEDIA_OK) {
            CHECK_INT(media_files(&f), (before < 0 ? 0 : before) + 2);
            CHECK_INT(q_int(&f, "SELECT count(*) FROM media", 0), rows + 1);
            ok++;
        } else {
            CHECK(exists(p));
            CHECK_INT(media_files(&f) < 0 ? 0 : media_files(&f), before < 0 ? 0 : before);
            CHECK_INT(q_int(&f, "SELECT count(*) FROM media", 0), rows);
        }
        if (!fired)
            break;
    }
    CHECK(ok >= 1);
    gdFree(png);
    fx_close(&f);
}

/* ---- reading, listing, changing ---- */

TEST(class_8_staff_only_and_trashed_items_exist_only_for_staff)
{
    fx f;
    fx_open(&f);
    static const char pdf[] = "%PDF-1.4\n%%EOF\n";
    char err[512];
    const char *p = upload_str(&f, pdf);
    int64_t id;
    CHECK_INT(media_add(&f.e, &f.editor, p, "内部.pdf", "", false, &id, err, sizeof err), MEDIA_OK);
    int fd = -1;
    size_t size;
    media_item it;
    CHECK_INT(media_open(&f.e, id, false, false, &fd, &size, &it), MEDIA_NOT_FOUND);
    CHECK_INT(fd, -1);
    CHECK_INT(media_open(&f.e, id, true, false, &fd, &size, &it), MEDIA_OK);
    close(fd);
    CHECK_INT(size, sizeof pdf - 1);
    CHECK_INT(media_open(&f.e, id, true, true, &fd, &size, &it), MEDIA_NOT_FOUND); /* no thumb */

    CHECK_INT(media_set_alt(&f.e, &f.editor, id, "県の資料", true, err, sizeof err), MEDIA_OK);
    CHECK_INT(media_open(&f.e, id, false, false, &fd, &size, &it), MEDIA_OK);
    close(fd);
    CHECK_STR(it.alt, "県の資料");
    CHECK_INT(media_trash(&f.e, &f.editor, id, err, sizeof err), MEDIA_OK);
    CHECK_INT(media_trash(&f.e, &f.editor, id, err, sizeof err), MEDIA_INVALID);
    CHECK(strstr(err, "すでにゴミ箱") != NULL);
    CHECK_INT(media_open(&f.e, id, false, false, &fd, &size, &it), MEDIA_NOT_FOUND);
    CHECK_INT(media_open(&f.e, id, true, false, &fd, &size, &it), MEDIA_OK);
    close(fd);
    CHECK(it.trashed);
    CHECK(media_label(&f.e, id, NULL) == NULL);
    CHECK_INT(media_restore(&f.e, &f.editor, id, err, sizeof err), MEDIA_OK);
    CHECK_INT(media_restore(&f.e, &f.editor, id, err, sizeof err), MEDIA_INVALID);
    bool is_image = true;
    CHECK_STR(media_label(&f.e, id, &is_image), "内部.pdf");
    CHECK(!is_image);
    CHECK(media_label(&f.e, id + 100, &is_image) == NULL);
    CHECK_INT(media_trash(&f.e, &f.editor, id + 100, err, sizeof err), MEDIA_NOT_FOUND);
    CHECK_INT(media_set_alt(&f.e, &f.member, id, "x", true, err, sizeof err), MEDIA_INVALID);
    CHECK_INT(media_set_alt(&f.e, &f.editor, id, "a\tb", true, err, sizeof err), MEDIA_INVALID);

    /* One audit line per change, with the record before and after. */
    CHECK_INT(q_int(&f, "SELECT count(*) FROM audit_log WHERE target_id = ?", id), 4);
    CHECK_INT(q_int(&f,
                    "SELECT count(*) FROM audit_log WHERE action = 'media.update' AND "
                    "before_data LIKE '%public\t0%' AND after_data LIKE '%public\t1%'",
                    0),
              1);
    CHECK_INT(q_int(&f,
                    "SELECT count(*) FROM audit_log WHERE action IN ('media.trash', "
                    "'media.restore')",
                    0),
              2);
    fx_close(&f);
}

TEST(class_3_only_names_the_library_made_become_paths)
{
    fx f;
    fx_open(&f);
    char now[STORE_TIMESTAMP_LEN];
    store_timestamp(now);
    store_media_new n = {.stored = "../../etc/passwd",
                         .name = "x.txt",
                         .mime = "text/plain",
                         .size = 1,
                         .alt = "",
                         .public = true,
                         .now = now};
    int64_t id;
    CHECK_INT(store_media_insert(f.db, &n, &id), STORE_OK);
    int fd = -1;
    size_t size;
    media_item it;
    CHECK_INT(media_open(&f.e, id, true, false, &fd, &size, &it), MEDIA_ERROR);
    CHECK_INT(fd, -1);
    fx_close(&f);
}

TEST(a_row_whose_file_is_gone_is_not_found)
{
    fx f;
    fx_open(&f);
    static const char pdf[] = "%PDF-1.4\n%%EOF\n";
    char err[512];
    int64_t id;
    CHECK_INT(add(&f, pdf, sizeof pdf - 1, "a.pdf", &id, err, sizeof err), MEDIA_OK);
    store_media_row r;
    CHECK_INT(store_media_get(f.db, &f.a, id, &r), STORE_OK);
    CHECK(unlink(arena_printf(&f.a, "%s/%s", f.media, r.stored)) == 0);
    int fd = -1;
    size_t size;
    media_item it;
    CHECK_INT(media_open(&f.e, id, true, false, &fd, &size, &it), MEDIA_NOT_FOUND);
    CHECK_INT(fd, -1);
    fx_close(&f);
}

TEST(the_list_filters_by_kind_name_and_trash_and_pages_newest_first)
{
    fx f;
    fx_open(&f);
    char err[512];
    int64_t ids[7];
    static const char pdf[] = "%PDF-1.4\n%%EOF\n";
    static const char *const names[] = {"100%_plan.pdf", "1000_plan.pdf", "会議資料.pdf",
                                        "議事録.pdf", "other.pdf"};
    for (int i = 0; i < 5; i++)
        CHECK_INT(add(&f, pdf, sizeof pdf - 1, names[i], &ids[i], err, sizeof err), MEDIA_OK);
    size_t n;
    void *png = make_image(MK_PNG, 20, 20, &n);
    CHECK_INT(add(&f, png, n, "Photo.PNG", &ids[5], err, sizeof err), MEDIA_OK);
    CHECK_INT(add(&f, png, n, "photo2.png", &ids[6], err, sizeof err), MEDIA_OK);
    gdFree(png);
    CHECK_INT(media_trash(&f.e, &f.editor, ids[4], err, sizeof err), MEDIA_OK);

    media_page pg;
    media_query q = {.limit = 3};
    CHECK_INT(media_list(&f.e, &q, &pg), MEDIA_OK);
    CHECK_INT(pg.total, 6);
    CHECK_INT(pg.n, 3);
    CHECK_INT(pg.items[0].id, ids[6]);
    CHECK_INT(pg.next_before, ids[3]);
    q.before_id = pg.next_before;
    CHECK_INT(media_list(&f.e, &q, &pg), MEDIA_OK);
    CHECK_INT(pg.n, 3);
    CHECK_INT(pg.items[0].id, ids[2]);
    CHECK_INT(pg.next_before, 0);

    q = (media_query){.kind = "image", .limit = 10};
    CHECK_INT(media_list(&f.e, &q, &pg), MEDIA_OK);
    CHECK_INT(pg.n, 2);
    CHECK(pg.items[0].is_image && pg.items[0].has_thumb);
    q = (media_query){.kind = "other", .limit = 10};
    CHECK_INT(media_list(&f.e, &q, &pg), MEDIA_OK);
    CHECK_INT(pg.n, 4);
    /* '%' and '_' are plain characters in the name filter */
    q = (media_query){.name_contains = "0%_", .limit = 10};
    CHECK_INT(media_list(&f.e, &q, &pg), MEDIA_OK);
    CHECK_INT(pg.n, 1);
    CHECK_STR(pg.items[0].name, "100%_plan.pdf");
    q = (media_query){.name_contains = "photo", .limit = 10};
    CHECK_INT(media_list(&f.e, &q, &pg), MEDIA_OK);
    CHECK_INT(pg.n, 2); /* ASCII case is ignored */
    q = (media_query){.name_contains = "資料", .limit = 10};
    CHECK_INT(media_list(&f.e, &q, &pg), MEDIA_OK);
    CHECK_INT(pg.n, 1);
    q = (media_query){.trash = true, .limit = 10};
    CHECK_INT(media_list(&f.e, &q, &pg), MEDIA_OK);
    CHECK_INT(pg.n, 1);
    CHECK_INT(pg.items[0].id, ids[4]);
    CHECK(pg.items[0].trashed);
    CHECK_STR(pg.items[0].uploader_login, "editor1");
    fx_close(&f);
}

int main(void)
{
    int rc = tap_run();
    media_shutdown();
    return rc;
}
