/*
 * main.c - the command line: one binary, a subcommand for everything an
 * operator does (ARCHITECTURE.md decision 1).
 *
 *   tsunagu serve   [--listen ADDR:PORT] [--data DIR] [--config FILE] [--threads N]
 *   tsunagu worker  [--once] [--data DIR] [--config FILE]
 *   tsunagu migrate [--data DIR] [--config FILE]
 *   tsunagu demo    [--data DIR] [--config FILE]
 *   tsunagu mail    test ADDRESS | queue | retry ID | stop ADDRESS | unstop ADDRESS
 *                   | bulk KIND FILE       [--data DIR] [--config FILE]
 *   tsunagu user    add LOGIN --role ROLE --email ADDRESS [--name NAME]   (password on stdin)
 *   tsunagu keys    rotate
 *   tsunagu version
 *
 * Settings come from defaults, then the INI file (--config), then TSUNAGU_*
 * environment variables, then the flags; each later source wins.  A bad flag
 * or value prints a clear message and exits with status 2.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/config.h"
#include "core/log.h"
#include "domain/demo.h"
#include "domain/master.h"
#include "http/server.h"
#include "mail/smtp.h"
#include "store/store.h"
#include "web/app.h"
#include "web/auth.h"
#include "worker/worker.h"

extern char **environ;

typedef struct command {
    const char *name;
    int (*run)(config *cfg, const cmd_args *args);
    const char *flags[7];   /* accepted flags, NULL-terminated */
    int max_args;           /* positional arguments accepted */
    const char *help;
} command;

static int cmd_serve(config *cfg, const cmd_args *args);
static int cmd_worker(config *cfg, const cmd_args *args);
static int cmd_migrate(config *cfg, const cmd_args *args);
static int cmd_demo(config *cfg, const cmd_args *args);
static int cmd_version(config *cfg, const cmd_args *args);

static const command commands[] = {
    {"serve", cmd_serve, {"listen", "data", "config", "threads", NULL}, 0,
     "ウェブサーバーを起動します（起動時にデータベースを移行します）"},
    {"worker", cmd_worker, {"data", "config", "once", NULL}, 0,
     "メールの送信などの裏方の処理を実行します（--once: 今送るものを送って終了）"},
    {"migrate", cmd_migrate, {"data", "config", NULL}, 0,
     "データベースを最新の構造に移行し、マスターデータを読み込みます"},
    {"demo", cmd_demo, {"data", "config", NULL}, 0, "デモデータを読み込みます"},
    {"mail", cli_mail, {"data", "config", NULL}, 3,
     "メールの送信待ちの確認と操作（tsunagu mail で説明を表示）"},
    {"user", cli_user, {"data", "config", "role", "email", "name", NULL}, 2,
     "アカウントの操作（user add: 最初のシステム管理者を作る。パスワードは標準入力から）"},
    {"keys", cli_keys, {"data", "config", NULL}, 1,
     "暗号鍵の操作（keys rotate: 新しい鍵に切り替え、保存している秘密を暗号化し直す）"},
    {"version", cmd_version, {NULL}, 0, "版を表示します"},
};

static void usage(FILE *f)
{
    fprintf(f, "使い方: tsunagu <コマンド> [オプション]\n\nコマンド:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\nオプション:\n"
               "  --listen ADDR:PORT  待ち受けるアドレス（既定 127.0.0.1:8080）\n"
               "  --data DIR          データフォルダ（既定 ./var）\n"
               "  --config FILE       設定ファイル（INI 形式）\n"
               "  --threads N         HTTP 処理スレッド数\n"
               "  --once              （worker）送信待ちを一度送って終了します\n"
               "  --role ROLE         （user add）member | editor | admin\n"
               "  --email ADDRESS     （user add）メールアドレス\n"
               "  --name NAME         （user add）表示名\n");
}

/* The command's own spelling of flag name, or NULL if it takes no such flag. */
static const char *flag_find(const command *c, const char *name)
{
    for (size_t i = 0; c->flags[i]; i++)
        if (strcmp(c->flags[i], name) == 0)
            return c->flags[i];
    return NULL;
}

/* The config key a flag sets ("data" is the data_dir key). */
static const char *flag_key(const char *flag)
{
    return strcmp(flag, "data") == 0 ? "data_dir" : flag;
}

/* Parses argv after the subcommand into cfg and args; exits with EXIT_USAGE
 * on error. */
static void parse_flags(const command *c, int argc, char **argv, config *cfg, cmd_args *args)
{
    const char *names[16], *values[16];
    size_t n = 0;
    const char *config_file = NULL;
    char err[512];

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (args->argc >= c->max_args) {
                fprintf(stderr, "tsunagu %s: 余分な引数です: %s\n", c->name, a);
                exit(EXIT_USAGE);
            }
            args->argv[args->argc++] = argv[i];
            continue;
        }
        char name[64];
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (len >= sizeof name) {
            fprintf(stderr, "tsunagu %s: 不明なオプションです: %s\n", c->name, a);
            exit(EXIT_USAGE);
        }
        memcpy(name, a + 2, len);
        name[len] = '\0';
        const char *flag = flag_find(c, name);
        if (!flag) {
            fprintf(stderr, "tsunagu %s: 不明なオプションです: --%s\n", c->name, name);
            exit(EXIT_USAGE);
        }
        if (strcmp(name, "once") == 0) { /* a switch: no value */
            if (eq) {
                fprintf(stderr, "tsunagu %s: --once に値は付けません\n", c->name);
                exit(EXIT_USAGE);
            }
            args->once = true;
            continue;
        }
        const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!value) {
            fprintf(stderr, "tsunagu %s: --%s には値が必要です\n", c->name, name);
            exit(EXIT_USAGE);
        }
        /* The command's own options, not settings. */
        if (strcmp(name, "role") == 0 || strcmp(name, "email") == 0 || strcmp(name, "name") == 0) {
            *(strcmp(name, "role") == 0    ? &args->role
              : strcmp(name, "email") == 0 ? &args->email
                                           : &args->name) = value;
            continue;
        }
        if (strcmp(name, "config") == 0) {
            config_file = value;
        } else if (n < sizeof names / sizeof *names) {
            names[n] = flag;
            values[n++] = value;
        }
    }
    if (config_file && !config_load_file(cfg, config_file, err, sizeof err)) {
        fprintf(stderr, "tsunagu %s: %s\n", c->name, err);
        exit(EXIT_USAGE);
    }
    if (!config_load_env(cfg, environ, err, sizeof err)) {
        fprintf(stderr, "tsunagu %s: %s\n", c->name, err);
        exit(EXIT_USAGE);
    }
    for (size_t i = 0; i < n; i++) {
        char src[80];
        snprintf(src, sizeof src, "--%s", names[i]);
        if (!config_set(cfg, flag_key(names[i]), values[i], src, err, sizeof err)) {
            fprintf(stderr, "tsunagu %s: %s\n", c->name, err);
            exit(EXIT_USAGE);
        }
    }
}

static int cmd_migrate(config *cfg, const cmd_args *args)
{
    (void)args;
    store *db = cli_open_db(cfg);
    if (!db)
        return 1;
    printf("データベースは最新です（版 %d）\n", store_schema_version(db));
    store_close(db);
    return 0;
}

static int cmd_demo(config *cfg, const cmd_args *args)
{
    (void)args;
    store *db = cli_open_db(cfg);
    if (!db)
        return 1;
    char err[512];
    bool ok = demo_load(db, cfg->share_dir, err, sizeof err);
    store_close(db);
    if (!ok) {
        log_error("デモデータを読み込めません: %s", err);
        return 1;
    }
    printf("デモデータを読み込みました（%s）\n", cfg->data_dir);
    return 0;
}

static int cmd_version(config *cfg, const cmd_args *args)
{
    (void)args;
    (void)cfg;
    printf("tsunagu %s\n", TSUNAGU_VERSION);
    return 0;
}

/* Blocks the stop and reload signals in every thread to come; the main
 * thread waits for them with wait_for_stop(). */
static void block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Waits for SIGTERM or SIGINT, reopening the logs on SIGHUP meanwhile. */
static void wait_for_stop(const sigset_t *set)
{
    for (;;) {
        int sig = 0;
        if (sigwait(set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            log_reopen();
            log_info("ログファイルを開き直しました");
            continue;
        }
        log_info("終了の合図 (%s) を受けました: 処理中の仕事を終えてから停止します",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
        return;
    }
}

static int cmd_worker(config *cfg, const cmd_args *args)
{
    char err[512];
    sigset_t set;
    if (!args->once)
        block_signals(&set);
    store *db = cli_open_db(cfg);
    if (!db)
        return 1;
    store_close(db);
    if (!worker_check(cfg, err, sizeof err)) {
        fprintf(stderr, "tsunagu worker: %s\n", err);
        return 1;
    }
    if (!log_open(cfg->data_dir, cfg->log_level, true, err, sizeof err)) {
        fprintf(stderr, "tsunagu worker: %s\n", err);
        return 1;
    }
    worker *w = worker_new(cfg, args->once);
    if (!w) {
        log_error("メモリが足りません");
        log_close();
        return 1;
    }
    bool ok = true;
    if (args->once) {
        ok = worker_run(w, err, sizeof err);
    } else if (!worker_start_thread(w)) {
        snprintf(err, sizeof err, "ワーカーのスレッドを起動できません");
        ok = false;
    } else {
        log_info("tsunagu %s: ワーカーを起動しました（SMTP %s）", TSUNAGU_VERSION, cfg->smtp_url);
        wait_for_stop(&set);
        worker_stop(w);
    }
    worker_totals t = worker_get_totals(w);
    worker_free(w);
    if (!ok)
        log_error("%s", err);
    else if (args->once)
        printf("送信 %ld 件、再送待ち %ld 件、送信失敗 %ld 件、メール停止で省略 %ld 件\n", t.sent,
               t.retried, t.failed, t.skipped);
    log_close();
    return ok ? 0 : 1;
}

static int cmd_serve(config *cfg, const cmd_args *args)
{
    (void)args;
    char err[512];
    /* Block the signals in every thread; this one waits for them below. */
    sigset_t set;
    block_signals(&set);

    store *db = cli_open_db(cfg);
    if (!db)
        return 1;
    store_close(db);
    if (strcmp(cfg->worker, "on") == 0 && !worker_check(cfg, err, sizeof err)) {
        fprintf(stderr, "tsunagu serve: %s\n", err);
        return 1;
    }
    if (!log_open(cfg->data_dir, cfg->log_level, true, err, sizeof err)) {
        fprintf(stderr, "tsunagu serve: %s\n", err);
        return 1;
    }
    static app a;
    if (!app_init(&a, cfg, err, sizeof err)) {
        log_error("%s", err);
        log_close();
        return 1;
    }
    http_server_opts o = {
        .host = cfg->listen_host,
        .port = cfg->port,
        .threads = cfg->threads,
        .client_timeout = cfg->client_timeout,
        .trusted_proxies = cfg->trusted_proxies,
        .data_dir = cfg->data_dir,
        .router = a.router,
        .app = &a,
        .authorise = web_authorise,
        .error_page = web_error_page,
        .db_open = web_db_open,
        .db_close = web_db_close,
    };
    http_server *s = http_server_start(&o, err, sizeof err);
    if (!s) {
        log_error("%s", err);
        app_free(&a);
        log_close();
        return 1;
    }
    worker *w = NULL;
    if (strcmp(cfg->worker, "on") == 0) {
        w = worker_new(cfg, false);
        if (!w || !worker_start_thread(w)) {
            log_error("ワーカーのスレッドを起動できません");
            worker_free(w);
            http_server_stop(s);
            app_free(&a);
            log_close();
            return 1;
        }
    }
    buf desc = BUF_INIT;
    config_describe(cfg, &desc);
    log_info("tsunagu %s: http://%s%s%s:%u/ で待ち受けています（スレッド %u）", TSUNAGU_VERSION,
             strchr(cfg->listen_host, ':') ? "[" : "", cfg->listen_host,
             strchr(cfg->listen_host, ':') ? "]" : "", http_server_port(s), cfg->threads);
    if (buf_ok(&desc) && desc.data)
        log_debug("設定:\n%s", desc.data);
    buf_free(&desc);

    wait_for_stop(&set);
    http_server_stop(s);
    if (w) {
        worker_stop(w);
        worker_free(w);
    }
    app_free(&a);
    log_info("停止しました");
    log_close();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(NULL, NULL);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        static config cfg;
        static char *positional[8];
        cmd_args args = {.argv = positional};
        config_defaults(&cfg);
        parse_flags(&commands[i], argc - 2, argv + 2, &cfg, &args);
        if (!smtp_global_init()) {
            fprintf(stderr, "tsunagu: libcurl を初期化できません\n");
            return 1;
        }
        int rc = commands[i].run(&cfg, &args);
        smtp_global_cleanup();
        return rc;
    }
    fprintf(stderr, "tsunagu: 不明なコマンドです: %s\n\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
