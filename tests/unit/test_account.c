/*
 * Unit tests of the account system (domain/account.h, session.h,
 * security_log.h over store/account.h): the clauses of spec 別記2 3.1, 3.3
 * and 3.5 one by one.
 *
 * Each test works in a fresh temporary data directory with a migrated
 * database, a mail set-up that renders the real templates/mail files into
 * the outbox (nothing is sent: the tests read the outbox rows), a keyring
 * with a fixed key, cheap argon2 parameters (so the suite stays fast under
 * valgrind) and a clock the tests move by hand.
 */
#include <ftw.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/fault.h"
#include "crypto/base32.h"
#include "crypto/password.h"
#include "crypto/sealbox.h"
#include "crypto/token.h"
#include "crypto/totp.h"
#include "domain/account.h"
#include "domain/mail.h"
#include "domain/security_log.h"
#include "domain/session.h"
#include "store/account.h"
#include "store/store.h"
#include "tap.h"

/* ---- fixture ---- */

static int64_t fake_now = 1800000000; /* 2027-01-15 */

static int64_t fake_clock(void)
{
    return fake_now;
}

typedef struct fx {
    char root[256], data[300];
    store *db;
    config cfg;
    mail_env *mail;
    sealbox_keyring *keys;
    account_params p;
    arena a;
    account_env e;
} fx;

static void fx_open(fx *f)
{
    memset(f, 0, sizeof *f);
    const char *base = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : P_tmpdir;
    snprintf(f->root, sizeof f->root, "%s/tsunagu-account-XXXXXX", base);
    if (!mkdtemp(f->root)) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(f->data, sizeof f->data, "%s/data", f->root);
    char err[512];
    f->db = store_open(f->data, err, sizeof err);
    if (!f->db || store_migrate(f->db, err, sizeof err) < 0) {
        printf("# cannot set up a store: %s\n", err);
        exit(2);
    }
    config_defaults(&f->cfg);
    snprintf(f->cfg.share_dir, sizeof f->cfg.share_dir, "%s", TEST_SOURCE_ROOT);
    f->mail = mail_env_load(&f->cfg, err, sizeof err);
    if (!f->mail) {
        printf("# cannot load the mail templates: %s\n", err);
        exit(2);
    }
    static const uint8_t key[SEALBOX_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    f->keys = sealbox_keyring_from_key(1, key);
    account_params_init(&f->p, &f->cfg);
    f->p.pw = (password_params){256, 1, 1}; /* fast; production uses the default */
    f->p.lockout_failures = 3;
    f->p.lockout_min = 30;
    f->p.session_idle_min = 30;
    f->p.session_abs_hours = 12;
    f->p.staff_session_idle_min = 15;
    f->p.staff_session_abs_hours = 8;
    f->p.addr_failures = 20;
    f->p.staff_totp_required = false;
    f->p.clock = fake_clock;
    arena_init(&f->a);
    f->e = (account_env){
        .db = f->db,
        .a = &f->a,
        .p = &f->p,
        .mail = f->mail,
        .keys = f->keys,
        .addr = "192.0.2.1",
        .base_url = "https://example.jp",
        .site_name = "あいかさねっと",
    };
    store_setting_put(f->db, "centre.name", "テストセンター");
    fake_now = 1800000000;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void fx_close(fx *f)
{
    CHECK(!store_in_tx(f->db));
    store_close(f->db);
    mail_env_free(f->mail);
    sealbox_keyring_free(f->keys);
    arena_free(&f->a);
    nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int64_t q_int(fx *f, const char *sql, const char *arg)
{
    store_stmt *st = store_prepare(f->db, sql);
    if (!st)
        return -999;
    if (arg)
        store_bind_str(st, 1, arg);
    int64_t v = store_step(st) == STORE_ROW ? store_col_int(st, 0) : -998;
    store_done(st);
    return v;
}

/* ---- reading the outbox ---- */

static int b64v(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* The message text with its base64 body decoded (headers as they are). */
static char *decode_message(arena *a, const char *msg)
{
    const char *body = strstr(msg, "\r\n\r\n");
    if (!body)
        return NULL;
    body += 4;
    size_t hlen = (size_t)(body - msg);
    char *out = arena_alloc(a, hlen + strlen(body) + 1);
    memcpy(out, msg, hlen);
    size_t k = hlen;
    unsigned bits = 0;
    int nbits = 0;
    for (const char *p = body; *p; p++) {
        int v = b64v(*p);
        if (v < 0)
            continue; /* CRLF and '=' */
        bits = bits << 6 | (unsigned)v;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            out[k++] = (char)(bits >> nbits & 0xFF);
        }
    }
    out[k] = '\0';
    return out;
}

/* The newest outbox mail of kind (decoded), and its recipient; NULL if none. */
static char *last_mail(fx *f, const char *kind, char *rcpt, size_t rcptlen)
{
    store_stmt *st =
        store_prepare(f->db, "SELECT o.rcpt_to, m.message FROM mail_outbox o JOIN mail_message m "
                             "ON m.outbox_id = o.id WHERE o.kind = ? ORDER BY o.id DESC LIMIT 1");
    char *out = NULL;
    if (st && store_bind_str(st, 1, kind) && store_step(st) == STORE_ROW) {
        if (rcpt)
            snprintf(rcpt, rcptlen, "%s", store_col_text(st, 0, NULL));
        out = decode_message(&f->a, store_col_text(st, 1, NULL));
    }
    store_done(st);
    return out;
}

/* The token after "?t=" in a mail; "" if none. */
static void mail_token(const char *mail, char out[TOKEN_CHARS + 1])
{
    out[0] = '\0';
    const char *p = mail ? strstr(mail, "?t=") : NULL;
    if (p && strlen(p + 3) >= TOKEN_CHARS) {
        memcpy(out, p + 3, TOKEN_CHARS);
        out[TOKEN_CHARS] = '\0';
    }
}

/* ---- shortcuts ---- */

static account_rc do_register(fx *f, const char *login, const char *email, const char *pw)
{
    char err[256];
    account_new n = {.login = login,
                     .password = pw,
                     .password_len = strlen(pw),
                     .email = email,
                     .name = "山田 太郎",
                     .role = ACCOUNT_ROLE_MEMBER,
                     .member_type = ACCOUNT_TYPE_INDIVIDUAL};
    return account_register(&f->e, &n, "centre@example.jp", NULL, err, sizeof err);
}

/* Registers and opens the mailed link: an active member. */
static int64_t member(fx *f, const char *login, const char *email, const char *pw)
{
    CHECK_INT(do_register(f, login, email, pw), ACCOUNT_OK);
    char tok[TOKEN_CHARS + 1], err[256];
    mail_token(last_mail(f, "account_verify", NULL, 0), tok);
    int64_t id = 0;
    CHECK_INT(account_verify(&f->e, tok, &id, err, sizeof err), ACCOUNT_OK);
    return id;
}

static int64_t staff(fx *f, const char *login, account_role role)
{
    char err[256], email[128];
    snprintf(email, sizeof email, "%s@example.jp", login);
    account_new n = {.login = login,
                     .password = "staff-password-1",
                     .password_len = 16,
                     .email = email,
                     .role = role};
    int64_t id = 0;
    CHECK_INT(account_create_verified(&f->e, &n, false, 0, &id, err, sizeof err), ACCOUNT_OK);
    return id;
}

static session_login_status login(fx *f, const char *id, const char *pw,
                                  char token[TOKEN_CHARS + 1])
{
    session_login_result r;
    session_login(&f->e, id, pw, strlen(pw), &r);
    if (token)
        memcpy(token, r.token, TOKEN_CHARS + 1);
    return r.status;
}

static account_view view(fx *f, int64_t id)
{
    account_view v;
    CHECK_INT(account_get(&f->e, id, &v), ACCOUNT_OK);
    return v;
}

static int64_t log_count(fx *f, const char *event)
{
    return q_int(f, "SELECT count(*) FROM security_log WHERE event = ?", event);
}

/* ---- spec 3.3.2: login IDs ---- */

TEST(spec_3_3_2_login_id_rule)
{
    char err[256];
    CHECK(account_login_valid("abc", err, sizeof err));
    CHECK(account_login_valid("Taro.Yamada_1-x@npo", err, sizeof err));
    CHECK(!account_login_valid("ab", err, sizeof err));
    CHECK(strstr(err, "3～64") != NULL);
    char long_id[66];
    memset(long_id, 'a', 65);
    long_id[65] = '\0';
    CHECK(!account_login_valid(long_id, NULL, 0));
    long_id[64] = '\0';
    CHECK(account_login_valid(long_id, NULL, 0));
    CHECK(!account_login_valid("taro yamada", NULL, 0));
    CHECK(!account_login_valid("山田太郎", NULL, 0));
    CHECK(!account_login_valid("taro:x", NULL, 0));
    CHECK(!account_login_valid(NULL, NULL, 0));
    char key[ACCOUNT_LOGIN_MAX + 1];
    CHECK(account_login_key("Taro.Y", key));
    CHECK_STR(key, "taro.y");
}

TEST(spec_3_3_2_duplicate_login_id_refused_case_insensitively)
{
    fx f;
    fx_open(&f);
    member(&f, "Taro", "taro@example.jp", "correct horse 1");
    char err[256];
    account_new n = {.login = "tARO",
                     .password = "another pass",
                     .password_len = 12,
                     .email = "other@example.jp",
                     .role = ACCOUNT_ROLE_MEMBER,
                     .member_type = ACCOUNT_TYPE_GROUP};
    CHECK_INT(account_register(&f.e, &n, NULL, NULL, err, sizeof err), ACCOUNT_TAKEN);
    CHECK(strstr(err, "ログイン ID は既に使われています") != NULL);
    /* the same address, in another case, is taken too (SEC-11) */
    n.login = "hanako";
    n.email = "TARO@example.jp";
    CHECK_INT(account_register(&f.e, &n, NULL, NULL, err, sizeof err), ACCOUNT_TAKEN);
    CHECK(strstr(err, "メールアドレスは既に登録") != NULL);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM account", NULL), 1);
    fx_close(&f);
}

TEST(registration_input_rules)
{
    fx f;
    fx_open(&f);
    char err[256];
    account_new n = {.login = "jiro",
                     .password = "short",
                     .password_len = 5,
                     .email = "jiro@example.jp",
                     .role = ACCOUNT_ROLE_MEMBER,
                     .member_type = ACCOUNT_TYPE_COMPANY};
    CHECK_INT(account_register(&f.e, &n, NULL, NULL, err, sizeof err), ACCOUNT_INVALID);
    CHECK(strstr(err, "8 文字以上") != NULL); /* spec 3.1.3(2) */
    n.password = "jirojiro";
    n.login = "JIROJIRO";
    n.password_len = 8;
    CHECK_INT(account_register(&f.e, &n, NULL, NULL, err, sizeof err), ACCOUNT_INVALID);
    CHECK(strstr(err, "ログイン ID と同じ") != NULL);
    n.login = "jiro";
    n.email = "jiro@@example";
    CHECK_INT(account_register(&f.e, &n, NULL, NULL, err, sizeof err), ACCOUNT_INVALID);
    n.email = "jiro@example.jp";
    n.member_type = ACCOUNT_TYPE_NONE;
    CHECK_INT(account_register(&f.e, &n, NULL, NULL, err, sizeof err), ACCOUNT_INVALID);
    n.member_type = ACCOUNT_TYPE_COMPANY;
    n.role = ACCOUNT_ROLE_ADMIN; /* nobody registers themselves as staff */
    CHECK_INT(account_register(&f.e, &n, NULL, NULL, err, sizeof err), ACCOUNT_INVALID);
    n.role = ACCOUNT_ROLE_MEMBER;
    /* 3.1.3: 64 characters of any kind are accepted */
    char pw[200] = "";
    for (int i = 0; i < 64; i++)
        strcat(pw, i % 2 ? "あ" : "!");
    n.password = pw;
    n.password_len = strlen(pw);
    CHECK_INT(account_register(&f.e, &n, NULL, NULL, err, sizeof err), ACCOUNT_OK);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM account", NULL), 1);
    fx_close(&f);
}

/* ---- spec 3.3.1: registration ---- */

TEST(spec_3_3_1_registration_stays_provisional_until_the_mailed_link)
{
    fx f;
    fx_open(&f);
    CHECK_INT(do_register(&f, "hanako", "hanako@example.jp", "hanako password"), ACCOUNT_OK);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM account WHERE status = 'provisional'", NULL), 1);

    session_login_result r;
    session_login(&f.e, "hanako", "hanako password", 15, &r);
    CHECK_INT(r.status, SESSION_LOGIN_FAILED);
    CHECK_INT(r.why, SESSION_WHY_PROVISIONAL);

    char rcpt[256], tok[TOKEN_CHARS + 1], err[256];
    char *m = last_mail(&f, "account_verify", rcpt, sizeof rcpt);
    CHECK(m != NULL);
    CHECK_STR(rcpt, "hanako@example.jp");
    CHECK(m && strstr(m, "https://example.jp/register/verify?t=") != NULL);
    CHECK(m && strstr(m, "ログイン ID: hanako") != NULL);
    mail_token(m, tok);
    CHECK(token_well_formed(tok));
    /* only the hash is stored */
    char th[TOKEN_HASH_HEX];
    token_hash(tok, th);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM account_token WHERE hash = ?", th), 1);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM account_token WHERE hash = ?", tok), 0);
    /* spec AK-E1: the centre hears of it */
    m = last_mail(&f, "account_registered_centre", rcpt, sizeof rcpt);
    CHECK_STR(rcpt, "centre@example.jp");
    CHECK(m && strstr(m, "会員の種別: 個人") != NULL);

    int64_t id = 0;
    CHECK_INT(account_verify(&f.e, tok, &id, err, sizeof err), ACCOUNT_OK);
    CHECK(id > 0);
    CHECK_INT(view(&f, id).status, ACCOUNT_STATUS_ACTIVE);
    CHECK_INT(login(&f, "hanako", "hanako password", NULL), SESSION_LOGIN_OK);
    /* a used link says so */
    CHECK_INT(account_verify(&f.e, tok, NULL, err, sizeof err), ACCOUNT_TOKEN_BAD);
    CHECK(strstr(err, "使用済み") != NULL);
    CHECK_INT(account_verify(&f.e, "not-a-token", NULL, err, sizeof err), ACCOUNT_TOKEN_BAD);
    CHECK(strstr(err, "無効") != NULL);
    CHECK_INT(log_count(&f, "registered"), 1);
    CHECK_INT(log_count(&f, "verified"), 1);
    fx_close(&f);
}

TEST(spec_3_3_1_verification_link_expires_and_frees_the_id)
{
    fx f;
    fx_open(&f);
    CHECK_INT(do_register(&f, "saburo", "saburo@example.jp", "saburo password"), ACCOUNT_OK);
    char tok[TOKEN_CHARS + 1], err[256];
    mail_token(last_mail(&f, "account_verify", NULL, 0), tok);
    /* while the link lives, the ID is held */
    CHECK_INT(do_register(&f, "SABURO", "saburo2@example.jp", "saburo password"), ACCOUNT_TAKEN);
    fake_now += ACCOUNT_VERIFY_HOURS * 3600 + 1;
    CHECK_INT(account_verify(&f.e, tok, NULL, err, sizeof err), ACCOUNT_TOKEN_BAD);
    CHECK(strstr(err, "有効期限") != NULL);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM account WHERE status = 'active'", NULL), 0);
    /* after it, registering again replaces the unconfirmed account */
    CHECK_INT(do_register(&f, "saburo", "saburo@example.jp", "saburo password"), ACCOUNT_OK);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM account", NULL), 1);
    fx_close(&f);
}

TEST(spec_3_3_1_3_no_mail_contains_the_password)
{
    fx f;
    fx_open(&f);
    const char *pw = "Secret-Passw0rd!";
    int64_t id = member(&f, "shiro", "shiro@example.jp", pw);
    char err[256];
    CHECK_INT(account_reset_request(&f.e, "shiro@example.jp", err, sizeof err), ACCOUNT_OK);
    account_view v = view(&f, id);
    CHECK_INT(account_email_change_request(&f.e, &v, pw, strlen(pw), "shiro2@example.jp", err,
                                           sizeof err),
              ACCOUNT_OK);
    store_stmt *st = store_prepare(f.db, "SELECT message FROM mail_message");
    int n = 0;
    while (st && store_step(st) == STORE_ROW) {
        const char *raw = store_col_text(st, 0, NULL);
        char *m = decode_message(&f.a, raw);
        CHECK(m && strstr(m, pw) == NULL);
        CHECK(strstr(raw, pw) == NULL);
        n++;
    }
    store_done(st);
    CHECK_INT(n, 4); /* verify, centre, reset, address change */
    /* nor the log */
    CHECK_INT(q_int(&f, "SELECT count(*) FROM security_log WHERE detail LIKE '%' || ? || '%'", pw),
              0);
    fx_close(&f);
}

/* ---- spec 3.1.5, 3.1.6: login failures ---- */

TEST(spec_3_1_5_same_result_for_unknown_id_and_wrong_password)
{
    fx f;
    fx_open(&f);
    member(&f, "goro", "goro@example.jp", "goro password");
    session_login_result unknown, wrong, bad_syntax;
    session_login(&f.e, "nobody", "goro password", 13, &unknown);
    session_login(&f.e, "goro", "wrong password", 14, &wrong);
    session_login(&f.e, "no such id!", "x", 1, &bad_syntax);
    CHECK_INT(unknown.status, SESSION_LOGIN_FAILED);
    CHECK_INT(wrong.status, SESSION_LOGIN_FAILED);
    CHECK_INT(bad_syntax.status, SESSION_LOGIN_FAILED);
    CHECK_STR(unknown.message, wrong.message);
    CHECK_STR(bad_syntax.message, wrong.message);
    CHECK(unknown.token[0] == '\0' && wrong.token[0] == '\0');
    /* the true reasons are kept apart for the log */
    CHECK_INT(unknown.why, SESSION_WHY_UNKNOWN_ID);
    CHECK_INT(wrong.why, SESSION_WHY_WRONG_PASSWORD);
    CHECK_INT(log_count(&f, "login_failed"), 3);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM security_log WHERE detail = ?", "未登録の ID"), 2);
    fx_close(&f);
}

TEST(spec_3_1_6_lockout_after_n_failures_and_unlock)
{
    fx f;
    fx_open(&f);
    int64_t id = member(&f, "rokuro", "rokuro@example.jp", "rokuro password");
    int64_t admin = staff(&f, "admin1", ACCOUNT_ROLE_ADMIN);
    session_login_result r;
    /* a success in between starts the count again */
    session_login(&f.e, "rokuro", "bad 1", 5, &r);
    session_login(&f.e, "rokuro", "bad 2", 5, &r);
    CHECK_INT(login(&f, "rokuro", "rokuro password", NULL), SESSION_LOGIN_OK);
    session_login(&f.e, "rokuro", "bad 3", 5, &r);
    session_login(&f.e, "rokuro", "bad 4", 5, &r);
    CHECK(!r.locked_now);
    CHECK(!view(&f, id).locked);
    session_login(&f.e, "rokuro", "bad 5", 5, &r);
    CHECK(r.locked_now);
    CHECK(view(&f, id).locked);
    CHECK_INT(log_count(&f, "lockout"), 1);
    /* SEC-12: the right password no longer opens it, with the same message */
    const char *msg = r.message;
    session_login(&f.e, "rokuro", "rokuro password", 15, &r);
    CHECK_INT(r.status, SESSION_LOGIN_FAILED);
    CHECK_INT(r.why, SESSION_WHY_LOCKED);
    CHECK_STR(r.message, msg);
    /* tries during the lock do not extend it */
    const char *until = view(&f, id).locked_until;
    fake_now += 60;
    session_login(&f.e, "rokuro", "bad 6", 5, &r);
    CHECK_STR(view(&f, id).locked_until, until);
    /* staff unlock */
    account_view a = view(&f, admin);
    char err[256];
    CHECK_INT(account_unlock(&f.e, &a, id, err, sizeof err), ACCOUNT_OK);
    CHECK_INT(login(&f, "rokuro", "rokuro password", NULL), SESSION_LOGIN_OK);
    CHECK_INT(log_count(&f, "unlock"), 1);
    /* and a lock runs out by itself */
    for (int i = 0; i < 3; i++)
        session_login(&f.e, "rokuro", "bad", 3, &r);
    CHECK_INT(login(&f, "rokuro", "rokuro password", NULL), SESSION_LOGIN_FAILED);
    fake_now += 30 * 60 + 1;
    CHECK_INT(login(&f, "rokuro", "rokuro password", NULL), SESSION_LOGIN_OK);
    fx_close(&f);
}

TEST(per_address_limit_against_password_spraying)
{
    fx f;
    fx_open(&f);
    f.p.addr_failures = 5;
    member(&f, "nana", "nana@example.jp", "nana password");
    session_login_result r;
    char id[32];
    for (int i = 0; i < 5; i++) { /* one password tried on many IDs */
        snprintf(id, sizeof id, "user%d", i);
        session_login(&f.e, id, "Summer2027!", 11, &r);
        CHECK_INT(r.status, SESSION_LOGIN_FAILED);
    }
    session_login(&f.e, "nana", "nana password", 13, &r);
    CHECK_INT(r.status, SESSION_LOGIN_RATE_LIMITED);
    CHECK(strstr(r.message, "しばらく") != NULL);
    /* another address is not affected */
    f.e.addr = "198.51.100.7";
    CHECK_INT(login(&f, "nana", "nana password", NULL), SESSION_LOGIN_OK);
    /* the window slides */
    f.e.addr = "192.0.2.1";
    fake_now += ACCOUNT_ADDR_WINDOW_MIN * 60 + 1;
    CHECK_INT(login(&f, "nana", "nana password", NULL), SESSION_LOGIN_OK);
    /* kept in the database, not in memory (ARCHITECTURE.md decision 2) */
    CHECK_INT(q_int(&f, "SELECT count(*) FROM login_failure WHERE addr = ?", "192.0.2.1"), 5);
    fx_close(&f);
}

TEST(rehash_on_login_when_parameters_rise)
{
    fx f;
    fx_open(&f);
    int64_t id = member(&f, "hachi", "hachi@example.jp", "hachi password");
    (void)id;
    f.p.pw = (password_params){512, 1, 1};
    CHECK_INT(login(&f, "hachi", "hachi password", NULL), SESSION_LOGIN_OK);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM account WHERE password_hash LIKE '%m=512,%'", NULL),
              1);
    CHECK_INT(login(&f, "hachi", "hachi password", NULL), SESSION_LOGIN_OK);
    fx_close(&f);
}

/* ---- spec 3.1.7-3.1.9: sessions ---- */

TEST(session_id_rotates_at_login)
{
    fx f;
    fx_open(&f);
    member(&f, "kyu", "kyu@example.jp", "kyu password");
    char t1[TOKEN_CHARS + 1], t2[TOKEN_CHARS + 1], h[TOKEN_HASH_HEX];
    CHECK_INT(login(&f, "kyu", "kyu password", t1), SESSION_LOGIN_OK);
    CHECK_INT(login(&f, "kyu", "kyu password", t2), SESSION_LOGIN_OK);
    CHECK(token_well_formed(t1) && token_well_formed(t2));
    CHECK(strcmp(t1, t2) != 0);
    /* the cookie value itself is never stored, only its hash */
    CHECK_INT(q_int(&f, "SELECT count(*) FROM account_session WHERE id_hash = ?", t1), 0);
    token_hash(t1, h);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM account_session WHERE id_hash = ?", h), 1);
    session_info s;
    CHECK_INT(session_lookup(&f.e, t2, &s), ACCOUNT_OK);
    CHECK(session_actor(&s) != NULL);
    CHECK_STR(s.account.login, "kyu");
    /* SEC-13: the previous login is shown after the next one */
    CHECK(s.account.prev_login_at != NULL);
    /* a value that was never issued opens nothing */
    CHECK_INT(session_lookup(&f.e, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &s),
              ACCOUNT_NOT_FOUND);
    CHECK_INT(session_lookup(&f.e, "short", &s), ACCOUNT_NOT_FOUND);
    CHECK_INT(session_lookup(&f.e, NULL, &s), ACCOUNT_NOT_FOUND);
    fx_close(&f);
}

TEST(spec_3_1_9_idle_and_absolute_timeouts)
{
    fx f;
    fx_open(&f);
    member(&f, "juichi", "juichi@example.jp", "juichi password");
    char t[TOKEN_CHARS + 1];
    session_info s;
    /* idle: 30 minutes since the last page */
    CHECK_INT(login(&f, "juichi", "juichi password", t), SESSION_LOGIN_OK);
    fake_now += 29 * 60;
    CHECK_INT(session_lookup(&f.e, t, &s), ACCOUNT_OK);
    fake_now += 29 * 60; /* 58 minutes after login, 29 after the last page */
    CHECK_INT(session_lookup(&f.e, t, &s), ACCOUNT_OK);
    fake_now += 31 * 60;
    CHECK_INT(session_lookup(&f.e, t, &s), ACCOUNT_NOT_FOUND);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM account_session", NULL), 0); /* discarded */
    /* absolute: 12 hours after login however busy */
    CHECK_INT(login(&f, "juichi", "juichi password", t), SESSION_LOGIN_OK);
    for (int i = 0; i < 12 * 4 - 1; i++) {
        fake_now += 15 * 60;
        CHECK_INT(session_lookup(&f.e, t, &s), ACCOUNT_OK);
    }
    fake_now += 15 * 60 + 1;
    CHECK_INT(session_lookup(&f.e, t, &s), ACCOUNT_NOT_FOUND);
    fx_close(&f);
}

TEST(session_touch_at_most_once_a_minute)
{
    fx f;
    fx_open(&f);
    member(&f, "juni", "juni@example.jp", "juni password");
    char t[TOKEN_CHARS + 1];
    session_info s;
    CHECK_INT(login(&f, "juni", "juni password", t), SESSION_LOGIN_OK);
    const char *sql = "SELECT count(*) FROM account_session WHERE last_seen_at = created_at";
    fake_now += 30;
    CHECK_INT(session_lookup(&f.e, t, &s), ACCOUNT_OK);
    CHECK_INT(q_int(&f, sql, NULL), 1);
    fake_now += 31;
    CHECK_INT(session_lookup(&f.e, t, &s), ACCOUNT_OK);
    CHECK_INT(q_int(&f, sql, NULL), 0);
    fx_close(&f);
}

TEST(spec_3_1_9_1_logout_ends_the_session)
{
    fx f;
    fx_open(&f);
    member(&f, "jusan", "jusan@example.jp", "jusan password");
    char t[TOKEN_CHARS + 1];
    session_info s;
    CHECK_INT(login(&f, "jusan", "jusan password", t), SESSION_LOGIN_OK);
    CHECK_INT(session_logout(&f.e, t), ACCOUNT_OK);
    CHECK_INT(session_lookup(&f.e, t, &s), ACCOUNT_NOT_FOUND);
    CHECK_INT(session_logout(&f.e, t), ACCOUNT_OK);
    CHECK_INT(log_count(&f, "logout"), 1);
    fx_close(&f);
}

/* ---- spec 3.3.4, 3.3.5: passwords ---- */

TEST(spec_3_3_4_password_change_needs_the_current_one_and_rotates_sessions)
{
    fx f;
    fx_open(&f);
    member(&f, "yoshi", "yoshi@example.jp", "old password");
    char a[TOKEN_CHARS + 1], b[TOKEN_CHARS + 1], fresh[TOKEN_CHARS + 1], err[256];
    session_info s;
    CHECK_INT(login(&f, "yoshi", "old password", a), SESSION_LOGIN_OK);
    CHECK_INT(login(&f, "yoshi", "old password", b), SESSION_LOGIN_OK);
    CHECK_INT(
        account_change_password(&f.e, a, "not it", 6, "new password", 12, fresh, err, sizeof err),
        ACCOUNT_WRONG_PASSWORD);
    CHECK(fresh[0] == '\0');
    CHECK_INT(
        account_change_password(&f.e, a, "old password", 12, "short", 5, fresh, err, sizeof err),
        ACCOUNT_INVALID);
    CHECK_INT(account_change_password(&f.e, a, "old password", 12, "new password", 12, fresh, err,
                                      sizeof err),
              ACCOUNT_OK);
    CHECK(token_well_formed(fresh) && strcmp(fresh, a) != 0);
    CHECK_INT(session_lookup(&f.e, a, &s), ACCOUNT_NOT_FOUND);
    CHECK_INT(session_lookup(&f.e, b, &s), ACCOUNT_NOT_FOUND);
    CHECK_INT(session_lookup(&f.e, fresh, &s), ACCOUNT_OK);
    CHECK_INT(login(&f, "yoshi", "old password", NULL), SESSION_LOGIN_FAILED);
    CHECK_INT(login(&f, "yoshi", "new password", NULL), SESSION_LOGIN_OK);
    CHECK_INT(log_count(&f, "password_changed"), 1);
    /* without a session there is nothing to change */
    CHECK_INT(account_change_password(&f.e, a, "new password", 12, "newer password", 14, fresh, err,
                                      sizeof err),
              ACCOUNT_NOT_FOUND);
    fx_close(&f);
}

TEST(spec_3_3_5_reset_token_single_use_and_expires)
{
    fx f;
    fx_open(&f);
    int64_t id = member(&f, "itsuki", "itsuki@example.jp", "itsuki password");
    char err[256], tok[TOKEN_CHARS + 1], rcpt[256], session[TOKEN_CHARS + 1];
    /* the same answer for an unknown address, and no mail */
    CHECK_INT(account_reset_request(&f.e, "nobody@example.jp", err, sizeof err), ACCOUNT_OK);
    CHECK(last_mail(&f, "password_reset", NULL, 0) == NULL);
    CHECK_INT(account_reset_request(&f.e, "not an address", err, sizeof err), ACCOUNT_INVALID);

    CHECK_INT(login(&f, "itsuki", "itsuki password", session), SESSION_LOGIN_OK);
    session_login_result r;
    for (int i = 0; i < 3; i++)
        session_login(&f.e, "itsuki", "wrong", 5, &r);
    CHECK(view(&f, id).locked);
    CHECK_INT(account_reset_request(&f.e, "ITSUKI@example.jp", err, sizeof err), ACCOUNT_OK);
    char *m = last_mail(&f, "password_reset", rcpt, sizeof rcpt);
    CHECK_STR(rcpt, "itsuki@example.jp");
    CHECK(m && strstr(m, "https://example.jp/password/reset?t=") != NULL);
    mail_token(m, tok);
    CHECK_INT(account_reset_check(&f.e, tok, err, sizeof err), ACCOUNT_OK);
    CHECK_INT(account_reset_complete(&f.e, tok, "short", 5, err, sizeof err), ACCOUNT_INVALID);
    CHECK_INT(account_reset_complete(&f.e, tok, "reset password", 14, err, sizeof err), ACCOUNT_OK);
    /* single use; sessions ended; lock lifted */
    CHECK_INT(account_reset_complete(&f.e, tok, "again password", 14, err, sizeof err),
              ACCOUNT_TOKEN_BAD);
    CHECK(strstr(err, "使用済み") != NULL);
    session_info s;
    CHECK_INT(session_lookup(&f.e, session, &s), ACCOUNT_NOT_FOUND);
    CHECK_INT(login(&f, "itsuki", "reset password", NULL), SESSION_LOGIN_OK);

    /* expires after 30 minutes */
    CHECK_INT(account_reset_request(&f.e, "itsuki@example.jp", err, sizeof err), ACCOUNT_OK);
    mail_token(last_mail(&f, "password_reset", NULL, 0), tok);
    fake_now += ACCOUNT_RESET_MIN * 60 + 1;
    CHECK_INT(account_reset_check(&f.e, tok, err, sizeof err), ACCOUNT_TOKEN_BAD);
    CHECK(strstr(err, "有効期限") != NULL);
    CHECK_INT(account_reset_complete(&f.e, tok, "late password", 13, err, sizeof err),
              ACCOUNT_TOKEN_BAD);

    /* a newer link replaces the older one */
    fake_now += 3600;
    char older[TOKEN_CHARS + 1];
    CHECK_INT(account_reset_request(&f.e, "itsuki@example.jp", err, sizeof err), ACCOUNT_OK);
    mail_token(last_mail(&f, "password_reset", NULL, 0), older);
    CHECK_INT(account_reset_request(&f.e, "itsuki@example.jp", err, sizeof err), ACCOUNT_OK);
    mail_token(last_mail(&f, "password_reset", NULL, 0), tok);
    CHECK(strcmp(older, tok) != 0);
    CHECK_INT(account_reset_check(&f.e, older, err, sizeof err), ACCOUNT_TOKEN_BAD);
    CHECK_INT(account_reset_check(&f.e, tok, err, sizeof err), ACCOUNT_OK);
    /* and no more than ACCOUNT_RESET_PER_HOUR mails an hour */
    CHECK_INT(account_reset_request(&f.e, "itsuki@example.jp", err, sizeof err), ACCOUNT_OK);
    CHECK_INT(account_reset_request(&f.e, "itsuki@example.jp", err, sizeof err), ACCOUNT_OK);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM mail_outbox WHERE kind = ?", "password_reset"), 5);
    CHECK_INT(log_count(&f, "reset_requested"), 7);
    CHECK_INT(log_count(&f, "reset_done"), 1);
    fx_close(&f);
}

/* ---- spec 3.3.3: mail address ---- */

TEST(spec_3_3_3_address_change_takes_effect_through_the_new_address)
{
    fx f;
    fx_open(&f);
    int64_t id = member(&f, "mutsu", "mutsu@example.jp", "mutsu password");
    member(&f, "nanao", "nanao@example.jp", "nanao password");
    account_view v = view(&f, id);
    char err[256], rcpt[256], tok[TOKEN_CHARS + 1];
    CHECK_INT(
        account_email_change_request(&f.e, &v, "wrong", 5, "mutsu@new.example.jp", err, sizeof err),
        ACCOUNT_WRONG_PASSWORD);
    CHECK_INT(account_email_change_request(&f.e, &v, "mutsu password", 14, "NANAO@example.jp", err,
                                           sizeof err),
              ACCOUNT_TAKEN);
    CHECK_INT(account_email_change_request(&f.e, &v, "mutsu password", 14, "mutsu@new.example.jp",
                                           err, sizeof err),
              ACCOUNT_OK);
    char *m = last_mail(&f, "account_email_change", rcpt, sizeof rcpt);
    CHECK_STR(rcpt, "mutsu@new.example.jp");
    CHECK(m && strstr(m, "https://example.jp/account/email/verify?t=") != NULL);
    CHECK_STR(view(&f, id).email, "mutsu@example.jp"); /* not yet */
    mail_token(m, tok);
    CHECK_INT(account_email_change_confirm(&f.e, tok, err, sizeof err), ACCOUNT_OK);
    CHECK_STR(view(&f, id).email, "mutsu@new.example.jp");
    CHECK_INT(account_email_change_confirm(&f.e, tok, err, sizeof err), ACCOUNT_TOKEN_BAD);
    CHECK_INT(log_count(&f, "email_changed"), 1);
    fx_close(&f);
}

/* ---- spec 3.3.6, 3.3.7: deletion and suspension ---- */

TEST(spec_3_3_7_self_deletion_needs_the_password)
{
    fx f;
    fx_open(&f);
    int64_t id = member(&f, "yasu", "yasu@example.jp", "yasu password");
    char t[TOKEN_CHARS + 1], err[256];
    CHECK_INT(login(&f, "yasu", "yasu password", t), SESSION_LOGIN_OK);
    CHECK_INT(account_delete_self(&f.e, t, "wrong", 5, err, sizeof err), ACCOUNT_WRONG_PASSWORD);
    account_view v;
    CHECK_INT(account_get(&f.e, id, &v), ACCOUNT_OK);
    CHECK_INT(account_delete_self(&f.e, t, "yasu password", 13, err, sizeof err), ACCOUNT_OK);
    CHECK_INT(account_get(&f.e, id, &v), ACCOUNT_NOT_FOUND);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM account_session", NULL), 0);
    /* the log outlives the account (3.5.2) */
    CHECK_INT(q_int(&f, "SELECT count(*) FROM security_log WHERE event = 'deleted' AND login = ?",
                    "y***"),
              1);
    /* the last administrator cannot remove itself */
    staff(&f, "soleadmin", ACCOUNT_ROLE_ADMIN);
    CHECK_INT(login(&f, "soleadmin", "staff-password-1", t), SESSION_LOGIN_OK);
    CHECK_INT(account_delete_self(&f.e, t, "staff-password-1", 16, err, sizeof err),
              ACCOUNT_FORBIDDEN);
    fx_close(&f);
}

TEST(spec_3_3_6_suspend_ends_sessions)
{
    fx f;
    fx_open(&f);
    int64_t id = member(&f, "kazu", "kazu@example.jp", "kazu password");
    int64_t editor = staff(&f, "editor1", ACCOUNT_ROLE_EDITOR);
    int64_t admin = staff(&f, "admin1", ACCOUNT_ROLE_ADMIN);
    char t[TOKEN_CHARS + 1], err[256];
    session_info s;
    CHECK_INT(login(&f, "kazu", "kazu password", t), SESSION_LOGIN_OK);
    account_view ed = view(&f, editor), ad = view(&f, admin), me = view(&f, id);
    CHECK_INT(account_suspend(&f.e, &me, editor, err, sizeof err), ACCOUNT_FORBIDDEN);
    CHECK_INT(account_suspend(&f.e, &ed, admin, err, sizeof err), ACCOUNT_FORBIDDEN);
    CHECK_INT(account_suspend(&f.e, &ad, admin, err, sizeof err), ACCOUNT_FORBIDDEN); /* self */
    CHECK_INT(account_suspend(&f.e, &ed, 9999, err, sizeof err), ACCOUNT_NOT_FOUND);
    CHECK_INT(account_suspend(&f.e, &ed, id, err, sizeof err), ACCOUNT_OK);
    /* SEC-27: the open session is refused on its very next request */
    CHECK_INT(session_lookup(&f.e, t, &s), ACCOUNT_NOT_FOUND);
    session_login_result r;
    session_login(&f.e, "kazu", "kazu password", 13, &r);
    CHECK_INT(r.status, SESSION_LOGIN_FAILED);
    CHECK_INT(r.why, SESSION_WHY_SUSPENDED);
    CHECK_INT(account_suspend(&f.e, &ed, id, err, sizeof err), ACCOUNT_INVALID); /* already */
    CHECK_INT(account_resume(&f.e, &ed, id, err, sizeof err), ACCOUNT_OK);
    CHECK_INT(account_resume(&f.e, &ed, id, err, sizeof err), ACCOUNT_INVALID);
    CHECK_INT(login(&f, "kazu", "kazu password", NULL), SESSION_LOGIN_OK);
    CHECK_INT(q_int(&f,
                    "SELECT count(*) FROM security_log WHERE event = 'suspended' AND "
                    "actor_id IS NOT NULL",
                    NULL),
              1);
    /* 3.3.6(1): deletion by staff */
    CHECK_INT(account_delete(&f.e, &ed, id, err, sizeof err), ACCOUNT_OK);
    account_view gone;
    CHECK_INT(account_get(&f.e, id, &gone), ACCOUNT_NOT_FOUND);
    fx_close(&f);
}

TEST(role_change_by_administrators_only_with_a_reason)
{
    fx f;
    fx_open(&f);
    int64_t id = member(&f, "haru", "haru@example.jp", "haru password");
    int64_t editor = staff(&f, "editor1", ACCOUNT_ROLE_EDITOR);
    int64_t admin = staff(&f, "admin1", ACCOUNT_ROLE_ADMIN);
    account_view ed = view(&f, editor), ad = view(&f, admin);
    char t[TOKEN_CHARS + 1], err[256];
    CHECK_INT(login(&f, "haru", "haru password", t), SESSION_LOGIN_OK);
    CHECK_INT(account_set_role(&f.e, &ed, id, ACCOUNT_ROLE_EDITOR, ACCOUNT_TYPE_NONE, "職員", err,
                               sizeof err),
              ACCOUNT_FORBIDDEN);
    CHECK_INT(account_set_role(&f.e, &ad, id, ACCOUNT_ROLE_EDITOR, ACCOUNT_TYPE_NONE, "", err,
                               sizeof err),
              ACCOUNT_INVALID);
    CHECK_INT(account_set_role(&f.e, &ad, admin, ACCOUNT_ROLE_MEMBER, ACCOUNT_TYPE_GROUP,
                               "自分の降格", err, sizeof err),
              ACCOUNT_FORBIDDEN);
    CHECK_INT(account_set_role(&f.e, &ad, id, ACCOUNT_ROLE_EDITOR, ACCOUNT_TYPE_NONE,
                               "4 月から職員として採用", err, sizeof err),
              ACCOUNT_OK);
    account_view v = view(&f, id);
    CHECK_INT(v.role, ACCOUNT_ROLE_EDITOR);
    CHECK_INT(v.member_type, ACCOUNT_TYPE_NONE);
    session_info s;
    CHECK_INT(session_lookup(&f.e, t, &s), ACCOUNT_NOT_FOUND); /* re-login with the new role */
    CHECK_INT(q_int(&f,
                    "SELECT count(*) FROM security_log WHERE event = 'role_changed' AND "
                    "detail LIKE '%採用%'",
                    NULL),
              1);
    fx_close(&f);
}

TEST(authorisation_helpers)
{
    account_view owner = {.id = 10,
                          .role = ACCOUNT_ROLE_MEMBER,
                          .member_type = ACCOUNT_TYPE_GROUP,
                          .status = ACCOUNT_STATUS_ACTIVE};
    account_view other = owner, editor = owner, admin = owner, suspended = owner;
    other.id = 11;
    other.member_type = ACCOUNT_TYPE_INDIVIDUAL;
    editor.id = 20;
    editor.role = ACCOUNT_ROLE_EDITOR;
    editor.member_type = ACCOUNT_TYPE_NONE;
    admin.id = 30;
    admin.role = ACCOUNT_ROLE_ADMIN;
    admin.member_type = ACCOUNT_TYPE_NONE;
    suspended.status = ACCOUNT_STATUS_SUSPENDED;
    CHECK(account_may_edit(&owner, 10));
    CHECK(!account_may_edit(&other, 10));
    CHECK(account_may_edit(&editor, 10));
    CHECK(!account_may_edit(&suspended, 10));
    CHECK(!account_may_edit(NULL, 10));
    CHECK(!account_may_edit(&owner, 0));
    CHECK(account_is_group(&owner) && !account_is_group(&other) && !account_is_group(&editor));
    CHECK(account_is_staff(&editor) && account_is_staff(&admin) && !account_is_staff(&owner));
    CHECK(account_is_admin(&admin) && !account_is_admin(&editor));
    CHECK(account_may_manage(&editor, ACCOUNT_ROLE_MEMBER));
    CHECK(!account_may_manage(&editor, ACCOUNT_ROLE_EDITOR));
    CHECK(account_may_manage(&admin, ACCOUNT_ROLE_ADMIN));
    CHECK(!account_may_manage(&owner, ACCOUNT_ROLE_MEMBER));
    /* a half session authorises nothing */
    session_info half = {.account = admin, .stage = SESSION_NEED_TOTP};
    CHECK(session_actor(&half) == NULL);
    half.stage = SESSION_FULL;
    CHECK(session_actor(&half) == &half.account);
}

/* ---- TOTP (SEC-23) ---- */

/* The current code for a base32 secret. */
static void code_for(const char *b32, char code[7])
{
    uint8_t key[TOTP_KEY_MAX];
    size_t n = 0;
    CHECK(base32_decode(b32, strlen(b32), key, sizeof key, &n));
    CHECK(totp_code(key, n, fake_now, code));
}

/* Logs a staff member in through enrolment; returns the secret. */
static void enrol(fx *f, const char *id, char b32[64], char full[TOKEN_CHARS + 1])
{
    char half[TOKEN_CHARS + 1], err[256], code[7];
    CHECK_INT(login(f, id, "staff-password-1", half), SESSION_LOGIN_NEED_TOTP_ENROL);
    session_info s;
    CHECK_INT(session_lookup(&f->e, half, &s), ACCOUNT_OK);
    CHECK_INT(s.stage, SESSION_NEED_ENROL);
    CHECK(session_actor(&s) == NULL);
    session_totp_enrolment en;
    CHECK_INT(session_totp_enrol_begin(&f->e, half, "テストセンター", &en, err, sizeof err),
              ACCOUNT_OK);
    CHECK(en.uri && strncmp(en.uri, "otpauth://totp/", 15) == 0);
    snprintf(b32, 64, "%s", en.secret_b32);
    session_login_result r;
    session_totp_enrol_confirm(&f->e, half, en.pending, "000000", &r);
    if (r.status == SESSION_LOGIN_FAILED) /* (unless 000000 happened to be right) */
        CHECK_INT(r.why, SESSION_WHY_WRONG_CODE);
    code_for(b32, code);
    session_totp_enrol_confirm(&f->e, half, en.pending, code, &r);
    CHECK_INT(r.status, SESSION_LOGIN_OK);
    memcpy(full, r.token, TOKEN_CHARS + 1);
    CHECK_INT(session_lookup(&f->e, half, &s), ACCOUNT_NOT_FOUND); /* rotated */
}

TEST(spec_sec_23_staff_enrol_totp_at_first_login_then_need_it)
{
    fx f;
    fx_open(&f);
    f.p.staff_totp_required = true;
    int64_t id = staff(&f, "editor1", ACCOUNT_ROLE_EDITOR);
    char b32[64], full[TOKEN_CHARS + 1], half[TOKEN_CHARS + 1], code[7];
    enrol(&f, "editor1", b32, full);
    session_info s;
    CHECK_INT(session_lookup(&f.e, full, &s), ACCOUNT_OK);
    CHECK(session_actor(&s) != NULL && account_is_staff(session_actor(&s)));
    CHECK(view(&f, id).totp_enrolled);
    /* stored sealed, never in clear */
    CHECK_INT(q_int(&f, "SELECT count(*) FROM account WHERE totp_secret LIKE 'tsb1.%'", NULL), 1);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM account WHERE totp_secret LIKE '%' || ? || '%'", b32),
              0);
    /* next login: password, then code */
    fake_now += 60;
    CHECK_INT(login(&f, "editor1", "staff-password-1", half), SESSION_LOGIN_NEED_TOTP);
    CHECK_INT(session_lookup(&f.e, half, &s), ACCOUNT_OK);
    CHECK_INT(s.stage, SESSION_NEED_TOTP);
    CHECK(session_actor(&s) == NULL); /* a half session grants nothing */
    code_for(b32, code);
    session_login_result r;
    session_totp(&f.e, half, code, &r);
    CHECK_INT(r.status, SESSION_LOGIN_OK);
    CHECK(token_well_formed(r.token) && strcmp(r.token, half) != 0);
    CHECK_INT(session_lookup(&f.e, r.token, &s), ACCOUNT_OK);
    CHECK_INT(s.stage, SESSION_FULL);
    /* enrolling again is for staff to reset, not for a session */
    session_totp_enrolment en;
    char err[256];
    CHECK_INT(session_totp_enrol_begin(&f.e, r.token, "x", &en, err, sizeof err),
              ACCOUNT_FORBIDDEN);
    CHECK_INT(log_count(&f, "totp_enrolled"), 1);
    fx_close(&f);
}

TEST(totp_replay_refused)
{
    fx f;
    fx_open(&f);
    f.p.staff_totp_required = true;
    staff(&f, "editor1", ACCOUNT_ROLE_EDITOR);
    char b32[64], full[TOKEN_CHARS + 1], h1[TOKEN_CHARS + 1], h2[TOKEN_CHARS + 1], code[7];
    enrol(&f, "editor1", b32, full);
    fake_now += TOTP_PERIOD;
    CHECK_INT(login(&f, "editor1", "staff-password-1", h1), SESSION_LOGIN_NEED_TOTP);
    CHECK_INT(login(&f, "editor1", "staff-password-1", h2), SESSION_LOGIN_NEED_TOTP);
    code_for(b32, code);
    session_login_result r;
    session_totp(&f.e, h1, code, &r);
    CHECK_INT(r.status, SESSION_LOGIN_OK);
    session_totp(&f.e, h2, code, &r); /* the same code once more */
    CHECK_INT(r.status, SESSION_LOGIN_FAILED);
    CHECK(r.token[0] == '\0');
    CHECK_INT(log_count(&f, "totp_failed"), 1);
    fx_close(&f);
}

TEST(totp_failures_count_towards_the_lock)
{
    fx f;
    fx_open(&f);
    f.p.staff_totp_required = true;
    int64_t id = staff(&f, "editor1", ACCOUNT_ROLE_EDITOR);
    char b32[64], full[TOKEN_CHARS + 1], half[TOKEN_CHARS + 1], code[7];
    enrol(&f, "editor1", b32, full);
    fake_now += TOTP_PERIOD * 3;
    CHECK_INT(login(&f, "editor1", "staff-password-1", half), SESSION_LOGIN_NEED_TOTP);
    code_for(b32, code);
    char wrong[7];
    memcpy(wrong, code, sizeof wrong);
    wrong[0] = (char)('0' + (code[0] - '0' + 5) % 10); /* certainly not a valid code now */
    session_login_result r;
    session_totp(&f.e, half, wrong, &r);
    session_totp(&f.e, half, wrong, &r);
    CHECK(!r.locked_now);
    /* the password stage did not clear the count: a third code locks */
    CHECK_INT(login(&f, "editor1", "staff-password-1", half), SESSION_LOGIN_NEED_TOTP);
    session_totp(&f.e, half, wrong, &r);
    CHECK(r.locked_now);
    CHECK(view(&f, id).locked);
    session_info s;
    CHECK_INT(session_lookup(&f.e, half, &s), ACCOUNT_NOT_FOUND);
    /* an administrator resets the factor (lost phone) */
    int64_t admin = staff(&f, "admin1", ACCOUNT_ROLE_ADMIN);
    account_view ad = view(&f, admin);
    char err[256];
    CHECK_INT(account_unlock(&f.e, &ad, id, err, sizeof err), ACCOUNT_OK);
    CHECK_INT(account_totp_reset(&f.e, &ad, id, err, sizeof err), ACCOUNT_OK);
    CHECK(!view(&f, id).totp_enrolled);
    CHECK_INT(session_lookup(&f.e, full, &s), ACCOUNT_NOT_FOUND);
    CHECK_INT(login(&f, "editor1", "staff-password-1", NULL), SESSION_LOGIN_NEED_TOTP_ENROL);
    fx_close(&f);
}

/* ---- the write lock is never held while hashing ---- */

typedef struct login_thread {
    fx *f;
    int logins;
    volatile int done;
    int ok;
} login_thread;

static void *login_loop(void *arg)
{
    login_thread *lt = arg;
    for (int i = 0; i < lt->logins; i++)
        lt->ok += login(lt->f, "tanaka", "tanaka password", NULL) == SESSION_LOGIN_OK;
    __atomic_store_n(&lt->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static double cpu_seconds(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

TEST(password_hash_not_under_write_lock)
{
    /* Another connection takes the database's write lock and keeps it while
     * a second thread logs in at the production cost.  If the login needed
     * the lock before hashing, its thread would sleep in the busy wait and
     * use no processor time until the lock is released; since argon2 runs
     * outside the transaction, the thread spends a whole hash worth of
     * processor time while the lock is still held.  Processor time, not
     * wall time, so a loaded machine or valgrind's one-thread-at-a-time
     * scheduler cannot make the test lie. */
    fx f;
    fx_open(&f);
    f.p.pw = PASSWORD_PARAMS_DEFAULT;
    member(&f, "tanaka", "tanaka@example.jp", "tanaka password");
    char h[PASSWORD_HASH_MAX];
    CHECK(password_hash("x", 1, f.p.pw, h));
    double hash_cpu = 1e9;
    for (int i = 0; i < 3; i++) { /* the quickest of three: the least noise */
        double c0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
        (void)password_verify(h, "x", 1);
        double c = cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - c0;
        hash_cpu = c < hash_cpu ? c : hash_cpu;
    }

    char path[400];
    snprintf(path, sizeof path, "%s/tsunagu.db", f.data);
    sqlite3 *holder = NULL;
    CHECK(sqlite3_open_v2(path, &holder, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(holder, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
    login_thread lt = {.f = &f, .logins = 1}; /* on f.db, its own connection */
    pthread_t th;
    CHECK(pthread_create(&th, NULL, login_loop, &lt) == 0);
    clockid_t cid;
    CHECK(pthread_getcpuclockid(th, &cid) == 0);
    double used = 0;
    for (int i = 0; i < 3000 && used < 0.5 * hash_cpu; i++) { /* at most about 3 s */
        usleep(1000);
        used = cpu_seconds(cid);
    }
    bool finished_early = __atomic_load_n(&lt.done, __ATOMIC_SEQ_CST);
    CHECK(sqlite3_exec(holder, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK);
    pthread_join(th, NULL);
    sqlite3_close(holder);
    printf("# one hash %.1f ms of processor time; the login used %.1f ms while the lock was "
           "held\n",
           hash_cpu * 1e3, used * 1e3);
    CHECK(used >= 0.5 * hash_cpu);
    CHECK(!finished_early); /* its own bookkeeping did wait for the lock */
    CHECK_INT(lt.ok, 1);
    fx_close(&f);
}

/* ---- security log (3.5) ---- */

TEST(security_log_masks_login)
{
    char out[SECURITY_LOG_LOGIN_MASKED];
    security_log_mask_login("taro.yamada", out);
    CHECK_STR(out, "t***");
    security_log_mask_login("山田", out);
    CHECK_STR(out, "山***");
    security_log_mask_login("\xff\xfe", out);
    CHECK_STR(out, "?***");
    security_log_mask_login("", out);
    CHECK_STR(out, "");
    fx f;
    fx_open(&f);
    session_login_result r;
    session_login(&f.e, "taro.yamada@example.jp", "whatever pw", 11, &r);
    security_log_new n = {.event = SECURITY_UNLOCK,
                          .login = "hanako",
                          .detail = "連絡先 hanako@example.jp 電話 090-1234-5678"};
    char now[STORE_TIMESTAMP_LEN];
    store_timestamp_at(fake_now, now);
    CHECK_INT(security_log_add(f.db, now, &n), STORE_OK);
    security_log_query q = {.limit = 10};
    security_log_page p;
    CHECK_INT(security_log_list(f.db, &f.a, &q, &p), STORE_OK);
    CHECK_INT(p.n, 2);
    CHECK_STR(p.rows[1].login, "t***");
    CHECK_STR(p.rows[1].event, "login_failed");
    CHECK_STR(p.rows[1].addr, "192.0.2.1");
    CHECK_STR(p.rows[0].login, "h***");
    CHECK(strstr(p.rows[0].detail, "hanako@") == NULL);
    CHECK(strstr(p.rows[0].detail, "1234") == NULL);
    CHECK_INT(q_int(&f,
                    "SELECT count(*) FROM security_log WHERE login LIKE '%yamada%' OR "
                    "detail LIKE '%yamada%'",
                    NULL),
              0);
    fx_close(&f);
}

TEST(security_log_filter_pages_and_retention)
{
    fx f;
    fx_open(&f);
    char now[STORE_TIMESTAMP_LEN];
    for (int i = 0; i < 7; i++) {
        store_timestamp_at(fake_now - (int64_t)i * 100 * 86400, now); /* every 100 days back */
        security_log_new n = {
            .event = i % 2 ? SECURITY_LOGOUT : SECURITY_LOGIN_OK, .account_id = 5, .login = "x"};
        CHECK_INT(security_log_add(f.db, now, &n), STORE_OK);
    }
    security_log_query q = {.event = "login_ok", .account_id = 5, .limit = 2};
    security_log_page p;
    CHECK_INT(security_log_list(f.db, &f.a, &q, &p), STORE_OK);
    CHECK_INT(p.n, 2);
    CHECK(p.next_before > 0);
    q.before_id = p.next_before;
    CHECK_INT(security_log_list(f.db, &f.a, &q, &p), STORE_OK);
    CHECK_INT(p.n, 2);
    CHECK_INT(p.next_before, 0);
    q = (security_log_query){.event = "no_such_event"};
    CHECK_INT(security_log_list(f.db, &f.a, &q, &p), STORE_OK);
    CHECK_INT(p.n, 0);
    /* a date range in JST days */
    char from[STORE_TIMESTAMP_LEN], to[STORE_TIMESTAMP_LEN];
    CHECK(security_log_jst_day("2026-11-23", false, from));
    CHECK_STR(from, "2026-11-22T15:00:00Z");
    CHECK(security_log_jst_day("2026-11-23", true, to));
    CHECK_STR(to, "2026-11-23T15:00:00Z");
    CHECK(!security_log_jst_day("2026-02-29", false, from));
    CHECK(security_log_jst_day("2028-02-29", false, from));
    CHECK(!security_log_jst_day("2026-1-1", false, from));
    store_timestamp_at(fake_now - 150 * 86400, from);
    store_timestamp_at(fake_now + 1, to);
    q = (security_log_query){.from = from, .to = to};
    CHECK_INT(security_log_list(f.db, &f.a, &q, &p), STORE_OK);
    CHECK_INT(p.n, 2);
    /* 3.5.2(1): a setting below a year still keeps a year */
    int purged = -1;
    CHECK_INT(security_log_purge(f.db, fake_now, 30, &purged), STORE_OK);
    CHECK_INT(purged, 3); /* 400, 500 and 600 days old */
    CHECK_INT(q_int(&f, "SELECT count(*) FROM security_log", NULL), 4);
    fx_close(&f);
}

/* ---- housekeeping and robustness ---- */

TEST(housekeeping_removes_what_has_expired)
{
    fx f;
    fx_open(&f);
    member(&f, "old", "old@example.jp", "old password");
    CHECK_INT(do_register(&f, "never", "never@example.jp", "never password"), ACCOUNT_OK);
    char t[TOKEN_CHARS + 1];
    CHECK_INT(login(&f, "old", "old password", t), SESSION_LOGIN_OK);
    session_login_result r;
    session_login(&f.e, "nobody", "x", 1, &r);
    fake_now += (ACCOUNT_PROVISIONAL_KEEP_DAYS + 1) * 86400;
    account_housekeeping_counts n;
    CHECK_INT(account_housekeeping(&f.e, &n), ACCOUNT_OK);
    CHECK_INT(n.sessions, 1);
    CHECK_INT(n.login_failures, 1);
    CHECK_INT(n.provisional, 1);
    CHECK_INT(n.tokens, 2);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM account", NULL), 1);
    fx_close(&f);
}

TEST(operations_refuse_an_open_transaction)
{
    fx f;
    fx_open(&f);
    CHECK_INT(store_exec(f.db, "BEGIN"), STORE_OK);
    session_login_result r;
    session_login(&f.e, "anyone", "any password", 12, &r);
    CHECK_INT(r.status, SESSION_LOGIN_ERROR);
    char err[256];
    CHECK_INT(do_register(&f, "anyone", "anyone@example.jp", "any password"), ACCOUNT_ERROR);
    CHECK_INT(store_exec(f.db, "ROLLBACK"), STORE_OK);
    (void)err;
    fx_close(&f);
}

TEST(registration_survives_allocation_failures)
{
    /* Fail our own allocations one by one through a registration: each
     * attempt either succeeds whole or leaves nothing (no account without
     * its mail, no mail without its account), and nothing leaks (valgrind). */
    fx f;
    fx_open(&f);
    int attempts = 0;
    for (long nth = 1; nth < 400; nth++) {
        char login_id[32], email[64];
        snprintf(login_id, sizeof login_id, "fault%ld", nth);
        snprintf(email, sizeof email, "fault%ld@example.jp", nth);
        fault_fail_nth(nth);
        account_rc rc = do_register(&f, login_id, email, "fault password");
        int fired = fault_fired();
        fault_fail_nth(0);
        attempts++;
        CHECK(rc == ACCOUNT_OK || rc == ACCOUNT_ERROR);
        int64_t accounts = q_int(&f, "SELECT count(*) FROM account WHERE login = ?", login_id);
        int64_t mails = q_int(&f, "SELECT count(*) FROM mail_outbox WHERE rcpt_to = ?", email);
        CHECK_INT(accounts, mails);
        CHECK_INT(accounts, rc == ACCOUNT_OK ? 1 : 0);
        CHECK(!store_in_tx(f.db));
        if (!fired)
            break;
    }
    CHECK(attempts > 5);
    fx_close(&f);
}

int main(void)
{
    return tap_run();
}
