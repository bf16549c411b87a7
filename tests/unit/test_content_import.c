/*
 * test_content_import.c - domain/content_import.h: a CSV import's lines are
 * stored in one transaction, all or nothing, each with its revision and
 * audit line, and a published item is changed only through its staged copy.
 *
 * Each test works in a fresh temporary data directory with a migrated
 * store and one staff account.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "content/types.h"
#include "core/config.h"
#include "domain/account.h"
#include "domain/content.h"
#include "domain/content_import.h"
#include "store/store.h"
#include "tap.h"

typedef struct fx {
    char root[256], data[300];
    store *db;
    config cfg;
    account_params p;
    arena a;
    content_env e;
    account_view admin, member;
} fx;

static void add_account(fx *f, const char *login, account_role role, account_view *out)
{
    account_env ae = {.db = f->db, .a = &f->a, .p = &f->p, .addr = "", .base_url = ""};
    char email[64], err[256];
    snprintf(email, sizeof email, "%s@example.jp", login);
    account_new n = {.login = login,
                     .password = "correct horse 1!",
                     .password_len = 16,
                     .email = email,
                     .name = login,
                     .role = role,
                     .member_type =
                         role == ACCOUNT_ROLE_MEMBER ? ACCOUNT_TYPE_INDIVIDUAL : ACCOUNT_TYPE_NONE};
    int64_t id = 0;
    if (account_create_verified(&ae, &n, false, 0, &id, err, sizeof err) != ACCOUNT_OK ||
        account_get(&ae, id, out) != ACCOUNT_OK) {
        printf("# cannot create account %s: %s\n", login, err);
        exit(2);
    }
}

static void fx_open(fx *f)
{
    memset(f, 0, sizeof *f);
    const char *base = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : P_tmpdir;
    snprintf(f->root, sizeof f->root, "%s/tsunagu-import-XXXXXX", base);
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
    account_params_init(&f->p, &f->cfg);
    f->p.pw = (password_params){256, 1, 1}; /* fast; production uses the default */
    arena_init(&f->a);
    f->e = (content_env){.db = f->db, .a = &f->a, .base_url = "https://example.jp"};
    f->e.fields.a = &f->a;
    add_account(f, "centre-admin", ACCOUNT_ROLE_ADMIN, &f->admin);
    add_account(f, "hanako", ACCOUNT_ROLE_MEMBER, &f->member);
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
    arena_free(&f->a);
    nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int64_t q_int(fx *f, const char *sql, int64_t arg)
{
    store_stmt *st = store_prepare(f->db, sql);
    if (!st)
        return -999;
    if (arg)
        store_bind_int(st, 1, arg);
    int64_t v = store_step(st) == STORE_ROW ? store_col_int(st, 0) : -998;
    store_done(st);
    return v;
}

static const record *notice(fx *f, const char *title)
{
    record *r = arena_alloc(&f->a, sizeof *r);
    record_init(r, &f->a);
    CHECK(record_set(r, "title", title) && record_set(r, "body", "本文"));
    return r;
}

/* A draft notice made the ordinary way. */
static int64_t draft(fx *f, const char *title)
{
    int64_t id = 0;
    char err[256];
    CHECK(content_create(&f->e, &f->admin, &content_type_notice, 0, notice(f, title), NULL, &id,
                         err, sizeof err) == CONTENT_OK);
    return id;
}

static int64_t published(fx *f, const char *title)
{
    int64_t id = draft(f, title);
    char err[256];
    CHECK(content_act(&f->e, &f->admin, &content_type_notice, id, CONTENT_SUBMIT, NULL, NULL, err,
                      sizeof err) == CONTENT_OK);
    CHECK(content_act(&f->e, &f->admin, &content_type_notice, id, CONTENT_APPROVE, NULL, NULL, err,
                      sizeof err) == CONTENT_OK);
    return id;
}

static const char *title_of(fx *f, int64_t id)
{
    content_item it;
    if (content_get(&f->e, &content_type_notice, id, &it) != CONTENT_OK)
        return "(none)";
    return it.title;
}

TEST(new_lines_and_updates_are_stored_with_a_revision_and_an_audit_line_each)
{
    fx f;
    fx_open(&f);
    int64_t old = draft(&f, "既存");
    int64_t audit = q_int(&f, "SELECT count(*) FROM audit_log", 0);
    content_import_line l[] = {
        {.line = 2, .rec = notice(&f, "新しいお知らせ")},
        {.line = 3, .id = old, .base_rev = 1, .rec = notice(&f, "既存（更新）")},
    };
    int64_t ids[2];
    size_t failed;
    char err[256] = "";
    CHECK_INT(
        content_import(&f.e, &f.admin, &content_type_notice, l, 2, ids, &failed, err, sizeof err),
        CONTENT_OK);
    CHECK_INT(failed, 2);
    CHECK(ids[0] > old);
    CHECK_INT(ids[1], old);
    CHECK_STR(title_of(&f, ids[0]), "新しいお知らせ");
    CHECK_STR(title_of(&f, old), "既存（更新）");
    CHECK_INT(q_int(&f, "SELECT rev FROM content_item WHERE id = ?", old), 2);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM content_revision WHERE action = 'import'", 0), 2);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM audit_log", 0), audit + 2);
    CHECK_INT(q_int(&f,
                    "SELECT count(*) FROM audit_log WHERE action = 'content.import' "
                    "AND before_data IS NOT NULL AND target_id = ?",
                    old),
              1);
    CHECK_INT(q_int(&f, "SELECT status = 'draft' FROM content_item WHERE id = ?", ids[0]), 1);
    fx_close(&f);
}

TEST(one_failing_line_rolls_back_every_line)
{
    fx f;
    fx_open(&f);
    int64_t a = draft(&f, "一件目");
    int64_t items = q_int(&f, "SELECT count(*) FROM content_item", 0);
    int64_t audit = q_int(&f, "SELECT count(*) FROM audit_log", 0);
    /* Someone saves item a after the import was checked (at rev 1). */
    char err[256] = "";
    CHECK(content_save(&f.e, &f.admin, &content_type_notice, a, 1, notice(&f, "別の職員が保存"),
                       NULL, NULL, err, sizeof err) == CONTENT_OK);
    content_import_line l[] = {
        {.line = 2, .rec = notice(&f, "新規")},
        {.line = 5, .id = a, .base_rev = 1, .rec = notice(&f, "取り込み")},
    };
    int64_t ids[2];
    size_t failed = 99;
    CHECK_INT(
        content_import(&f.e, &f.admin, &content_type_notice, l, 2, ids, &failed, err, sizeof err),
        CONTENT_CONFLICT);
    CHECK_INT(failed, 1);
    CHECK(strncmp(err, "5 行目: ", strlen("5 行目: ")) == 0);
    CHECK(ids[0] == 0 && ids[1] == 0);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM content_item", 0), items);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM audit_log", 0), audit + 1); /* the save only */
    CHECK_STR(title_of(&f, a), "別の職員が保存");
    /* An item that is gone, or of another type, or in the trash. */
    l[1].base_rev = 2;
    l[1].id = 999999;
    CHECK_INT(
        content_import(&f.e, &f.admin, &content_type_notice, l, 2, NULL, &failed, err, sizeof err),
        CONTENT_NOT_FOUND);
    int64_t page = 0;
    CHECK(content_create(&f.e, &f.admin, &content_type_page, 0, notice(&f, "ページ"), NULL, &page,
                         err, sizeof err) == CONTENT_OK);
    l[1].id = page;
    l[1].base_rev = 1;
    CHECK_INT(
        content_import(&f.e, &f.admin, &content_type_notice, l, 2, NULL, &failed, err, sizeof err),
        CONTENT_NOT_FOUND);
    CHECK(content_act(&f.e, &f.admin, &content_type_notice, a, CONTENT_TRASH, NULL, NULL, err,
                      sizeof err) == CONTENT_OK);
    l[1].id = a;
    l[1].base_rev = 2;
    CHECK_INT(
        content_import(&f.e, &f.admin, &content_type_notice, l, 2, NULL, &failed, err, sizeof err),
        CONTENT_INVALID);
    CHECK(strstr(err, "ゴミ箱") != NULL);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM content_item WHERE type = 'notice'", 0), items);
    fx_close(&f);
}

TEST(a_published_item_changes_only_through_its_staged_copy)
{
    fx f;
    fx_open(&f);
    int64_t live = published(&f, "公開中");
    content_import_line l = {.line = 2, .id = live, .base_rev = 1, .rec = notice(&f, "訂正版")};
    int64_t staged = 0;
    size_t failed;
    char err[256];
    CHECK_INT(content_import(&f.e, &f.admin, &content_type_notice, &l, 1, &staged, &failed, err,
                             sizeof err),
              CONTENT_OK);
    CHECK(staged != live && staged > 0);
    CHECK_STR(title_of(&f, live), "公開中");
    CHECK_STR(title_of(&f, staged), "訂正版");
    CHECK_INT(q_int(&f, "SELECT live_id FROM content_item WHERE id = ?", staged), live);
    /* A second import continues the same copy. */
    l.rec = notice(&f, "訂正版 2");
    int64_t again = 0;
    CHECK_INT(content_import(&f.e, &f.admin, &content_type_notice, &l, 1, &again, &failed, err,
                             sizeof err),
              CONTENT_OK);
    CHECK_INT(again, staged);
    CHECK_INT(q_int(&f, "SELECT rev FROM content_item WHERE id = ?", staged), 2);
    /* Once the copy waits for review, it is not changed behind the reviewer. */
    CHECK(content_act(&f.e, &f.admin, &content_type_notice, staged, CONTENT_SUBMIT, NULL, NULL, err,
                      sizeof err) == CONTENT_OK);
    l.rec = notice(&f, "訂正版 3");
    CHECK_INT(
        content_import(&f.e, &f.admin, &content_type_notice, &l, 1, NULL, &failed, err, sizeof err),
        CONTENT_INVALID);
    CHECK_STR(title_of(&f, staged), "訂正版 2");
    fx_close(&f);
}

TEST(only_staff_may_import)
{
    fx f;
    fx_open(&f);
    content_import_line l = {.line = 2, .rec = notice(&f, "x")};
    size_t failed;
    char err[256];
    CHECK_INT(content_import(&f.e, &f.member, &content_type_notice, &l, 1, NULL, &failed, err,
                             sizeof err),
              CONTENT_FORBIDDEN);
    CHECK_INT(
        content_import(&f.e, NULL, &content_type_notice, &l, 1, NULL, &failed, err, sizeof err),
        CONTENT_FORBIDDEN);
    CHECK_INT(q_int(&f, "SELECT count(*) FROM content_item", 0), 0);
    /* No lines: nothing to do, nothing fails. */
    CHECK_INT(content_import(&f.e, &f.admin, &content_type_notice, NULL, 0, NULL, &failed, err,
                             sizeof err),
              CONTENT_OK);
    fx_close(&f);
}

int main(void)
{
    return tap_run();
}
