/*
 * page.h - the view every page template receives, and rendering into the
 * response.
 *
 * web_page() builds the root map documented in templates/layout/base.html:
 * site, page, prefs, nav, utility_nav, footer_nav, centre, year
 * (csrf_token only through web_page_form()).
 * Handlers add their own keys and call web_render().  Templates never see a
 * database record: handlers copy the public fields they need into the view.
 */
#ifndef TSUNAGU_WEB_PAGE_H
#define TSUNAGU_WEB_PAGE_H

#include "http/request.h"
#include "tmpl/tmpl.h"

typedef struct crumb {
    const char *label;
    const char *url;
} crumb;

/* Root view for a Super Net page titled title (NULL = the home page).
 * crumbs: breadcrumb trail below the home page, ending with the current page
 * (may be NULL/0).  NULL on OOM. */
tv *web_page(http_request *req, const char *title, const crumb *crumbs, size_t ncrumbs);

/* Adds csrf_token to a view whose page holds a state-changing form (sets the
 * CSRF seed cookie if the browser has none, so only pages with forms do). */
bool web_page_form(http_request *req, tv *root);

/* Renders template name with root into the response (text/html, gzip
 * allowed).  false on OOM or a render error (logged); the caller returns -1. */
bool web_render(http_request *req, int status, const char *name, const tv *root);

/* The path parameter name ("/admin/accounts/{id}") as a record id: a positive
 * decimal number of at most 15 digits without sign or leading zero, else 0
 * (the caller answers 404). */
int64_t web_path_id(const http_request *req, const char *name);

#endif
