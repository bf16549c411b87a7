/*
 * account.h - the screens of the account system (spec 3.1, 3.3):
 *   web/login.c       sign-in, the staff second factor, sign-out
 *   web/register.c    member registration and its mailed link, password reset
 *   web/my_account.c  the signed-in user's own account: password, address, leaving
 * and the small helpers they share for forms with errors.
 *
 * Every screen keeps what was typed when it answers with errors (except
 * passwords), lists the errors at the top with links to the fields, and
 * gives the same message for every kind of failed sign-in (3.1.5).
 */
#ifndef TSUNAGU_WEB_ACCOUNT_H
#define TSUNAGU_WEB_ACCOUNT_H

#include "http/request.h"
#include "tmpl/value.h"

/* Handlers (routes.c). */
int web_login_form(http_request *req);
int web_login(http_request *req);
int web_logout_form(http_request *req);
int web_logout(http_request *req);
int web_totp_form(http_request *req);
int web_totp(http_request *req);
int web_totp_enrol_form(http_request *req);
int web_totp_enrol(http_request *req);
int web_register_form(http_request *req);
int web_register(http_request *req);
int web_register_verify_form(http_request *req);
int web_register_verify(http_request *req);
int web_reset_form(http_request *req);
int web_reset(http_request *req);
int web_reset_complete(http_request *req);
int web_account(http_request *req);
int web_account_password_form(http_request *req);
int web_account_password(http_request *req);
int web_account_email_form(http_request *req);
int web_account_email(http_request *req);
int web_account_email_verify_form(http_request *req);
int web_account_email_verify(http_request *req);
int web_account_delete_form(http_request *req);
int web_account_delete(http_request *req);

/* ---- shared by the account screens ---- */

/* A page with a form: web_page() plus the CSRF token, an empty `errors`
 * list and an empty `form` map.  NULL on OOM. */
tv *web_form_page(http_request *req, const char *title, const char *crumb_url);

/* Appends {field_id, message} to root.errors.  False on OOM. */
bool web_form_error(http_request *req, tv *root, const char *field_id, const char *message);

/* Keeps a typed value in root.form[name] (never use it for passwords). */
bool web_form_keep(http_request *req, tv *root, const char *name, const char *value);

/* True if root.errors is not empty. */
bool web_form_has_errors(const tv *root);

/* Renders template with status 200, or 400 when the form has errors (the
 * title then starts with 「入力内容に誤りがあります」, 2.4.2). */
int web_form_render(http_request *req, tv *root, const char *template_name);

/* A page with one message (after registering, after asking for a reset
 * ...): title, then the paragraphs of text.  status 200 normally. */
int web_message_page(http_request *req, int status, const char *title, const char *text,
                     const char *link_url, const char *link_label);

/* A stored UTC timestamp ("2026-11-23T03:04:05Z") as Japanese text in JST,
 * "2026年11月23日（月）12時04分"; "" for NULL or a malformed one. */
const char *web_time_ja(arena *a, const char *ts);

/* base + "?next=" + the percent-encoded local path next (and "?query" when
 * query is not NULL or empty), in the request's arena; NULL on OOM. */
const char *web_with_next(http_request *req, const char *base, const char *next,
                          const char *query);

/* The local page to go to after signing in: next if it is a safe local
 * path (vulnerability class 15, open redirect), else def. */
const char *web_next_path(const char *next, const char *def);

#endif
