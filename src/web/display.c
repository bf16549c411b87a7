/*
 * display.c - GET /display: the text-size and background-colour switches.
 *
 * Plain links (no JavaScript) such as /display?size=large&back=/org set a
 * cookie for a year and send the reader back to the page they were on.  The
 * back target must be a path on this site (vulnerability class 15).
 */
#include "http/response.h"
#include "web/app.h"
#include "web/prefs.h"

#define PREFS_MAX_AGE (365L * 24 * 3600)

int web_display(http_request *req)
{
    const char *size = http_query(req, "size");
    const char *color = http_query(req, "color");
    const char *s = prefs_size(size), *c = prefs_color(color);
    if ((size && !s) || (color && !c) || (!size && !color)) {
        http_error(req, 400);
        return 0;
    }
    if ((s && !http_set_cookie(req, PREFS_SIZE_COOKIE, s, PREFS_MAX_AGE)) ||
        (c && !http_set_cookie(req, PREFS_COLOR_COOKIE, c, PREFS_MAX_AGE)))
        return -1;
    return http_redirect_local(req, 303, http_query(req, "back")) ? 0 : -1;
}
