/*
 * static.c - see static.h.
 *
 * A request for a cached file costs one fstatat() and a hash-table lookup
 * under a read lock.  The fstatat() only decides whether the cached bytes are
 * still current (same device, inode, size, mtime and ctime); bytes are only
 * ever read through a descriptor obtained by open_beneath(), which follows no
 * symlink, so even if a directory in the tree is later swapped for a symlink,
 * what the cache holds came from inside the tree and a changed file is
 * re-read the safe way.
 *
 * Entries are reference-counted: the table holds one reference, each response
 * still sending an entry's bytes holds another, and the last one frees it.
 */
#include "http/static.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fault.h"
#include "core/jst.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "http/gzip.h"

/* Buckets of the first table; it doubles when entries outnumber buckets. */
#define STATIC_BUCKETS_INITIAL 64

/* Times a file that changes while it is read is read again before its bytes
 * are served once without being cached. */
#define STATIC_READ_ATTEMPTS 3

/* Cached files are compressed once, so they get zlib's best level. */
#define STATIC_GZIP_LEVEL 9

/* What identifies one version of a file on disk. */
typedef struct file_id {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    struct timespec ctime;
} file_id;

typedef struct entry {
    atomic_long refs;
    struct entry *next;       /* bucket chain (under sf->lock) */
    uint64_t hash;
    char *path;               /* the key: the validated url_path */
    file_id id;
    time_t mtime;             /* for Last-Modified / If-Modified-Since (clamped to load time) */
    const char *mime;
    const char *cache_control;
    char *body;
    size_t len;
    char *gz;                 /* gzip'd body or NULL */
    size_t gz_len;
    char etag[48];
    char etag_gz[48];
    char last_modified[HTTP_DATE_LEN];
} entry;

struct static_files {
    int rootfd;
    char *root;               /* realpath of the root, for messages */
    pthread_rwlock_t lock;    /* guards buckets, nbuckets, count, bytes, entry->next */
    entry **buckets;
    size_t nbuckets;          /* a power of two */
    size_t count;
    size_t bytes;             /* body + gz bytes of the entries in the table */
};

/* FNV-1a.  Keys are names of files that exist in the tree (nothing else is
 * inserted), so an attacker cannot choose colliding keys. */
static uint64_t path_hash(const char *s)
{
    uint64_t h = 14695981039346656037u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211u;
    }
    return h;
}

/* ---- entries ------------------------------------------------------------ */

static void entry_free(entry *e)
{
    free(e->path);
    free(e->body);
    free(e->gz);
    free(e);
}

static void entry_unref(entry *e)
{
    if (e && atomic_fetch_sub(&e->refs, 1) == 1)
        entry_free(e);
}

static size_t entry_bytes(const entry *e)
{
    return e->len + e->gz_len;
}

static file_id id_of(const struct stat *st)
{
    return (file_id){
        .dev = st->st_dev, .ino = st->st_ino, .size = st->st_size,
        .mtime = st->st_mtim, .ctime = st->st_ctim,
    };
}

static bool same_id(const file_id *a, const file_id *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
           a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* mtime in seconds, never later than now (RFC 9110 8.8.2.1: an origin server
 * must not send a Last-Modified date later than its Date). */
static time_t effective_mtime(const struct timespec *mtime)
{
    time_t now = time(NULL);
    return mtime->tv_sec > now ? now : mtime->tv_sec;
}

/* Strong ETag from the content: the first 128 bits of its SHA-256 in hex,
 * quoted; the gzip'd representation gets the same with "-gz" (RFC 9110
 * 8.8.3.3: different representations need different strong tags). */
static bool content_etags(entry *e)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(e->body, e->len, md, &mdlen, EVP_sha256(), NULL) || mdlen < 16)
        return false;
    char hex[33];
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    snprintf(e->etag, sizeof e->etag, "\"%s\"", hex);
    snprintf(e->etag_gz, sizeof e->etag_gz, "\"%s-gz\"", hex);
    return true;
}

/* Builds an entry (refs = 1, held by the caller) around body[0..len), which
 * it takes over (freed on failure too).  NULL on out-of-memory. */
static entry *entry_make(const char *path, char *body, size_t len, const struct stat *st)
{
    entry *e = fault_malloc(sizeof *e);
    if (!e) {
        free(body);
        return NULL;
    }
    memset(e, 0, sizeof *e);
    atomic_init(&e->refs, 1);
    e->body = body;
    e->len = len;
    e->id = id_of(st);
    e->mtime = effective_mtime(&st->st_mtim);
    e->mime = static_mime_type(path);
    e->cache_control = static_is_fingerprinted(path) ? STATIC_CACHE_IMMUTABLE
                                                     : STATIC_CACHE_REVALIDATE;
    http_date(e->mtime, e->last_modified);

    size_t plen = strlen(path);
    e->path = fault_malloc(plen + 1);
    if (!e->path)
        goto fail;
    memcpy(e->path, path, plen + 1);
    e->hash = path_hash(path);
    if (!content_etags(e))
        goto fail;

    if (http_mime_compressible(e->mime) && len >= LIMIT_GZIP_MIN) {
        buf z;
        buf_init(&z, 0);
        bool ok = http_gzip(body, len, STATIC_GZIP_LEVEL, &z);
        if (!buf_ok(&z)) {
            buf_free(&z);
            goto fail;
        }
        if (ok && z.len < len) {
            e->gz = buf_steal(&z, &e->gz_len);
            if (!e->gz)
                goto fail;
        }
        buf_free(&z);   /* a zlib error or no gain: serve uncompressed */
    }
    return e;

fail:
    entry_free(e);
    return NULL;
}

/* ---- the table ------------------------------------------------------------ */

/* Under sf->lock (read or write).  The pointer to the link holding the entry
 * for path, or to the NULL link ending its bucket. */
static entry **table_slot(static_files *sf, const char *path, uint64_t hash)
{
    entry **pp = &sf->buckets[hash & (sf->nbuckets - 1)];
    while (*pp && ((*pp)->hash != hash || strcmp((*pp)->path, path) != 0))
        pp = &(*pp)->next;
    return pp;
}

/* Under the write lock.  Doubles the bucket array; on out-of-memory keeps the
 * old one (chains just grow longer). */
static void table_grow(static_files *sf)
{
    size_t n = sf->nbuckets * 2;
    if (n > SIZE_MAX / sizeof(entry *))
        return;
    entry **nb = fault_malloc(n * sizeof *nb);
    if (!nb)
        return;
    memset(nb, 0, n * sizeof *nb);
    for (size_t i = 0; i < sf->nbuckets; i++) {
        entry *e = sf->buckets[i];
        while (e) {
            entry *next = e->next;
            e->next = nb[e->hash & (n - 1)];
            nb[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    free(sf->buckets);
    sf->buckets = nb;
    sf->nbuckets = n;
}

/* Under the write lock: unlinks *pp and drops the table's reference. */
static void table_unlink(static_files *sf, entry **pp)
{
    entry *e = *pp;
    *pp = e->next;
    e->next = NULL;
    sf->count--;
    sf->bytes -= entry_bytes(e);
    entry_unref(e);
}

/* The cached entry for path if it is the version id describes, with a
 * reference for the caller; else NULL. */
static entry *cache_get(static_files *sf, const char *path, uint64_t hash, const file_id *id)
{
    entry *found = NULL;
    pthread_rwlock_rdlock(&sf->lock);
    entry *e = *table_slot(sf, path, hash);
    if (e && same_id(&e->id, id)) {
        atomic_fetch_add(&e->refs, 1);
        found = e;
    }
    pthread_rwlock_unlock(&sf->lock);
    return found;
}

/* Drops a cached entry for a path that no longer names a servable file. */
static void cache_forget(static_files *sf, const char *path, uint64_t hash)
{
    pthread_rwlock_rdlock(&sf->lock);
    bool present = *table_slot(sf, path, hash) != NULL;
    pthread_rwlock_unlock(&sf->lock);
    if (!present)
        return;   /* the common case for a miss: no write lock taken */
    pthread_rwlock_wrlock(&sf->lock);
    entry **pp = table_slot(sf, path, hash);
    if (*pp)
        table_unlink(sf, pp);
    pthread_rwlock_unlock(&sf->lock);
}

/* Offers a freshly loaded entry (caller holds one reference) to the cache.
 * Returns the entry the caller should serve, with one reference for the
 * caller: e itself, or an identical version another thread cached first (e
 * is then dropped).  An older version is dropped from the table.  Past
 * LIMIT_STATIC_CACHE_TOTAL, e stays private and dies with its response. */
static entry *cache_put(static_files *sf, entry *e)
{
    pthread_rwlock_wrlock(&sf->lock);
    entry **pp = table_slot(sf, e->path, e->hash);
    if (*pp && same_id(&(*pp)->id, &e->id)) {
        entry *old = *pp;
        atomic_fetch_add(&old->refs, 1);
        pthread_rwlock_unlock(&sf->lock);
        entry_unref(e);
        return old;
    }
    if (*pp)
        table_unlink(sf, pp);   /* an older version: never served again */
    if (sf->bytes + entry_bytes(e) > LIMIT_STATIC_CACHE_TOTAL) {
        pthread_rwlock_unlock(&sf->lock);
        return e;
    }
    if (sf->count >= sf->nbuckets)
        table_grow(sf);
    pp = table_slot(sf, e->path, e->hash);
    atomic_fetch_add(&e->refs, 1);   /* the table's reference */
    e->next = NULL;
    *pp = e;
    sf->count++;
    sf->bytes += entry_bytes(e);
    pthread_rwlock_unlock(&sf->lock);
    return e;
}

/* ---- the file system -------------------------------------------------------- */

/* The url_path check of static.h: non-empty, at most LIMIT_PATH bytes, valid
 * UTF-8 without NUL, no control byte or backslash, no empty segment (so no
 * leading, doubled or trailing '/'), no segment starting with '.' (so no
 * ".", ".." or hidden file). */
static bool path_acceptable(const char *p, size_t n)
{
    if (n == 0 || n > LIMIT_PATH || !utf8_valid(p, n))
        return false;
    size_t seg = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || p[i] == '/') {
            if (i == seg || p[seg] == '.')
                return false;
            seg = i + 1;
            continue;
        }
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c == 0x7f || c == '\\')
            return false;
    }
    return true;
}

/* Errors that mean "no such servable file" (404) rather than a failure of
 * ours (500).  ELOOP/EMLINK: a symlink met O_NOFOLLOW. */
static bool is_absent(int err)
{
    switch (err) {
    case ENOENT: case ENOTDIR: case ELOOP: case EMLINK: case EACCES: case EPERM:
    case ENAMETOOLONG: case EISDIR: case ENXIO: case ENODEV: case EOVERFLOW: case EFBIG:
        return true;
    default:
        return false;
    }
}

/* Opens path (validated, relative) below rootfd one segment at a time,
 * refusing a symlink at every step, so the result is a file inside the tree
 * however the tree changes meanwhile.  O_NONBLOCK keeps a FIFO from blocking
 * the open (the caller then refuses it as not a regular file).  path is
 * modified during the walk and restored.  Returns a descriptor, or -1 with
 * errno set. */
static int open_beneath(int rootfd, char *path)
{
    int dfd = rootfd;
    char *seg = path;
    for (char *slash; (slash = strchr(seg, '/')) != NULL; seg = slash + 1) {
        *slash = '\0';
        int nfd = openat(dfd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int saved = errno;
        *slash = '/';
        if (dfd != rootfd)
            close(dfd);
        if (nfd < 0) {
            errno = saved;
            return -1;
        }
        dfd = nfd;
    }
    int fd = openat(dfd, seg, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    int saved = errno;
    if (dfd != rootfd)
        close(dfd);
    errno = saved;
    return fd;
}

/* Reads up to n bytes from offset 0; the count read, or -1 with errno. */
static ssize_t read_all(int fd, char *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, p + got, n - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

typedef enum {
    LOAD_ENTRY,      /* *ep holds an entry with one reference for the caller */
    LOAD_STREAM,     /* *fdp is an open regular file too large to cache; *st describes it */
    LOAD_ABSENT,     /* 404 */
    LOAD_FAILED,     /* out of memory or I/O error */
} load_result;

/* Reads the file afresh.  A file that changes while it is read (its fstat
 * before and after differ, or it holds more or fewer bytes than its size) is
 * read again; if it never holds still, the last reading is served uncached. */
static load_result load(static_files *sf, char *path, entry **ep, int *fdp, struct stat *st)
{
    int fd = open_beneath(sf->rootfd, path);
    if (fd < 0)
        return is_absent(errno) ? LOAD_ABSENT : LOAD_FAILED;
    if (fstat(fd, st) != 0) {
        close(fd);
        return LOAD_FAILED;
    }
    for (int attempt = 1;; attempt++) {
        if (!S_ISREG(st->st_mode)) {
            close(fd);
            return LOAD_ABSENT;
        }
        if (st->st_size > LIMIT_STATIC_CACHE_FILE) {
            *fdp = fd;
            return LOAD_STREAM;
        }
        size_t size = (size_t)st->st_size;
        char *body = fault_malloc(size + 1);
        if (!body) {
            close(fd);
            return LOAD_FAILED;
        }
        ssize_t got = read_all(fd, body, size + 1);   /* one more: did it grow? */
        struct stat after;
        if (got < 0 || fstat(fd, &after) != 0) {
            free(body);
            close(fd);
            return LOAD_FAILED;
        }
        file_id a = id_of(st), b = id_of(&after);
        bool stable = (size_t)got == size && same_id(&a, &b);
        if (stable || attempt == STATIC_READ_ATTEMPTS) {
            close(fd);
            size_t n = (size_t)got > size ? size : (size_t)got;
            body[n] = '\0';
            entry *e = entry_make(path, body, n, stable ? st : &after);
            if (!e)
                return LOAD_FAILED;
            *ep = stable ? cache_put(sf, e) : e;
            return LOAD_ENTRY;
        }
        free(body);
        *st = after;
    }
}

/* ---- conditional requests ---------------------------------------------------- */

/* RFC 9110 13.1.2: does the If-None-Match list hold "*" or a tag equal to
 * etag under weak comparison (a "W/" prefix is ignored)?  A malformed list
 * matches only as far as it could be read. */
static bool etag_list_matches(const char *list, const char *etag)
{
    size_t elen = strlen(etag);
    const char *p = list;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '\0')
            return false;
        if (*p == '*')
            return true;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (*p != '"')
            return false;
        const char *end = strchr(p + 1, '"');
        if (!end)
            return false;
        size_t n = (size_t)(end - p) + 1;
        if (n == elen && memcmp(p, etag, n) == 0)
            return true;
        p = end + 1;
    }
}

/* RFC 9110 13.2.2: If-None-Match when present, else If-Modified-Since. */
static bool not_modified(const char *etag, time_t mtime, const char *inm, const char *ims)
{
    if (inm)
        return etag_list_matches(inm, etag);
    if (ims) {
        time_t since = http_date_parse(ims);
        return since >= 0 && mtime <= since;
    }
    return false;
}

/* ---- results ------------------------------------------------------------------ */

static void result_not_found(static_result *out)
{
    memset(out, 0, sizeof *out);
    out->status = 404;
    out->fd = -1;
}

static void result_from_entry(entry *e, bool accept_gzip, const char *inm, const char *ims,
                              static_result *out)
{
    bool gz = accept_gzip && e->gz;
    out->mime = e->mime;
    out->cache_control = e->cache_control;
    out->vary_encoding = e->gz != NULL;
    snprintf(out->etag, sizeof out->etag, "%s", gz ? e->etag_gz : e->etag);
    snprintf(out->last_modified, sizeof out->last_modified, "%s", e->last_modified);
    if (not_modified(out->etag, e->mtime, inm, ims)) {
        out->status = 304;
        entry_unref(e);   /* a 304 sends no bytes of it */
        return;
    }
    out->status = 200;
    out->body = gz ? e->gz : e->body;
    out->len = gz ? e->gz_len : e->len;
    out->gzip = gz;
    out->entry = e;
}

/* A file too large to cache: its descriptor is handed to the caller, with an
 * ETag from size and mtime (hashing would mean reading it on every request). */
static void result_from_fd(const char *path, int fd, const struct stat *st, const char *inm,
                           const char *ims, static_result *out)
{
    time_t mtime = effective_mtime(&st->st_mtim);
    out->mime = static_mime_type(path);
    out->cache_control = static_is_fingerprinted(path) ? STATIC_CACHE_IMMUTABLE
                                                       : STATIC_CACHE_REVALIDATE;
    snprintf(out->etag, sizeof out->etag, "\"%jx-%jx.%lx\"", (uintmax_t)st->st_size,
             (uintmax_t)st->st_mtim.tv_sec, (unsigned long)st->st_mtim.tv_nsec);
    http_date(mtime, out->last_modified);
    if (not_modified(out->etag, mtime, inm, ims)) {
        close(fd);
        out->status = 304;
        return;
    }
    out->status = 200;
    out->fd = fd;
    out->len = (size_t)st->st_size;
}

/* ---- public ------------------------------------------------------------------- */

bool static_lookup_n(static_files *sf, const char *url_path, size_t path_len, bool accept_gzip,
                     const char *if_none_match, const char *if_modified_since,
                     static_result *out)
{
    result_not_found(out);
    if (!url_path || !path_acceptable(url_path, path_len))
        return true;

    /* A NUL-terminated copy; the length was bounded by path_acceptable(). */
    char path[LIMIT_PATH + 1];
    memcpy(path, url_path, path_len);
    path[path_len] = '\0';
    uint64_t hash = path_hash(path);

    struct stat st;
    if (fstatat(sf->rootfd, path, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (!is_absent(errno))
            return false;
        cache_forget(sf, path, hash);
        return true;
    }
    if (!S_ISREG(st.st_mode)) {
        cache_forget(sf, path, hash);
        return true;
    }
    file_id id = id_of(&st);
    entry *e = cache_get(sf, path, hash, &id);
    if (e) {
        result_from_entry(e, accept_gzip, if_none_match, if_modified_since, out);
        return true;
    }

    int fd = -1;
    switch (load(sf, path, &e, &fd, &st)) {
    case LOAD_ENTRY:
        result_from_entry(e, accept_gzip, if_none_match, if_modified_since, out);
        return true;
    case LOAD_STREAM:
        result_from_fd(path, fd, &st, if_none_match, if_modified_since, out);
        return true;
    case LOAD_ABSENT:
        cache_forget(sf, path, hash);
        return true;
    case LOAD_FAILED:
        break;
    }
    return false;
}

bool static_lookup(static_files *sf, const char *url_path, bool accept_gzip,
                   const char *if_none_match, const char *if_modified_since, static_result *out)
{
    size_t n = url_path ? strnlen(url_path, LIMIT_PATH + 1) : 0;
    return static_lookup_n(sf, url_path, n, accept_gzip, if_none_match, if_modified_since, out);
}

void static_release(static_files *sf, void *entry_ptr)
{
    (void)sf;
    entry_unref(entry_ptr);
}

static_files *static_open(const char *root_dir, char *err, size_t errlen)
{
    if (errlen)
        err[0] = '\0';
    if (!root_dir) {
        snprintf(err, errlen, "静的ファイルのディレクトリが指定されていません");
        return NULL;
    }
    static_files *sf = fault_malloc(sizeof *sf);
    if (!sf) {
        snprintf(err, errlen, "メモリ不足です");
        return NULL;
    }
    memset(sf, 0, sizeof *sf);
    sf->rootfd = -1;
    sf->root = realpath(root_dir, NULL);
    if (!sf->root) {
        snprintf(err, errlen, "静的ファイルのディレクトリを解決できません: %s: %s", root_dir,
                 strerror(errno));
        goto fail_free;
    }
    sf->rootfd = open(sf->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sf->rootfd < 0) {
        snprintf(err, errlen, "静的ファイルのディレクトリを開けません: %s: %s", sf->root,
                 strerror(errno));
        goto fail_free;
    }
    sf->nbuckets = STATIC_BUCKETS_INITIAL;
    sf->buckets = fault_malloc(sf->nbuckets * sizeof *sf->buckets);
    if (!sf->buckets) {
        snprintf(err, errlen, "メモリ不足です");
        goto fail_free;
    }
    memset(sf->buckets, 0, sf->nbuckets * sizeof *sf->buckets);
    if (pthread_rwlock_init(&sf->lock, NULL) != 0) {
        snprintf(err, errlen, "静的ファイルのロックを作成できません");
        goto fail_free;
    }
    return sf;

fail_free:
    if (sf->rootfd >= 0)
        close(sf->rootfd);
    free(sf->buckets);
    free(sf->root);
    free(sf);
    return NULL;
}

void static_close(static_files *sf)
{
    if (!sf)
        return;
    for (size_t i = 0; i < sf->nbuckets; i++) {
        entry *e = sf->buckets[i];
        while (e) {
            entry *next = e->next;
                    entry_unref(e);
            e = next;
        }
    }
    pthread_rwlock_destroy(&sf->lock);
    free(sf->buckets);
    close(sf->rootfd);
    free(sf->root);
    free(sf);
}
