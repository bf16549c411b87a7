/*
 * config.h - the settings of one Tsunagu installation.
 *
 * One struct, filled in this order, each step overriding the one before:
 *   config_defaults()  ->  config_load_file()  ->  config_load_env()
 *   ->  config_set() for each command-line flag (flags win).
 * Every value passes the same validation whatever its source, and every
 * error names the source and the key in Japanese, e.g.
 *   "tsunagu.ini line 4: threads: 0 は 1 から 256 の整数で指定してください".
 * A failed call leaves the struct exactly as it was.
 *
 * The struct is built once at start and read-only afterwards (share it
 * between threads freely).  It holds no secret: the SMTP password lives only
 * in the file smtp_password_file names, and URLs with a user or password in
 * them are refused, so config_describe() may print everything.
 *
 * Keys (INI file, config_set(), and TSUNAGU_<KEY upper-cased> in the environment):
 *   listen               HOST:PORT, [IPv6]:PORT, or :PORT (port only; host unchanged)
 *   port                 1..65535
 *   data_dir, share_dir  directories (share_dir holds templates/, static/, data/)
 *   threads              HTTP worker threads, 1..LIMIT_WORKER_THREADS
 *   trusted_proxies      comma-separated IPv4/IPv6 addresses ("" = none)
 *   base_url             http(s)://host[:port][/path] without a trailing '/', or ""
 *   log_level            debug | info | warn | error
 *   smtp_url             smtp://host[:port] or smtps://host[:port]
 *   smtp_from, centre_bcc  mail addresses (centre_bcc may be "")
 *   smtp_user, smtp_password_file, smtp_from_name
 *   smtp_tls             auto | starttls | none
 *   smtp_ca_file         file of CA certificates (PEM) for the SMTP server's certificate
 *   mail_connections     1..16 SMTP connections per worker
 *   worker               on | off
 *   four_eyes            on | off: content approval by another staff member only
 *   mail_max_attempts (1..100), mail_retry_base (1..86400 s), mail_lease (1..86400 s),
 *   mail_bulk_rate (0..1000000 per minute, 0 = no limit), mail_keep_days (1..3650)
 *   session_idle_min (1..1440), session_abs_hours (1..720),
 *   staff_session_idle_min (1..1440), staff_session_abs_hours (1..720),
 *   security_log_keep_days (365..3650),
 *   lockout_failures (1..100), lockout_min (1..1440)
 */
#ifndef TSUNAGU_CORE_CONFIG_H
#define TSUNAGU_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/log.h"

typedef struct config {
    char listen_host[64];       /* IP literal (IPv6 without brackets) or host name;
                                   default "127.0.0.1" */
    unsigned port;              /* default 8080 */
    char data_dir[4096];        /* default "./var" */
    char share_dir[4096];       /* templates/, static/, data/; default: the source tree
                                   (TSUNAGU_SHARE_DIR at build time) or "." */
    unsigned threads;           /* HTTP worker threads; default 16: handlers wait on the
                                   database, so the pool is sized for waiting (bench/) */
    unsigned client_timeout;    /* seconds an idle connection may stay open; default
                                   LIMIT_CONNECTION_TIMEOUT_S */
    char trusted_proxies[1024]; /* comma-separated addresses whose X-Forwarded-Proto/For
                                   are believed; default "" */
    char base_url[512];         /* public URL, e.g. "https://www.kenmin-katsudo.jp";
                                   default "" (derived from Host) */
    log_level log_level;        /* default LOG_INFO */
    char smtp_url[512];         /* default "smtp://127.0.0.1:2525" (development server) */
    char smtp_from[256];        /* default "" (the mail module decides what that means) */
    char smtp_user[256];        /* default "" (no SMTP authentication) */
    char smtp_password_file[4096]; /* default ""; the file's content is the password */
    char centre_bcc[256];       /* default "" (no copy to the centre) */
    char smtp_from_name[256];   /* display name of From; default "" (the centre's name
                                   from the site settings) */
    char smtp_tls[16];          /* auto | starttls | none; default auto (TLS required
                                   unless the SMTP server is on this machine) */
    char four_eyes[4];          /* on | off: an approver must not be the submitter (兼務の禁止) */
    char worker[4];             /* on | off: serve runs the background worker (mail
                                   delivery) in a thread; default on */
    char smtp_ca_file[4096];    /* CA certificates to trust for the SMTP server's TLS
                                   certificate; default "" (the system's) */
    unsigned mail_connections;  /* SMTP connections a worker sends over side by side;
                                   default 4 (bench/mail.sh) */
    unsigned mail_max_attempts; /* tries before a mail is failed; default 10 */
    unsigned mail_retry_base;   /* seconds before the first retry, doubling; default 60 */
    unsigned mail_lease;        /* seconds a worker holds a claimed mail; default 300 */
    unsigned mail_bulk_rate;    /* bulk mails per minute, 0 = no limit; default 600 */
    unsigned mail_keep_days;    /* days sent mails stay in the outbox; default 90 */
    unsigned session_idle_min;  /* default 30 */
    unsigned session_abs_hours; /* default 12 */
    unsigned staff_session_idle_min;  /* SEC-22: staff sessions, default 15 */
    unsigned staff_session_abs_hours; /* default 8 (a working day) */
    unsigned security_log_keep_days;  /* 365..3650, default 400 */
    unsigned lockout_failures;  /* default 5 */
    unsigned lockout_min;       /* default 30 */
} config;

/* Fills c with the defaults above. */
void config_defaults(config *c);

/* Sets one key from a string.  source names where the value came from
 * ("コマンドライン", "環境変数 TSUNAGU_PORT"...) and starts the error message;
 * NULL leaves it out.  Refuses unknown keys, values of the wrong shape or out
 * of range, values too long for their field, invalid UTF-8 and control
 * characters.  Returns false with a Japanese message in err, c unchanged. */
bool config_set(config *c, const char *key, const char *value, const char *source, char *err,
                size_t errlen);

/* Reads an INI file (see ini.h; at most LIMIT_CONFIG_FILE bytes) and sets
 * each key; a [section] is not used by any key today.  A missing or
 * unreadable file is an error.  All or nothing: on error c is unchanged and
 * err says "PATH line N: key: message" or why the file could not be read. */
bool config_load_file(config *c, const char *path, char *err, size_t errlen);

/* Sets each key whose variable TSUNAGU_<KEY> is in envp (a NULL-terminated
 * "NAME=value" array such as environ; the first occurrence counts).  Other
 * TSUNAGU_* variables are not ours to judge and are ignored.  All or nothing,
 * as config_load_file(). */
bool config_load_env(config *c, char *const *envp, char *err, size_t errlen);

/* Appends the effective configuration as "key = value" lines in the INI
 * syntax (empty values as ""), for start-up logging.  Reading the output back
 * with config_load_file() gives the same struct. */
void config_describe(const config *c, buf *out);

#endif
