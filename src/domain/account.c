/* account.c - accounts: registration, verification, passwords, mail
 * addresses, deletion, staff actions and authorisation.  See account.h. */
#include "domain/account.h"
#include "domain/audit.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/utf8.h"
#include "domain/security_log.h"
#include "domain/session.h"
#include "mail/addr.h"
#include "tmpl/value.h"

static const char MSG_ERROR[] = "ただいま処理できません。しばらくしてからもう一度お試しください。";
static const char MSG_LOGIN_TAKEN[] =
    "このログイン ID は既に使われています。別のログイン ID を入力してください。";
static const char MSG_EMAIL_TAKEN[] = "このメールアドレスは既に登録されています。ログインするか、パ"
                                      "スワードの再設定をお試しください。";
static const char MSG_EMAIL_BAD[] =
    "メールアドレスの形式が正しくありません。半角英数字で、@ を含めて入力してください。";
static const char MSG_WRONG_PASSWORD[] = "パスワードが正しくありません。";
static const char MSG_NOT_LOGGED_IN[] = "ログインしてください。";
static const char MSG_FORBIDDEN[] = "この操作を行う権限がありません。";
static const char MSG_NOT_FOUND[] = "アカウントが見つかりません。";

/* ---- settings, texts, views ---- */

static int64_t system_clock(void)
{
    return (int64_t)time(NULL);
}

void account_params_init(account_params *p, const config *cfg)
{
    memset(p, 0, sizeof *p);
    p->pw = PASSWORD_PARAMS_DEFAULT;
    p->lockout_failures = cfg->lockout_failures;
    p->lockout_min = cfg->lockout_min;
    p->session_idle_min = cfg->session_idle_min;
    p->session_abs_hours = cfg->session_abs_hours;
    p->staff_session_idle_min = cfg->staff_session_idle_min;
    p->staff_session_abs_hours = cfg->staff_session_abs_hours;
    p->security_log_keep_days = cfg->security_log_keep_days;
    p->addr_failures = ACCOUNT_ADDR_FAILURES;
    p->addr_window_min = ACCOUNT_ADDR_WINDOW_MIN;
    p->staff_totp_required = true;
    p->clock = system_clock;
}

int64_t account_now(const account_params *p)
{
    return p->clock ? p->clock() : system_clock();
}

static const char *const role_names[] = {"member", "editor", "admin"};
static const char *const role_labels[] = {"会員", "編集者", "システム管理者"};
static const char *const type_names[] = {NULL, "individual", "group", "company"};
static const char *const type_labels[] = {"", "個人", "団体", "企業"};
static const char *const status_names[] = {"provisional", "active", "suspended"};
static const char *const status_labels[] = {"仮登録（メール未確認）", "利用中", "一時利用停止中"};

#define COUNT(a) (sizeof(a) / sizeof *(a))

const char *account_role_name(account_role r)
{
    return (unsigned)r < COUNT(role_names) ? role_names[r] : "";
}

const char *account_role_label(account_role r)
{
    return (unsigned)r < COUNT(role_labels) ? role_labels[r] : "";
}

bool account_role_parse(const char *s, account_role *r)
{
    for (unsigned i = 0; s && i < COUNT(role_names); i++) {
        if (strcmp(s, role_names[i]) == 0) {
            *r = (account_role)i;
            return true;
        }
    }
    return false;
}

const char *account_member_type_name(account_member_type t)
{
    return (unsigned)t < COUNT(type_names) ? type_names[t] : NULL;
}

const char *account_member_type_label(account_member_type t)
{
    return (unsigned)t < COUNT(type_labels) ? type_labels[t] : "";
}

bool account_member_type_parse(const char *s, account_member_type *t)
{
    for (unsigned i = 1; s && i < COUNT(type_names); i++) {
        if (strcmp(s, type_names[i]) == 0) {
            *t = (account_member_type)i;
            return true;
        }
    }
    return false;
}

const char *account_status_name(account_status s)
{
    return (unsigned)s < COUNT(status_names) ? status_names[s] : "";
}

const char *account_status_label(account_status s)
{
    return (unsigned)s < COUNT(status_labels) ? status_labels[s] : "";
}

void account_view_from_row(const store_account_row *r, const char *now, account_view *v)
{
    memset(v, 0, sizeof *v);
    v->id = r->id;
    v->login = r->login;
    v->email = r->email;
    v->name = r->name;
    /* The CHECK constraints allow only the names parsed here; anything else
     * would be a damaged row, read as the least privileged value. */
    if (!account_role_parse(r->role, &v->role))
        v->role = ACCOUNT_ROLE_MEMBER;
    if (!r->member_type || !account_member_type_parse(r->member_type, &v->member_type))
        v->member_type = ACCOUNT_TYPE_NONE;
    v->status = ACCOUNT_STATUS_SUSPENDED;
    for (unsigned i = 0; r->status && i < COUNT(status_names); i++)
        if (strcmp(r->status, status_names[i]) == 0)
            v->status = (account_status)i;
    v->locked_until = r->locked_until;
    v->locked = r->locked_until && strcmp(r->locked_until, now) > 0;
    v->totp_enrolled = r->totp_secret != NULL;
    v->must_change_password = r->must_change_password;
    v->last_login_at = r->last_login_at;
    v->last_login_addr = r->last_login_addr;
    v->prev_login_at = r->prev_login_at;
    v->prev_login_addr = r->prev_login_addr;
    v->password_changed_at = r->password_changed_at;
    v->created_at = r->created_at;
}

/* ---- small helpers ---- */

/* A database or memory failure: logged for the operator, a plain message
 * for the visitor. */
static account_rc fail_error(const account_env *e, const char *what, char *err, size_t errlen)
{
    log_error("account: %s: %s", what, store_errmsg(e->db));
    utf8_format(err, errlen, "%s", MSG_ERROR);
    return ACCOUNT_ERROR;
}

static account_rc fail_with(account_rc rc, const char *msg, char *err, size_t errlen)
{
    utf8_format(err, errlen, "%s", msg);
    return rc;
}

/* Every operation opens its own transaction: being called inside one is a
 * bug in the caller (and would hold the write lock while hashing). */
static bool tx_free(const account_env *e, const char *fn, char *err, size_t errlen)
{
    if (!store_in_tx(e->db))
        return true;
    log_error("account: %s called inside a transaction", fn);
    utf8_format(err, errlen, "%s", MSG_ERROR);
    return false;
}

static void stamp(const account_env *e, int64_t offset_s, char out[STORE_TIMESTAMP_LEN])
{
    store_timestamp_at(account_now(e->p) + offset_s, out);
}

static bool run_tx(const account_env *e, store_tx_fn fn, void *ctx, store_rc *rc)
{
    *rc = store_tx(e->db, fn, ctx);
    return *rc == STORE_OK;
}

/* ASCII lower case of s into out (n bytes); false if it does not fit. */
static bool lower_copy(const char *s, char *out, size_t n)
{
    size_t len = strlen(s);
    if (len >= n)
        return false;
    for (size_t i = 0; i <= len; i++) {
        char c = s[i];
        out[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    return true;
}

static bool email_key(const char *email, char out[MAIL_ADDR_MAX + 1])
{
    return email && mail_addr_valid(email) && lower_copy(email, out, MAIL_ADDR_MAX + 1);
}

/* ---- rules on input ---- */

static bool login_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '@';
}

bool account_login_valid(const char *login, char *err, size_t errlen)
{
    /* spec 3.3.2.  ASCII only, so that the case-insensitive key is a plain
     * ASCII lower-casing and no two IDs can look alike through Unicode. */
    size_t n = login ? strnlen(login, ACCOUNT_LOGIN_MAX + 1) : 0;
    bool ok = n >= ACCOUNT_LOGIN_MIN && n <= ACCOUNT_LOGIN_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = login_char(login[i]);
    if (!ok && err)
        utf8_format(err, errlen,
                    "ログイン ID は %d～%d 文字の半角英数字と記号 . _ - @ で入力してください。",
                    ACCOUNT_LOGIN_MIN, ACCOUNT_LOGIN_MAX);
    return ok;
}

bool account_login_key(const char *login, char out[ACCOUNT_LOGIN_MAX + 1])
{
    return account_login_valid(login, NULL, 0) && lower_copy(login, out, ACCOUNT_LOGIN_MAX + 1);
}

static bool name_valid(const char *name, char *err, size_t errlen)
{
    size_t n = name ? strlen(name) : 0;
    bool ok = utf8_valid(name ? name : "", n) &&
              utf8_count(name ? name : "", n) <= ACCOUNT_NAME_MAX_CHARS;
    for (size_t i = 0; ok && i < n; i++)
        ok = (unsigned char)name[i] >= 0x20 && name[i] != 0x7F;
    if (!ok)
        utf8_format(err, errlen, "お名前は改行などを含めず %d 文字以内で入力してください。",
                    ACCOUNT_NAME_MAX_CHARS);
    return ok;
}

/* The password rule (spec 3.1.3) and one more: not the login ID itself,
 * whatever its letter case (the first guess of any attacker). */
static bool password_valid(const char *pw, size_t len, const char *login, char *err, size_t errlen)
{
    char why[160];
    if (!password_acceptable(pw, len, why, sizeof why)) {
        utf8_format(err, errlen, "%s", why);
        return false;
    }
    size_t ln = login ? strlen(login) : 0;
    bool same = ln == len;
    for (size_t i = 0; same && i < len; i++) {
        char a = pw[i], b = login[i];
        same = (a >= 'A' && a <= 'Z' ? a + 32 : a) == (b >= 'A' && b <= 'Z' ? b + 32 : b);
    }
    if (same) {
        utf8_format(err, errlen, "ログイン ID と同じパスワードは使えません。");
        return false;
    }
    return true;
}

static account_rc new_valid(const account_new *n, char *login_key_out, char *email_key_out,
                            char *err, size_t errlen)
{
    if (!account_login_valid(n->login, err, errlen))
        return ACCOUNT_INVALID;
    account_login_key(n->login, login_key_out);
    if (!email_key(n->email, email_key_out))
        return fail_with(ACCOUNT_INVALID, MSG_EMAIL_BAD, err, errlen);
    if (!name_valid(n->name, err, errlen))
        return ACCOUNT_INVALID;
    if ((unsigned)n->role > ACCOUNT_ROLE_ADMIN ||
        (n->role == ACCOUNT_ROLE_MEMBER) !=
            (n->member_type >= ACCOUNT_TYPE_INDIVIDUAL && n->member_type <= ACCOUNT_TYPE_COMPANY))
        return fail_with(ACCOUNT_INVALID, "会員の種別（個人・団体・企業）を選んでください。", err,
                         errlen);
    if (!password_valid(n->password, n->password_len, n->login, err, errlen))
        return ACCOUNT_INVALID;
    return ACCOUNT_OK;
}

/* ---- authorisation ---- */

static bool usable(const account_view *a)
{
    return a && a->status == ACCOUNT_STATUS_ACTIVE;
}

bool account_is_staff(const account_view *actor)
{
    return usable(actor) &&
           (actor->role == ACCOUNT_ROLE_EDITOR || actor->role == ACCOUNT_ROLE_ADMIN);
}

bool account_is_admin(const account_view *actor)
{
    return usable(actor) && actor->role == ACCOUNT_ROLE_ADMIN;
}

bool account_is_group(const account_view *actor)
{
    return usable(actor) && actor->role == ACCOUNT_ROLE_MEMBER &&
           actor->member_type == ACCOUNT_TYPE_GROUP;
}

bool account_may_edit(const account_view *actor, int64_t owner_account_id)
{
    /* spec 3.2.2(2): every record is checked against the session's account,
     * never against an ID the request names. */
    return usable(actor) &&
           ((owner_account_id > 0 && actor->id == owner_account_id) || account_is_staff(actor));
}

bool account_may_manage(const account_view *actor, account_role target)
{
    if (account_is_admin(actor))
        return true;
    return account_is_staff(actor) && target == ACCOUNT_ROLE_MEMBER;
}

/* ---- mail ---- */

static const char *link_url(const account_env *e, const char *path, const char *token)
{
    return arena_printf(e->a, "%s%s%s", e->base_url ? e->base_url : "", path, token);
}

/* The values every account mail gets: the site's name, the link, the ID. */
static tv *mail_values(const account_env *e, const char *url, const char *login)
{
    tv *v = tv_map(e->a);
    bool ok = v && tv_set_str(e->a, v, "site_name", e->site_name ? e->site_name : "");
    ok = ok && (!url || tv_set_str(e->a, v, "url", url));
    ok = ok && (!login || tv_set_str(e->a, v, "login", login));
    return ok ? v : NULL;
}

/* Queues one mail inside the current transaction.  A refusal here is ours
 * (the address passed mail_addr_valid() already), so it is logged. */
static store_rc send_mail(const account_env *e, const char *kind, const char *to,
                          const char *to_name, tv *values)
{
    if (!e->mail || !values) {
        log_error("account: mail %s: %s", kind, e->mail ? "out of memory" : "no mail set-up");
        return e->mail ? STORE_NOMEM : STORE_ERROR;
    }
    char why[256];
    store_rc rc =
        mail_enqueue(e->db, e->mail, e->a, kind, to, to_name, values, NULL, why, sizeof why);
    if (rc != STORE_OK && rc != STORE_BUSY)
        log_error("account: mail %s: %s", kind, why);
    return rc;
}

static store_rc log_event(const account_env *e, const char *now, security_event ev,
                          int64_t account_id, int64_t actor_id, const char *login,
                          const char *detail)
{
    security_log_new n = {
        .event = ev,
        .account_id = account_id,
        .actor_id = actor_id,
        .login = login,
        .addr = e->addr,
        .detail = detail,
    };
    store_rc rc = security_log_add(e->db, now, &n);
    /* A change a staff member made to an account is also a line of the
     * audit log of staff changes (domain/audit.h), in the same transaction. */
    if (rc == STORE_OK && actor_id > 0) {
        store_account_row who;
        bool known = store_account_get(e->db, e->a, actor_id, &who) == STORE_OK;
        const char *summary =
            arena_printf(e->a, "アカウント %s: %s%s%s", login ? login : "", security_event_label(ev),
                         detail && *detail ? "（" : "", detail && *detail ? detail : "");
        const char *action = arena_printf(e->a, "account.%s", security_event_name(ev));
        if (!summary || !action)
            return STORE_NOMEM;
        if (detail && *detail)
            summary = arena_printf(e->a, "%s）", summary);
        rc = summary ? audit_add(e->db, actor_id, known ? who.login : "", action, "account",
                                 account_id, summary, NULL, NULL)
                     : STORE_NOMEM;
    }
    return rc;
}

store_rc account_count_failure(const account_env *e, const store_account_row *r, const char *now,
                               bool *locked)
{
    char until[STORE_TIMESTAMP_LEN];
    stamp(e, (int64_t)e->p->lockout_min * 60, until);
    bool now_locked = false;
    store_rc rc = store_account_fail(e->db, r->id, e->p->lockout_failures, until, &now_locked);
    if (rc == STORE_OK && now_locked) {
        char detail[96];
        snprintf(detail, sizeof detail, "%u 回連続の失敗で %u 分間ロック", e->p->lockout_failures,
                 e->p->lockout_min);
        rc = log_event(e, now, SECURITY_LOCKOUT, r->id, 0, r->login, detail);
    }
    if (locked)
        *locked = now_locked;
    return rc == STORE_DONE ? STORE_OK : rc;
}

/* ---- registration ---- */

typedef struct create_ctx {
    const account_env *e;
    const account_new *n;
    const char *login_key, *email_key, *hash, *token;
    const char *centre_addr;
    bool verified, must_change;
    int64_t actor_id;
    int64_t id;
    account_rc rc;
    const char *msg;
} create_ctx;

/* Frees the ID or address held by a provisional account whose link has
 * expired; refuses (ACCOUNT_TAKEN) one held by any other account. */
static store_rc claim_key(create_ctx *c, const char *now, bool by_login)
{
    const account_env *e = c->e;
    store_account_row r;
    store_rc rc = by_login ? store_account_get_by_login(e->db, e->a, c->login_key, &r)
                           : store_account_get_by_email(e->db, e->a, c->email_key, &r);
    if (rc == STORE_DONE)
        return STORE_OK;
    if (rc != STORE_OK)
        return rc;
    char stale[STORE_TIMESTAMP_LEN];
    stamp(e, -(int64_t)ACCOUNT_VERIFY_HOURS * 3600, stale);
    if (strcmp(r.status, "provisional") == 0 && strcmp(r.created_at, stale) < 0) {
        rc = store_account_delete(e->db, r.id);
        if (rc == STORE_OK)
            rc = log_event(e, now, SECURITY_DELETED, r.id, 0, r.login,
                           "確認されないまま期限切れの仮登録を置き換え");
        return rc;
    }
    c->rc = ACCOUNT_TAKEN;
    c->msg = by_login ? MSG_LOGIN_TAKEN : MSG_EMAIL_TAKEN;
    return STORE_CONSTRAINT;
}

static store_rc create_body(store *db, void *ctx)
{
    create_ctx *c = ctx;
    const account_env *e = c->e;
    const account_new *n = c->n;
    c->rc = ACCOUNT_ERROR;
    c->msg = MSG_ERROR;
    c->id = 0;
    char now[STORE_TIMESTAMP_LEN];
    stamp(e, 0, now);
    store_rc rc = claim_key(c, now, true);
    if (rc == STORE_OK)
        rc = claim_key(c, now, false);
    if (rc != STORE_OK)
        return rc;
    store_account_new row = {
        .login = n->login,
        .login_key = c->login_key,
        .email = n->email,
        .email_key = c->email_key,
        .name = n->name ? n->name : "",
        .role = account_role_name(n->role),
        .member_type = account_member_type_name(n->member_type),
        .status = c->verified ? "active" : "provisional",
        .password_hash = c->hash,
        .must_change_password = c->must_change,
        .now = now,
    };
    rc = store_account_insert(db, &row, &c->id);
    if (rc == STORE_CONSTRAINT) { /* a registration racing this one */
        c->rc = ACCOUNT_TAKEN;
        c->msg = MSG_LOGIN_TAKEN;
    }
    if (rc != STORE_OK)
        return rc;
    if (c->verified) {
        rc = log_event(e, now, SECURITY_CREATED, c->id, c->actor_id, n->login,
                       account_role_label(n->role));
    } else {
        char th[TOKEN_HASH_HEX], expires[STORE_TIMESTAMP_LEN];
        stamp(e, (int64_t)ACCOUNT_VERIFY_HOURS * 3600, expires);
        if (!token_hash(c->token, th))
            return STORE_NOMEM;
        rc = store_token_insert(db, th, c->id, "verify", NULL, now, expires);
        /* spec 3.3.1(1)(3): the link goes to the address; the password
         * never does (the values hold no password to print). */
        if (rc == STORE_OK)
            rc = send_mail(e, "account_verify", n->email, n->name,
                           mail_values(e, link_url(e, "/register/verify?t=", c->token), n->login));
        if (rc == STORE_OK && c->centre_addr && mail_addr_valid(c->centre_addr)) {
            tv *v = mail_values(e, NULL, n->login);
            bool ok = v && tv_set_str(e->a, v, "name", n->name ? n->name : "") &&
                      tv_set_str(e->a, v, "member_type", account_member_type_label(n->member_type));
            rc = send_mail(e, "account_registered_centre", c->centre_addr, NULL, ok ? v : NULL);
        }
        if (rc == STORE_OK)
            rc = log_event(e, now, SECURITY_REGISTERED, c->id, 0, n->login,
                           account_member_type_label(n->member_type));
    }
    if (rc == STORE_OK)
        c->rc = ACCOUNT_OK;
    return rc;
}

static account_rc create(const account_env *e, const account_new *n, const char *centre_addr,
                         bool verified, bool must_change, int64_t actor_id, int64_t *id, char *err,
                         size_t errlen)
{
    if (id)
        *id = 0;
    char login_key[ACCOUNT_LOGIN_MAX + 1], mail_key[MAIL_ADDR_MAX + 1];
    account_rc arc = new_valid(n, login_key, mail_key, err, errlen);
    if (arc != ACCOUNT_OK)
        return arc;
    /* The cheap duplicate check first, so a taken ID costs no hashing. */
    store_account_row r;
    store_rc rc = store_account_get_by_login(e->db, e->a, login_key, &r);
    if (rc == STORE_OK && strcmp(r.status, "provisional") != 0)
        return fail_with(ACCOUNT_TAKEN, MSG_LOGIN_TAKEN, err, errlen);
    if (rc != STORE_OK && rc != STORE_DONE)
        return fail_error(e, "duplicate check", err, errlen);

    char hash[PASSWORD_HASH_MAX], token[TOKEN_CHARS + 1];
    if (!password_hash(n->password, n->password_len, e->p->pw, hash) || !token_new(token))
        return fail_error(e, "password hash or token", err, errlen);
    create_ctx c = {
        .e = e,
        .n = n,
        .login_key = login_key,
        .email_key = mail_key,
        .hash = hash,
        .token = token,
        .centre_addr = centre_addr,
        .verified = verified,
        .must_change = must_change,
        .actor_id = actor_id,
    };
    if (!run_tx(e, create_body, &c, &rc)) {
        if (c.rc == ACCOUNT_ERROR)
            return fail_error(e, "create", err, errlen);
        return fail_with(c.rc, c.msg, err, errlen);
    }
    if (id)
        *id = c.id;
    return ACCOUNT_OK;
}

account_rc account_register(const account_env *e, const account_new *n, const char *centre_addr,
                            int64_t *id, char *err, size_t errlen)
{
    if (!tx_free(e, __func__, err, errlen))
        return ACCOUNT_ERROR;
    /* Self-registration makes members only; staff are created by staff or
     * the operator (SEC-18). */
    if (n->role != ACCOUNT_ROLE_MEMBER)
        return fail_with(ACCOUNT_INVALID, "会員の種別（個人・団体・企業）を選んでください。", err,
                         errlen);
    return create(e, n, centre_addr, false, false, 0, id, err, errlen);
}

account_rc account_create_verified(const account_env *e, const account_new *n,
                                   bool must_change_password, int64_t actor_id, int64_t *id,
                                   char *err, size_t errlen)
{
    if (!tx_free(e, __func__, err, errlen))
        return ACCOUNT_ERROR;
    return create(e, n, NULL, true, must_change_password, actor_id, id, err, errlen);
}

/* ---- mailed links ---- */

typedef struct link_kind {
    const char *purpose;
    const char *used, *expired; /* messages */
} link_kind;

static const link_kind LINK_VERIFY = {
    "verify",
    "このリンクは使用済みです。メールアドレスの確認は済んでいますので、ログインしてください。",
    "このリンクの有効期限（"
    "24"
    " 時間）が過ぎています。お手数ですが、もう一度登録してください。",
};
static const link_kind LINK_RESET = {
    "reset",
    "このリンクは使用済みです。もう一度パスワードの再設定を申し込んでください。",
    "このリンクの有効期限（"
    "30"
    " 分）が過ぎています。もう一度パスワードの再設定を申し込んでください。",
};
static const link_kind LINK_EMAIL = {
    "email",
    "このリンクは使用済みです。メールアドレスの変更は済んでいます。",
    "このリンクの有効期限（"
    "24"
    " 時間）が過ぎています。もう一度メールアドレスの変更を申し込んでください。",
};
static const char MSG_LINK_UNKNOWN[] =
    "このリンクは無効です。メールに書かれた URL が途中で切れていないか確かめてください。";

/* Why a link does not work (after a failed spend): unknown, used or
 * expired.  Always ACCOUNT_TOKEN_BAD unless the database fails. */
static account_rc link_refused(const account_env *e, const link_kind *k, const char *hash,
                               char *err, size_t errlen)
{
    store_token_row t;
    store_rc rc = hash ? store_token_get(e->db, e->a, hash, k->purpose, &t) : STORE_DONE;
    if (rc != STORE_OK && rc != STORE_DONE)
        return fail_error(e, "token", err, errlen);
    const char *msg = rc == STORE_DONE ? MSG_LINK_UNKNOWN : t.used_at ? k->used : k->expired;
    return fail_with(ACCOUNT_TOKEN_BAD, msg, err, errlen);
}

/* The stored hash of a token from a link; false for anything malformed. */
static bool link_hash(const char *token, char out[TOKEN_HASH_HEX])
{
    return token && token_well_formed(token) && token_hash(token, out);
}

typedef struct link_ctx {
    const account_env *e;
    const link_kind *k;
    char hash[TOKEN_HASH_HEX];
    const char *fresh_hash; /* reset: the new password's hash */
    int64_t id;
    account_rc rc;
    const char *msg;
} link_ctx;

/* Spends the link and reads its account: STORE_OK, or STORE_CONSTRAINT
 * (roll back) with c->rc = ACCOUNT_TOKEN_BAD when it does not work. */
static store_rc link_spend(link_ctx *c, const char *now, store_token_row *t, store_account_row *r)
{
    c->rc = ACCOUNT_ERROR;
    c->msg = MSG_ERROR;
    store_rc rc = store_token_use(c->e->db, c->e->a, c->hash, c->k->purpose, now, t);
    if (rc == STORE_DONE) {
        c->rc = ACCOUNT_TOKEN_BAD;
        return STORE_CONSTRAINT;
    }
    if (rc == STORE_OK)
        rc = store_account_get(c->e->db, c->e->a, t->account_id, r);
    c->id = t->account_id;
    return rc == STORE_DONE ? STORE_ERROR : rc; /* tokens die with their account */
}

static account_rc link_finish(const account_env *e, link_ctx *c, store_rc rc, const char *what,
                              char *err, size_t errlen)
{
    if (rc == STORE_OK)
        return ACCOUNT_OK;
    if (c->rc == ACCOUNT_TOKEN_BAD)
        return link_refused(e, c->k, c->hash, err, errlen);
    if (c->rc == ACCOUNT_ERROR)
        return fail_error(e, what, err, errlen);
    return fail_with(c->rc, c->msg, err, errlen);
}

static store_rc verify_body(store *db, void *ctx)
{
    link_ctx *c = ctx;
    char now[STORE_TIMESTAMP_LEN];
    stamp(c->e, 0, now);
    store_token_row t;
    store_account_row r;
    store_rc rc = link_spend(c, now, &t, &r);
    if (rc == STORE_OK)
        rc = store_account_activate(db, r.id, now);
    if (rc == STORE_DONE) /* not provisional (suspended meanwhile): nothing to activate */
        rc = STORE_OK;
    if (rc == STORE_OK)
        rc = log_event(c->e, now, SECURITY_VERIFIED, r.id, 0, r.login, NULL);
    if (rc == STORE_OK)
        c->rc = ACCOUNT_OK;
    return rc;
}

account_rc account_verify(const account_env *e, const char *token, int64_t *id, char *err,
                          size_t errlen)
{
    if (id)
        *id = 0;
    if (!tx_free(e, __func__, err, errlen))
        return ACCOUNT_ERROR;
    link_ctx c = {.e = e, .k = &LINK_VERIFY};
    if (!link_hash(token, c.hash))
        return link_refused(e, c.k, NULL, err, errlen);
    store_rc rc;
    run_tx(e, verify_body, &c, &rc);
    account_rc arc = link_finish(e, &c, rc, "verify", err, errlen);
    if (arc == ACCOUNT_OK && id)
        *id = c.id;
    return arc;
}

/* ---- reading ---- */

account_rc account_get(const account_env *e, int64_t id, account_view *out)
{
    memset(out, 0, sizeof *out);
    store_account_row *r = arena_alloc(e->a, sizeof *r);
    if (!r)
        return ACCOUNT_ERROR;
    store_rc rc = store_account_get(e->db, e->a, id, r);
    if (rc == STORE_DONE)
        return ACCOUNT_NOT_FOUND;
    if (rc != STORE_OK) {
        log_error("account: get: %s", store_errmsg(e->db));
        return ACCOUNT_ERROR;
    }
    char now[STORE_TIMESTAMP_LEN];
    stamp(e, 0, now);
    account_view_from_row(r, now, out);
    return ACCOUNT_OK;
}

account_rc account_list(const account_env *e, const account_list_query *q, account_list_page *out)
{
    memset(out, 0, sizeof *out);
    int limit = q->limit >= 1 && q->limit <= ACCOUNT_LIST_MAX ? q->limit : ACCOUNT_LIST_MAX;
    char prefix[ACCOUNT_LOGIN_MAX + 1] = "";
    if (q->login_prefix && !lower_copy(q->login_prefix, prefix, sizeof prefix))
        return ACCOUNT_OK; /* longer than any ID: nothing matches */
    store_account_row *rows;
    int n;
    store_rc rc = store_account_list(e->db, e->a, q->role, q->status, prefix, q->before_id,
                                     limit + 1, &rows, &n);
    if (rc != STORE_OK) {
        log_error("account: list: %s", store_errmsg(e->db));
        return ACCOUNT_ERROR;
    }
    if (n > limit) {
        n = limit;
        out->next_before = rows[n - 1].id;
    }
    out->rows = n ? arena_calloc(e->a, (size_t)n, sizeof *out->rows) : NULL;
    if (n && !out->rows)
        return ACCOUNT_ERROR;
    char now[STORE_TIMESTAMP_LEN];
    stamp(e, 0, now);
    for (int i = 0; i < n; i++)
        account_view_from_row(&rows[i], now, &out->rows[i]);
    out->n = n;
    return ACCOUNT_OK;
}

/* ---- confirming with the password ---- */

typedef struct failure_ctx {
    const account_env *e;
    const store_account_row *r;
    const char *detail;
} failure_ctx;

static store_rc failure_body(store *db, void *ctx)
{
    (void)db;
    failure_ctx *c = ctx;
    char now[STORE_TIMESTAMP_LEN];
    stamp(c->e, 0, now);
    store_rc rc = account_count_failure(c->e, c->r, now, NULL);
    if (rc == STORE_OK)
        rc = log_event(c->e, now, SECURITY_LOGIN_FAILED, c->r->id, 0, c->r->login, c->detail);
    return rc;
}

/* Checks the password a form asks for to confirm an operation (3.3.4,
 * 3.3.7).  Hashing runs here, outside any transaction; a wrong password is
 * then counted in a short one.  ACCOUNT_OK, ACCOUNT_WRONG_PASSWORD or
 * ACCOUNT_ERROR, with err set. */
static account_rc confirm_password(const account_env *e, const store_account_row *r, const char *pw,
                                   size_t len, const char *what, char *err, size_t errlen)
{
    password_result pr = password_verify(r->password_hash, pw ? pw : "", pw ? len : 0);
    if (pr == PASSWORD_MATCH)
        return ACCOUNT_OK;
    if (pr == PASSWORD_ERROR)
        return fail_error(e, "password verify", err, errlen);
    if (pr == PASSWORD_BAD_HASH)
        log_error("account: stored password hash of account %lld is unreadable", (long long)r->id);
    char detail[128];
    snprintf(detail, sizeof detail, "パスワード誤り（%s）", what);
    failure_ctx c = {.e = e, .r = r, .detail = detail};
    store_rc rc;
    if (!run_tx(e, failure_body, &c, &rc))
        return fail_error(e, "count failure", err, errlen);
    return fail_with(ACCOUNT_WRONG_PASSWORD, MSG_WRONG_PASSWORD, err, errlen);
}

/* The full session of cookie and its account row, for the operations a
 * logged-in user confirms with a password. */
static account_rc own_account(const account_env *e, const char *cookie, session_info *s,
                              store_account_row *r, char *err, size_t errlen)
{
    account_rc arc = session_lookup(e, cookie, s);
    if (arc == ACCOUNT_ERROR)
        return fail_error(e, "session", err, errlen);
    if (arc != ACCOUNT_OK || !session_actor(s))
        return fail_with(ACCOUNT_NOT_FOUND, MSG_NOT_LOGGED_IN, err, errlen);
    store_rc rc = store_account_get(e->db, e->a, s->account.id, r);
    if (rc == STORE_DONE)
        return fail_with(ACCOUNT_NOT_FOUND, MSG_NOT_LOGGED_IN, err, errlen);
    return rc == STORE_OK ? ACCOUNT_OK : fail_error(e, "account", err, errlen);
}

/* ---- password change (spec 3.3.4) ---- */

typedef struct change_ctx {
    const account_env *e;
    int64_t id;
    const char *old_hash, *fresh_hash, *token;
    account_rc rc;
    const char *msg;
} change_ctx;

static store_rc change_body(store *db, void *ctx)
{
    change_ctx *c = ctx;
    c->rc = ACCOUNT_ERROR;
    c->msg = MSG_ERROR;
    char now[STORE_TIMESTAMP_LEN];
    stamp(c->e, 0, now);
    store_account_row r;
    store_rc rc = store_account_get(db, c->e->a, c->id, &r);
    if (rc == STORE_OK && strcmp(r.password_hash, c->old_hash) != 0) {
        /* Changed by another request while we hashed: do not overwrite it
         * on the strength of a password that is no longer the current one. */
        c->rc = ACCOUNT_WRONG_PASSWORD;
        c->msg = "パスワードが別の操作で変更されました。もう一度お試しください。";
        return STORE_CONSTRAINT;
    }
    if (rc == STORE_OK)
        rc = store_account_set_password(db, c->id, c->fresh_hash, now);
    /* Every session ends, this one included; it is replaced by a new ID
     * (3.1.9 and session fixation: a changed password invalidates whatever
     * session someone else may hold). */
    if (rc == STORE_OK)
        rc = store_session_delete_account(db, c->id, NULL, NULL);
    if (rc == STORE_OK)
        rc = session_insert(db, now, c->id, SESSION_FULL, c->token);
    if (rc == STORE_OK)
        rc = store_token_void(db, c->id, "reset", now);
    if (rc == STORE_OK)
        rc = log_event(c->e, now, SECURITY_PASSWORD_CHANGED, c->id, 0, r.login, NULL);
    if (rc == STORE_OK)
        c->rc = ACCOUNT_OK;
    return rc;
}

account_rc account_change_password(const account_env *e, const char *cookie, const char *current,
                                   size_t current_len, const char *fresh, size_t fresh_len,
                                   char new_cookie[TOKEN_CHARS + 1], char *err, size_t errlen)
{
    new_cookie[0] = '\0';
    if (!tx_free(e, __func__, err, errlen))
        return ACCOUNT_ERROR;
    session_info s;
    store_account_row r;
    account_rc arc = own_account(e, cookie, &s, &r, err, errlen);
    if (arc != ACCOUNT_OK)
        return arc;
    if (!password_valid(fresh, fresh_len, r.login, err, errlen))
        return ACCOUNT_INVALID;
    if (current && current_len == fresh_len && memcmp(current, fresh, fresh_len) == 0)
        return fail_with(ACCOUNT_INVALID,
                         "今と同じパスワードは使えません。新しいパスワードを入力してください。",
                         err, errlen);
    arc = confirm_password(e, &r, current, current_len, "パスワード変更", err, errlen);
    if (arc != ACCOUNT_OK)
        return arc;
    char hash[PASSWORD_HASH_MAX], token[TOKEN_CHARS + 1];
    if (!password_hash(fresh, fresh_len, e->p->pw, hash) || !token_new(token))
        return fail_error(e, "password hash or token", err, errlen);
    change_ctx c = {
        .e = e, .id = r.id, .old_hash = r.password_hash, .fresh_hash = hash, .token = token};
    store_rc rc;
    if (!run_tx(e, change_body, &c, &rc))
        return c.rc == ACCOUNT_ERROR ? fail_error(e, "change password", err, errlen)
                                     : fail_with(c.rc, c.msg, err, errlen);
    memcpy(new_cookie, token, TOKEN_CHARS + 1);
    return ACCOUNT_OK;
}

/* ---- password reset (spec 3.3.5(1)(3)) ---- */

typedef struct reset_req_ctx {
    const account_env *e;
    const store_account_row *r; /* NULL: the address is not registered */
    const char *token;
} reset_req_ctx;

static store_rc reset_req_body(store *db, void *ctx)
{
    reset_req_ctx *c = ctx;
    const account_env *e = c->e;
    char now[STORE_TIMESTAMP_LEN], since[STORE_TIMESTAMP_LEN], expires[STORE_TIMESTAMP_LEN];
    stamp(e, 0, now);
    if (!c->r)
        return log_event(e, now, SECURITY_RESET_REQUESTED, 0, 0, NULL, "未登録のメールアドレス");
    stamp(e, -3600, since);
    int64_t recent = store_token_count_since(db, c->r->id, "reset", since);
    if (recent < 0)
        return STORE_ERROR;
    if (recent >= ACCOUNT_RESET_PER_HOUR)
        return log_event(e, now, SECURITY_RESET_REQUESTED, c->r->id, 0, c->r->login,
                         "1 時間の上限に達したためメールを送らず");
    char th[TOKEN_HASH_HEX];
    if (!token_hash(c->token, th))
        return STORE_NOMEM;
    stamp(e, (int64_t)ACCOUNT_RESET_MIN * 60, expires);
    /* Only the newest link works. */
    store_rc rc = store_token_void(db, c->r->id, "reset", now);
    if (rc == STORE_OK)
        rc = store_token_insert(db, th, c->r->id, "reset", NULL, now, expires);
    if (rc == STORE_OK)
        rc = send_mail(e, "password_reset", c->r->email, c->r->name,
                       mail_values(e, link_url(e, "/password/reset?t=", c->token), c->r->login));
    if (rc == STORE_OK)
        rc = log_event(e, now, SECURITY_RESET_REQUESTED, c->r->id, 0, c->r->login, NULL);
    return rc;
}

account_rc account_reset_request(const account_env *e, const char *email, char *err, size_t errlen)
{
    if (!tx_free(e, __func__, err, errlen))
        return ACCOUNT_ERROR;
    char key[MAIL_ADDR_MAX + 1];
    if (!email_key(email, key))
        return fail_with(ACCOUNT_INVALID, MSG_EMAIL_BAD, err, errlen);
    store_account_row r;
    store_rc rc = store_account_get_by_email(e->db, e->a, key, &r);
    if (rc != STORE_OK && rc != STORE_DONE)
        return fail_error(e, "reset lookup", err, errlen);
    char token[TOKEN_CHARS + 1];
    if (!token_new(token))
        return fail_error(e, "token", err, errlen);
    reset_req_ctx c = {.e = e, .r = rc == STORE_OK ? &r : NULL, .token = token};
    if (!run_tx(e, reset_req_body, &c, &rc))
        return fail_error(e, "reset request", err, errlen);
    return ACCOUNT_OK;
}

/* The unspent, unexpired reset link's token row, or ACCOUNT_TOKEN_BAD. */
static account_rc reset_link(const account_env *e, const char *token, char hash[TOKEN_HASH_HEX],
                             store_token_row *t, char *err, size_t errlen)
{
    if (!link_hash(token, hash))
        return link_refused(e, &LINK_RESET, NULL, err, errlen);
    store_rc rc = store_token_get(e->db, e->a, hash, "reset", t);
    if (rc != STORE_OK && rc != STORE_DONE)
        return fail_error(e, "token", err, errlen);
    char now[STORE_TIMESTAMP_LEN];
    stamp(e, 0, now);
    if (rc == STORE_DONE || t->used_at || strcmp(t->expires_at, now) <= 0)
        return link_refused(e, &LINK_RESET, hash, err, errlen);
    return ACCOUNT_OK;
}

account_rc account_reset_check(const account_env *e, const char *token, char *err, size_t errlen)
{
    char hash[TOKEN_HASH_HEX];
    store_token_row t;
    return reset_link(e, token, hash, &t, err, errlen);
}

static store_rc reset_body(store *db, void *ctx)
{
    link_ctx *c = ctx;
    char now[STORE_TIMESTAMP_LEN];
    stamp(c->e, 0, now);
    store_token_row t;
    store_account_row r;
    store_rc rc = link_spend(c, now, &t, &r);
    if (rc == STORE_OK)
        rc = store_account_set_password(db, r.id, c->fresh_hash, now);
    if (rc == STORE_OK)
        rc = store_account_unlock(db, r.id, now);
    if (rc == STORE_OK && strcmp(r.status, "provisional") == 0) {
        /* The link reached the registered address: that is the proof
         * 3.3.1 asks for. */
        rc = store_account_activate(db, r.id, now);
        if (rc == STORE_OK)
            rc = log_event(c->e, now, SECURITY_VERIFIED, r.id, 0, r.login,
                           "パスワード再設定のリンクで確認");
    }
    if (rc == STORE_OK)
        rc = store_token_void(db, r.id, "reset", now);
    if (rc == STORE_OK)
        rc = store_session_delete_account(db, r.id, NULL, NULL);
    if (rc == STORE_OK)
        rc = log_event(c->e, now, SECURITY_RESET_DONE, r.id, 0, r.login, NULL);
    if (rc == STORE_OK)
        c->rc = ACCOUNT_OK;
    return rc;
}

account_rc account_reset_complete(const account_env *e, const char *token, const char *fresh,
                                  size_t fresh_len, char *err, size_t errlen)
{
    if (!tx_free(e, __func__, err, errlen))
        return ACCOUNT_ERROR;
    link_ctx c = {.e = e, .k = &LINK_RESET};
    store_token_row t;
    account_rc arc = reset_link(e, token, c.hash, &t, err, errlen);
    if (arc != ACCOUNT_OK)
        return arc;
    store_account_row r;
    store_rc rc = store_account_get(e->db, e->a, t.account_id, &r);
    if (rc == STORE_DONE)
        return link_refused(e, &LINK_RESET, NULL, err, errlen);
    if (rc != STORE_OK)
        return fail_error(e, "reset account", err, errlen);
    if (!password_valid(fresh, fresh_len, r.login, err, errlen))
        return ACCOUNT_INVALID;
    char hash[PASSWORD_HASH_MAX];
    if (!password_hash(fresh, fresh_len, e->p->pw, hash))
        return fail_error(e, "password hash", err, errlen);
    c.fresh_hash = hash;
    run_tx(e, reset_body, &c, &rc);
    return link_finish(e, &c, rc, "reset", err, errlen);
}

/* ---- mail-address change (spec 3.3.3) ---- */

typedef struct email_req_ctx {
    const account_env *e;
    const store_account_row *r;
    const char *email, *token;
} email_req_ctx;

static store_rc email_req_body(store *db, void *ctx)
{
    email_req_ctx *c = ctx;
    const account_env *e = c->e;
    char now[STORE_TIMESTAMP_LEN], expires[STORE_TIMESTAMP_LEN], th[TOKEN_HASH_HEX];
    stamp(e, 0, now);
    stamp(e, (int64_t)ACCOUNT_EMAIL_CHANGE_HOURS * 3600, expires);
    if (!token_hash(c->token, th))
        return STORE_NOMEM;
    store_rc rc = store_token_void(db, c->r->id, "email", now);
    if (rc == STORE_OK)
        rc = store_token_insert(db, th, c->r->id, "email", c->email, now, expires);
    /* To the NEW address: opening the link proves it is the user's. */
    if (rc == STORE_OK)
        rc = send_mail(
            e, "account_email_change", c->email, c->r->name,
            mail_values(e, link_url(e, "/account/email/verify?t=", c->token), c->r->login));
    if (rc == STORE_OK)
        rc = log_event(e, now, SECURITY_EMAIL_CHANGE_REQUESTED, c->r->id, 0, c->r->login, NULL);
    return rc;
}

account_rc account_email_change_request(const account_env *e, const account_view *actor,
                                        const char *password, size_t password_len,
                                        const char *new_email, char *err, size_t errlen)
{
    if (!tx_free(e, __func__, err, errlen))
        return ACCOUNT_ERROR;
    if (!usable(actor))
        return fail_with(ACCOUNT_NOT_FOUND, MSG_NOT_LOGGED_IN, err, errlen);
    char key[MAIL_ADDR_MAX + 1];
    if (!email_key(new_email, key))
        return fail_with(ACCOUNT_INVALID, MSG_EMAIL_BAD, err, errlen);
    store_account_row r, other;
    store_rc rc = store_account_get(e->db, e->a, actor->id, &r);
    if (rc == STORE_DONE)
        return fail_with(ACCOUNT_NOT_FOUND, MSG_NOT_LOGGED_IN, err, errlen);
    if (rc == STORE_OK)
        rc = store_account_get_by_email(e->db, e->a, key, &other);
    if (rc != STORE_OK && rc != STORE_DONE)
        return fail_error(e, "email change lookup", err, errlen);
    if (rc == STORE_OK)
        return other.id == r.id
                   ? fail_with(ACCOUNT_INVALID, "今と同じメールアドレスです。", err, errlen)
                   : fail_with(ACCOUNT_TAKEN, MSG_EMAIL_TAKEN, err, errlen);
    account_rc arc =
        confirm_password(e, &r, password, password_len, "メールアドレス変更", err, errlen);
    if (arc != ACCOUNT_OK)
        return arc;
    char token[TOKEN_CHARS + 1];
    if (!token_new(token))
        return fail_error(e, "token", err, errlen);
    email_req_ctx c = {.e = e, .r = &r, .email = new_email, .token = token};
    if (!run_tx(e, email_req_body, &c, &rc))
        return fail_error(e, "email change request", err, errlen);
    return ACCOUNT_OK;
}

static store_rc email_body(store *db, void *ctx)
{
    link_ctx *c = ctx;
    char now[STORE_TIMESTAMP_LEN], key[MAIL_ADDR_MAX + 1];
    stamp(c->e, 0, now);
    store_token_row t;
    store_account_row r;
    store_rc rc = link_spend(c, now, &t, &r);
    if (rc == STORE_OK && !email_key(t.new_email, key))
        rc = STORE_ERROR;
    if (rc == STORE_OK) {
        rc = store_account_set_email(db, r.id, t.new_email, key, now);
        if (rc == STORE_CONSTRAINT) {
            c->rc = ACCOUNT_TAKEN;
            c->msg = MSG_EMAIL_TAKEN;
        }
    }
    /* Reset links went to the old address: they stop working. */
    if (rc == STORE_OK)
        rc = store_token_void(db, r.id, "reset", now);
    if (rc == STORE_OK)
        rc = log_event(c->e, now, SECURITY_EMAIL_CHANGED, r.id, 0, r.login, NULL);
    if (rc == STORE_OK)
        c->rc = ACCOUNT_OK;
    return rc;
}

account_rc account_email_change_confirm(const account_env *e, const char *token, char *err,
                                        size_t errlen)
{
    if (!tx_free(e, __func__, err, errlen))
        return ACCOUNT_ERROR;
    link_ctx c = {.e = e, .k = &LINK_EMAIL};
    if (!link_hash(token, c.hash))
        return link_refused(e, c.k, NULL, err, errlen);
    store_rc rc;
    run_tx(e, email_body, &c, &rc);
    return link_finish(e, &c, rc, "email change", err, errlen);
}

/* ---- deletion and staff actions (spec 3.3.6, 3.3.7) ---- */

typedef enum { ACT_SUSPEND, ACT_RESUME, ACT_DELETE, ACT_UNLOCK, ACT_TOTP_RESET, ACT_ROLE } act_kind;

typedef struct act_ctx {
    const account_env *e;
    act_kind kind;
    int64_t id, actor_id;
    account_role role;
    account_member_type member_type;
    const char *reason;
    account_rc rc;
    const char *msg;
} act_ctx;

static store_rc act_body(store *db, void *ctx)
{
    act_ctx *c = ctx;
    const account_env *e = c->e;
    c->rc = ACCOUNT_ERROR;
    c->msg = MSG_ERROR;
    char now[STORE_TIMESTAMP_LEN];
    stamp(e, 0, now);
    store_account_row r;
    store_rc rc = store_account_get(db, e->a, c->id, &r);
    if (rc == STORE_DONE) {
        c->rc = ACCOUNT_NOT_FOUND;
        c->msg = MSG_NOT_FOUND;
        return STORE_CONSTRAINT;
    }
    if (rc != STORE_OK)
        return rc;
    if (c->actor_id == r.id && strcmp(r.role, "admin") == 0 && c->kind == ACT_DELETE) {
        /* Self-deletion of an administrator: someone must remain. */
        int64_t admins = store_account_count_role(db, "admin");
        if (admins < 0)
            return STORE_ERROR;
        if (admins <= 1 && strcmp(r.status, "active") == 0) {
            c->rc = ACCOUNT_FORBIDDEN;
            c->msg = "有効なシステム管理者がいなくなるため、このアカウントは削除できません。";
            return STORE_CONSTRAINT;
        }
    }
    security_event ev = SECURITY_SUSPENDED;
    char detail[SECURITY_LOG_DETAIL_MAX];
    detail[0] = '\0';
    bool end_sessions = false;
    switch (c->kind) {
    case ACT_SUSPEND:
        /* Only an active account: resuming a suspended provisional one
         * would activate an address nobody confirmed (3.3.1). */
        if (strcmp(r.status, "active") != 0) {
            c->rc = ACCOUNT_INVALID;
            c->msg = "利用中のアカウントだけを一時利用停止にできます。";
            return STORE_CONSTRAINT;
        }
        rc = store_account_set_status(db, r.id, "suspended", now);
        end_sessions = true; /* SEC-27: at once, not at the next timeout */
        break;
    case ACT_RESUME:
        ev = SECURITY_RESUMED;
        if (strcmp(r.status, "suspended") != 0) {
            c->rc = ACCOUNT_INVALID;
            c->msg = "このアカウントは一時利用停止中ではありません。";
            return STORE_CONSTRAINT;
        }
        rc = store_account_set_status(db, r.id, "active", now);
        break;
    case ACT_DELETE:
        ev = SECURITY_DELETED;
        rc = store_account_delete(db, r.id); /* sessions and links cascade */
        break;
    case ACT_UNLOCK:
        ev = SECURITY_UNLOCK;
        rc = store_account_unlock(db, r.id, now);
        break;
    case ACT_TOTP_RESET:
        ev = SECURITY_TOTP_RESET;
        rc = store_account_set_totp(db, r.id, NULL, 0, now);
        end_sessions = true;
        break;
    case ACT_ROLE:
        ev = SECURITY_ROLE_CHANGED;
        rc = store_account_set_role(db, r.id, account_role_name(c->role),
                                    account_member_type_name(c->member_type), now);
        snprintf(detail, sizeof detail, "%s → %s: %s", r.role, account_role_name(c->role),
                 c->reason);
        utf8_trim_partial(detail);
        end_sessions = true; /* the new role, and a staff role's TOTP, from the next login */
        break;
    }
    if (rc == STORE_OK && end_sessions)
        rc = store_session_delete_account(db, r.id, NULL, NULL);
    if (rc == STORE_OK)
        rc = log_event(e, now, ev, r.id, c->actor_id == r.id ? 0 : c->actor_id, r.login,
                       detail[0] ? detail : NULL);
    if (rc == STORE_OK)
        c->rc = ACCOUNT_OK;
    return rc;
}

static account_rc act(const account_env *e, const account_view *actor, int64_t id, act_kind kind,
                      account_role role, account_member_type mt, const char *reason, char *err,
                      size_t errlen)
{
    if (!tx_free(e, __func__, err, errlen))
        return ACCOUNT_ERROR;
    if (!account_is_staff(actor))
        return fail_with(ACCOUNT_FORBIDDEN, MSG_FORBIDDEN, err, errlen);
    if (actor->id == id)
        return fail_with(ACCOUNT_FORBIDDEN, "自分のアカウントにはこの操作を行えません。", err,
                         errlen);
    account_view target;
    account_rc arc = account_get(e, id, &target);
    if (arc == ACCOUNT_NOT_FOUND)
        return fail_with(arc, MSG_NOT_FOUND, err, errlen);
    if (arc != ACCOUNT_OK)
        return fail_error(e, "staff action", err, errlen);
    /* Editors act on members only; roles are the administrators' (SEC-20).
     * Since the actor is an active administrator other than the target, no
     * action here can leave the system without one. */
    if (!account_may_manage(actor, target.role) || (kind == ACT_ROLE && !account_is_admin(actor)))
        return fail_with(ACCOUNT_FORBIDDEN, MSG_FORBIDDEN, err, errlen);
    act_ctx c = {.e = e,
                 .kind = kind,
                 .id = id,
                 .actor_id = actor->id,
                 .role = role,
                 .member_type = mt,
                 .reason = reason};
    store_rc rc;
    if (!run_tx(e, act_body, &c, &rc))
        return c.rc == ACCOUNT_ERROR ? fail_error(e, "staff action", err, errlen)
                                     : fail_with(c.rc, c.msg, err, errlen);
    return ACCOUNT_OK;
}

account_rc account_suspend(const account_env *e, const account_view *actor, int64_t id, char *err,
                           size_t errlen)
{
    return act(e, actor, id, ACT_SUSPEND, 0, 0, NULL, err, errlen);
}

account_rc account_resume(const account_env *e, const account_view *actor, int64_t id, char *err,
                          size_t errlen)
{
    return act(e, actor, id, ACT_RESUME, 0, 0, NULL, err, errlen);
}

account_rc account_delete(const account_env *e, const account_view *actor, int64_t id, char *err,
                          size_t errlen)
{
    return act(e, actor, id, ACT_DELETE, 0, 0, NULL, err, errlen);
}

account_rc account_unlock(const account_env *e, const account_view *actor, int64_t id, char *err,
                          size_t errlen)
{
    return act(e, actor, id, ACT_UNLOCK, 0, 0, NULL, err, errlen);
}

account_rc account_totp_reset(const account_env *e, const account_view *actor, int64_t id,
                              char *err, size_t errlen)
{
    return act(e, actor, id, ACT_TOTP_RESET, 0, 0, NULL, err, errlen);
}

account_rc account_set_role(const account_env *e, const account_view *actor, int64_t id,
                            account_role role, account_member_type member_type, const char *reason,
                            char *err, size_t errlen)
{
    if ((unsigned)role > ACCOUNT_ROLE_ADMIN)
        return fail_with(ACCOUNT_INVALID, "権限を選んでください。", err, errlen);
    if (role != ACCOUNT_ROLE_MEMBER)
        member_type = ACCOUNT_TYPE_NONE;
    else if (member_type < ACCOUNT_TYPE_INDIVIDUAL || member_type > ACCOUNT_TYPE_COMPANY)
        return fail_with(ACCOUNT_INVALID, "会員の種別（個人・団体・企業）を選んでください。", err,
                         errlen);
    size_t n = reason ? strnlen(reason, SECURITY_LOG_DETAIL_MAX) : 0;
    bool ok = n > 0 && n < SECURITY_LOG_DETAIL_MAX && utf8_valid(reason, n) &&
              utf8_count(reason, n) <= 100;
    for (size_t i = 0; ok && i < n; i++)
        ok = (unsigned char)reason[i] >= 0x20 && reason[i] != 0x7F;
    if (!ok)
        return fail_with(ACCOUNT_INVALID, "変更の理由を 100 文字以内で入力してください。", err,
                         errlen);
    return act(e, actor, id, ACT_ROLE, role, member_type, reason, err, errlen);
}

account_rc account_delete_self(const account_env *e, const char *cookie, const char *password,
                               size_t password_len, char *err, size_t errlen)
{
    if (!tx_free(e, __func__, err, errlen))
        return ACCOUNT_ERROR;
    session_info s;
    store_account_row r;
    account_rc arc = own_account(e, cookie, &s, &r, err, errlen);
    if (arc == ACCOUNT_OK)
        arc = confirm_password(e, &r, password, password_len, "退会", err, errlen);
    if (arc != ACCOUNT_OK)
        return arc;
    act_ctx c = {.e = e, .kind = ACT_DELETE, .id = r.id, .actor_id = r.id};
    store_rc rc;
    if (!run_tx(e, act_body, &c, &rc))
        return c.rc == ACCOUNT_ERROR ? fail_error(e, "delete self", err, errlen)
                                     : fail_with(c.rc, c.msg, err, errlen);
    return ACCOUNT_OK;
}

/* ---- housekeeping ---- */

typedef struct house_ctx {
    const account_env *e;
    account_housekeeping_counts n;
} house_ctx;

static store_rc house_body(store *db, void *ctx)
{
    house_ctx *c = ctx;
    const account_params *p = c->e->p;
    int64_t t = account_now(p);
    char idle[STORE_TIMESTAMP_LEN], born[STORE_TIMESTAMP_LEN], window[STORE_TIMESTAMP_LEN],
        day[STORE_TIMESTAMP_LEN], provisional[STORE_TIMESTAMP_LEN];
    store_timestamp_at(t - (int64_t)p->session_idle_min * 60, idle);
    store_timestamp_at(t - (int64_t)p->session_abs_hours * 3600, born);
    store_timestamp_at(t - (int64_t)p->addr_window_min * 60, window);
    /* Spent and expired links are kept a day, so that a second click still
     * gets "used" or "expired" rather than "unknown". */
    store_timestamp_at(t - 86400, day);
    store_timestamp_at(t - (int64_t)ACCOUNT_PROVISIONAL_KEEP_DAYS * 86400, provisional);
    memset(&c->n, 0, sizeof c->n);
    store_rc rc = store_session_purge(db, idle, born, &c->n.sessions);
    if (rc == STORE_OK)
        rc = store_token_purge(db, day, &c->n.tokens);
    if (rc == STORE_OK)
        rc = store_login_failure_purge(db, window, &c->n.login_failures);
    if (rc == STORE_OK)
        rc = store_account_purge_provisional(db, provisional, &c->n.provisional);
    if (rc == STORE_OK)
        rc = security_log_purge(db, t, p->security_log_keep_days, &c->n.security_log);
    return rc;
}

account_rc account_housekeeping(const account_env *e, account_housekeeping_counts *counts)
{
    char err[8];
    if (counts)
        memset(counts, 0, sizeof *counts);
    if (!tx_free(e, __func__, err, sizeof err))
        return ACCOUNT_ERROR;
    house_ctx c = {.e = e};
    store_rc rc;
    if (!run_tx(e, house_body, &c, &rc)) {
        log_error("account: housekeeping: %s", store_errmsg(e->db));
        return ACCOUNT_ERROR;
    }
    if (counts)
        *counts = c.n;
    return ACCOUNT_OK;
}
