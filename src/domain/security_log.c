/* security_log.c - writing, reading and purging the security log.  See
 * security_log.h. */
#include "domain/security_log.h"

#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/utf8.h"

static const struct {
    const char *name, *label;
} events[SECURITY_EVENT_COUNT] = {
    [SECURITY_LOGIN_OK] = {"login_ok", "ログイン成功"},
    [SECURITY_LOGIN_FAILED] = {"login_failed", "ログイン失敗"},
    [SECURITY_LOCKOUT] = {"lockout", "アカウントロック"},
    [SECURITY_UNLOCK] = {"unlock", "ロック解除"},
    [SECURITY_TOTP_FAILED] = {"totp_failed", "確認コード誤り"},
    [SECURITY_TOTP_ENROLLED] = {"totp_enrolled", "二段階認証の登録"},
    [SECURITY_TOTP_RESET] = {"totp_reset", "二段階認証の解除"},
    [SECURITY_LOGOUT] = {"logout", "ログアウト"},
    [SECURITY_PASSWORD_CHANGED] = {"password_changed", "パスワード変更"},
    [SECURITY_RESET_REQUESTED] = {"reset_requested", "パスワード再設定の申込み"},
    [SECURITY_RESET_DONE] = {"reset_done", "パスワード再設定"},
    [SECURITY_EMAIL_CHANGE_REQUESTED] = {"email_change_requested", "メールアドレス変更の申込み"},
    [SECURITY_EMAIL_CHANGED] = {"email_changed", "メールアドレス変更"},
    [SECURITY_REGISTERED] = {"registered", "仮登録"},
    [SECURITY_VERIFIED] = {"verified", "メールアドレス確認"},
    [SECURITY_CREATED] = {"created", "アカウント作成"},
    [SECURITY_ROLE_CHANGED] = {"role_changed", "権限変更"},
    [SECURITY_SUSPENDED] = {"suspended", "一時利用停止"},
    [SECURITY_RESUMED] = {"resumed", "利用再開"},
    [SECURITY_DELETED] = {"deleted", "アカウント削除"},
};

const char *security_event_name(security_event ev)
{
    return (unsigned)ev < SECURITY_EVENT_COUNT ? events[ev].name : "";
}

const char *security_event_label(security_event ev)
{
    return (unsigned)ev < SECURITY_EVENT_COUNT ? events[ev].label : "";
}

bool security_event_parse(const char *name, security_event *ev)
{
    for (unsigned i = 0; name && i < SECURITY_EVENT_COUNT; i++) {
        if (strcmp(events[i].name, name) == 0) {
            *ev = (security_event)i;
            return true;
        }
    }
    return false;
}

void security_log_mask_login(const char *login, char out[SECURITY_LOG_LOGIN_MASKED])
{
    out[0] = '\0';
    if (!login || !login[0])
        return;
    /* The first character whole: 1 byte for ASCII (IDs are ASCII), up to 4
     * for whatever else someone typed into the login form. */
    unsigned char c = (unsigned char)login[0];
    size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (n == 0 || strnlen(login, n) < n || !utf8_valid(login, n) || (n == 1 && c < 0x20) ||
        c == 0x7F) {
        memcpy(out, "?***", 5);
        return;
    }
    memcpy(out, login, n);
    memcpy(out + n, "***", 4);
}

/* Copies s (at most max bytes, cut at a character boundary) into a, as
 * valid UTF-8 without control characters; "?" replaces a value that is not. */
static const char *clean_field(arena *a, const char *s, size_t max)
{
    if (!s)
        return "";
    size_t n = strnlen(s, max + 1);
    if (n > max)
        n = max;
    char *out = arena_strndup(a, s, n);
    if (!out)
        return NULL;
    utf8_trim_partial(out);
    n = strlen(out);
    if (!utf8_valid(out, n))
        return "?";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7F)
            out[i] = ' ';
    return out;
}

store_rc security_log_add(store *db, const char *now, const security_log_new *e)
{
    char login[SECURITY_LOG_LOGIN_MASKED];
    security_log_mask_login(e->login, login);
    arena a;
    arena_init(&a);
    store_rc rc = STORE_NOMEM;
    const char *addr = clean_field(&a, e->addr, SECURITY_LOG_ADDR_MAX);
    const char *detail = clean_field(&a, e->detail, SECURITY_LOG_DETAIL_MAX);
    buf masked = BUF_INIT;
    if (addr && detail) {
        /* spec 3.5.1(2): an address or telephone number inside the detail
         * (a staff member's reason, say) is masked like any log text. */
        log_mask(detail, strlen(detail), &masked);
        if (buf_ok(&masked)) {
            store_security_log_entry row = {
                .at = now,
                .event = security_event_name(e->event),
                .account_id = e->account_id,
                .actor_id = e->actor_id,
                .login = login,
                .addr = addr,
                .detail = masked.data ? masked.data : "",
            };
            rc = store_security_log_add(db, &row);
        }
    }
    buf_free(&masked);
    arena_free(&a);
    return rc;
}

store_rc security_log_list(store *db, arena *a, const security_log_query *q, security_log_page *out)
{
    memset(out, 0, sizeof *out);
    int limit =
        q->limit >= 1 && q->limit <= SECURITY_LOG_PAGE_MAX ? q->limit : SECURITY_LOG_PAGE_MAX;
    security_event ev;
    if (q->event && q->event[0] && !security_event_parse(q->event, &ev))
        return STORE_OK;
    /* One row more than asked tells whether an older page exists. */
    store_security_log_entry *rows;
    int n;
    store_rc rc = store_security_log_list(db, a, q->event, q->account_id, q->from, q->to,
                                          q->before_id, limit + 1, &rows, &n);
    if (rc != STORE_OK)
        return rc;
    if (n > limit) {
        n = limit;
        out->next_before = rows[n - 1].id;
    }
    out->rows = rows;
    out->n = n;
    return STORE_OK;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool security_log_jst_day(const char *date, bool end, char out[STORE_TIMESTAMP_LEN])
{
    out[0] = '\0';
    if (!date || strlen(date) != 10 || date[4] != '-' || date[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (date[i] < '0' || date[i] > '9'))
            return false;
    int y = (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 + (date[3] - '0');
    int m = (date[5] - '0') * 10 + (date[6] - '0');
    int d = (date[8] - '0') * 10 + (date[9] - '0');
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
        return false;
    /* JST is UTC+9 all year (core/jst.h): the JST day starts 9 hours
     * earlier in UTC. */
    int64_t t = (days_from_civil(y, m, d) + (end ? 1 : 0)) * 86400 - 9 * 3600;
    store_timestamp_at(t < 0 ? 0 : t, out);
    return true;
}

store_rc security_log_purge(store *db, int64_t now_unix, unsigned keep_days, int *n)
{
    if (keep_days < SECURITY_LOG_KEEP_DAYS_MIN)
        keep_days = SECURITY_LOG_KEEP_DAYS_MIN;
    char before[STORE_TIMESTAMP_LEN];
    store_timestamp_at(now_unix - (int64_t)keep_days * 86400, before);
    return store_security_log_purge(db, before, n);
}
