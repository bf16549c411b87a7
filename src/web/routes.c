/*
 * routes.c - the route table of Tsunagu, and the server hooks.
 *
 * Every URL the server answers is a line here (STYLE.md "Data, not code").
 * http/router.c refuses to start if a route lacks a permission, or if a POST
 * lacks a CSRF check; docs/security/permission-matrix.md mirrors this table.
 */
#include "core/log.h"
#include "store/store.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/account.h"
#include "web/media.h"
#include "web/admin_content.h"
#include "web/admin_io.h"
#include "web/content_public.h"
#include "web/testroutes.h"

const route web_routes[] = {
    {.method = "GET", .path = "/", .handler = web_home, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/healthz", .handler = web_healthz, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/display", .handler = web_display, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/static/{*path}", .handler = web_static, .perm = PERM_PUBLIC},

    /* the public content pages (web/content_public.c) */
    {.method = "GET", .path = "/notices", .handler = web_public_notices, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/notices/{id}", .handler = web_public_notice, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/notices/archive/{year}", .handler = web_public_notices_year,
     .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/centre-news", .handler = web_public_centre_news,
     .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/centre-news/{id}", .handler = web_public_centre_news_item,
     .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/centre-news/archive/{year}",
     .handler = web_public_centre_news_year, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/pages/{slug}", .handler = web_public_page, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/centre", .handler = web_public_centre, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/policy", .handler = web_public_policy, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/accessibility", .handler = web_public_accessibility,
     .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/contact", .handler = web_public_contact, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/sitemap", .handler = web_public_sitemap, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/links", .handler = web_public_links, .perm = PERM_PUBLIC},

    /* accounts (web/login.c, web/register.c; spec 3.1, 3.3) */
    {.method = "GET", .path = "/login", .handler = web_login_form, .perm = PERM_PUBLIC},
    {.method = "POST", .path = "/login", .handler = web_login, .perm = PERM_PUBLIC, .csrf = true},
    {.method = "GET", .path = "/login/totp", .handler = web_totp_form, .perm = PERM_PUBLIC},
    {.method = "POST", .path = "/login/totp", .handler = web_totp, .perm = PERM_PUBLIC,
     .csrf = true},
    {.method = "GET", .path = "/login/totp/enrol", .handler = web_totp_enrol_form,
     .perm = PERM_PUBLIC},
    {.method = "POST", .path = "/login/totp/enrol", .handler = web_totp_enrol,
     .perm = PERM_PUBLIC, .csrf = true},
    {.method = "GET", .path = "/logout", .handler = web_logout_form, .perm = PERM_PUBLIC},
    {.method = "POST", .path = "/logout", .handler = web_logout, .perm = PERM_PUBLIC, .csrf = true},
    {.method = "GET", .path = "/register", .handler = web_register_form, .perm = PERM_PUBLIC},
    {.method = "POST", .path = "/register", .handler = web_register, .perm = PERM_PUBLIC,
     .csrf = true},
    {.method = "GET", .path = "/register/verify", .handler = web_register_verify_form,
     .perm = PERM_PUBLIC},
    {.method = "POST", .path = "/register/verify", .handler = web_register_verify,
     .perm = PERM_PUBLIC, .csrf = true},
    {.method = "GET", .path = "/password/reset", .handler = web_reset_form, .perm = PERM_PUBLIC},
    {.method = "POST", .path = "/password/reset", .handler = web_reset, .perm = PERM_PUBLIC,
     .csrf = true},
    {.method = "POST", .path = "/password/reset/confirm", .handler = web_reset_complete,
     .perm = PERM_PUBLIC, .csrf = true},
    /* the signed-in user's own account (web/my_account.c) */
    {.method = "GET", .path = "/account", .handler = web_account, .perm = PERM_MEMBER},
    {.method = "GET", .path = "/account/password", .handler = web_account_password_form,
     .perm = PERM_MEMBER},
    {.method = "POST", .path = "/account/password", .handler = web_account_password,
     .perm = PERM_MEMBER, .csrf = true},
    {.method = "GET", .path = "/account/email", .handler = web_account_email_form,
     .perm = PERM_MEMBER},
    {.method = "POST", .path = "/account/email", .handler = web_account_email,
     .perm = PERM_MEMBER, .csrf = true},
    /* opened from the mail, perhaps on another device: the token decides */
    {.method = "GET", .path = "/account/email/verify", .handler = web_account_email_verify_form,
     .perm = PERM_PUBLIC},
    {.method = "POST", .path = "/account/email/verify", .handler = web_account_email_verify,
     .perm = PERM_PUBLIC, .csrf = true},
    {.method = "GET", .path = "/account/delete", .handler = web_account_delete_form,
     .perm = PERM_MEMBER},
    {.method = "POST", .path = "/account/delete", .handler = web_account_delete,
     .perm = PERM_MEMBER, .csrf = true},
    /* the admin (web/admin*.c) */
    {.method = "GET", .path = "/admin", .handler = web_admin_home, .perm = PERM_STAFF_EDITOR},
    {.method = "GET", .path = "/admin/accounts", .handler = web_admin_accounts,
     .perm = PERM_STAFF_ADMIN},
    /* staff creation (web/admin_staff.c): before /admin/accounts/{id} */
    {.method = "GET", .path = "/admin/accounts/new", .handler = web_admin_staff_new_form,
     .perm = PERM_STAFF_ADMIN},
    {.method = "POST", .path = "/admin/accounts/new", .handler = web_admin_staff_create,
     .perm = PERM_STAFF_ADMIN, .csrf = true},
    {.method = "GET", .path = "/admin/accounts/{id}", .handler = web_admin_account,
     .perm = PERM_STAFF_ADMIN},
    {.method = "POST", .path = "/admin/accounts/{id}/{action}",
     .handler = web_admin_account_action, .perm = PERM_STAFF_ADMIN, .csrf = true},
    {.method = "GET", .path = "/admin/security-log", .handler = web_admin_security_log,
     .perm = PERM_STAFF_ADMIN},
    /* content CSV, revisions, audit log, staff creation (web/admin_content_csv.c,
     * web/admin_revisions.c, web/admin_audit.c, web/admin_staff.c); the literal
     * /export and /import come before the content screens' /admin/content/{type}/{id} */
    {.method = "GET", .path = "/admin/content/{type}/export", .handler = web_admin_content_export,
     .perm = PERM_STAFF_EDITOR},
    {.method = "GET", .path = "/admin/content/{type}/import",
     .handler = web_admin_content_import_form, .perm = PERM_STAFF_EDITOR},
    {.method = "POST", .path = "/admin/content/{type}/import", .handler = web_admin_content_import,
     .perm = PERM_STAFF_EDITOR, .csrf = true, .max_body = LIMIT_BODY_UPLOAD},
    {.method = "GET", .path = "/admin/content/{type}/{id}/revisions",
     .handler = web_admin_revisions, .perm = PERM_STAFF_EDITOR},
    {.method = "GET", .path = "/admin/content/{type}/{id}/revisions/{rev}",
     .handler = web_admin_revision, .perm = PERM_STAFF_EDITOR},
    {.method = "POST", .path = "/admin/content/{type}/{id}/revisions/{rev}",
     .handler = web_admin_revision_restore, .perm = PERM_STAFF_EDITOR, .csrf = true},
    {.method = "GET", .path = "/admin/audit-log", .handler = web_admin_audit_log,
     .perm = PERM_STAFF_ADMIN},
    {.method = "GET", .path = "/admin/audit-log/{id}", .handler = web_admin_audit_line,
     .perm = PERM_STAFF_ADMIN},
    /* the media library (web/admin_media.c, web/media.c) */
    {.method = "GET", .path = "/media/{id}/thumb", .handler = web_media_thumb,
     .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/media/{id}/{name}", .handler = web_media_file,
     .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/admin/media", .handler = web_admin_media,
     .perm = PERM_STAFF_EDITOR},
    {.method = "POST", .path = "/admin/media", .handler = web_admin_media_upload,
     .perm = PERM_STAFF_EDITOR, .csrf = true, .max_body = LIMIT_BODY_UPLOAD},
    {.method = "GET", .path = "/admin/media/{id}", .handler = web_admin_media_item,
     .perm = PERM_STAFF_EDITOR},
    {.method = "POST", .path = "/admin/media/{id}/{action}", .handler = web_admin_media_action,
     .perm = PERM_STAFF_EDITOR, .csrf = true},
    /* the content engine's staff screens (web/admin_content.c) */
    {.method = "GET", .path = "/admin/content/{type}", .handler = web_admin_content_list,
     .perm = PERM_STAFF_EDITOR},
    {.method = "GET", .path = "/admin/content/{type}/new", .handler = web_admin_content_new_form,
     .perm = PERM_STAFF_EDITOR},
    {.method = "POST", .path = "/admin/content/{type}/new", .handler = web_admin_content_create,
     .perm = PERM_STAFF_EDITOR, .csrf = true},
    {.method = "GET", .path = "/admin/content/{type}/{id}", .handler = web_admin_content_edit,
     .perm = PERM_STAFF_EDITOR},
    {.method = "POST", .path = "/admin/content/{type}/{id}", .handler = web_admin_content_save,
     .perm = PERM_STAFF_EDITOR, .csrf = true},
    {.method = "GET", .path = "/admin/content/{type}/{id}/preview",
     .handler = web_admin_content_preview, .perm = PERM_STAFF_EDITOR},
    {.method = "POST", .path = "/admin/content/{type}/{id}/{action}",
     .handler = web_admin_content_act, .perm = PERM_STAFF_EDITOR, .csrf = true},
#ifdef TSUNAGU_TEST_ROUTES
    {.method = "GET", .path = "/_test/echo", .handler = web_test_echo, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/_test/form", .handler = web_test_form, .perm = PERM_PUBLIC},
    {.method = "POST", .path = "/_test/form", .handler = web_test_echo, .perm = PERM_PUBLIC,
     .csrf = true},
    {.method = "POST", .path = "/_test/upload", .handler = web_test_echo, .perm = PERM_PUBLIC,
     .csrf = true, .max_body = LIMIT_BODY_UPLOAD},
    {.method = "POST", .path = "/_test/nocsrf", .handler = web_test_echo, .perm = PERM_PUBLIC,
     .csrf_waiver = "test of the waiver mechanism", .max_body = 1024},
    {.method = "GET", .path = "/_test/slow", .handler = web_test_slow, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/_test/member", .handler = web_test_echo, .perm = PERM_MEMBER},
    {.method = "POST", .path = "/_test/mail", .handler = web_test_mail, .perm = PERM_PUBLIC,
     .csrf_waiver = "test of the outbox transaction, driven by scripts", .max_body = 4096},
#endif
};

const size_t web_routes_count = sizeof web_routes / sizeof web_routes[0];

struct store *web_db_open(void *ctx)
{
    app *ap = ctx;
    char err[256];
    struct store *db = store_open(ap->cfg.data_dir, err, sizeof err);
    if (!db)
        log_error("データベースを開けません: %s", err);
    return db;
}

void web_db_close(struct store *db)
{
    store_close(db);
}
