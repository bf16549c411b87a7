/*
 * log.h - the one logging API of Tsunagu: error log, access log, masking.
 *
 * Spec SEC-32 / 別記2 3.5.1: logs are protected against unauthorised viewing
 * (directory 0700, files 0600, append-only) and carry no personal data or
 * secrets: every message passes through log_mask() before it is written
 * anywhere, and the access log replaces the values of secret-looking query
 * parameters.  Spec SEC-33: every line starts with a JST timestamp with an
 * explicit +09:00 offset.  Spec SEC-29 (keep >= 1 year) is the operator's
 * rotation; log_reopen() lets logrotate move the files away.
 *
 * Before log_open() (and in CLI commands that never call it) every line goes
 * to stderr.  All functions are thread-safe; each line is written with one
 * write(2) under a lock, so concurrent lines never interleave.
 */
#ifndef TSUNAGU_CORE_LOG_H
#define TSUNAGU_CORE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

/* Opens DATA_DIR/log/error.log and DATA_DIR/log/access.log for appending,
 * creating DATA_DIR (0700) and DATA_DIR/log (0700) when missing.  The log
 * directory and existing log files get their mode fixed (0700 / 0600); a
 * symbolic link or a non-regular file in their place is refused.  Lines below
 * min_level are dropped.  also_stderr copies error-log lines to stderr (for
 * development).  Returns false with a Japanese message in err and leaves the
 * previous state (stderr, or files already open) untouched. */
bool log_open(const char *data_dir, log_level min_level, bool also_stderr, char *err,
              size_t errlen);

/* Reopens both files by name (after logrotate moved them).  Not
 * async-signal-safe: the SIGHUP handler sets a flag, the main loop calls this.
 * On failure the old descriptors stay in use and an error line is logged. */
void log_reopen(void);

/* Closes the files; later lines go to stderr again. */
void log_close(void);

/* True unless the last write to a log file failed (disk full, file removed
 * from under a read-only mount...).  For /healthz and the self-check
 * (spec SEC-28: a log that cannot be written raises an alert). */
bool log_healthy(void);

/* Writes one line to the error log:
 *   "2026-11-23T09:05:03.123+09:00 ERROR message"
 * The formatted message goes through log_mask(); control characters
 * (CR, LF, TAB, C1 controls, U+2028/U+2029) become spaces so a message cannot
 * forge a line; invalid UTF-8 becomes U+FFFD; the message is cut at
 * LIMIT_LOG_MESSAGE bytes.  If memory runs out the line still appears, with
 * the message replaced by a note saying it was lost. */
void log_msg(log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* One request, as the access log records it.  All strings are borrowed for the
 * duration of the call; NULL strings are written as "-" (query: omitted). */
typedef struct log_access_entry {
    const char *method;
    const char *path;    /* the raw request path, as received */
    const char *query;   /* the raw query string without '?', or NULL */
    int status;
    uint64_t bytes;
    uint64_t duration_us;
    const char *addr;
} log_access_entry;

/* Writes one JSON object per line to the access log:
 *   {"time":"2026-11-23T09:05:03.123+09:00","method":"GET","path":"/org?q=...",
 *    "status":200,"bytes":1234,"us":187,"addr":"127.0.0.1"}
 * "path" is path?query where the value of every query parameter whose name is
 * secret-looking (token, t, password, pass, pw, key, secret, code, session,
 * sid, csrf, _csrf, mail, email, tel, phone, and names made of such words like
 * new_password or user[email]; case-insensitive, percent-decoded) is replaced
 * by "***"; other values are masked after percent-decoding; then log_mask() is
 * applied to the whole and the result is JSON-escaped.  Never drops a line
 * for lack of memory: the strings are then written as "-". */
void log_access(const log_access_entry *e);

/* Formats the line log_access() writes (with its '\n') for time now, appending
 * it to out.  Exported for tests and for any other writer of the same format.
 * Returns false if out failed (memory). */
bool log_access_format(const log_access_entry *e, struct timespec now, buf *out);

/* Appends in[0..n) to out with personal data masked (spec SEC-32):
 *   - mail addresses keep the first character of the local part and the
 *     domain: "taro.yamada@example.jp" -> "t***@example.jp"; also with "%40"
 *     or a full-width "＠" in place of '@';
 *   - Japanese telephone numbers (0 followed by 9 or 10 more digits, or +81
 *     and 9 to 11 digits, in at most five groups separated by hyphens, dashes,
 *     spaces, parentheses, '+', or their full-width forms; full-width digits
 *     too) become "***-**NN": only the last two digits survive;
 *   - ordinary numbers stay: status codes, byte counts, dates, times, IDs,
 *     digit strings glued to other digits or letters (a number written in
 *     three groups may follow letters: "TEL083-933-2700" is masked).
 * Bytes that are not UTF-8 are copied as they are (callers sanitise). */
void log_mask(const char *in, size_t n, buf *out);

#endif
