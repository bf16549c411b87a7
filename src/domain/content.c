/* content.c - the staff workflow of every content type.  See content.h. */
#include "domain/content.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/utf8.h"
#include "domain/audit.h"
#include "domain/mail.h"
#include "domain/content_internal.h"
#include "store/content.h"

/* ---- names ---- */

static const char *const status_names[] = {"draft", "review", "published", "archived"};
static const char *const status_labels[] = {"下書", "仮登録（確認待ち）", "公開", "公開終了"};

static const struct {
    const char *name, *label;
} actions[] = {
    [CONTENT_SUBMIT] = {"submit", "確認に回す"},
    [CONTENT_PULL_BACK] = {"pull-back", "引き戻す"},
    [CONTENT_SEND_BACK] = {"send-back", "差し戻す"},
    [CONTENT_APPROVE] = {"approve", "承認して公開する"},
    [CONTENT_ARCHIVE] = {"archive", "公開を終了する"},
    [CONTENT_REOPEN] = {"reopen", "下書きに戻す"},
    [CONTENT_DUPLICATE] = {"duplicate", "複製する"},
    [CONTENT_TRASH] = {"trash", "ゴミ箱へ移す"},
    [CONTENT_RESTORE] = {"restore", "ゴミ箱から戻す"},
    [CONTENT_PURGE] = {"purge", "完全に削除する"},
};

const char *content_status_name(content_status s)
{
    return (unsigned)s < 4 ? status_names[s] : "draft";
}

const char *content_status_label(content_status s)
{
    return (unsigned)s < 4 ? status_labels[s] : "";
}

bool content_status_parse(const char *s, content_status *out)
{
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, status_names[i]) == 0) {
            *out = (content_status)i;
            return true;
        }
    return false;
}

const char *content_action_name(content_action a)
{
    return (unsigned)a <= CONTENT_PURGE ? actions[a].name : "";
}

const char *content_action_label(content_action a)
{
    return (unsigned)a <= CONTENT_PURGE ? actions[a].label : "";
}

bool content_action_parse(const char *s, content_action *out)
{
    for (int i = 0; s && i <= CONTENT_PURGE; i++)
        if (strcmp(s, actions[i].name) == 0) {
            *out = (content_action)i;
            return true;
        }
    return false;
}

/* ---- helpers ---- */

static void now_ts(char out[STORE_TIMESTAMP_LEN])
{
    store_timestamp(out);
}

/* The JST calendar year of a stored UTC timestamp, 0 if malformed. */
static int jst_year(const char *ts)
{
    struct tm tm = {0};
    if (!ts || !strptime(ts, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return 0;
    time_t t = timegm(&tm) + 9 * 3600;
    struct tm j;
    gmtime_r(&t, &j);
    return j.tm_year + 1900;
}

static bool is_admin(const account_view *a)
{
    return account_is_admin(a);
}

static bool is_publisher(const content_type *t, const account_view *a)
{
    return account_is_admin(a) ||
           (t->publish_role == CONTENT_PUBLISH_EDITOR && account_is_staff(a));
}

static void say(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        utf8_format(err, errlen, "%s", msg);
}

static content_rc from_store(store_rc rc)
{
    switch (rc) {
    case STORE_OK:
        return CONTENT_OK;
    case STORE_DONE:
        return CONTENT_NOT_FOUND;
    default:
        return CONTENT_ERROR;
    }
}

/* Fills *out from a row of type t. */
static content_rc item_from_row(const content_env *e, const content_type *t,
                                const store_content_row *r, content_item *out)
{
    memset(out, 0, sizeof *out);
    if (strcmp(r->type, t->name) != 0)
        return CONTENT_NOT_FOUND;
    out->id = r->id;
    out->type = t;
    out->variant = t->variants ? content_variant(t, r->variant) : 0;
    if (out->variant < 0)
        out->variant = 0;
    if (!content_status_parse(r->status, &out->status))
        return CONTENT_ERROR;
    out->title = r->title;
    out->slug = r->slug;
    record_init(&out->rec, e->a);
    if (r->data && !record_decode(&out->rec, r->data, strlen(r->data))) {
        log_error("content %lld: the stored record does not decode", (long long)r->id);
        return CONTENT_ERROR;
    }
    out->live_id = r->live_id;
    out->staged_id = r->staged_id;
    out->rev = r->rev;
    out->publish_at = r->publish_at;
    out->unpublish_at = r->unpublish_at;
    out->published_at = r->published_at;
    out->created_at = r->created_at;
    out->updated_at = r->updated_at;
    out->trashed_at = r->trashed_at;
    out->submitted_by = r->submitted_by;
    out->submitted_by_name = r->submitted_by_name;
    out->updated_by_name = r->updated_by_name;
    out->comment = r->comment;
    out->menu = r->menu;
    out->menu_order = r->menu_order;
    /* A lock older than CONTENT_LOCK_MINUTES is no lock. */
    char limit[STORE_TIMESTAMP_LEN];
    store_timestamp_at((int64_t)time(NULL) - CONTENT_LOCK_MINUTES * 60, limit);
    if (r->lock_by && r->lock_at && strcmp(r->lock_at, limit) > 0) {
        out->lock_by = r->lock_by;
        out->lock_by_name = r->lock_by_name;
        out->lock_at = r->lock_at;
    }
    return CONTENT_OK;
}

/* The record as stored text, in a; NULL on OOM. */
static const char *encode(arena *a, const record *r)
{
    buf b = BUF_INIT;
    buf_init(&b, 64 * 1024 * 1024);
    bool ok = record_encode(r, &b);
    buf_putc(&b, '\0');
    ok = ok && buf_ok(&b);
    const char *s = ok ? arena_strdup(a, b.data ? b.data : "") : NULL;
    buf_free(&b);
    return s;
}

/* ---- reads ---- */

content_rc content_get(const content_env *e, const content_type *t, int64_t id,
                       content_item *out)
{
    store_content_row r;
    store_rc rc = store_content_get(e->db, e->a, id, true, &r);
    if (rc != STORE_OK)
        return from_store(rc);
    return item_from_row(e, t, &r, out);
}

/* ---- permissions ---- */

bool content_may(const content_env *e, const account_view *actor, const content_item *it,
                 content_action act, char *err, size_t errlen)
{
    const content_type *t = it->type;
    if (!account_is_staff(actor)) {
        say(err, errlen, "この操作はセンター職員だけが行えます。");
        return false;
    }
    if (it->trashed_at && act != CONTENT_RESTORE && act != CONTENT_PURGE) {
        say(err, errlen, "ゴミ箱の中の項目です。先にゴミ箱から戻してください。");
        return false;
    }
    switch (act) {
    case CONTENT_SUBMIT:
        if (it->status != CONTENT_DRAFT) {
            say(err, errlen, "下書きの項目だけを確認に回せます。");
            return false;
        }
        return true;
    case CONTENT_PULL_BACK:
        if (it->status != CONTENT_REVIEW) {
            say(err, errlen, "確認待ちの項目だけを引き戻せます。");
            return false;
        }
        if (it->submitted_by != actor->id && !is_admin(actor)) {
            say(err, errlen, "引き戻せるのは確認に回した本人（またはシステム管理者）だけです。");
            return false;
        }
        return true;
    case CONTENT_SEND_BACK:
    case CONTENT_APPROVE:
        if (it->status != CONTENT_REVIEW) {
            say(err, errlen, "確認待ちの項目だけを承認・差し戻しできます。");
            return false;
        }
        if (!is_publisher(t, actor)) {
            say(err, errlen, "この種類の項目を承認・差し戻しできるのはシステム管理者です。");
            return false;
        }
        /* The policy's 兼務の禁止: with the four-eyes rule on, whoever sent
         * it to review cannot approve it. */
        if (act == CONTENT_APPROVE && e->four_eyes && it->submitted_by == actor->id) {
            say(err, errlen, "確認に回した本人は承認できません（承認は別の職員が行います）。");
            return false;
        }
        return true;
    case CONTENT_ARCHIVE:
        if (it->status != CONTENT_PUBLISHED) {
            say(err, errlen, "公開中の項目だけを公開終了にできます。");
            return false;
        }
        if (!is_publisher(t, actor)) {
            say(err, errlen, "公開を終了できるのはシステム管理者です。");
            return false;
        }
        return true;
    case CONTENT_REOPEN:
        if (it->status != CONTENT_ARCHIVED) {
            say(err, errlen, "公開終了の項目だけを下書きに戻せます。");
            return false;
        }
        return true;
    case CONTENT_DUPLICATE:
        if (it->live_id) {
            say(err, errlen, "差し替え用の下書きは複製できません。公開中の項目を複製してください。");
            return false;
        }
        return true;
    case CONTENT_TRASH:
        if (it->status == CONTENT_PUBLISHED && !is_publisher(t, actor)) {
            say(err, errlen, "公開中の項目をゴミ箱へ移せるのはシステム管理者です。");
            return false;
        }
        return true;
    case CONTENT_RESTORE:
        if (!it->trashed_at) {
            say(err, errlen, "ゴミ箱の中の項目ではありません。");
            return false;
        }
        return true;
    case CONTENT_PURGE:
        if (!it->trashed_at) {
            say(err, errlen, "完全に削除できるのはゴミ箱の中の項目だけです。");
            return false;
        }
        if (!is_admin(actor)) {
            say(err, errlen, "完全な削除はシステム管理者だけが行えます。");
            return false;
        }
        return true;
    }
    return false;
}

/* ---- mails ---- */

/* The admin URL of an item, for mails. */
static const char *admin_url(const content_env *e, const content_type *t, int64_t id)
{
    return arena_printf(e->a, "%s/admin/content/%s/%lld", e->base_url ? e->base_url : "", t->name,
                        (long long)id);
}

static store_rc mail_one(const content_env *e, const char *kind, const char *to,
                         const char *to_name, const content_type *t, int64_t id,
                         const char *title, const account_view *actor, const char *comment)
{
    if (!e->mail || !to || !*to)
        return STORE_OK;
    tv *v = tv_map(e->a);
    if (!v || !tv_set_str(e->a, v, "type_label", t->label) || !tv_set_str(e->a, v, "title", title) ||
        !tv_set_str(e->a, v, "url", admin_url(e, t, id)) ||
        !tv_set_str(e->a, v, "actor", actor && actor->name && *actor->name ? actor->name
                                                                            : actor ? actor->login
                                                                                    : "") ||
        !tv_set_str(e->a, v, "comment", comment ? comment : ""))
        return STORE_NOMEM;
    char err[256];
    store_rc rc = mail_enqueue(e->db, e->mail, e->a, kind, to, to_name, v, NULL, err, sizeof err);
    if (rc != STORE_OK)
        log_error("content mail %s to account not sent: %s", kind, err);
    /* A staff address that cannot take mail must not block the workflow. */
    return rc == STORE_NOMEM || rc == STORE_BUSY ? rc : STORE_OK;
}

/* The address and name of account id (0: none). */
static bool account_addr(const content_env *e, int64_t id, const char **email, const char **name)
{
    if (id <= 0)
        return false;
    store_account_row r;
    if (store_account_get(e->db, e->a, id, &r) != STORE_OK || strcmp(r.status, "active") != 0)
        return false;
    *email = r.email;
    *name = r.name;
    return true;
}

/* ---- transactions ---- */

typedef struct bump_ctx {
    store_tx_fn fn;
    void *ctx;
} bump_ctx;

static store_rc with_bump(store *db, void *p)
{
    bump_ctx *b = p;
    store_rc rc = b->fn(db, b->ctx);
    if (rc == STORE_OK || rc == STORE_DONE)
        rc = store_generation_bump(db, CONTENT_GENERATION);
    return rc;
}

store_rc content_tx_at(store *db, store_tx_fn fn, void *ctx, const char *file, int line)
{
    bump_ctx b = {fn, ctx};
    return store_tx_at(db, with_bump, &b, file, line);
}


static const char *actor_login(const account_view *a)
{
    return a ? a->login : "system";
}

/* Writes a revision and an audit line for item id, now at rev. */
static store_rc log_change(tx_ctx *c, int64_t id, int rev, const char *title, const char *before,
                           const char *after, const char *action, const char *summary,
                           const char *now)
{
    store_rc rc = STORE_OK;
    if (after)
        rc = store_content_rev_add(c->e->db, id, rev, title, after, action,
                                   c->actor ? c->actor->id : 0, actor_login(c->actor), now);
    if (rc == STORE_OK)
        rc = audit_add(c->e->db, c->actor ? c->actor->id : 0, actor_login(c->actor),
                       arena_printf(c->e->a, "content.%s", action), c->t->name, id, summary,
                       before, after);
    return rc;
}

static store_rc fail(tx_ctx *c, content_rc crc, const char *msg)
{
    c->crc = crc;
    if (msg)
        say(c->err, c->errlen, msg);
    return STORE_ERROR;
}

static const char *title_of(const content_type *t, const record *r)
{
    const char *s = record_get(r, t->title_field);
    return s ? s : "";
}

static const char *variant_name(const content_type *t, int v)
{
    return t->variants ? t->variants[v] : "";
}

store_rc content_tx_create(tx_ctx *c)
{
    char now[STORE_TIMESTAMP_LEN];
    now_ts(now);
    const char *data = encode(c->e->a, c->rec);
    if (!data)
        return STORE_NOMEM;
    store_content_row r = {
        .type = c->t->name,
        .variant = variant_name(c->t, c->variant),
        .status = "draft",
        .title = title_of(c->t, c->rec),
        .data = data,
        .slug = c->meta ? c->meta->slug : NULL,
        .publish_at = c->meta ? c->meta->publish_at : NULL,
        .unpublish_at = c->meta ? c->meta->unpublish_at : NULL,
        .menu = c->meta ? c->meta->menu : NULL,
        .menu_order = c->meta ? c->meta->menu_order : 0,
        .rev = 1,
        .created_by = c->actor ? c->actor->id : 0,
        .updated_by = c->actor ? c->actor->id : 0,
        .created_at = now,
        .updated_at = now,
    };
    store_rc rc = store_content_insert(c->e->db, &r, &c->result_id);
    if (rc == STORE_CONSTRAINT)
        return fail(c, CONTENT_INVALID, "同じ URL のページがすでにあります。別の URL にしてください。");
    if (rc != STORE_OK)
        return rc;
    const char *action = c->action_name ? c->action_name : "create";
    return log_change(c, c->result_id, 1, r.title, NULL, data, action,
                      arena_printf(c->e->a, "%s「%s」を作成%s", c->t->label, r.title,
                                   strcmp(action, "import") == 0 ? "（CSV から取り込み）" : ""),
                      now);
}

static store_rc tx_create(store *db, void *ctx)
{
    (void)db;
    return content_tx_create(ctx);
}

/* Runs one change in its transaction (content_tx) and maps the outcome:
 * the refusal c->crc set, or CONTENT_ERROR with fail_msg, or CONTENT_OK with
 * *result (may be NULL) set to the item that holds the change. */
static content_rc run(const content_env *e, store_tx_fn fn, tx_ctx *c, const char *fail_msg,
                      int64_t *result)
{
    store_rc rc = content_tx(e->db, fn, c);
    if (c->crc != CONTENT_OK)
        return c->crc;
    if (rc != STORE_OK) {
        say(c->err, c->errlen, fail_msg);
        return CONTENT_ERROR;
    }
    if (result)
        *result = c->result_id;
    return CONTENT_OK;
}

content_rc content_create(const content_env *e, const account_view *actor, const content_type *t,
                          int v, const record *rec, const content_meta *meta, int64_t *id,
                          char *err, size_t errlen)
{
    if (!account_is_staff(actor)) {
        say(err, errlen, "この操作はセンター職員だけが行えます。");
        return CONTENT_FORBIDDEN;
    }
    tx_ctx c = {.e = e, .actor = actor, .t = t, .variant = v, .rec = rec, .meta = meta,
                .crc = CONTENT_OK, .err = err, .errlen = errlen};
    return run(e, tx_create, &c, "保存できませんでした。時間をおいてもう一度お試しください。", id);
}

/* Loads item c->id of c->t inside the transaction. */
static store_rc load(tx_ctx *c, store_content_row *row, content_item *it)
{
    store_rc rc = store_content_get(c->e->db, c->e->a, c->id, true, row);
    if (rc == STORE_DONE)
        return fail(c, CONTENT_NOT_FOUND, "項目が見つかりません。");
    if (rc != STORE_OK)
        return rc;
    content_rc crc = item_from_row(c->e, c->t, row, it);
    if (crc != CONTENT_OK)
        return fail(c, crc, crc == CONTENT_NOT_FOUND ? "項目が見つかりません。" : NULL);
    return STORE_OK;
}

store_rc content_tx_save(tx_ctx *c)
{
    char now[STORE_TIMESTAMP_LEN];
    now_ts(now);
    store_content_row row;
    content_item it;
    store_rc rc = load(c, &row, &it);
    if (rc != STORE_OK)
        return rc;
    if (it.trashed_at)
        return fail(c, CONTENT_INVALID, "ゴミ箱の中の項目は編集できません。先にゴミ箱から戻してください。");
    if (it.rev != c->base_rev)
        return fail(c, CONTENT_CONFLICT,
                    "この項目は、編集を始めた後に別の職員が保存しました。入力した内容は残っています。"
                    "最新の内容を確認してから、もう一度保存してください。");
    const char *data = encode(c->e->a, c->rec);
    if (!data)
        return STORE_NOMEM;
    const char *title = title_of(c->t, c->rec);
    if (it.status == CONTENT_PUBLISHED && !it.live_id) {
        /* 差し替え: the public keeps the live version until the staged copy
         * is approved.  One staged copy per live item; a save continues it. */
        if (it.staged_id) {
            c->id = it.staged_id;
            store_content_row srow;
            content_item staged;
            rc = load(c, &srow, &staged);
            if (rc != STORE_OK)
                return rc;
            if (staged.status == CONTENT_REVIEW)
                return fail(c, CONTENT_INVALID,
                            "この項目の変更は確認待ちです。引き戻すか差し戻されてから編集してください。");
            row = srow;
            it = staged;
        } else {
            store_content_row s = {
                .type = c->t->name, .variant = variant_name(c->t, c->variant), .status = "draft",
                .title = title, .data = data, .slug = NULL, .live_id = it.id, .rev = 1,
                .publish_at = c->meta ? c->meta->publish_at : it.publish_at,
                .unpublish_at = c->meta ? c->meta->unpublish_at : it.unpublish_at,
                .menu = c->meta ? c->meta->menu : it.menu,
                .menu_order = c->meta ? c->meta->menu_order : it.menu_order,
                .created_by = c->actor->id, .updated_by = c->actor->id, .created_at = now,
                .updated_at = now,
            };
            rc = store_content_insert(c->e->db, &s, &c->result_id);
            if (rc != STORE_OK)
                return rc;
            rc = store_content_set_lock(c->e->db, it.id, 0, NULL);
            if (rc != STORE_OK && rc != STORE_DONE)
                return rc;
            return log_change(c, c->result_id, 1, title, row.data, data, "stage",
                              arena_printf(c->e->a, "%s「%s」の差し替え用の下書きを作成",
                                           c->t->label, title),
                              now);
        }
    }
    store_content_row u = {
        .id = it.id,
        .title = title,
        .data = data,
        .rev = it.rev + 1,
        .slug = it.live_id ? NULL : (c->meta ? c->meta->slug : it.slug),
        .publish_at = c->meta ? c->meta->publish_at : it.publish_at,
        .unpublish_at = c->meta ? c->meta->unpublish_at : it.unpublish_at,
        .menu = c->meta ? c->meta->menu : it.menu,
        .menu_order = c->meta ? c->meta->menu_order : it.menu_order,
        .variant = variant_name(c->t, c->variant),
        .updated_by = c->actor->id,
        .updated_at = now,
    };
    rc = store_content_update(c->e->db, &u);
    if (rc == STORE_CONSTRAINT)
        return fail(c, CONTENT_INVALID, "同じ URL のページがすでにあります。別の URL にしてください。");
    if (rc != STORE_OK)
        return rc == STORE_DONE ? STORE_ERROR : rc;
    c->result_id = it.id;
    return log_change(c, it.id, u.rev, title, row.data, data, c->action_name,
                      arena_printf(c->e->a, "%s「%s」を保存（版 %d）", c->t->label, title, u.rev),
                      now);
}

static store_rc tx_save(store *db, void *ctx)
{
    (void)db;
    return content_tx_save(ctx);
}

content_rc content_save(const content_env *e, const account_view *actor, const content_type *t,
                        int64_t id, int base_rev, const record *rec, const content_meta *meta,
                        int64_t *saved_id, char *err, size_t errlen)
{
    if (!account_is_staff(actor)) {
        say(err, errlen, "この操作はセンター職員だけが行えます。");
        return CONTENT_FORBIDDEN;
    }
    content_item cur;
    content_rc g = content_get(e, t, id, &cur);
    if (g != CONTENT_OK)
        return g;
    tx_ctx c = {.e = e, .actor = actor, .t = t, .id = id, .variant = cur.variant, .rec = rec,
                .meta = meta, .base_rev = base_rev, .action_name = "save", .crc = CONTENT_OK,
                .err = err, .errlen = errlen};
    return run(e, tx_save, &c, "保存できませんでした。時間をおいてもう一度お試しください。",
               saved_id);
}

/* Sets the state columns of row from it, with the changes the caller made. */
static store_rc set_state(tx_ctx *c, const content_item *it, const char *status,
                          int64_t submitted_by, const char *comment, const char *published_at,
                          const char *sort_at, bool announced, const char *now)
{
    store_content_row s = {
        .id = it->id,
        .status = status,
        .submitted_by = submitted_by,
        .comment = comment,
        .published_at = published_at,
        .sort_at = sort_at,
        .year = jst_year(sort_at),
        .announced = announced,
        .updated_by = c->actor ? c->actor->id : 0,
        .updated_at = now,
    };
    store_rc rc = store_content_set_state(c->e->db, &s);
    return rc == STORE_DONE ? STORE_ERROR : rc;
}

/* Approving: a staged copy replaces its live item; anything else goes public. */
static store_rc approve(tx_ctx *c, const store_content_row *row, const content_item *it,
                        const char *now)
{
    if (it->live_id) {
        c->id = it->live_id;
        store_content_row lrow;
        content_item live;
        store_rc rc = load(c, &lrow, &live);
        if (rc != STORE_OK)
            return rc;
        store_content_row u = {
            .id = live.id, .title = it->title, .data = row->data, .rev = live.rev + 1,
            .slug = live.slug, .publish_at = live.publish_at, .unpublish_at = it->unpublish_at,
            .menu = it->menu, .menu_order = it->menu_order,
            .variant = variant_name(c->t, it->variant), .updated_by = c->actor->id,
            .updated_at = now,
        };
        rc = store_content_update(c->e->db, &u);
        if (rc == STORE_OK)
            rc = log_change(c, live.id, u.rev, it->title, lrow.data, row->data, "replace",
                            arena_printf(c->e->a, "%s「%s」を差し替えて公開", c->t->label,
                                         it->title),
                            now);
        if (rc == STORE_OK)
            rc = store_content_delete(c->e->db, it->id);
        if (rc != STORE_OK)
            return rc == STORE_DONE ? STORE_ERROR : rc;
        c->result_id = live.id;
        return STORE_OK;
    }
    /* A publish_at in the future makes it scheduled: the public reads
     * show it from then on; the worker announces it (content_run_schedule). */
    bool scheduled = it->publish_at && strcmp(it->publish_at, now) > 0;
    /* A publish_at in the past dates the item then: notices moved from the
     * old site keep their dates (spec 11.1). */
    const char *when = it->publish_at ? it->publish_at : (it->published_at ? it->published_at : now);
    c->result_id = it->id;
    store_rc rc = set_state(c, it, "published", it->submitted_by, NULL, when, when, !scheduled, now);
    if (rc == STORE_OK)
        rc = audit_add(c->e->db, c->actor->id, c->actor->login, "content.approve", c->t->name,
                       it->id,
                       arena_printf(c->e->a, scheduled ? "%s「%s」を承認（%s に公開予定）"
                                                       : "%s「%s」を承認して公開%s",
                                    c->t->label, it->title, scheduled ? it->publish_at : ""),
                       NULL, NULL);
    return rc;
}

static store_rc tx_act(store *db, void *ctx)
{
    tx_ctx *c = ctx;
    (void)db;
    char now[STORE_TIMESTAMP_LEN];
    now_ts(now);
    store_content_row row;
    content_item it;
    store_rc rc = load(c, &row, &it);
    if (rc != STORE_OK)
        return rc;
    char why[256];
    if (!content_may(c->e, c->actor, &it, c->act, why, sizeof why))
        return fail(c, CONTENT_FORBIDDEN, why);
    const char *summary = arena_printf(c->e->a, "%s「%s」: %s", c->t->label, it.title,
                                       content_action_label(c->act));
    c->result_id = it.id;
    switch (c->act) {
    case CONTENT_SUBMIT:
        rc = set_state(c, &it, "review", c->actor->id, NULL, it.published_at,
                       row.sort_at, row.announced, now);
        break;
    case CONTENT_PULL_BACK:
        rc = set_state(c, &it, "draft", 0, NULL, it.published_at, row.sort_at, row.announced, now);
        break;
    case CONTENT_SEND_BACK:
        rc = set_state(c, &it, "draft", it.submitted_by, c->comment, it.published_at, row.sort_at,
                       row.announced, now);
        summary = arena_printf(c->e->a, "%s「%s」を差し戻し: %s", c->t->label, it.title,
                               c->comment);
        break;
    case CONTENT_APPROVE:
        rc = approve(c, &row, &it, now);
        if (rc == STORE_OK && it.submitted_by && it.submitted_by != c->actor->id) {
            const char *to, *name;
            if (account_addr(c->e, it.submitted_by, &to, &name))
                rc = mail_one(c->e, "content_published", to, name, c->t, c->result_id, it.title,
                              c->actor, NULL);
        }
        return rc;
    case CONTENT_ARCHIVE:
        rc = set_state(c, &it, "archived", it.submitted_by, NULL, it.published_at, row.sort_at,
                       row.announced, now);
        break;
    case CONTENT_REOPEN:
        rc = set_state(c, &it, "draft", 0, NULL, it.published_at, row.sort_at, row.announced,
                       now);
        break;
    case CONTENT_DUPLICATE: {
        store_content_row d = {
            .type = c->t->name, .variant = row.variant, .status = "draft",
            .title = arena_printf(c->e->a, "%s（複製）", it.title), .data = row.data,
            .slug = NULL, .menu = it.menu, .menu_order = it.menu_order, .rev = 1,
            .created_by = c->actor->id, .updated_by = c->actor->id, .created_at = now,
            .updated_at = now,
        };
        /* The copy's title field says it is a copy too. */
        record r2;
        record_init(&r2, c->e->a);
        if (!d.title || !record_copy(&r2, &it.rec) || !record_set(&r2, c->t->title_field, d.title))
            return STORE_NOMEM;
        d.data = encode(c->e->a, &r2);
        if (!d.data)
            return STORE_NOMEM;
        rc = store_content_insert(c->e->db, &d, &c->result_id);
        if (rc == STORE_OK)
            rc = log_change(c, c->result_id, 1, d.title, NULL, d.data, "duplicate",
                            arena_printf(c->e->a, "%s「%s」を複製", c->t->label, it.title), now);
        return rc;
    }
    case CONTENT_TRASH:
        rc = store_content_set_trashed(c->e->db, it.id, now);
        break;
    case CONTENT_RESTORE:
        rc = store_content_set_trashed(c->e->db, it.id, NULL);
        break;
    case CONTENT_PURGE:
        rc = store_content_delete(c->e->db, it.id);
        if (rc == STORE_OK)
            rc = audit_add(c->e->db, c->actor->id, c->actor->login, "content.purge", c->t->name,
                           it.id, summary, row.data, NULL);
        c->result_id = 0;
        return rc == STORE_DONE ? STORE_ERROR : rc;
    }
    if (rc == STORE_DONE)
        rc = STORE_ERROR;
    if (rc == STORE_OK)
        rc = audit_add(c->e->db, c->actor->id, c->actor->login,
                       arena_printf(c->e->a, "content.%s", content_action_name(c->act)),
                       c->t->name, it.id, summary, NULL, NULL);
    /* The people concerned (spec 2.8: staff are told what waits for them). */
    if (rc == STORE_OK && c->act == CONTENT_SUBMIT) {
        store_content_staff *staff;
        int n;
        rc = store_content_publishers(c->e->db, c->e->a,
                                      c->t->publish_role == CONTENT_PUBLISH_EDITOR, &staff, &n);
        for (int i = 0; rc == STORE_OK && i < n; i++)
            if (staff[i].id != c->actor->id)
                rc = mail_one(c->e, "content_review", staff[i].email, staff[i].name, c->t, it.id,
                              it.title, c->actor, NULL);
    } else if (rc == STORE_OK && c->act == CONTENT_SEND_BACK && it.submitted_by &&
               it.submitted_by != c->actor->id) {
        const char *to, *name;
        if (account_addr(c->e, it.submitted_by, &to, &name))
            rc = mail_one(c->e, "content_sent_back", to, name, c->t, it.id, it.title, c->actor,
                          c->comment);
    }
    return rc;
}

content_rc content_act(const content_env *e, const account_view *actor, const content_type *t,
                       int64_t id, content_action act, const char *comment, int64_t *result_id,
                       char *err, size_t errlen)
{
    if (act == CONTENT_SEND_BACK) {
        size_t chars = comment ? utf8_count(comment, strlen(comment)) : 0;
        if (!comment || !*comment) {
            say(err, errlen, "差し戻しの理由を入力してください。");
            return CONTENT_INVALID;
        }
        if (chars > CONTENT_COMMENT_MAX_CHARS) {
            say(err, errlen, "差し戻しの理由は 2000 文字以内で入力してください。");
            return CONTENT_INVALID;
        }
    }
    tx_ctx c = {.e = e, .actor = actor, .t = t, .id = id, .act = act, .comment = comment,
                .crc = CONTENT_OK, .err = err, .errlen = errlen};
    return run(e, tx_act, &c, "操作を完了できませんでした。時間をおいてもう一度お試しください。",
               result_id);
}

content_rc content_lock(const content_env *e, const account_view *actor, content_item *it)
{
    if (it->lock_by && it->lock_by != actor->id)
        return CONTENT_OK; /* someone else has it open: the screen warns */
    char now[STORE_TIMESTAMP_LEN];
    now_ts(now);
    store_rc rc = store_content_set_lock(e->db, it->id, actor->id, now);
    it->lock_by = 0;
    it->lock_by_name = NULL;
    return rc == STORE_OK || rc == STORE_DONE ? CONTENT_OK : CONTENT_ERROR;
}

/* ---- lists ---- */

static content_rc list_items(const content_env *e, const content_type *t, store_content_row *rows,
                             int n, content_list *out)
{
    out->items = n ? arena_alloc(e->a, (size_t)n * sizeof *out->items) : NULL;
    if (n && !out->items)
        return CONTENT_ERROR;
    out->n = 0;
    for (int i = 0; i < n; i++) {
        content_rc rc = item_from_row(e, t, &rows[i], &out->items[out->n]);
        if (rc != CONTENT_OK)
            return rc;
        out->n++;
    }
    return CONTENT_OK;
}

content_rc content_list_staff(const content_env *e, const content_list_query *q,
                              content_list *out)
{
    memset(out, 0, sizeof *out);
    int per = q->per_page > 0 ? q->per_page : 20;
    int page = q->page > 0 ? q->page : 1;
    const char *status = q->status >= 0 ? content_status_name((content_status)q->status) : "";
    out->total = store_content_count(e->db, q->type->name, status, q->trash, q->q);
    if (out->total < 0)
        return CONTENT_ERROR;
    store_content_row *rows;
    int n;
    if (store_content_list(e->db, e->a, q->type->name, status, q->trash, q->q, q->sort, q->asc,
                           per, (page - 1) * per, &rows, &n) != STORE_OK)
        return CONTENT_ERROR;
    return list_items(e, q->type, rows, n, out);
}

typedef struct counts_ctx {
    int64_t (*counts)[5];
    size_t ntypes;
} counts_ctx;

static void count_one(void *ctx, const char *type, const char *status, bool trashed, int64_t n)
{
    counts_ctx *c = ctx;
    for (size_t i = 0; i < c->ntypes && content_types[i]; i++) {
        if (strcmp(content_types[i]->name, type) != 0)
            continue;
        content_status s;
        if (trashed)
            c->counts[i][4] += n;
        else if (content_status_parse(status, &s))
            c->counts[i][s] += n;
    }
}

content_rc content_counts(const content_env *e, int64_t (*counts)[5], size_t ntypes)
{
    memset(counts, 0, ntypes * sizeof *counts);
    counts_ctx c = {counts, ntypes};
    return store_content_counts(e->db, count_one, &c) == STORE_OK ? CONTENT_OK : CONTENT_ERROR;
}

/* ---- revisions ---- */

content_rc content_revisions(const content_env *e, int64_t id, content_revision **out, int *n)
{
    store_content_rev *rows;
    *out = NULL;
    *n = 0;
    if (store_content_rev_list(e->db, e->a, id, &rows, n) != STORE_OK)
        return CONTENT_ERROR;
    content_revision *r = *n ? arena_alloc(e->a, (size_t)*n * sizeof *r) : NULL;
    if (*n && !r)
        return CONTENT_ERROR;
    for (int i = 0; i < *n; i++) {
        memset(&r[i], 0, sizeof r[i]);
        r[i].rev = rows[i].rev;
        r[i].title = rows[i].title;
        r[i].actor_name = rows[i].actor_name;
        r[i].action = rows[i].action;
        r[i].created_at = rows[i].created_at;
        record_init(&r[i].rec, e->a);
    }
    *out = r;
    return CONTENT_OK;
}

content_rc content_revision_get(const content_env *e, int64_t id, int rev, content_revision *out)
{
    store_content_rev row;
    store_rc rc = store_content_rev_get(e->db, e->a, id, rev, &row);
    if (rc != STORE_OK)
        return from_store(rc);
    memset(out, 0, sizeof *out);
    out->rev = row.rev;
    out->title = row.title;
    out->actor_name = row.actor_name;
    out->action = row.action;
    out->created_at = row.created_at;
    record_init(&out->rec, e->a);
    return record_decode(&out->rec, row.data, strlen(row.data)) ? CONTENT_OK : CONTENT_ERROR;
}

content_rc content_revision_restore(const content_env *e, const account_view *actor,
                                    const content_type *t, int64_t id, int rev,
                                    int64_t *saved_id, char *err, size_t errlen)
{
    content_revision r;
    content_item cur;
    content_rc rc = content_get(e, t, id, &cur);
    if (rc == CONTENT_OK)
        rc = content_revision_get(e, id, rev, &r);
    if (rc != CONTENT_OK) {
        say(err, errlen, "指定の版が見つかりません。");
        return rc;
    }
    if (!account_is_staff(actor)) {
        say(err, errlen, "この操作はセンター職員だけが行えます。");
        return CONTENT_FORBIDDEN;
    }
    tx_ctx c = {.e = e, .actor = actor, .t = t, .id = id, .variant = cur.variant, .rec = &r.rec,
                .meta = NULL, .base_rev = cur.rev, .action_name = "restore", .crc = CONTENT_OK,
                .err = err, .errlen = errlen};
    return run(e, tx_save, &c, "復元できませんでした。時間をおいてもう一度お試しください。",
               saved_id);
}

/* ---- the public site ---- */

content_rc content_public_list(const content_env *e, const content_public_query *q,
                               content_list *out, bool with_records)
{
    memset(out, 0, sizeof *out);
    char now[STORE_TIMESTAMP_LEN];
    now_ts(now);
    int per = q->per_page > 0 ? q->per_page : 20;
    int page = q->page > 0 ? q->page : 1;
    out->total = -1;
    if (!q->no_total &&
        (out->total = store_content_public_count(e->db, q->type->name, q->year, now)) < 0)
        return CONTENT_ERROR;
    store_content_row *rows;
    int n;
    if (store_content_public_list(e->db, e->a, q->type->name, q->year, now, with_records, per,
                                  (page - 1) * per, &rows, &n) != STORE_OK)
        return CONTENT_ERROR;
    return list_items(e, q->type, rows, n, out);
}

content_rc content_public_get(const content_env *e, const content_type *t, int64_t id,
                              content_item *out)
{
    char now[STORE_TIMESTAMP_LEN];
    now_ts(now);
    store_content_row r;
    store_rc rc = store_content_public_get(e->db, e->a, t->name, id, now, &r);
    return rc == STORE_OK ? item_from_row(e, t, &r, out) : from_store(rc);
}

content_rc content_public_by_slug(const content_env *e, const content_type *t, const char *slug,
                                  content_item *out)
{
    char now[STORE_TIMESTAMP_LEN];
    now_ts(now);
    store_content_row r;
    store_rc rc = store_content_public_by_slug(e->db, e->a, t->name, slug, now, &r);
    return rc == STORE_OK ? item_from_row(e, t, &r, out) : from_store(rc);
}

content_rc content_public_menu(const content_env *e, const content_type *t, const char *menu,
                               content_list *out)
{
    memset(out, 0, sizeof *out);
    char now[STORE_TIMESTAMP_LEN];
    now_ts(now);
    store_content_row *rows;
    int n;
    if (store_content_public_menu(e->db, e->a, t->name, menu, now, CONTENT_MENU_MAX, &rows, &n) !=
        STORE_OK)
        return CONTENT_ERROR;
    out->total = n;
    return list_items(e, t, rows, n, out);
}

content_rc content_public_years(const content_env *e, const content_type *t, int **years, int *n)
{
    char now[STORE_TIMESTAMP_LEN];
    now_ts(now);
    return store_content_public_years(e->db, e->a, t->name, now, years, n) == STORE_OK
               ? CONTENT_OK
               : CONTENT_ERROR;
}

/* ---- the worker ---- */

typedef struct sched_ctx {
    const content_env *e;
    int changed;
} sched_ctx;

static store_rc tx_schedule(store *db, void *ctx)
{
    sched_ctx *s = ctx;
    const content_env *e = s->e;
    char now[STORE_TIMESTAMP_LEN];
    now_ts(now);
    s->changed = 0;
    int64_t *ids;
    int n;
    store_rc rc = store_content_due_publish(db, e->a, now, 100, &ids, &n);
    for (int i = 0; rc == STORE_OK && i < n; i++) {
        store_content_row r;
        rc = store_content_get(db, e->a, ids[i], false, &r);
        if (rc != STORE_OK)
            break;
        const content_type *t = content_type_find(r.type);
        r.announced = true;
        r.updated_at = now;
        rc = store_content_set_state(db, &r);
        if (rc == STORE_OK)
            rc = audit_add(db, 0, "system", "content.scheduled_publish", r.type, r.id,
                           arena_printf(e->a, "%s「%s」を予定どおり公開",
                                        t ? t->label : r.type, r.title),
                           NULL, NULL);
        if (rc == STORE_OK && t && r.submitted_by) {
            const char *to, *name;
            if (account_addr(e, r.submitted_by, &to, &name))
                rc = mail_one(e, "content_published", to, name, t, r.id, r.title, NULL, NULL);
        }
        s->changed++;
    }
    if (rc == STORE_OK)
        rc = store_content_due_unpublish(db, e->a, now, 100, &ids, &n);
    for (int i = 0; rc == STORE_OK && i < n; i++) {
        store_content_row r;
        rc = store_content_get(db, e->a, ids[i], false, &r);
        if (rc != STORE_OK)
            break;
        r.status = "archived";
        r.updated_at = now;
        rc = store_content_set_state(db, &r);
        if (rc == STORE_OK)
            rc = audit_add(db, 0, "system", "content.scheduled_unpublish", r.type, r.id,
                           arena_printf(e->a, "「%s」の公開を予定どおり終了", r.title), NULL,
                           NULL);
        s->changed++;
    }
    /* Only a change moves the counter (else every run would empty the
     * page caches). */
    if (rc == STORE_OK && s->changed > 0)
        rc = store_generation_bump(db, CONTENT_GENERATION);
    return rc;
}

content_rc content_run_schedule(const content_env *e, int *changed)
{
    sched_ctx s = {e, 0};
    store_rc rc = store_tx(e->db, tx_schedule, &s);
    if (changed)
        *changed = rc == STORE_OK ? s.changed : 0;
    return rc == STORE_OK ? CONTENT_OK : CONTENT_ERROR;
}
