/*
 * csrf.h - protection against requests the user did not intend
 * (spec 3.4, vulnerability class 6-1).
 *
 * Each browser gets a random seed in an HttpOnly SameSite=Lax cookie; a form's
 * token is HMAC-SHA-256(server key, seed).  A POST to a route with .csrf set
 * must carry the token in the field "_csrf", and its Origin (or, without one,
 * its Referer) must be this site.  The account layer will bind the seed to
 * the session so that a new session gets a new token.
 */
#ifndef TSUNAGU_HTTP_CSRF_H
#define TSUNAGU_HTTP_CSRF_H

#include <stdbool.h>
#include <stdint.h>

#include "core/secret.h"
#include "http/request.h"

#define CSRF_COOKIE "tsunagu_csrf"
#define CSRF_FIELD "_csrf"

/* Sets the server key (read-only afterwards).  Called once at start-up. */
void csrf_set_key(const uint8_t key[SECRET_KEY_LEN]);

/* The token for this browser's forms (arena string); sets the seed cookie on
 * the response if the browser has none.  NULL on OOM. */
const char *http_csrf_token(http_request *req);

/* Checks the token and the origin of a state-changing request. */
bool http_csrf_verify(http_request *req);

#endif
