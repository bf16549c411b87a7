/* page.c - see page.h. */
#include "web/page.h"

#include <string.h>
#include <time.h>

#include "core/log.h"
#include "http/csrf.h"
#include "store/store.h"
#include "web/app.h"
#include "web/auth.h"
#include "web/prefs.h"
#include "web/settings.h"

typedef struct link {
    const char *label;
    const char *url;
} link;

/* Super Net's global menu (spec 2.2.2).  Fixed pages will add their own
 * entries through the CMS; these are the site's permanent sections. */
static const link supernet_nav[] = {
    {"ホーム", "/"},
    {"団体・企業を探す", "/org"},
    {"イベント・募集を探す", "/event"},
    {"助成を探す", "/grant"},
    {"活動実績・事例を探す", "/report"},
    {"掲載登録", "/org/register"},
    {"センターについて", "/centre"},
    {"ボランティア（あいかさねっと）", "/aikasanet"},
};

static const link supernet_utility[] = {
    {"サイトマップ", "/sitemap"},
    {"お問い合わせ", "/contact"},
};

static const link supernet_footer[] = {
    {"サイトマップ", "/sitemap"},
    {"情報登録規約・個人情報保護方針", "/policy"},
    {"ウェブアクセシビリティ方針", "/accessibility"},
    {"お問い合わせ", "/contact"},
};

/* Setting keys copied into `centre` (staff edit them; demo data fills them). */
static const char *const centre_keys[] = {
    "name", "postal_code", "address", "tel", "fax", "hours", "closed",
};

static tv *link_list(arena *a, const link *links, size_t n, const char *current)
{
    tv *list = tv_list(a);
    for (size_t i = 0; list && i < n; i++) {
        tv *item = tv_map(a);
        if (!item || !tv_set_str(a, item, "label", links[i].label) ||
            !tv_set_str(a, item, "url", links[i].url) || !tv_push(a, list, item))
            return NULL;
        if (current) {
            size_t ul = strlen(links[i].url);
            bool cur = strcmp(links[i].url, "/") == 0
                           ? strcmp(current, "/") == 0
                           : strncmp(current, links[i].url, ul) == 0 &&
                                 (current[ul] == '\0' || current[ul] == '/');
            if (!tv_set_bool(a, item, "current", cur))
                return NULL;
        }
    }
    return list;
}


tv *web_page(http_request *req, const char *title, const crumb *crumbs, size_t ncrumbs)
{
    arena *a = req->a;
    tv *root = tv_map(a), *site = tv_map(a), *page = tv_map(a), *prefs = tv_map(a);
    tv *centre = tv_map(a), *bc = tv_list(a);
    if (!root || !site || !page || !prefs || !centre || !bc)
        return NULL;

    const char *site_name = web_setting(req, "supernet.name", "山口県県民活動スーパーネット");
    bool ok = tv_set_str(a, site, "key", "supernet") && tv_set_str(a, site, "name", site_name) &&
              tv_set_str(a, site, "home_url", "/") && tv_set(a, root, "site", site);

    ok = ok && tv_set_str(a, page, "title", title ? title : site_name) &&
         tv_set_bool(a, page, "is_home", title == NULL) &&
         tv_set_str(a, page, "path", req->path ? req->path : "/");
    for (size_t i = 0; ok && i < ncrumbs; i++) {
        tv *c = tv_map(a);
        ok = c && tv_set_str(a, c, "label", crumbs[i].label) &&
             tv_set_str(a, c, "url", crumbs[i].url ? crumbs[i].url : "") && tv_push(a, bc, c);
    }
    ok = ok && tv_set(a, page, "breadcrumbs", bc) && tv_set(a, root, "page", page);

    display_prefs dp = prefs_from_request(req);
    ok = ok && tv_set_str(a, prefs, "size", dp.size) && tv_set_str(a, prefs, "color", dp.color) &&
         tv_set(a, root, "prefs", prefs);

    ok = ok &&
         tv_set(a, root, "nav",
                link_list(a, supernet_nav, sizeof supernet_nav / sizeof *supernet_nav,
                          req->path ? req->path : "/")) &&
         tv_set(a, root, "utility_nav",
                link_list(a, supernet_utility, sizeof supernet_utility / sizeof *supernet_utility,
                          NULL)) &&
         tv_set(a, root, "footer_nav",
                link_list(a, supernet_footer, sizeof supernet_footer / sizeof *supernet_footer,
                          NULL));

    for (size_t i = 0; ok && i < sizeof centre_keys / sizeof *centre_keys; i++) {
        const char *key = arena_printf(a, "centre.%s", centre_keys[i]);
        ok = key && tv_set_str(a, centre, centre_keys[i], web_setting(req, key, ""));
    }
    ok = ok && tv_set(a, root, "centre", centre);

    /* Who is signed in, for the header's links (a staff member's home is
     * the admin).  The sign-out button is a form, so the page needs the
     * CSRF token. */
    const account_view *actor = web_actor(req);
    if (ok && actor) {
        tv *user = tv_map(a);
        const char *tok = http_csrf_token(req);
        ok = user && tok && tv_set_str(a, user, "name", actor->name ? actor->name : "") &&
             tv_set_str(a, user, "login", actor->login ? actor->login : "") &&
             tv_set_str(a, user, "home_url", account_is_staff(actor) ? "/admin" : "/account") &&
             tv_set_str(a, user, "csrf_token", tok) && tv_set(a, root, "user", user);
    }

    time_t now = time(NULL) + 9 * 3600; /* JST */
    struct tm tm;
    gmtime_r(&now, &tm);
    ok = ok && tv_set_int(a, root, "year", tm.tm_year + 1900);
    return ok ? root : NULL;
}

bool web_page_form(http_request *req, tv *root)
{
    const char *tok = http_csrf_token(req);
    return tok && tv_set_str(req->a, root, "csrf_token", tok);
}

bool web_render(http_request *req, int status, const char *name, const tv *root)
{
    app *ap = req->app;
    char err[256];
    if (!root)
        return false;
    buf_reset(&req->resp.body);
    if (!tmpl_render(ap->tmpl, name, root, &req->resp.body, err, sizeof err)) {
        log_error("テンプレート %s を描画できません: %s", name, err);
        return false;
    }
    /* A page that knows who is signed in is nobody else's to cache. */
    if (web_auth_of(req)->has_session)
        req->resp.cache = CACHE_NONE;
    req->resp.status = status;
    req->resp.content_type = "text/html; charset=utf-8";
    req->resp.gzip_ok = true;
    return true;
}

int64_t web_path_id(const http_request *req, const char *name)
{
    const char *s = http_param(req, name);
    if (!s || s[0] < '1' || s[0] > '9' || strlen(s) > 15)
        return 0;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        v = v * 10 + (*p - '0');
    }
    return v;
}
