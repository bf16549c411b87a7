/*
 * admin_content.h - the staff CMS screens of every content type
 * (web/admin_content.c), driven by the type's descriptor table:
 *
 *   GET  /admin/content/{type}                  list: filters, sorting, pages, trash
 *   GET  /admin/content/{type}/new              a new item's form
 *   POST /admin/content/{type}/new              check -> confirmation -> create
 *   GET  /admin/content/{type}/{id}             edit: state, actions, lock warning
 *   POST /admin/content/{type}/{id}             check -> confirmation -> save
 *   POST /admin/content/{type}/{id}/{action}    a workflow transition
 *   GET  /admin/content/{type}/{id}/preview     the public page as it would look
 *
 * A form that passes the checks is shown once more as it will read (the
 * confirmation screen of JIS X 8341-3 3.3.4); only "保存する" there stores
 * it.  "戻って修正する" brings the form back with everything typed.
 */
#ifndef TSUNAGU_WEB_ADMIN_CONTENT_H
#define TSUNAGU_WEB_ADMIN_CONTENT_H

#include "http/request.h"

int web_admin_content_list(http_request *req);
int web_admin_content_new_form(http_request *req);
int web_admin_content_create(http_request *req);
int web_admin_content_edit(http_request *req);
int web_admin_content_save(http_request *req);
int web_admin_content_act(http_request *req);
int web_admin_content_preview(http_request *req);

#endif
