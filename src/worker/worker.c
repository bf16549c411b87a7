/* worker.c - the background worker's loop.  See worker.h. */
#include "worker/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fault.h"
#include "core/log.h"
#include "core/secret.h"
#include "domain/account.h"
#include "domain/audit.h"
#include "domain/content.h"
#include "domain/mail.h"
#include "domain/mail_deliver.h"
#include "mail/addr.h"
#include "mail/smtp.h"
#include "store/outbox.h"

/* Sent mail is cleaned up this often. */
#define WORKER_PURGE_S 3600
/* How often the content schedule is recorded (domain/content.h): the public
 * pages apply a schedule by themselves at read time, so this only decides
 * how soon the state, the audit line and the mail follow. */
#define WORKER_SCHEDULE_S 30
/* The longest wait after the SMTP server could not be reached. */
#define WORKER_UNREACHABLE_MAX_MS 60000

struct worker {
    const config *cfg;
    bool once;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping; /* under lock */
    pthread_mutex_t write_lock; /* the lanes' database writes (mail_deliver_opts) */
    bool has_thread;
    pthread_t thread;
    worker_totals totals; /* under lock */
    char owner[128];
    mail_env *mail; /* the content schedule's mails; loaded by worker_run */
};

worker *worker_new(const config *cfg, bool once)
{
    worker *w = fault_malloc(sizeof *w);
    if (!w)
        return NULL;
    memset(w, 0, sizeof *w);
    w->cfg = cfg;
    w->once = once;
    pthread_mutex_init(&w->lock, NULL);
    pthread_mutex_init(&w->write_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->wake, &ca);
    pthread_condattr_destroy(&ca);
    /* The lease name: which machine and process holds a mail, and a random
     * part so two workers in one process differ. */
    char host[64] = "host", rnd[17];
    uint8_t r[8] = {0};
    (void)gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    (void)secret_random(r, sizeof r);
    secret_hex(r, sizeof r, rnd);
    snprintf(w->owner, sizeof w->owner, "%s:%ld:%s", host, (long)getpid(), rnd);
    return w;
}

void worker_stop(worker *w)
{
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->lock);
}

static bool stopping(worker *w)
{
    pthread_mutex_lock(&w->lock);
    bool s = w->stopping;
    pthread_mutex_unlock(&w->lock);
    return s;
}

/* Sleeps ms milliseconds or until worker_stop(). */
static void nap(worker *w, long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->lock);
    while (!w->stopping && pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&w->lock);
}

/* Reads the SMTP password file: the whole content, less a final newline.
 * Refused when others may read it (it is a secret, like the key files). */
static char *read_password(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "SMTP のパスワードファイル %.300s を開けません", path);
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (st.st_mode & 077) {
        snprintf(err, errlen,
                 "SMTP のパスワードファイル %.300s は他の利用者が読めます（chmod 600 にしてください）",
                 path);
        close(fd);
        return NULL;
    }
    char *pw = fault_malloc(1024);
    ssize_t n = pw ? read(fd, pw, 1023) : -1;
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "SMTP のパスワードファイル %.300s を読めません", path);
        free(pw);
        return NULL;
    }
    while (n > 0 && (pw[n - 1] == '\n' || pw[n - 1] == '\r'))
        n--;
    pw[n] = '\0';
    return pw;
}

static void wipe_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

/* Milliseconds until the next pending mail is due (0 = due now, -1 = none). */
static long next_due_ms(store *db)
{
    char next[STORE_TIMESTAMP_LEN], now[STORE_TIMESTAMP_LEN];
    if (store_outbox_next_due(db, next) != STORE_OK || !next[0])
        return -1;
    store_timestamp(now);
    if (strcmp(next, now) <= 0)
        return 0;
    struct tm tm = {0};
    if (!strptime(next, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return 0;
    time_t t = timegm(&tm);
    long d = (long)(t - time(NULL));
    return d <= 0 ? 0 : d * 1000;
}

static void purge(worker *w, store *db)
{
    char before[STORE_TIMESTAMP_LEN];
    store_timestamp_at((int64_t)time(NULL) - (int64_t)w->cfg->mail_keep_days * 86400, before);
    int n = 0;
    if (store_outbox_purge(db, before, &n) != STORE_OK)
        log_warn("送信済みメールを削除できません: %s", store_errmsg(db));
    else if (n > 0)
        log_info("%d 日より前の送信済みメール %d 件を削除しました", w->cfg->mail_keep_days, n);

    /* The account system's expired sessions, spent links, old per-address
     * failures, unconfirmed registrations and year-old security log. */
    arena a;
    arena_init(&a);
    account_params p;
    account_params_init(&p, w->cfg);
    account_env e = {.db = db, .a = &a, .p = &p, .addr = "", .base_url = w->cfg->base_url};
    account_housekeeping_counts c;
    if (account_housekeeping(&e, &c) != ACCOUNT_OK)
        log_warn("アカウントの期限切れデータを削除できません: %s", store_errmsg(db));
    else if (c.sessions + c.tokens + c.provisional + c.security_log > 0)
        log_info("期限切れのセッション %d 件、リンク %d 件、未確認の仮登録 %d 件、"
                 "保存期間を過ぎたセキュリティログ %d 件を削除しました",
                 c.sessions, c.tokens, c.provisional, c.security_log);
    /* The audit log of staff changes: kept as long as the security log, and
     * never less than a year (audit_purge() holds that floor). */
    int removed = 0;
    if (audit_purge(db, (int)w->cfg->security_log_keep_days, &removed) != STORE_OK)
        log_warn("保存期間を過ぎた監査ログを削除できません: %s", store_errmsg(db));
    else if (removed > 0)
        log_info("保存期間を過ぎた監査ログ %d 件を削除しました", removed);
    arena_free(&a);
}

/* Records what the content schedule did (published_at, archived) and mails
 * the people concerned. */
static void schedule(worker *w, store *db)
{
    arena a;
    arena_init(&a);
    content_env e = {
        .db = db,
        .a = &a,
        .mail = w->mail,
        .base_url = w->cfg->base_url,
        .four_eyes = strcmp(w->cfg->four_eyes, "on") == 0,
    };
    int changed = 0;
    if (content_run_schedule(&e, &changed) != CONTENT_OK)
        log_warn("予約公開・公開終了の処理ができません: %s", store_errmsg(db));
    else if (changed > 0)
        log_info("予約公開・公開終了を %d 件処理しました", changed);
    arena_free(&a);
}

/* One delivery lane: a database connection, an SMTP connection and a lease
 * name of its own.  A worker runs mail_connections lanes side by side, so
 * that while one waits for the SMTP server's reply another has its next
 * message on the way (a mail server takes several connections; messages on
 * one connection go strictly one after another). */
typedef struct lane {
    worker *w;
    int index;
    const char *password;
    pthread_t thread;
    bool started, ok;
    char owner[160];
    char err[512];
} lane;

static bool lane_run(lane *l)
{
    worker *w = l->w;
    const config *cfg = w->cfg;
    char helo[256];
    if (!mail_from_address(cfg, helo, sizeof helo)) {
        snprintf(l->err, sizeof l->err, "送信元のメールアドレス %s が正しくありません（smtp_from）",
                 helo);
        return false;
    }
    store *db = store_open(cfg->data_dir, l->err, sizeof l->err);
    if (!db)
        return false;
    if (store_relax_durability(db) != STORE_OK)
        log_warn("メール送信の記録を速める設定にできません: %s", store_errmsg(db));
    smtp_tls tls = strcmp(cfg->smtp_tls, "starttls") == 0 ? SMTP_TLS_STARTTLS
                   : strcmp(cfg->smtp_tls, "none") == 0   ? SMTP_TLS_NONE
                                                          : SMTP_TLS_AUTO;
    smtp_opts so = {
        .url = cfg->smtp_url,
        .helo_domain = mail_addr_domain(helo),
        .user = cfg->smtp_user,
        .password = l->password,
        .tls = tls,
        .ca_file = cfg->smtp_ca_file,
        /* one message never outlasts a lease (see mail_deliver.c) */
        .timeout_s = cfg->mail_lease / 2 < 60 ? (cfg->mail_lease > 1 ? cfg->mail_lease / 2 : 1) : 60,
    };
    smtp_session *s = smtp_open(&so);
    if (!s) {
        snprintf(l->err, sizeof l->err, "SMTP の接続を準備できません（%.300s）", cfg->smtp_url);
        store_close(db);
        return false;
    }
    mail_deliver_opts o = {
        .owner = l->owner,
        .lease_s = cfg->mail_lease,
        .retry_base_s = cfg->mail_retry_base,
        .max_attempts = cfg->mail_max_attempts,
        .bulk_per_min = cfg->mail_bulk_rate,
        .write_lock = &w->write_lock,
    };
    long unreachable_ms = 0;
    time_t last_purge = 0, last_schedule = 0;
    while (!stopping(w)) {
        if (l->index == 0 && time(NULL) - last_purge >= WORKER_PURGE_S) {
            purge(w, db);
            last_purge = time(NULL);
        }
        if (l->index == 0 && time(NULL) - last_schedule >= WORKER_SCHEDULE_S) {
            schedule(w, db);
            last_schedule = time(NULL);
        }
        mail_deliver_stats st = {0};
        store_rc rc = mail_deliver_batch(db, s, &o, &st);
        pthread_mutex_lock(&w->lock);
        w->totals.sent += st.sent;
        w->totals.retried += st.retried;
        w->totals.failed += st.failed;
        w->totals.skipped += st.skipped;
        pthread_mutex_unlock(&w->lock);
        if (rc != STORE_OK) {
            log_error("メールの送信処理でデータベースのエラーが起きました: %s", store_errmsg(db));
            nap(w, WORKER_POLL_MS);
            continue;
        }
        if (st.unreachable) {
            unreachable_ms = unreachable_ms ? unreachable_ms * 2 : 1000;
            if (unreachable_ms > WORKER_UNREACHABLE_MAX_MS)
                unreachable_ms = WORKER_UNREACHABLE_MAX_MS;
            log_warn("SMTP サーバーを利用できません。%ld 秒後に再開します: %s",
                     unreachable_ms / 1000, st.last_error);
            if (w->once)
                break;
            long due = next_due_ms(db);
            nap(w, due >= 0 && due < unreachable_ms ? (due > 0 ? due : 1) : unreachable_ms);
            continue;
        }
        if (st.claimed > 0) {
            unreachable_ms = 0;
            continue; /* more may be due */
        }
        if (st.bulk_wait_ms > 0) {
            nap(w, st.bulk_wait_ms < WORKER_POLL_MS ? (long)st.bulk_wait_ms : WORKER_POLL_MS);
            continue;
        }
        if (w->once)
            break;
        long due = next_due_ms(db);
        nap(w, due < 0 || due > WORKER_POLL_MS ? WORKER_POLL_MS : (due > 0 ? due : 1));
    }
    smtp_close(s);
    store_close(db);
    return true;
}

bool worker_check(const config *cfg, char *err, size_t errlen)
{
    char from[256];
    if (!mail_from_address(cfg, from, sizeof from)) {
        snprintf(err, errlen, "送信元のメールアドレス %s が正しくありません（smtp_from）", from);
        return false;
    }
    if (cfg->smtp_user[0] && cfg->smtp_password_file[0]) {
        char *pw = read_password(cfg->smtp_password_file, err, errlen);
        if (!pw)
            return false;
        wipe_free(pw);
    }
    return true;
}

static void *lane_main(void *arg)
{
    lane *l = arg;
    l->ok = lane_run(l);
    if (!l->ok)
        worker_stop(l->w); /* one lane failing to start stops the others */
    return NULL;
}

bool worker_run(worker *w, char *err, size_t errlen)
{
    const config *cfg = w->cfg;
    char *password = NULL;
    if (cfg->smtp_user[0] && cfg->smtp_password_file[0]) {
        password = read_password(cfg->smtp_password_file, err, errlen);
        if (!password)
            return false;
    }
    if (strcmp(cfg->smtp_tls, "none") == 0 && !smtp_host_is_loopback(cfg->smtp_url))
        log_warn("SMTP サーバー %s へ暗号化せずに送信します（smtp_tls = none）", cfg->smtp_url);
    if (!w->mail) {
        w->mail = mail_env_load(cfg, err, errlen);
        if (!w->mail) {
            wipe_free(password);
            return false;
        }
    }
    unsigned n = cfg->mail_connections ? cfg->mail_connections : 1;
    lane *lanes = fault_malloc(n * sizeof *lanes);
    if (!lanes) {
        snprintf(err, errlen, "メモリが足りません");
        wipe_free(password);
        return false;
    }
    memset(lanes, 0, n * sizeof *lanes);
    for (unsigned i = 0; i < n; i++) {
        lanes[i].w = w;
        lanes[i].index = (int)i;
        lanes[i].password = password;
        snprintf(lanes[i].owner, sizeof lanes[i].owner, "%s/%u", w->owner, i);
    }
    /* Lane 0 runs in this thread, the others in threads of their own. */
    for (unsigned i = 1; i < n; i++) {
        lanes[i].started = pthread_create(&lanes[i].thread, NULL, lane_main, &lanes[i]) == 0;
        if (!lanes[i].started)
            log_warn("送信の並列数を %u に減らします（スレッドを作れません）", i);
        if (!lanes[i].started)
            break;
    }
    lane_main(&lanes[0]);
    bool ok = true;
    for (unsigned i = 0; i < n; i++) {
        if (i > 0 && lanes[i].started)
            pthread_join(lanes[i].thread, NULL);
        if ((i == 0 || lanes[i].started) && !lanes[i].ok && ok) {
            snprintf(err, errlen, "%s", lanes[i].err);
            ok = false;
        }
    }
    free(lanes);
    wipe_free(password);
    return ok;
}

static void *thread_main(void *arg)
{
    worker *w = arg;
    char err[512];
    if (!worker_run(w, err, sizeof err))
        log_error("ワーカーを起動できません: %s", err);
    return NULL;
}

bool worker_start_thread(worker *w)
{
    if (pthread_create(&w->thread, NULL, thread_main, w) != 0)
        return false;
    w->has_thread = true;
    return true;
}

void worker_free(worker *w)
{
    if (!w)
        return;
    if (w->has_thread)
        pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    pthread_mutex_destroy(&w->write_lock);
    mail_env_free(w->mail);
    free(w);
}

worker_totals worker_get_totals(worker *w)
{
    pthread_mutex_lock(&w->lock);
    worker_totals t = w->totals;
    pthread_mutex_unlock(&w->lock);
    return t;
}
