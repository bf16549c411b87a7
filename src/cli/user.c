/*
 * user.c - `tsunagu user add LOGIN --role ROLE --email ADDRESS [--name NAME]`:
 * creates an active account, typically the first system administrator of a
 * fresh install (who then creates the other staff in the admin screens).
 *
 * The password is read from standard input (never from the command line,
 * where other users of the machine could see it in the process list); on a
 * terminal it is asked for twice without echo.  A staff account sets up its
 * second factor at its first sign-in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "core/arena.h"
#include "domain/account.h"

/* Reads one line from standard input into out (without its line end);
 * without echo when it is a terminal. */
static bool read_secret(const char *prompt, char *out, size_t n)
{
    bool tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        if (tcgetattr(STDIN_FILENO, &old) == 0) {
            quiet = old;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        } else {
            tty = false;
        }
    }
    bool ok = fgets(out, (int)n, stdin) != NULL;
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (!ok)
        return false;
    size_t len = strlen(out);
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
        out[--len] = '\0';
    return true;
}

static int user_add(config *cfg, const cmd_args *args)
{
    const char *login = args->argv[1];
    account_role role;
    if (!args->role || !account_role_parse(args->role, &role)) {
        fprintf(stderr, "tsunagu user add: --role は member、editor、admin のいずれかで指定してください\n");
        return EXIT_USAGE;
    }
    if (!args->email) {
        fprintf(stderr, "tsunagu user add: --email でメールアドレスを指定してください\n");
        return EXIT_USAGE;
    }
    char err[256];
    if (!account_login_valid(login, err, sizeof err)) {
        fprintf(stderr, "tsunagu user add: %s\n", err);
        return EXIT_USAGE;
    }
    char pw[PASSWORD_MAX_BYTES + 2], again[PASSWORD_MAX_BYTES + 2];
    if (!read_secret("パスワード: ", pw, sizeof pw)) {
        fprintf(stderr, "tsunagu user add: 標準入力からパスワードを読めません\n");
        return EXIT_USAGE;
    }
    if (isatty(STDIN_FILENO) &&
        (!read_secret("もう一度: ", again, sizeof again) || strcmp(pw, again) != 0)) {
        OPENSSL_cleanse(pw, sizeof pw);
        OPENSSL_cleanse(again, sizeof again);
        fprintf(stderr, "tsunagu user add: パスワードが一致しません\n");
        return EXIT_USAGE;
    }
    OPENSSL_cleanse(again, sizeof again);

    store *db = cli_open_db(cfg);
    if (!db) {
        OPENSSL_cleanse(pw, sizeof pw);
        return 1;
    }
    arena a;
    arena_init(&a);
    account_params p;
    account_params_init(&p, cfg);
    account_env e = {.db = db, .a = &a, .p = &p, .addr = "", .base_url = cfg->base_url};
    account_new n = {
        .login = login,
        .password = pw,
        .password_len = strlen(pw),
        .email = args->email,
        .name = args->name ? args->name : "",
        .role = role,
        .member_type = role == ACCOUNT_ROLE_MEMBER ? ACCOUNT_TYPE_INDIVIDUAL : ACCOUNT_TYPE_NONE,
    };
    int64_t id = 0;
    account_rc rc = account_create_verified(&e, &n, false, 0, &id, err, sizeof err);
    OPENSSL_cleanse(pw, sizeof pw);
    arena_free(&a);
    store_close(db);
    if (rc != ACCOUNT_OK) {
        fprintf(stderr, "tsunagu user add: %s\n", err[0] ? err : "アカウントを作成できません");
        return rc == ACCOUNT_ERROR ? 1 : EXIT_USAGE;
    }
    printf("アカウント %s（%s）を作成しました（ID %lld）%s\n", login, account_role_label(role),
           (long long)id,
           role == ACCOUNT_ROLE_MEMBER ? "" : "。初回のログインで確認コード（2 段階認証）を設定します");
    return 0;
}

int cli_user(config *cfg, const cmd_args *args)
{
    if (args->argc == 2 && strcmp(args->argv[0], "add") == 0)
        return user_add(cfg, args);
    fprintf(stderr, "使い方: tsunagu user add LOGIN --role member|editor|admin --email ADDRESS "
                    "[--name NAME] [--data DIR]\n（パスワードは標準入力から読みます）\n");
    return args->argc == 0 ? 0 : EXIT_USAGE;
}
