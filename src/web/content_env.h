/*
 * content_env.h - the content engine's environment for one request, shared
 * by the admin screens (web/admin_content*.c) and the public pages
 * (web/content_public.c).
 *
 * web_content_env() fills a content_env (domain/content.h) with the request's
 * database and arena, the mail texts, the base URL, the four-eyes setting,
 * and the callbacks the field engine needs: master lists read from the
 * database (master_item) and media labels from the media library.
 */
#ifndef TSUNAGU_WEB_CONTENT_ENV_H
#define TSUNAGU_WEB_CONTENT_ENV_H

#include "domain/content.h"
#include "http/request.h"

/* False when the request has no database or memory runs out (the caller
 * answers with an error page). */
bool web_content_env(http_request *req, content_env *e);

/* field_input over the request's form (POST body fields). */
void web_field_input(http_request *req, field_input *in);

/* The content type named by the {type} path parameter, or NULL. */
const content_type *web_content_type(http_request *req);

#endif
