/* sealbox.c - see sealbox.h. */
#include "crypto/sealbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fault.h"
#include "core/secret.h"
#include "core/utf8.h"
#include "crypto/base32.h"

_Static_assert(SEALBOX_KEY_LEN == SECRET_KEY_LEN, "key files are core/secret.h files");

#define PREFIX "tsb1."
#define NONCE_LEN 12
#define TAG_LEN 16
#define RAW_MAX (NONCE_LEN + SEALBOX_MAX_PLAINTEXT + TAG_LEN)
#define B64_MAX BASE64URL_ENCODED_LEN(RAW_MAX)

typedef struct sealbox_key {
    int id;
    uint8_t key[SEALBOX_KEY_LEN];
} sealbox_key;

struct sealbox_keyring {
    sealbox_key *keys; /* ascending by id; the last is current */
    size_t n;
};

/* ---- key files ---- */

static bool key_path(char *path, size_t size, const char *dir, int id)
{
    int n = snprintf(path, size, "%s/%04d.key", dir, id);
    return n > 0 && (size_t)n < size;
}

/* fsync of the directory makes a new file's name durable: without it a crash
 * could lose a key file after the database committed values sealed with it. */
static bool sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = fsync(fd) == 0;
    close(fd);
    return ok;
}

/* Creates DIR/NNNN.key with fresh random bytes (secret_load creates it 0600
 * with O_EXCL and O_NOFOLLOW), reads it back into key, and syncs DIR. */
static bool create_key(const char *dir, int id, uint8_t key[SEALBOX_KEY_LEN], char *err,
                       size_t errlen)
{
    char path[PATH_MAX];
    struct stat st;
    if (!key_path(path, sizeof path, dir, id)) {
        utf8_format(err, errlen, "%s: 鍵ディレクトリのパスが長すぎます", dir);
        return false;
    }
    if (lstat(path, &st) == 0 || errno != ENOENT) {
        utf8_format(err, errlen,
                "%s: 鍵ファイルが既に存在します（別の処理が鍵を更新した可能性があります）", path);
        return false;
    }
    if (!secret_load(path, key, err, errlen))
        return false;
    if (!sync_dir(dir)) {
        OPENSSL_cleanse(key, SEALBOX_KEY_LEN);
        utf8_format(err, errlen, "%s: 鍵ディレクトリを同期できません: %s", dir, strerror(errno));
        return false;
    }
    return true;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Id of a name of the form NNNN.key, 0 for NNNN = 0000, -1 for any other name. */
static int key_file_id(const char *name)
{
    if (strlen(name) != 8 || strcmp(name + 4, ".key") != 0)
        return -1;
    int id = 0;
    for (int i = 0; i < 4; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        id = id * 10 + (name[i] - '0');
    }
    return id;
}

/* Lists the ids of the key files in dir, ascending, into *ids (fault_malloc'd,
 * the caller frees).  Refuses symlinks and id 0000 here so that the message
 * names the problem; secret_load() checks mode and size. */
static bool list_ids(const char *dir, int **ids, size_t *count, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        utf8_format(err, errlen, "%s: 鍵ディレクトリを開けません: %s", dir, strerror(errno));
        return false;
    }
    int *v = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            if (errno) {
                utf8_format(err, errlen, "%s: 鍵ディレクトリを読めません: %s", dir, strerror(errno));
                ok = false;
            }
            break;
        }
        int id = key_file_id(e->d_name);
        if (id < 0)
            continue;
        struct stat st;
        if (id == 0) {
            utf8_format(err, errlen, "%s/%s: 鍵の番号は 0001 から始まります", dir, e->d_name);
            ok = false;
            break;
        }
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || S_ISLNK(st.st_mode)) {
            utf8_format(err, errlen, "%s/%s: 鍵ファイルにシンボリックリンクは使えません", dir,
                    e->d_name);
            ok = false;
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            int *nv = fault_realloc(v, ncap * sizeof *v);
            if (!nv) {
                utf8_format(err, errlen, "メモリが足りません");
                ok = false;
                break;
            }
            v = nv;
            cap = ncap;
        }
        v[n++] = id;
    }
    closedir(d);
    if (!ok) {
        free(v);
        return false;
    }
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_int);
    *ids = v;
    *count = n;
    return true;
}

/* Makes dir if missing; refuses a non-directory or one others may write. */
static bool check_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (errno != ENOENT || (mkdir(dir, 0700) != 0 && errno != EEXIST) || stat(dir, &st) != 0) {
            utf8_format(err, errlen, "%s: 鍵ディレクトリを作成できません: %s", dir, strerror(errno));
            return false;
        }
    }
    if (!S_ISDIR(st.st_mode)) {
        utf8_format(err, errlen, "%s: 鍵ディレクトリではありません", dir);
        return false;
    }
    if (st.st_mode & 022) {
        utf8_format(err, errlen, "%s: 鍵ディレクトリは所有者だけが書き込めるようにしてください (0700)",
                dir);
        return false;
    }
    return true;
}

static sealbox_keyring *keyring_new(size_t n)
{
    sealbox_keyring *k = fault_malloc(sizeof *k);
    if (!k)
        return NULL;
    k->keys = fault_malloc(n * sizeof *k->keys);
    if (!k->keys) {
        free(k);
        return NULL;
    }
    k->n = n;
    return k;
}

sealbox_keyring *sealbox_keyring_load(const char *dir, char *err, size_t errlen)
{
    int *ids = NULL;
    size_t n = 0;
    if (!dir || !check_dir(dir, err, errlen) || !list_ids(dir, &ids, &n, err, errlen))
        return NULL;
    sealbox_keyring *k = keyring_new(n ? n : 1);
    if (!k) {
        free(ids);
        utf8_format(err, errlen, "メモリが足りません");
        return NULL;
    }
    if (n == 0) {
        k->keys[0].id = 1;
        if (!create_key(dir, 1, k->keys[0].key, err, errlen))
            goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        k->keys[i].id = ids[i];
        if (!key_path(path, sizeof path, dir, ids[i])) {
            utf8_format(err, errlen, "%s: 鍵ディレクトリのパスが長すぎます", dir);
            goto fail;
        }
        /* secret_load() opens with O_NOFOLLOW and refuses a file that is not
         * regular, has any group/other bit or is not 32 bytes long. */
        if (!secret_load(path, k->keys[i].key, err, errlen)) {
            k->n = i + 1; /* keys[i] may hold part of a key: wipe it too */
            goto fail;
        }
    }
    free(ids);
    return k;
fail:
    free(ids);
    sealbox_keyring_free(k);
    return NULL;
}

sealbox_keyring *sealbox_keyring_from_key(int id, const uint8_t key[SEALBOX_KEY_LEN])
{
    if (id < 1 || id > SEALBOX_KEY_ID_MAX || !key)
        return NULL;
    sealbox_keyring *k = keyring_new(1);
    if (!k)
        return NULL;
    k->keys[0].id = id;
    memcpy(k->keys[0].key, key, SEALBOX_KEY_LEN);
    return k;
}

void sealbox_keyring_free(sealbox_keyring *k)
{
    if (!k)
        return;
    OPENSSL_cleanse(k->keys, k->n * sizeof *k->keys);
    free(k->keys);
    free(k);
}

bool sealbox_keyring_rotate(sealbox_keyring *k, const char *dir, char *err, size_t errlen)
{
    if (!k || !dir)
        return false;
    int id = k->keys[k->n - 1].id + 1;
    if (id > SEALBOX_KEY_ID_MAX) {
        utf8_format(err, errlen, "%s: 鍵の番号が上限 (%d) に達しました", dir, SEALBOX_KEY_ID_MAX);
        return false;
    }
    /* A new array rather than realloc, so the old copy of the keys can be
     * wiped before it is freed. */
    sealbox_key *keys = fault_malloc((k->n + 1) * sizeof *keys);
    if (!keys) {
        utf8_format(err, errlen, "メモリが足りません");
        return false;
    }
    keys[k->n].id = id;
    if (!create_key(dir, id, keys[k->n].key, err, errlen)) {
        OPENSSL_cleanse(keys, (k->n + 1) * sizeof *keys); /* a partly read key */
        free(keys);
        return false;
    }
    memcpy(keys, k->keys, k->n * sizeof *keys);
    OPENSSL_cleanse(k->keys, k->n * sizeof *k->keys);
    free(k->keys);
    k->keys = keys;
    k->n++;
    return true;
}

int sealbox_current_key_id(const sealbox_keyring *k)
{
    return k ? k->keys[k->n - 1].id : -1;
}

/* ---- sealed text ---- */

typedef struct sealed_text {
    int id;
    const char *b64;
    size_t b64_len;
    size_t raw_len; /* decoded bytes: nonce | ciphertext | tag */
} sealed_text;

/* Parses "tsb1.<id>.<base64url>" without allocating: the id is 1..9999
 * without leading zeros, the payload is canonical base64url of 28 to RAW_MAX
 * bytes.  The payload is checked four characters at a time (each group of
 * four is 24 whole bits, so groups decode independently). */
static bool parse_sealed(const char *s, sealed_text *t)
{
    if (!s || strncmp(s, PREFIX, strlen(PREFIX)) != 0)
        return false;
    s += strlen(PREFIX);
    if (s[0] < '1' || s[0] > '9')
        return false;
    int id = 0, digits = 0;
    while (s[digits] >= '0' && s[digits] <= '9') {
        if (++digits > 4)
            return false;
        id = id * 10 + (s[digits - 1] - '0');
    }
    if (s[digits] != '.')
        return false;
    const char *b64 = s + digits + 1;
    size_t len = strnlen(b64, B64_MAX + 1);
    if (len > B64_MAX || len % 4 == 1)
        return false;
    size_t raw = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
    if (raw < NONCE_LEN + TAG_LEN || raw > RAW_MAX)
        return false;
    for (size_t i = 0; i < len; i += 4) {
        uint8_t tmp[3];
        size_t got;
        if (!base64url_decode(b64 + i, len - i < 4 ? len - i : 4, tmp, sizeof tmp, &got))
            return false;
    }
    t->id = id;
    t->b64 = b64;
    t->b64_len = len;
    t->raw_len = raw;
    return true;
}

int sealbox_key_id_of(const char *sealed)
{
    sealed_text t;
    return parse_sealed(sealed, &t) ? t.id : -1;
}

static const sealbox_key *find_key(const sealbox_keyring *k, int id)
{
    for (size_t i = 0; i < k->n; i++)
        if (k->keys[i].id == id)
            return &k->keys[i];
    return NULL;
}

/* AES-256-GCM in one call.  enc: pt[0..n) -> ct, tag out; !enc: ct[0..n)
 * -> pt, tag checked.  The output of a failed decryption is unauthenticated
 * and must be wiped by the caller. */
static bool gcm(bool enc, const uint8_t *key, const uint8_t *nonce, const char *aad,
                const uint8_t *in, size_t n, uint8_t *out, uint8_t *tag)
{
    size_t aad_len = aad ? strlen(aad) : 0;
    if (n > INT_MAX || aad_len > INT_MAX)
        return false;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c)
        return false;
    int len = 0;
    bool ok = EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
              EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) == 1 &&
              (aad_len == 0 ||
               EVP_CipherUpdate(c, NULL, &len, (const uint8_t *)aad, (int)aad_len) == 1) &&
              (n == 0 || EVP_CipherUpdate(c, out, &len, in, (int)n) == 1) &&
              (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1) &&
              EVP_CipherFinal_ex(c, out + n, &len) == 1 && /* GCM writes nothing here */
              (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1);
    EVP_CIPHER_CTX_free(c); /* also wipes the expanded key */
    return ok;
}

bool sealbox_seal(const sealbox_keyring *k, const uint8_t *pt, size_t n, const char *aad, buf *out)
{
    if (!k || !out || (!pt && n) || n > SEALBOX_MAX_PLAINTEXT)
        return false;
    const sealbox_key *key = &k->keys[k->n - 1];
    size_t raw_len = NONCE_LEN + n + TAG_LEN;
    uint8_t *raw = fault_malloc(raw_len);
    if (!raw)
        return false;
    char head[16];
    int head_len = snprintf(head, sizeof head, PREFIX "%d.", key->id);
    size_t enc_len = BASE64URL_ENCODED_LEN(raw_len);
    bool ok = secret_random(raw, NONCE_LEN) &&
              gcm(true, key->key, raw, aad, pt, n, raw + NONCE_LEN, raw + NONCE_LEN + n) &&
              buf_reserve(out, (size_t)head_len + enc_len);
    if (ok) {
        memcpy(out->data + out->len, head, (size_t)head_len);
        base64url_encode(raw, raw_len, out->data + out->len + head_len, enc_len + 1);
        out->len += (size_t)head_len + enc_len;
    }
    free(raw); /* nonce and ciphertext only: nothing secret to wipe */
    return ok;
}

bool sealbox_open(const sealbox_keyring *k, const char *sealed, const char *aad, buf *out)
{
    sealed_text t;
    if (!k || !out || !parse_sealed(sealed, &t))
        return false;
    const sealbox_key *key = find_key(k, t.id);
    if (!key)
        return false;
    uint8_t *raw = fault_malloc(t.raw_len);
    if (!raw)
        return false;
    size_t got = 0, n = t.raw_len - NONCE_LEN - TAG_LEN;
    bool ok = base64url_decode(t.b64, t.b64_len, raw, t.raw_len, &got) && got == t.raw_len &&
              buf_reserve(out, n);
    if (ok) {
        uint8_t *pt = (uint8_t *)out->data + out->len;
        ok = gcm(false, key->key, raw, aad, raw + NONCE_LEN, n, pt, raw + NONCE_LEN + n);
        if (ok) {
            out->len += n;
        } else {
            OPENSSL_cleanse(pt, n);
        }
        out->data[out->len] = '\0';
    }
    free(raw);
    return ok;
}
