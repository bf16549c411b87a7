/* secret.c - see secret.h. */
#include "core/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool secret_random(void *out, size_t n)
{
    return n <= 0x7fffffff && RAND_bytes(out, (int)n) == 1;
}

void secret_hex(const uint8_t *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static bool read_all(int fd, uint8_t *p, size_t n)
{
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

bool secret_load(const char *path, uint8_t key[SECRET_KEY_LEN], char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT) {
        uint8_t fresh[SECRET_KEY_LEN];
        if (!secret_random(fresh, sizeof fresh)) {
            snprintf(err, errlen, "%s: 乱数を生成できません", path);
            return false;
        }
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0) {
            bool ok = write(fd, fresh, sizeof fresh) == (ssize_t)sizeof fresh && fsync(fd) == 0;
            close(fd);
            if (!ok) {
                unlink(path);
                snprintf(err, errlen, "%s: 鍵ファイルを書き込めません: %s", path, strerror(errno));
                return false;
            }
        } else if (errno != EEXIST) {
            snprintf(err, errlen, "%s: 鍵ファイルを作成できません: %s", path, strerror(errno));
            return false;
        }
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    }
    if (fd < 0) {
        snprintf(err, errlen, "%s: 鍵ファイルを開けません: %s", path, strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 ||
        st.st_size != SECRET_KEY_LEN) {
        close(fd);
        snprintf(err, errlen, "%s: 鍵ファイルは所有者だけが読める (0600) %d バイトのファイルでなければなりません",
                 path, SECRET_KEY_LEN);
        return false;
    }
    bool ok = read_all(fd, key, SECRET_KEY_LEN);
    close(fd);
    if (!ok)
        snprintf(err, errlen, "%s: 鍵ファイルを読めません", path);
    return ok;
}
