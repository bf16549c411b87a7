/* session.c - login, sessions and the TOTP second factor.  See session.h. */
#include "domain/session.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/secret.h"
#include "domain/security_log.h"

/* spec 3.1.5: one message for every failed login, whatever the reason. */
static const char MSG_FAILED[] = "ログイン ID またはパスワードが正しくありません。"
                                 "続けて間違えると、しばらくの間ログインできなくなります。";
static const char MSG_RATE[] = "ログインの失敗が続いたため、しばらくの間ログインを受け付けません。"
                               "10 分ほどたってからお試しください。";
static const char MSG_ERROR[] =
    "ただいまログインできません。しばらくしてからもう一度お試しください。";
static const char MSG_CODE[] = "確認コードが正しくありません。"
                               "認証アプリに表示されている 6 桁の数字を入力してください。";
static const char MSG_AGAIN[] = "ログインの手続きが時間切れになったか、無効になりました。"
                                "もう一度ログインしてください。";
static const char MSG_CODE_LOCKED[] =
    "確認コードの誤りが続いたため、しばらくの間ログインできません。"
    "時間をおいてからもう一度ログインしてください。";
static const char MSG_ENROL_AGAIN[] =
    "登録の手続きが無効になりました。最初からやり直してください。";

static const char *const stage_names[] = {"full", "totp", "enrol"};

/* Text for the security log's detail; never shown to the person logging in. */
static const char *why_text(session_why why)
{
    switch (why) {
    case SESSION_WHY_UNKNOWN_ID: return "未登録の ID";
    case SESSION_WHY_WRONG_PASSWORD: return "パスワード誤り";
    case SESSION_WHY_PROVISIONAL: return "メールアドレス未確認";
    case SESSION_WHY_SUSPENDED: return "一時利用停止中";
    case SESSION_WHY_LOCKED: return "ロック中";
    case SESSION_WHY_BAD_HASH: return "保存されたハッシュが読めない";
    case SESSION_WHY_CHANGED: return "確認中にアカウントが変更された";
    case SESSION_WHY_WRONG_CODE: return "確認コード誤り";
    case SESSION_WHY_REPLAYED_CODE: return "使用済みの確認コード";
    case SESSION_WHY_NO_SESSION: return "有効な途中のセッションがない";
    case SESSION_WHY_NONE: break;
    }
    return "";
}

static void ts(const account_env *e, int64_t offset_s, char out[STORE_TIMESTAMP_LEN])
{
    store_timestamp_at(account_now(e->p) + offset_s, out);
}

static store_rc log_event(const account_env *e, const char *now, security_event ev,
                          int64_t account_id, const char *login, const char *detail)
{
    security_log_new n = {
        .event = ev, .account_id = account_id, .login = login, .addr = e->addr, .detail = detail};
    return security_log_add(e->db, now, &n);
}

static void result_init(session_login_result *out)
{
    memset(out, 0, sizeof *out);
    out->message = "";
}

static void result_error(session_login_result *out, const account_env *e, const char *what)
{
    log_error("session: %s: %s", what, store_errmsg(e->db));
    out->status = SESSION_LOGIN_ERROR;
    out->message = MSG_ERROR;
    out->token[0] = '\0';
}

static bool tx_free(const account_env *e, const char *fn)
{
    if (!store_in_tx(e->db))
        return true;
    /* Hashing inside a transaction would hold the write lock for the
     * length of argon2: a caller bug. */
    log_error("session: %s called inside a transaction", fn);
    return false;
}

store_rc session_insert(store *db, const char *now, int64_t account_id, session_stage stage,
                        const char token[TOKEN_CHARS + 1])
{
    char h[TOKEN_HASH_HEX];
    if ((unsigned)stage >= sizeof stage_names / sizeof *stage_names || !token_hash(token, h))
        return STORE_ERROR;
    return store_session_insert(db, h, account_id, stage_names[stage], now);
}

static bool is_staff_row(const store_account_row *r)
{
    return strcmp(r->role, "editor") == 0 || strcmp(r->role, "admin") == 0;
}

/* ---- login ---- */

typedef struct login_ctx {
    const account_env *e;
    const char *login;          /* as typed, for the log (masked there) */
    const store_account_row *r; /* NULL: unknown ID */
    session_why why;            /* SESSION_WHY_NONE: the password matched a usable account */
    bool password_ok;
    bool rate_limited;
    const char *rehash; /* a stronger hash of the same password, or NULL */
    session_stage stage;
    const char *token;
    bool granted, locked_now; /* results */
    session_why final_why;
} login_ctx;

static store_rc login_failed(login_ctx *c, const char *now)
{
    const account_env *e = c->e;
    store_rc rc = STORE_OK;
    if (e->addr && e->addr[0])
        rc = store_login_failure_add(e->db, e->addr, now);
    /* spec 3.1.6: wrong passwords count; attempts on a locked account do
     * not extend the lock (else anyone could keep it locked for good by
     * trying once every lockout_min minutes less a second). */
    if (rc == STORE_OK && c->r && !c->password_ok && c->final_why != SESSION_WHY_LOCKED &&
        c->final_why != SESSION_WHY_CHANGED)
        rc = account_count_failure(e, c->r, now, &c->locked_now);
    if (rc == STORE_OK) {
        char detail[160];
        snprintf(detail, sizeof detail, "%s%s", why_text(c->final_why),
                 c->r && !c->password_ok && c->final_why != SESSION_WHY_WRONG_PASSWORD &&
                         c->final_why != SESSION_WHY_BAD_HASH
                     ? "（パスワードも誤り）"
                     : "");
        rc = log_event(e, now, SECURITY_LOGIN_FAILED, c->r ? c->r->id : 0, c->login, detail);
    }
    return rc;
}

static store_rc login_body(store *db, void *ctx)
{
    login_ctx *c = ctx;
    const account_env *e = c->e;
    c->granted = c->locked_now = false;
    c->final_why = c->why;
    char now[STORE_TIMESTAMP_LEN];
    ts(e, 0, now);
    if (c->rate_limited)
        return log_event(e, now, SECURITY_LOGIN_FAILED, 0, c->login,
                         "送信元アドレスからの失敗が上限に達した");
    if (c->why != SESSION_WHY_NONE)
        return login_failed(c, now);
    /* The account was read before hashing, outside this transaction: make
     * sure it is still the one whose password was checked. */
    store_account_row r;
    store_rc rc = store_account_get(db, e->a, c->r->id, &r);
    if (rc == STORE_DONE ||
        (rc == STORE_OK &&
         (strcmp(r.password_hash, c->r->password_hash) != 0 || strcmp(r.status, "active") != 0 ||
          (r.locked_until && strcmp(r.locked_until, now) > 0)))) {
        c->final_why = SESSION_WHY_CHANGED;
        return login_failed(c, now);
    }
    if (rc == STORE_OK && c->rehash) /* spec 3.1.6 with today's parameters */
        rc = store_account_rehash(db, r.id, r.password_hash, c->rehash);
    if (rc == STORE_DONE)
        rc = STORE_OK;
    if (rc == STORE_OK)
        rc = session_insert(db, now, r.id, c->stage, c->token);
    /* A staff login is complete, and the failure count cleared, only after
     * the second factor: clearing it at the password would let a holder of
     * the password guess codes without ever reaching the lock. */
    if (rc == STORE_OK && c->stage == SESSION_FULL) {
        rc = store_account_login_ok(db, r.id, now, e->addr);
        if (rc == STORE_DONE)
            rc = STORE_ERROR;
        if (rc == STORE_OK)
            rc = log_event(e, now, SECURITY_LOGIN_OK, r.id, r.login, NULL);
    }
    if (rc == STORE_OK)
        c->granted = true;
    return rc;
}

void session_login(const account_env *e, const char *login, const char *password,
                   size_t password_len, session_login_result *out)
{
    result_init(out);
    if (!tx_free(e, __func__)) {
        result_error(out, e, "login");
        return;
    }
    if (!password)
        password = "", password_len = 0;
    char now[STORE_TIMESTAMP_LEN];
    ts(e, 0, now);
    login_ctx c = {.e = e, .login = login, .stage = SESSION_FULL};

    /* 1. the per-address limit against password spraying */
    if (e->addr && e->addr[0]) {
        char since[STORE_TIMESTAMP_LEN];
        ts(e, -(int64_t)e->p->addr_window_min * 60, since);
        int64_t n = store_login_failure_count(e->db, e->addr, since);
        if (n < 0) {
            result_error(out, e, "failure count");
            return;
        }
        c.rate_limited = n >= (int64_t)e->p->addr_failures;
    }

    /* 2. the account, read without a transaction */
    store_account_row r;
    char key[ACCOUNT_LOGIN_MAX + 1];
    store_rc rc = STORE_DONE;
    if (!c.rate_limited && account_login_key(login, key))
        rc = store_account_get_by_login(e->db, e->a, key, &r);
    if (rc != STORE_OK && rc != STORE_DONE) {
        result_error(out, e, "read account");
        return;
    }

    /* 3. argon2 outside any transaction */
    char rehash[PASSWORD_HASH_MAX], token[TOKEN_CHARS + 1];
    if (c.rate_limited) {
        c.why = SESSION_WHY_NONE; /* no hashing: refusing cheaply is the point */
    } else if (rc == STORE_DONE) {
        /* spec 3.1.5: an unknown ID costs what a wrong password costs. */
        password_verify_dummy(password, password_len, e->p->pw);
        c.why = SESSION_WHY_UNKNOWN_ID;
    } else {
        c.r = &r;
        out->account_id = r.id;
        password_result pr = password_verify(r.password_hash, password, password_len);
        if (pr == PASSWORD_ERROR) {
            result_error(out, e, "password verify");
            return;
        }
        if (pr == PASSWORD_BAD_HASH)
            log_error("session: stored password hash of account %lld is unreadable",
                      (long long)r.id);
        c.password_ok = pr == PASSWORD_MATCH;
        c.why = r.locked_until && strcmp(r.locked_until, now) > 0 ? SESSION_WHY_LOCKED
                : strcmp(r.status, "provisional") == 0            ? SESSION_WHY_PROVISIONAL
                : strcmp(r.status, "active") != 0                 ? SESSION_WHY_SUSPENDED
                : pr == PASSWORD_BAD_HASH                         ? SESSION_WHY_BAD_HASH
                : !c.password_ok                                  ? SESSION_WHY_WRONG_PASSWORD
                                                                  : SESSION_WHY_NONE;
        if (c.why == SESSION_WHY_NONE) {
            if (r.totp_secret)
                c.stage = SESSION_NEED_TOTP;
            else if (is_staff_row(&r) && e->p->staff_totp_required)
                c.stage = SESSION_NEED_ENROL;
            if (password_needs_rehash(r.password_hash, e->p->pw) &&
                password_hash(password, password_len, e->p->pw, rehash))
                c.rehash = rehash;
            if (!token_new(token)) {
                result_error(out, e, "session token");
                return;
            }
            c.token = token;
        }
    }

    /* 4. one short transaction records the outcome */
    if (store_tx(e->db, login_body, &c) != STORE_OK) {
        result_error(out, e, "record login");
        return;
    }
    out->locked_now = c.locked_now;
    if (c.rate_limited) {
        out->status = SESSION_LOGIN_RATE_LIMITED;
        out->message = MSG_RATE;
    } else if (!c.granted) {
        out->status = SESSION_LOGIN_FAILED;
        out->why = c.final_why;
        out->message = MSG_FAILED;
    } else {
        out->status = c.stage == SESSION_FULL        ? SESSION_LOGIN_OK
                      : c.stage == SESSION_NEED_TOTP ? SESSION_LOGIN_NEED_TOTP
                                                     : SESSION_LOGIN_NEED_TOTP_ENROL;
        memcpy(out->token, token, sizeof out->token);
    }
}

/* ---- sessions ---- */

/* The session row of cookie, judged by the clock: STORE_OK valid, STORE_DONE
 * unknown or malformed, STORE_CONSTRAINT known but past a timeout or not
 * usable (the caller deletes it), else an error.  hash receives the cookie's
 * hash. */
static store_rc session_read(const account_env *e, const char *cookie, char hash[TOKEN_HASH_HEX],
                             store_session_row *s, session_stage *stage)
{
    if (!cookie || !token_well_formed(cookie) || !token_hash(cookie, hash))
        return STORE_DONE;
    store_rc rc = store_session_get(e->db, e->a, hash, s);
    if (rc != STORE_OK)
        return rc;
    *stage = SESSION_FULL;
    for (unsigned i = 0; i < sizeof stage_names / sizeof *stage_names; i++)
        if (strcmp(s->stage, stage_names[i]) == 0)
            *stage = (session_stage)i;
    char idle[STORE_TIMESTAMP_LEN], born[STORE_TIMESTAMP_LEN], half[STORE_TIMESTAMP_LEN];
    /* SEC-22: privileges are held for as short a time as is workable, so
     * staff sessions have their own, shorter limits. */
    bool staff = strcmp(s->account.role, "member") != 0;
    unsigned idle_min = staff ? e->p->staff_session_idle_min : e->p->session_idle_min;
    unsigned abs_hours = staff ? e->p->staff_session_abs_hours : e->p->session_abs_hours;
    ts(e, -(int64_t)idle_min * 60, idle);
    ts(e, -(int64_t)abs_hours * 3600, born);
    ts(e, -(int64_t)SESSION_HALF_MIN * 60, half);
    /* spec 3.1.9(2): idle since the last page; also an absolute limit from
     * login, and a short one for a half session. */
    bool expired = strcmp(s->last_seen_at, idle) < 0 || strcmp(s->created_at, born) < 0 ||
                   (*stage != SESSION_FULL && strcmp(s->created_at, half) < 0);
    if (expired || strcmp(s->account.status, "active") != 0)
        return STORE_CONSTRAINT;
    return STORE_OK;
}

typedef struct one_ctx {
    const char *hash, *now;
    bool touch; /* else delete */
} one_ctx;

static store_rc one_body(store *db, void *ctx)
{
    one_ctx *c = ctx;
    store_rc rc =
        c->touch ? store_session_touch(db, c->hash, c->now) : store_session_delete(db, c->hash);
    return rc == STORE_DONE ? STORE_OK : rc;
}

account_rc session_lookup(const account_env *e, const char *cookie, session_info *out)
{
    memset(out, 0, sizeof *out);
    if (!tx_free(e, __func__))
        return ACCOUNT_ERROR;
    char now[STORE_TIMESTAMP_LEN], hash[TOKEN_HASH_HEX];
    ts(e, 0, now);
    store_session_row s;
    session_stage stage;
    store_rc rc = session_read(e, cookie, hash, &s, &stage);
    if (rc == STORE_DONE)
        return ACCOUNT_NOT_FOUND;
    if (rc == STORE_CONSTRAINT) { /* spec 3.1.9: end it and discard its data */
        one_ctx c = {.hash = hash, .now = now, .touch = false};
        if (store_tx(e->db, one_body, &c) != STORE_OK)
            log_warn("session: cannot delete an expired session: %s", store_errmsg(e->db));
        return ACCOUNT_NOT_FOUND;
    }
    if (rc != STORE_OK) {
        log_error("session: lookup: %s", store_errmsg(e->db));
        return ACCOUNT_ERROR;
    }
    char touch_before[STORE_TIMESTAMP_LEN];
    ts(e, -SESSION_TOUCH_INTERVAL_S, touch_before);
    if (strcmp(s.last_seen_at, touch_before) <= 0) {
        one_ctx c = {.hash = hash, .now = now, .touch = true};
        if (store_tx(e->db, one_body, &c) == STORE_OK)
            s.last_seen_at = arena_strdup(e->a, now);
        else /* the session still counts as seen a minute ago: no reason to refuse */
            log_warn("session: cannot refresh a session: %s", store_errmsg(e->db));
    }
    account_view_from_row(&s.account, now, &out->account);
    out->stage = stage;
    out->created_at = s.created_at;
    out->last_seen_at = s.last_seen_at;
    return ACCOUNT_OK;
}

const account_view *session_actor(const session_info *s)
{
    return s && s->stage == SESSION_FULL && s->account.id > 0 &&
                   s->account.status == ACCOUNT_STATUS_ACTIVE
               ? &s->account
               : NULL;
}

typedef struct logout_ctx {
    const account_env *e;
    const char *hash;
} logout_ctx;

static store_rc logout_body(store *db, void *ctx)
{
    logout_ctx *c = ctx;
    char now[STORE_TIMESTAMP_LEN];
    ts(c->e, 0, now);
    store_session_row s;
    store_rc rc = store_session_get(db, c->e->a, c->hash, &s);
    if (rc == STORE_DONE)
        return STORE_OK;
    if (rc == STORE_OK)
        rc = store_session_delete(db, c->hash);
    if (rc == STORE_OK)
        rc = log_event(c->e, now, SECURITY_LOGOUT, s.account.id, s.account.login, NULL);
    return rc;
}

account_rc session_logout(const account_env *e, const char *cookie)
{
    if (!tx_free(e, __func__))
        return ACCOUNT_ERROR;
    char hash[TOKEN_HASH_HEX];
    if (!cookie || !token_well_formed(cookie) || !token_hash(cookie, hash))
        return ACCOUNT_OK;
    logout_ctx c = {.e = e, .hash = hash};
    if (store_tx(e->db, logout_body, &c) != STORE_OK) {
        log_error("session: logout: %s", store_errmsg(e->db));
        return ACCOUNT_ERROR;
    }
    return ACCOUNT_OK;
}

/* ---- second factor ---- */

static void totp_aad(int64_t id, bool pending, char out[64])
{
    snprintf(out, 64, "account:%lld:%s", (long long)id, pending ? "totp-enrol" : "totp");
}

/* Opens a sealed TOTP key into key (TOTP_KEY_MAX bytes); false if it does
 * not open or has the wrong length. */
static bool totp_open(const account_env *e, const char *sealed, int64_t id, bool pending,
                      uint8_t key[TOTP_KEY_MAX], size_t *keylen)
{
    char aad[64];
    totp_aad(id, pending, aad);
    /* Large enough up front, so that the plaintext is never copied by a
     * growing buffer (sealbox.h). */
    buf b = BUF_INIT;
    if (!e->keys || !buf_reserve(&b, TOTP_KEY_MAX + 64))
        return false;
    bool ok =
        sealbox_open(e->keys, sealed, aad, &b) && b.len >= TOTP_KEY_MIN && b.len <= TOTP_KEY_MAX;
    if (ok) {
        memcpy(key, b.data, b.len);
        *keylen = b.len;
    }
    OPENSSL_cleanse(b.data, b.cap);
    buf_free(&b);
    return ok;
}

/* Seals key for account id into the arena; NULL on failure. */
static const char *totp_seal(const account_env *e, const uint8_t *key, size_t keylen, int64_t id,
                             bool pending)
{
    char aad[64];
    totp_aad(id, pending, aad);
    buf b = BUF_INIT;
    const char *out = NULL;
    if (e->keys && sealbox_seal(e->keys, key, keylen, aad, &b) && buf_ok(&b))
        out = arena_strndup(e->a, b.data, b.len);
    buf_free(&b);
    return out;
}

typedef struct totp_ctx {
    const account_env *e;
    const char *hash; /* the half session */
    const store_account_row *r;
    bool code_ok;
    int64_t step;
    const char *token;    /* the full session to create */
    const char *sealed;   /* enrolment: the secret to store */
    bool enrol, complete; /* enrolment; enrolment completing a half session */
    bool granted, locked_now;
    session_why why;
} totp_ctx;

static store_rc totp_body(store *db, void *ctx)
{
    totp_ctx *c = ctx;
    const account_env *e = c->e;
    const store_account_row *r = c->r;
    c->granted = c->locked_now = false;
    c->why = SESSION_WHY_NONE;
    char now[STORE_TIMESTAMP_LEN];
    ts(e, 0, now);
    store_rc rc = STORE_OK;
    if (c->enrol) {
        store_account_row cur;
        rc = store_account_get(db, e->a, r->id, &cur);
        if (rc == STORE_OK && cur.totp_secret) { /* enrolled by another request meanwhile */
            c->why = SESSION_WHY_CHANGED;
            return STORE_OK;
        }
        if (rc == STORE_OK)
            rc = store_account_set_totp(db, r->id, c->sealed, c->step, now);
        if (rc == STORE_OK)
            rc = log_event(e, now, SECURITY_TOTP_ENROLLED, r->id, r->login, NULL);
    } else if (c->code_ok) {
        /* totp.h: a conditional update, so two requests racing with one code
         * cannot both win. */
        rc = store_account_totp_step(db, r->id, c->step);
        if (rc == STORE_DONE) {
            c->why = SESSION_WHY_REPLAYED_CODE;
            rc = STORE_OK;
        }
    } else {
        c->why = SESSION_WHY_WRONG_CODE;
    }
    if (rc != STORE_OK)
        return rc;
    if (c->why != SESSION_WHY_NONE) {
        /* Failed codes count towards the lock like passwords (totp.h). */
        rc = account_count_failure(e, r, now, &c->locked_now);
        if (rc == STORE_OK)
            rc = log_event(e, now, SECURITY_TOTP_FAILED, r->id, r->login, why_text(c->why));
        if (rc == STORE_OK && c->locked_now)
            rc = store_session_delete(db, c->hash);
        return rc == STORE_DONE ? STORE_OK : rc;
    }
    if (!c->enrol || c->complete) {
        rc = store_session_delete(db, c->hash);
        if (rc == STORE_OK)
            rc = session_insert(db, now, r->id, SESSION_FULL, c->token);
        if (rc == STORE_OK)
            rc = store_account_login_ok(db, r->id, now, e->addr);
        if (rc == STORE_DONE)
            rc = STORE_ERROR; /* suspended or locked meanwhile: roll back */
        if (rc == STORE_OK)
            rc = log_event(e, now, SECURITY_LOGIN_OK, r->id, r->login, "二段階認証");
    }
    if (rc == STORE_OK)
        c->granted = true;
    return rc;
}

/* Finishes a TOTP step's result from its transaction. */
static void totp_result(const account_env *e, totp_ctx *c, store_rc rc, session_login_result *out)
{
    if (rc != STORE_OK) {
        result_error(out, e, "totp");
        return;
    }
    out->locked_now = c->locked_now;
    if (!c->granted) {
        out->status = SESSION_LOGIN_FAILED;
        out->why = c->locked_now ? SESSION_WHY_LOCKED : c->why;
        out->message = c->locked_now                   ? MSG_CODE_LOCKED
                       : c->why == SESSION_WHY_CHANGED ? MSG_ENROL_AGAIN
                                                       : MSG_CODE;
        return;
    }
    out->status = SESSION_LOGIN_OK;
    if (c->token)
        memcpy(out->token, c->token, sizeof out->token);
}

void session_totp(const account_env *e, const char *cookie, const char *code,
                  session_login_result *out)
{
    result_init(out);
    if (!tx_free(e, __func__)) {
        result_error(out, e, "totp");
        return;
    }
    char now[STORE_TIMESTAMP_LEN], hash[TOKEN_HASH_HEX];
    ts(e, 0, now);
    store_session_row s;
    session_stage stage;
    store_rc rc = session_read(e, cookie, hash, &s, &stage);
    if (rc != STORE_OK && rc != STORE_DONE && rc != STORE_CONSTRAINT) {
        result_error(out, e, "totp session");
        return;
    }
    if (rc != STORE_OK || stage != SESSION_NEED_TOTP || !s.account.totp_secret) {
        out->status = SESSION_LOGIN_FAILED;
        out->why = SESSION_WHY_NO_SESSION;
        out->message = MSG_AGAIN;
        return;
    }
    const store_account_row *r = &s.account;
    out->account_id = r->id;
    if (r->locked_until && strcmp(r->locked_until, now) > 0) {
        one_ctx d = {.hash = hash, .now = now, .touch = false};
        if (store_tx(e->db, one_body, &d) != STORE_OK) {
            result_error(out, e, "totp end");
            return;
        }
        out->status = SESSION_LOGIN_FAILED;
        out->why = SESSION_WHY_LOCKED;
        out->message = MSG_CODE_LOCKED;
        return;
    }
    uint8_t key[TOTP_KEY_MAX];
    size_t keylen = 0;
    if (!totp_open(e, r->totp_secret, r->id, false, key, &keylen)) {
        log_error("session: the TOTP secret of account %lld does not open (keyring?)",
                  (long long)r->id);
        result_error(out, e, "totp secret");
        return;
    }
    totp_ctx c = {.e = e, .hash = hash, .r = r, .step = r->totp_last_step};
    c.code_ok = totp_verify(key, keylen, code ? code : "", account_now(e->p), &c.step);
    OPENSSL_cleanse(key, sizeof key);
    char token[TOKEN_CHARS + 1];
    if (!token_new(token)) {
        result_error(out, e, "session token");
        return;
    }
    c.token = token;
    totp_result(e, &c, store_tx(e->db, totp_body, &c), out);
}

/* The session of cookie for an enrolment: a half session of stage enrol, or
 * a full one, of an account without a second factor. */
static account_rc enrol_session(const account_env *e, const char *cookie, char hash[TOKEN_HASH_HEX],
                                store_session_row *s, session_stage *stage)
{
    char now[STORE_TIMESTAMP_LEN];
    ts(e, 0, now);
    store_rc rc = session_read(e, cookie, hash, s, stage);
    if (rc == STORE_DONE || rc == STORE_CONSTRAINT)
        return ACCOUNT_NOT_FOUND;
    if (rc != STORE_OK)
        return ACCOUNT_ERROR;
    if (*stage == SESSION_NEED_TOTP || s->account.totp_secret)
        return ACCOUNT_FORBIDDEN;
    return ACCOUNT_OK;
}

account_rc session_totp_enrol_begin(const account_env *e, const char *cookie, const char *issuer,
                                    session_totp_enrolment *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!tx_free(e, __func__)) {
        snprintf(err, errlen, "%s", MSG_ERROR);
        return ACCOUNT_ERROR;
    }
    char hash[TOKEN_HASH_HEX];
    store_session_row s;
    session_stage stage;
    account_rc arc = enrol_session(e, cookie, hash, &s, &stage);
    if (arc != ACCOUNT_OK) {
        snprintf(
            err, errlen, "%s",
            arc == ACCOUNT_FORBIDDEN
                ? "二段階認証は登録済みです。変更するには、システム管理者に解除を依頼してください。"
            : arc == ACCOUNT_ERROR ? MSG_ERROR
                                   : MSG_AGAIN);
        if (arc == ACCOUNT_ERROR)
            log_error("session: enrol: %s", store_errmsg(e->db));
        return arc;
    }
    uint8_t key[TOTP_SECRET_LEN];
    buf uri = BUF_INIT;
    bool ok = secret_random(key, sizeof key) &&
              base32_encode(key, sizeof key, out->secret_b32, sizeof out->secret_b32) &&
              totp_uri(issuer && issuer[0] ? issuer : "Tsunagu", s.account.login, key, sizeof key,
                       &uri) &&
              buf_ok(&uri);
    out->uri = ok ? arena_strndup(e->a, uri.data, uri.len) : NULL;
    out->pending = ok ? totp_seal(e, key, sizeof key, s.account.id, true) : NULL;
    OPENSSL_cleanse(key, sizeof key);
    buf_free(&uri);
    if (!out->uri || !out->pending) {
        log_error("session: cannot start a TOTP enrolment (random, keyring or memory)");
        memset(out, 0, sizeof *out);
        snprintf(err, errlen, "%s", MSG_ERROR);
        return ACCOUNT_ERROR;
    }
    return ACCOUNT_OK;
}

void session_totp_enrol_confirm(const account_env *e, const char *cookie, const char *pending,
                                const char *code, session_login_result *out)
{
    result_init(out);
    if (!tx_free(e, __func__)) {
        result_error(out, e, "enrol");
        return;
    }
    char hash[TOKEN_HASH_HEX];
    store_session_row s;
    session_stage stage;
    account_rc arc = enrol_session(e, cookie, hash, &s, &stage);
    if (arc == ACCOUNT_ERROR) {
        result_error(out, e, "enrol session");
        return;
    }
    if (arc != ACCOUNT_OK) {
        out->status = SESSION_LOGIN_FAILED;
        out->why = SESSION_WHY_NO_SESSION;
        out->message = arc == ACCOUNT_FORBIDDEN ? MSG_ENROL_AGAIN : MSG_AGAIN;
        return;
    }
    out->account_id = s.account.id;
    uint8_t key[TOTP_KEY_MAX];
    size_t keylen = 0;
    if (!pending || !totp_open(e, pending, s.account.id, true, key, &keylen)) {
        out->status = SESSION_LOGIN_FAILED;
        out->why = SESSION_WHY_CHANGED;
        out->message = MSG_ENROL_AGAIN;
        return;
    }
    totp_ctx c = {.e = e,
                  .hash = hash,
                  .r = &s.account,
                  .enrol = true,
                  .complete = stage == SESSION_NEED_ENROL};
    bool code_ok = totp_verify(key, keylen, code ? code : "", account_now(e->p), &c.step);
    c.sealed = code_ok ? totp_seal(e, key, keylen, s.account.id, false) : NULL;
    OPENSSL_cleanse(key, sizeof key);
    if (!code_ok) {
        /* Nothing to guess yet (the secret is the user's own, just shown),
         * so a typo here does not count towards the lock. */
        out->status = SESSION_LOGIN_FAILED;
        out->why = SESSION_WHY_WRONG_CODE;
        out->message = MSG_CODE;
        return;
    }
    char token[TOKEN_CHARS + 1];
    if (!c.sealed || (c.complete && !token_new(token))) {
        result_error(out, e, "enrol seal");
        return;
    }
    c.token = c.complete ? token : NULL;
    totp_result(e, &c, store_tx(e->db, totp_body, &c), out);
}

/* ---- key rotation ---- */

typedef struct reseal_item {
    int64_t id, last_step;
    char *sealed;
} reseal_item;

typedef struct reseal_ctx {
    const account_env *e;
    const sealbox_keyring *keys;
    int resealed, unreadable;
    bool failed;
} reseal_ctx;

static bool reseal_one(void *ctx, int64_t id, const char *sealed, int64_t last_step)
{
    reseal_ctx *c = ctx;
    if (sealbox_key_id_of(sealed) == sealbox_current_key_id(c->keys))
        return true;
    char aad[64];
    totp_aad(id, false, aad);
    buf plain = BUF_INIT, again = BUF_INIT;
    bool ok = sealbox_open(c->keys, sealed, aad, &plain);
    if (!ok) {
        c->unreadable++;
        buf_free(&plain);
        return true;
    }
    ok = sealbox_seal(c->keys, (const uint8_t *)plain.data, plain.len, aad, &again);
    OPENSSL_cleanse(plain.data, plain.len);
    buf_free(&plain);
    buf_putc(&again, '\0');
    char now[STORE_TIMESTAMP_LEN];
    ts(c->e, 0, now);
    /* The statement runs while the SELECT of the caller is still open: the
     * row it changes has been read already, and SQLite and PostgreSQL both
     * allow it. */
    if (!ok || !buf_ok(&again) ||
        store_account_set_totp(c->e->db, id, again.data, last_step, now) != STORE_OK) {
        c->failed = true;
        buf_free(&again);
        return false;
    }
    buf_free(&again);
    c->resealed++;
    return true;
}

static store_rc reseal_body(store *db, void *ctx)
{
    reseal_ctx *c = ctx;
    c->resealed = c->unreadable = 0;
    c->failed = false;
    store_rc rc = store_account_each_totp(db, reseal_one, c);
    if (rc == STORE_OK && c->failed)
        rc = STORE_ERROR;
    return rc;
}

account_rc session_totp_reseal(const account_env *e, const sealbox_keyring *keys, int *resealed,
                               int *unreadable)
{
    reseal_ctx c = {.e = e, .keys = keys};
    *resealed = *unreadable = 0;
    if (store_tx(e->db, reseal_body, &c) != STORE_OK) {
        log_error("session: TOTP secrets could not be re-sealed: %s", store_errmsg(e->db));
        return ACCOUNT_ERROR;
    }
    *resealed = c.resealed;
    *unreadable = c.unreadable;
    return ACCOUNT_OK;
}
