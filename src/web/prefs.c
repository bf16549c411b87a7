/* prefs.c - see prefs.h; the /display handler is in web/display.c. */
#include "web/prefs.h"

#include <string.h>

static const char *const sizes[] = {"standard", "large", "xlarge"};
static const char *const colors[] = {"white", "black", "blue"};

static const char *pick(const char *const *set, size_t n, const char *v)
{
    for (size_t i = 0; v && i < n; i++)
        if (strcmp(set[i], v) == 0)
            return set[i];
    return NULL;
}

const char *prefs_size(const char *v)
{
    return pick(sizes, sizeof sizes / sizeof *sizes, v);
}

const char *prefs_color(const char *v)
{
    return pick(colors, sizeof colors / sizeof *colors, v);
}

display_prefs prefs_from_request(const http_request *req)
{
    const char *s = prefs_size(http_cookie(req, PREFS_SIZE_COOKIE));
    const char *c = prefs_color(http_cookie(req, PREFS_COLOR_COOKIE));
    return (display_prefs){s ? s : sizes[0], c ? c : colors[0]};
}
