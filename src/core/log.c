/*
 * log.c - error and access log sinks, line formatting (see log.h).
 *
 * State: three descriptors (the log directory and the two files) behind one
 * mutex.  Lines are formatted and masked without the lock; the lock is held
 * only for the write(2) calls, so a line is never interleaved with another and
 * log_reopen() never closes a descriptor a writer is using.
 */
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fault.h"
#include "core/jst.h"
#include "core/limits.h"

#define LOG_DIR_MODE 0700
#define LOG_FILE_MODE 0600
#define ERROR_LOG_NAME "error.log"
#define ACCESS_LOG_NAME "access.log"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int dir_fd = -1;      /* DATA_DIR/log, kept for log_reopen() */
static int error_fd = -1;    /* -1: stderr only */
static int access_fd = -1;
static bool copy_to_stderr;
static atomic_int min_level = LOG_INFO;
static atomic_bool healthy = true;

/* --- writing --- */

/* Writes all of p[0..n), retrying on EINTR and short writes. */
static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Writes one finished line to a file (or stderr when none is open). */
static void emit(bool access, const char *line, size_t n)
{
    pthread_mutex_lock(&log_lock);
    int fd = access ? access_fd : error_fd;
    if (fd >= 0) {
        atomic_store(&healthy, write_all(fd, line, n));
        if (!access && copy_to_stderr)
            (void)write_all(STDERR_FILENO, line, n);
    } else {
        (void)write_all(STDERR_FILENO, line, n);
    }
    pthread_mutex_unlock(&log_lock);
}

bool log_healthy(void)
{
    return atomic_load(&healthy);
}

/* --- opening --- */

/* err = "WHAT: DATA_DIR[/log[/NAME]]: reason" (Japanese what, strerror reason). */
static void open_error(char *err, size_t errlen, int errnum, const char *what,
                       const char *data_dir, const char *name)
{
    char ebuf[128];
    const char *reason = strerror_r(errnum, ebuf, sizeof ebuf);
    if (errlen == 0)
        return;
    if (name)
        snprintf(err, errlen, "%s: %s/log/%s: %s", what, data_dir, name, reason);
    else
        snprintf(err, errlen, "%s: %s: %s", what, data_dir, reason);
}

/* Opens (creating) one log file in dir with O_APPEND and mode 0600, refusing
 * symbolic links and anything not a regular file.  -1 with errno on failure. */
static int open_log_file(int dir, const char *name)
{
    /* O_NONBLOCK: a FIFO planted in place of the file must not hang us. */
    int fd = openat(dir, name,
                    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
                    LOG_FILE_MODE);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0)
        goto fail;
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        goto fail;
    }
    if ((st.st_mode & 07777) != LOG_FILE_MODE && fchmod(fd, LOG_FILE_MODE) != 0)
        goto fail;
    if (fcntl(fd, F_SETFL, O_APPEND) != 0)   /* back to blocking writes */
        goto fail;
    return fd;
fail:;
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

/* Opens DATA_DIR/log (creating DATA_DIR and it), mode fixed to 0700. */
static int open_log_dir(const char *data_dir, char *err, size_t errlen)
{
    if (mkdir(data_dir, LOG_DIR_MODE) != 0 && errno != EEXIST) {
        open_error(err, errlen, errno, "データディレクトリを作成できません", data_dir, NULL);
        return -1;
    }
    int data_fd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (data_fd < 0) {
        open_error(err, errlen, errno, "データディレクトリを開けません", data_dir, NULL);
        return -1;
    }
    int fd = -1;
    if (mkdirat(data_fd, "log", LOG_DIR_MODE) != 0 && errno != EEXIST) {
        open_error(err, errlen, errno, "ログディレクトリを作成できません", data_dir, "");
        goto out;
    }
    fd = openat(data_fd, "log", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        open_error(err, errlen, errno, "ログディレクトリを開けません", data_dir, "");
        goto out;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 ||
        ((st.st_mode & 07777) != LOG_DIR_MODE && fchmod(fd, LOG_DIR_MODE) != 0)) {
        open_error(err, errlen, errno, "ログディレクトリの権限を 0700 にできません", data_dir,
                   "");
        close(fd);
        fd = -1;
    }
out:
    close(data_fd);
    return fd;
}

bool log_open(const char *data_dir, log_level level, bool also_stderr, char *err, size_t errlen)
{
    int dir = open_log_dir(data_dir, err, errlen);
    if (dir < 0)
        return false;
    int efd = open_log_file(dir, ERROR_LOG_NAME);
    if (efd < 0) {
        open_error(err, errlen, errno, "ログファイルを開けません", data_dir, ERROR_LOG_NAME);
        close(dir);
        return false;
    }
    int afd = open_log_file(dir, ACCESS_LOG_NAME);
    if (afd < 0) {
        open_error(err, errlen, errno, "ログファイルを開けません", data_dir, ACCESS_LOG_NAME);
        close(efd);
        close(dir);
        return false;
    }
    pthread_mutex_lock(&log_lock);
    int old[3] = {dir_fd, error_fd, access_fd};
    dir_fd = dir;
    error_fd = efd;
    access_fd = afd;
    copy_to_stderr = also_stderr;
    atomic_store(&min_level, level < LOG_DEBUG ? LOG_DEBUG : level > LOG_ERROR ? LOG_ERROR : level);
    atomic_store(&healthy, true);
    pthread_mutex_unlock(&log_lock);
    for (int i = 0; i < 3; i++)
        if (old[i] >= 0)
            close(old[i]);
    return true;
}

void log_reopen(void)
{
    pthread_mutex_lock(&log_lock);
    int dir = dir_fd;
    if (dir < 0) {
        pthread_mutex_unlock(&log_lock);
        return;
    }
    /* Opening under the lock keeps log_close() from closing dir meanwhile;
     * opening two files is quick and happens once a day. */
    int efd = open_log_file(dir, ERROR_LOG_NAME);
    int e1 = errno;
    int afd = open_log_file(dir, ACCESS_LOG_NAME);
    int e2 = errno;
    int old_e = -1, old_a = -1;
    if (efd >= 0) {
        old_e = error_fd;
        error_fd = efd;
    }
    if (afd >= 0) {
        old_a = access_fd;
        access_fd = afd;
    }
    pthread_mutex_unlock(&log_lock);
    if (old_e >= 0)
        close(old_e);
    if (old_a >= 0)
        close(old_a);
    char ebuf[128];
    if (efd < 0)
        log_error("ログファイルを開き直せません: %s: %s", ERROR_LOG_NAME,
                  strerror_r(e1, ebuf, sizeof ebuf));
    if (afd < 0)
        log_error("ログファイルを開き直せません: %s: %s", ACCESS_LOG_NAME,
                  strerror_r(e2, ebuf, sizeof ebuf));
}

void log_close(void)
{
    pthread_mutex_lock(&log_lock);
    int fds[3] = {dir_fd, error_fd, access_fd};
    dir_fd = error_fd = access_fd = -1;
    copy_to_stderr = false;
    atomic_store(&healthy, true);
    pthread_mutex_unlock(&log_lock);
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/* --- text hygiene --- */

/* Decodes one strict UTF-8 character at s[0..n) (RFC 3629: no overlongs,
 * surrogates or values above U+10FFFF).  Returns its length and sets *cp, or
 * 0 for an invalid byte. */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    unsigned lo = 0x80, hi = 0xBF, v;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2; v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3; v = c & 0x0F;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4; v = c & 0x07;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    v = (v << 6) | (s[1] & 0x3F);
    for (size_t k = 2; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[k] & 0x3F);
    }
    *cp = v;
    return len;
}

/* Characters that could break a line or change how the text around them
 * looks: C0 and C1 controls, DEL, the Unicode line and paragraph separators,
 * and the bidirectional overrides and isolates ("Trojan Source"). */
static bool is_unsafe(unsigned cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

#define REPLACEMENT_CHAR "\xEF\xBF\xBD"
#define CUT_MARK "…(省略)"

/* Appends s[0..n) to out with unsafe characters as spaces and invalid bytes
 * as U+FFFD, stopping at a character boundary before max bytes of output. */
static void append_clean(buf *out, const char *s, size_t n, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t written = 0;
    for (size_t i = 0; i < n;) {
        unsigned cp;
        size_t len = utf8_decode(p + i, n - i, &cp);
        size_t add = len == 0 ? 3 : is_unsafe(cp) ? 1 : len;
        if (written + add > max) {
            buf_puts(out, CUT_MARK);
            return;
        }
        if (len == 0)
            buf_puts(out, REPLACEMENT_CHAR);
        else if (is_unsafe(cp))
            buf_putc(out, ' ');
        else
            buf_append(out, p + i, len);
        written += add;
        i += len ? len : 1;
    }
}

/* Appends s[0..n) as the inside of a JSON string (RFC 8259): quote and
 * backslash escaped, unsafe characters as \uXXXX, invalid bytes as \ufffd,
 * valid UTF-8 as it is.  Input past max bytes is dropped (a character cut
 * there becomes \ufffd). */
static void append_json(buf *out, const char *s, size_t n, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    if (n > max)
        n = max;
    for (size_t i = 0; i < n;) {
        unsigned cp;
        size_t len = utf8_decode(p + i, n - i, &cp);
        if (len == 0) {
            buf_puts(out, "\\ufffd");
            i++;
            continue;
        }
        if (cp == '"' || cp == '\\') {
            buf_putc(out, '\\');
            buf_putc(out, (char)cp);
        } else if (is_unsafe(cp)) {
            buf_printf(out, "\\u%04x", cp);
        } else {
            buf_append(out, p + i, len);
        }
        i += len;
    }
}

/* --- the error log --- */

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

/* Formats fmt/ap into a malloc'd string; NULL on failure. */
static char *format_message(const char *fmt, va_list ap, size_t *len)
    __attribute__((format(printf, 1, 0)));
static char *format_message(const char *fmt, va_list ap, size_t *len)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return NULL;
    char *s = fault_malloc((size_t)n + 1);
    if (!s)
        return NULL;
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    *len = (size_t)n;
    return s;
}

void log_msg(log_level lvl, const char *fmt, ...)
{
    if (lvl < LOG_DEBUG || lvl > LOG_ERROR)
        lvl = LOG_ERROR;
    if ((int)lvl < atomic_load(&min_level))
        return;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char ts[JST_ISO_LEN];
    jst_iso8601(now, ts);

    va_list ap;
    va_start(ap, fmt);
    size_t n = 0;
    char *msg = format_message(fmt, ap, &n);
    va_end(ap);
    bool formatted = msg != NULL;

    buf masked = BUF_INIT, line = BUF_INIT;
    if (formatted)
        log_mask(msg, n, &masked);
    free(msg);
    buf_printf(&line, "%s %s ", ts, level_names[lvl]);
    if (masked.data)
        append_clean(&line, masked.data, masked.len, LIMIT_LOG_MESSAGE);
    buf_putc(&line, '\n');
    if (formatted && buf_ok(&masked) && buf_ok(&line)) {
        emit(false, line.data, line.len);
    } else {
        /* Never write what could not be masked; say that a line was lost. */
        char fallback[JST_ISO_LEN + 128];
        int k = snprintf(fallback, sizeof fallback,
                         "%s %s (メモリ不足のためメッセージを記録できませんでした)\n", ts,
                         level_names[lvl]);
        if (k > 0)
            emit(false, fallback, (size_t)k < sizeof fallback ? (size_t)k : sizeof fallback - 1);
    }
    buf_free(&masked);
    buf_free(&line);
}

/* --- the access log --- */

/* Query parameter names whose values never reach the log.  A name is secret
 * if any of its words ("new_password", "user[email]", "password2") is one of
 * these, or if a word contains one of four letters or more ("newpassword",
 * "sessionid", "mailaddress").  Hiding too much costs nothing here. */
static const char *const secret_words[] = {
    "token", "t",   "password", "pass", "pw",    "key",    "secret", "code", "session", "sid",
    "csrf",  "mail", "email",   "tel",  "phone", "passwd", "pwd",    "otp",  "totp",
};

static bool is_secret_word(const char *w, size_t n)
{
    for (size_t k = 0; k < sizeof secret_words / sizeof secret_words[0]; k++) {
        size_t len = strlen(secret_words[k]);
        if (len == n && memcmp(secret_words[k], w, n) == 0)
            return true;
        if (len >= 4 && len < n && memmem(w, n, secret_words[k], len))
            return true;
    }
    return false;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* Appends the form-decoding of s[0..n) ('+' is a space, %XX a byte; a
 * malformed escape stays as it is). */
static void append_decoded(buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '+') {
            buf_putc(out, ' ');
        } else if (s[i] == '%' && n - i >= 3 && (hi = hex_value(s[i + 1])) >= 0 &&
                   (lo = hex_value(s[i + 2])) >= 0) {
            buf_putc(out, (char)(hi * 16 + lo));
            i += 2;
        } else {
            buf_putc(out, s[i]);
        }
    }
}

/* Appends s[0..n) percent-encoded, keeping what is readable and harmless in a
 * query string (unreserved characters and a few sub-delimiters). */
static void append_encoded(buf *out, const char *s, size_t n)
{
    static const char keep[] = "-._~*@:/!$'(),";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x80 && ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) || (c >= '0' && c <= '9') ||
            (c != 0 && strchr(keep, c)))
            buf_putc(out, (char)c);
        else
            buf_printf(out, "%%%02X", c);
    }
}

/* Is the (percent-encoded) parameter name secret-looking?  Words are the runs
 * of ASCII letters of the decoded, lower-cased name. */
static bool name_is_secret(const char *name, size_t n, buf *scratch)
{
    buf_reset(scratch);
    append_decoded(scratch, name, n);
    if (!buf_ok(scratch))
        return true;   /* cannot tell: hide */
    char *s = scratch->data;
    size_t len = scratch->len, start = 0;
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = i < len ? (unsigned char)s[i] : 0;
        if (c < 0x80 && (c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
            s[i] = (char)(c | 0x20);
            continue;
        }
        if (i > start && is_secret_word(s + start, i - start))
            return true;
        start = i + 1;
    }
    return false;
}

/* Appends the query string with secret values replaced by "***" and other
 * values masked after decoding (so "090%2D1234%2D5678" is caught too). */
static void append_query(buf *out, const char *q, size_t n)
{
    buf name = BUF_INIT, dec = BUF_INIT, masked = BUF_INIT;
    size_t i = 0;
    while (i <= n) {
        size_t end = i;
        while (end < n && q[end] != '&')
            end++;
        const char *eq = memchr(q + i, '=', end - i);
        if (!eq) {
            buf_append(out, q + i, end - i);
        } else {
            size_t name_len = (size_t)(eq - (q + i));
            const char *v = eq + 1;
            size_t vlen = (size_t)(q + end - v);
            buf_append(out, q + i, name_len + 1);
            if (name_is_secret(q + i, name_len, &name)) {
                buf_puts(out, "***");
            } else {
                buf_reset(&dec);
                buf_reset(&masked);
                append_decoded(&dec, v, vlen);
                if (dec.data)
                    log_mask(dec.data, dec.len, &masked);
                if (!buf_ok(&dec) || !buf_ok(&masked))
                    buf_puts(out, "***");
                else if (dec.len > 0 &&
                         (masked.len != dec.len || memcmp(masked.data, dec.data, dec.len) != 0))
                    append_encoded(out, masked.data, masked.len);
                else
                    buf_append(out, v, vlen);
            }
        }
        if (end < n)
            buf_putc(out, '&');
        i = end + 1;
    }
    buf_free(&name);
    buf_free(&dec);
    buf_free(&masked);
}

bool log_access_format(const log_access_entry *e, struct timespec now, buf *out)
{
    char ts[JST_ISO_LEN];
    jst_iso8601(now, ts);
    const char *method = e->method ? e->method : "-";
    const char *path = e->path ? e->path : "-";
    const char *addr = e->addr ? e->addr : "-";

    buf raw = BUF_INIT, masked = BUF_INIT;
    buf_puts(&raw, path);
    if (e->query && e->query[0]) {
        buf_putc(&raw, '?');
        append_query(&raw, e->query, strlen(e->query));
    }
    if (raw.data)
        log_mask(raw.data, raw.len, &masked);
    bool ok = buf_ok(&raw) && buf_ok(&masked) && masked.data;

    buf_printf(out, "{\"time\":\"%s\",\"method\":\"", ts);
    append_json(out, method, strlen(method), LIMIT_LOG_ACCESS_PATH);
    buf_puts(out, "\",\"path\":\"");
    if (ok)
        append_json(out, masked.data, masked.len, LIMIT_LOG_ACCESS_PATH);
    else
        buf_putc(out, '-');
    buf_printf(out, "\",\"status\":%d,\"bytes\":%llu,\"us\":%llu,\"addr\":\"", e->status,
               (unsigned long long)e->bytes, (unsigned long long)e->duration_us);
    append_json(out, addr, strlen(addr), LIMIT_LOG_ACCESS_PATH);
    buf_puts(out, "\"}\n");
    buf_free(&raw);
    buf_free(&masked);
    return buf_ok(out);
}

void log_access(const log_access_entry *e)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    buf line = BUF_INIT;
    if (log_access_format(e, now, &line)) {
        emit(true, line.data, line.len);
    } else {
        /* Out of memory: keep the request countable, drop every string. */
        char ts[JST_ISO_LEN], fallback[256];
        jst_iso8601(now, ts);
        int k = snprintf(fallback, sizeof fallback,
                         "{\"time\":\"%s\",\"method\":\"-\",\"path\":\"-\",\"status\":%d,"
                         "\"bytes\":%llu,\"us\":%llu,\"addr\":\"-\"}\n",
                         ts, e->status, (unsigned long long)e->bytes,
                         (unsigned long long)e->duration_us);
        if (k > 0 && (size_t)k < sizeof fallback)
            emit(true, fallback, (size_t)k);
    }
    buf_free(&line);
}
