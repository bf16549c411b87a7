/*
 * home.c - the Super Net home page (spec 2.2.1).
 *
 * Sections appear in the spec's order; each list is filled by its content
 * type as those arrive, and shows a "nothing yet" line until then.  The
 * emergency slot, the variable slot and the two notice lists come from the
 * content engine (web/content_public.c).  Anonymous visitors get it from
 * the page cache (web/page_cache.h) until something it shows changes.
 */
#include "web/app.h"
#include "web/content_public.h"
#include "web/page.h"
#include "web/page_cache.h"
#include "web/settings.h"

static const char *const home_lists[] = {
    "orgs",
    "recruitments",
    "grants",
};

static int render_home(http_request *req)
{
    arena *a = req->a;
    tv *root = web_page(req, NULL, NULL, 0);
    tv *home = tv_map(a);
    if (!root || !home)
        return -1;
    bool ok = tv_set_str(a, home, "intro", web_setting(req, "supernet.intro", "")) &&
              tv_set_str(a, home, "centre_notice", web_setting(req, "supernet.centre_notice", ""));
    for (size_t i = 0; ok && i < sizeof home_lists / sizeof *home_lists; i++)
        ok = tv_set(a, home, home_lists[i], tv_list(a));
    ok = ok && web_public_home_content(req, home);
    if (!ok || !tv_set(a, root, "home", home))
        return -1;
    req->resp.cache = CACHE_PUBLIC_REVALIDATE;
    return web_render(req, 200, "home.html", root) ? 0 : -1;
}

int web_home(http_request *req)
{
    return page_cache_serve(req, NULL, render_home);
}
