/*
 * mail.c - `tsunagu mail`: the outbox from the command line.
 *
 *   tsunagu mail test ADDRESS      puts a Japanese test mail in the queue
 *   tsunagu mail queue             lists mail not yet sent (pending, failed)
 *   tsunagu mail retry ID          puts a failed mail back in the queue
 *   tsunagu mail stop ADDRESS      stops bulk mail to an address (メール停止)
 *   tsunagu mail unstop ADDRESS    lifts the stop
 *   tsunagu mail bulk KIND FILE    sends mail KIND to every address of FILE
 *                                  (lines "address<TAB>name", # comments)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/fault.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/utf8.h"
#include "domain/mail.h"
#include "mail/addr.h"
#include "store/outbox.h"

static void mail_usage(FILE *f)
{
    fprintf(f, "使い方: tsunagu mail <操作> [引数] [--data DIR] [--config FILE]\n\n"
               "  test ADDRESS       テストメールを送信待ちに入れます\n"
               "  queue              未送信（送信待ち・送信中・失敗）のメールを一覧します\n"
               "  retry ID           失敗したメールを送信待ちに戻します\n"
               "  stop ADDRESS       そのアドレスへの一斉配信を止めます（メール停止）\n"
               "  unstop ADDRESS     メール停止を解除します\n"
               "  bulk KIND FILE     FILE の各行「アドレス<TAB>氏名」へ KIND のメールを一斉配信します\n");
}

/* Checks an address given on the command line; prints why not. */
static bool arg_address(const char *a)
{
    if (mail_addr_valid(a))
        return true;
    bool newline = strchr(a, '\r') || strchr(a, '\n');
    fprintf(stderr, "tsunagu mail: %s\n",
            newline ? "メールアドレスに改行文字は使えません（ヘッダーインジェクションの疑い）"
                    : "メールアドレスの形式が正しくありません");
    return false;
}

typedef struct test_ctx {
    const mail_env *env;
    const char *to;
    int64_t id;
    char err[512];
} test_ctx;

static store_rc enqueue_test(store *db, void *ctx)
{
    test_ctx *c = ctx;
    arena a;
    arena_init(&a);
    store_rc rc = mail_enqueue(db, c->env, &a, "test", c->to, NULL, NULL, &c->id, c->err,
                               sizeof c->err);
    arena_free(&a);
    return rc;
}

static int mail_test(store *db, const mail_env *env, const char *to)
{
    test_ctx c = {.env = env, .to = to};
    if (store_tx(db, enqueue_test, &c) != STORE_OK) {
        fprintf(stderr, "tsunagu mail test: %s\n", c.err[0] ? c.err : store_errmsg(db));
        return 1;
    }
    printf("テストメールを送信待ちに入れました（ID %lld、宛先 %s）\n", (long long)c.id, to);
    return 0;
}

static bool print_row(void *ctx, const store_outbox_row *r)
{
    long *n = ctx;
    static const struct {
        const char *state, *label;
    } labels[] = {{"pending", "送信待ち"}, {"sending", "送信中"}, {"failed", "失敗"}};
    const char *label = r->state;
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i++)
        if (strcmp(r->state, labels[i].state) == 0)
            label = labels[i].label;
    printf("%lld\t%s\t%d回\t%s\t%s\t%s\t%s\t%s\n", (long long)r->id, label, r->attempts,
           r->next_at, r->kind, r->rcpt_to, r->subject, r->last_error ? r->last_error : "");
    (*n)++;
    return true;
}

static int mail_queue(store *db)
{
    long n = 0;
    printf("ID\t状態\t試行\t次の送信\t種類\t宛先\t件名\t最後のエラー\n");
    if (store_outbox_each_unsent(db, print_row, &n) != STORE_OK) {
        fprintf(stderr, "tsunagu mail queue: %s\n", store_errmsg(db));
        return 1;
    }
    printf("未送信 %ld 件（送信済み %lld 件）\n", n,
           (long long)store_outbox_count(db, "sent", 0));
    return 0;
}

static int mail_retry(store *db, const char *arg)
{
    char *end;
    errno = 0;
    long long id = strtoll(arg, &end, 10);
    if (errno || *end || id <= 0) {
        fprintf(stderr, "tsunagu mail retry: ID は正の整数で指定してください: %s\n", arg);
        return EXIT_USAGE;
    }
    char now[STORE_TIMESTAMP_LEN];
    store_timestamp(now);
    store_rc rc = store_outbox_requeue(db, id, now);
    if (rc == STORE_DONE) {
        fprintf(stderr, "tsunagu mail retry: ID %lld の未送信メールはありません\n", id);
        return 1;
    }
    if (rc != STORE_OK) {
        fprintf(stderr, "tsunagu mail retry: %s\n", store_errmsg(db));
        return 1;
    }
    printf("メール %lld を送信待ちに戻しました\n", id);
    return 0;
}

static int mail_stop(store *db, const char *addr, bool stop)
{
    char now[STORE_TIMESTAMP_LEN];
    store_timestamp(now);
    store_rc rc = stop ? store_mail_stop_put(db, addr, "コマンドで停止", now)
                       : store_mail_stop_del(db, addr);
    if (rc == STORE_DONE) {
        printf("%s はメール停止になっていません\n", addr);
        return 0;
    }
    if (rc != STORE_OK) {
        fprintf(stderr, "tsunagu mail: %s\n", store_errmsg(db));
        return 1;
    }
    printf(stop ? "%s をメール停止にしました\n" : "%s のメール停止を解除しました\n", addr);
    return 0;
}

/* ---- bulk ---- */

typedef struct bulk_ctx {
    const mail_env *env;
    const char *kind;
    const char *title;
    mail_recipient *r;
    size_t n;
    mail_bulk_result res;
    char err[512];
} bulk_ctx;

static store_rc enqueue_bulk(store *db, void *ctx)
{
    bulk_ctx *c = ctx;
    arena a;
    arena_init(&a);
    store_rc rc =
        mail_enqueue_bulk(db, c->env, &a, c->kind, c->title, c->r, c->n, &c->res, c->err,
                          sizeof c->err);
    arena_free(&a);
    return rc;
}

/* Reads FILE into recipients: one "address<TAB>name" (name optional) per
 * line; blank lines and lines starting with '#' are skipped.  Every line is
 * checked before anything is queued. */
static bool read_recipients(const char *path, arena *a, mail_recipient **out, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "tsunagu mail bulk: %s を開けません: %s\n", path, strerror(errno));
        return false;
    }
    size_t cap = 0, count = 0, lineno = 0;
    mail_recipient *r = NULL;
    char *line = NULL;
    size_t linecap = 0;
    ssize_t len;
    bool ok = true;
    while (ok && (len = getline(&line, &linecap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        if (!utf8_valid(line, (size_t)len) || strchr(line, '\r')) {
            fprintf(stderr, "tsunagu mail bulk: %s %zu 行目: 文字が正しくありません\n", path,
                    lineno);
            ok = false;
            break;
        }
        char *tab = strchr(line, '\t');
        if (tab)
            *tab = '\0';
        if (!mail_addr_valid(line)) {
            fprintf(stderr, "tsunagu mail bulk: %s %zu 行目: メールアドレスが正しくありません\n",
                    path, lineno);
            ok = false;
            break;
        }
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            mail_recipient *nr = arena_alloc(a, ncap * sizeof *nr);
            if (!nr) {
                ok = false;
                break;
            }
            if (count)
                memcpy(nr, r, count * sizeof *r);
            r = nr;
            cap = ncap;
        }
        r[count].addr = arena_strdup(a, line);
        r[count].name = arena_strdup(a, tab ? tab + 1 : "");
        r[count].values = NULL;
        if (!r[count].addr || !r[count].name) {
            ok = false;
            break;
        }
        count++;
    }
    if (ok && ferror(f)) {
        fprintf(stderr, "tsunagu mail bulk: %s を読めません\n", path);
        ok = false;
    }
    free(line);
    fclose(f);
    *out = r;
    *n = count;
    return ok;
}

static int mail_bulk(store *db, const mail_env *env, const char *kind, const char *path)
{
    if (!mail_kind_exists(env, kind)) {
        fprintf(stderr, "tsunagu mail bulk: メールの種類「%s」の文面がありません\n", kind);
        return EXIT_USAGE;
    }
    arena a;
    arena_init(&a);
    bulk_ctx c = {.env = env, .kind = kind, .title = path};
    if (!read_recipients(path, &a, &c.r, &c.n)) {
        arena_free(&a);
        return EXIT_USAGE;
    }
    store_rc rc = store_tx(db, enqueue_bulk, &c);
    arena_free(&a);
    if (rc != STORE_OK) {
        fprintf(stderr, "tsunagu mail bulk: %s\n", c.err[0] ? c.err : store_errmsg(db));
        return 1;
    }
    printf("一斉配信 %lld: %zu 件を送信待ちに入れました（メール停止で除外 %zu 件）\n",
           (long long)c.res.bulk_id, c.res.queued, c.res.stopped);
    return 0;
}

int cli_mail(config *cfg, const cmd_args *args)
{
    static const struct {
        const char *op;
        int nargs;
    } ops[] = {{"test", 1}, {"queue", 0}, {"retry", 1}, {"stop", 1}, {"unstop", 1}, {"bulk", 2}};
    if (args->argc == 0) {
        mail_usage(stdout);
        return 0;
    }
    const char *op = args->argv[0];
    size_t i = 0;
    for (; i < sizeof ops / sizeof *ops; i++)
        if (strcmp(op, ops[i].op) == 0)
            break;
    if (i == sizeof ops / sizeof *ops || args->argc - 1 != ops[i].nargs) {
        if (i == sizeof ops / sizeof *ops)
            fprintf(stderr, "tsunagu mail: 不明な操作です: %s\n\n", op);
        else
            fprintf(stderr, "tsunagu mail %s: 引数の数が違います\n\n", op);
        mail_usage(stderr);
        return EXIT_USAGE;
    }
    const char *arg = args->argc > 1 ? args->argv[1] : NULL;
    if ((strcmp(op, "test") == 0 || strcmp(op, "stop") == 0 || strcmp(op, "unstop") == 0) &&
        !arg_address(arg))
        return EXIT_USAGE;

    store *db = cli_open_db(cfg);
    if (!db)
        return 1;
    int rc = 0;
    mail_env *env = NULL;
    if (strcmp(op, "test") == 0 || strcmp(op, "bulk") == 0) {
        char err[512];
        env = mail_env_load(cfg, err, sizeof err);
        if (!env) {
            fprintf(stderr, "tsunagu mail: %s\n", err);
            store_close(db);
            return 1;
        }
    }
    if (strcmp(op, "test") == 0)
        rc = mail_test(db, env, arg);
    else if (strcmp(op, "queue") == 0)
        rc = mail_queue(db);
    else if (strcmp(op, "retry") == 0)
        rc = mail_retry(db, arg);
    else if (strcmp(op, "stop") == 0 || strcmp(op, "unstop") == 0)
        rc = mail_stop(db, arg, strcmp(op, "stop") == 0);
    else
        rc = mail_bulk(db, env, arg, args->argv[2]);
    mail_env_free(env);
    store_close(db);
    return rc;
}
