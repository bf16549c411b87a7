/*
 * admin_io.h - the staff screens around the content editor: moving content in
 * and out as CSV, its history, the audit log, and creating staff accounts.
 *
 * web/admin_content_csv.c (staff: editor or admin)
 *   GET  /admin/content/{type}/export          the column form; with
 *                                              ?download=1&col=..., the CSV file
 *   GET  /admin/content/{type}/import          the upload form
 *   POST /admin/content/{type}/import          dry run (検査) or import (取り込み):
 *                                              a per-line report, all or nothing
 * web/admin_revisions.c (staff)
 *   GET  /admin/content/{type}/{id}/revisions        the list of versions
 *   GET  /admin/content/{type}/{id}/revisions/{rev}  that version against the current one
 *   POST /admin/content/{type}/{id}/revisions/{rev}  restore it (a new save)
 * web/admin_audit.c (system administrators)
 *   GET  /admin/audit-log                       filters, newest first, pages of 50
 *   GET  /admin/audit-log/{id}                  one line with its record before and after
 * web/admin_staff.c (system administrators)
 *   GET  /admin/accounts/new                    the form
 *   POST /admin/accounts/new                    creates the account; its initial
 *                                              password is shown once (SEC-15)
 *
 * Permissions and CSRF are the route table's (web/routes.c); the domain
 * checks again what each actor may do to each item.
 */
#ifndef TSUNAGU_WEB_ADMIN_IO_H
#define TSUNAGU_WEB_ADMIN_IO_H

#include "content/field.h"
#include "content/record.h"
#include "http/request.h"
#include "tmpl/value.h"

int web_admin_content_export(http_request *req);
int web_admin_content_import_form(http_request *req);
int web_admin_content_import(http_request *req);

int web_admin_revisions(http_request *req);
int web_admin_revision(http_request *req);
int web_admin_revision_restore(http_request *req);

int web_admin_audit_log(http_request *req);
int web_admin_audit_line(http_request *req);

int web_admin_staff_new_form(http_request *req);
int web_admin_staff_create(http_request *req);

/* The field-by-field comparison of two records, for the revision and audit
 * screens (templates/admin/_record_diff.html):
 *   changed: list of {key, label, before, after, lines (bool), whole (bool),
 *            before_lines / after_lines: list of {text, mark ("del" / "ins" /
 *            "")}} for every key whose value differs; lines is set when
 *            either value has several lines, whole when they were too long
 *            to compare line by line (content/diff.h);
 *   same:    list of {key, label, value} of the keys with equal values;
 *   nchanged, nsame.
 * Keys are labelled with t's descriptors for variant v (t may be NULL: the
 * keys themselves), in t's CSV column order, then any other key in record
 * order.  before or after may be NULL (an empty record).  NULL on OOM. */
tv *web_record_diff(http_request *req, const content_type *t, int v, const record *before,
                    const record *after);

/* The Japanese label of a revision or audit action ("save" 保存,
 * "content.save" 保存, "content.submit" 確認に回す ...), or the action itself
 * when it has none. */
const char *web_action_label(const char *action);

#endif
