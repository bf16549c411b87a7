/*
 * auth.h - who is asking: the session behind a request, and the route
 * table's permission check (spec 3.1.2, 3.2.2).
 *
 * The session cookie (WEB_SESSION_COOKIE: HttpOnly, SameSite=Lax, Path=/,
 * Secure over HTTPS; a session cookie without Max-Age, so closing the
 * browser forgets it) carries the 256-bit session ID; the database keeps
 * only its hash (domain/session.h).  It is looked up once per request, by
 * web_authorise() before the handler runs, and kept in req->auth.
 *
 * Permissions (the route table's perm, docs/security/permission-matrix.md):
 *   PERM_PUBLIC        everyone
 *   PERM_MEMBER        a full session of any active account (members use
 *                      their own pages; staff may open them too)
 *   PERM_STAFF_EDITOR  a full session of an editor or a system administrator
 *   PERM_STAFF_ADMIN   a full session of a system administrator
 * Not signed in: a GET is redirected to /login?next=PATH, anything else
 * answers 403.  Signed in without the right: 403.  A half session (staff
 * whose second factor is due) counts as not signed in everywhere except the
 * second-factor screens, which check it themselves.
 */
#ifndef TSUNAGU_WEB_AUTH_H
#define TSUNAGU_WEB_AUTH_H

#include <stdbool.h>

#include "domain/account.h"
#include "domain/session.h"
#include "http/request.h"
#include "http/route.h"

#define WEB_SESSION_COOKIE "tsunagu_session"

/* What web_authorise() found, in req->auth (arena memory). */
typedef struct web_auth {
    bool has_session;   /* a valid session (full or half) */
    session_info session;
    const char *cookie; /* the session ID as sent, when has_session */
} web_auth;

/* The account environment for domain calls made by this request. */
void web_account_env(http_request *req, account_env *e);

/* The request's auth (never NULL after web_authorise(); a blank one if the
 * lookup could not run). */
const web_auth *web_auth_of(http_request *req);

/* The signed-in account of a full session, or NULL (spec 3.2.2-1: every
 * check starts from the session). */
const account_view *web_actor(http_request *req);

/* Sets the session cookie to token (a new session) or, with NULL, deletes
 * it. */
bool web_set_session_cookie(http_request *req, const char *token);

/* The route table's permission check: the server's authorise hook. */
bool web_authorise(http_request *req, perm p, int *status);

#endif
