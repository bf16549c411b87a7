/*
 * response.h - what handlers call to answer.
 *
 * Handlers fill req->resp through these functions; the server adds the
 * security headers (http/server.c, security_headers()) to every response,
 * whoever built it.  Header values pass through http_resp_header(), which
 * refuses CR, LF and other control characters (vulnerability class 9, HTTP
 * header injection).
 */
#ifndef TSUNAGU_HTTP_RESPONSE_H
#define TSUNAGU_HTTP_RESPONSE_H

#include <stdbool.h>

#include "http/request.h"

/* Adds a response header (name and value copied into the arena).  Refuses
 * (returns false, adds nothing) a value with control characters or a full
 * header list. */
bool http_resp_header(http_request *req, const char *name, const char *value);

/* Sets a cookie: Path=/, HttpOnly, SameSite=Lax, Secure when the request came
 * over HTTPS.  max_age_s < 0 = session cookie; 0 deletes it.  Name and value
 * must be cookie-octets (checked). */
bool http_set_cookie(http_request *req, const char *name, const char *value, long max_age_s);

/* A text body (copied).  content_type e.g. "text/plain; charset=utf-8". */
bool http_text(http_request *req, int status, const char *content_type, const char *body);

/* Redirect to a local path only ("/x?y"), never to another site
 * (vulnerability class 15, open redirect): anything that is not a path
 * starting with a single '/' is replaced by "/". */
bool http_redirect_local(http_request *req, int status, const char *path);

/* Fills req->resp with the Japanese error page for status (404, 413 ...),
 * through the site layout when it can render (http/server.c). */
void http_error(http_request *req, int status);

/* True if s is a safe local redirect target (see http_redirect_local). */
bool http_is_local_path(const char *s);

#endif
