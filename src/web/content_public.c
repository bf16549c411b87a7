/*
 * content_public.c - the public pages of notices, fixed pages and links, and
 * the home page's content slots.  See content_public.h for the URLs.
 *
 * Each handler asks domain/content.h for public items only, filters every
 * record with content_filter(AUDIENCE_PUBLIC) before field_display_view()
 * builds the view (so a staff-only field never reaches a template), and
 * renders one template of templates/content/.  The public entry points, at
 * the end of the file, go through the page cache (web/page_cache.h):
 * anonymous visitors get the kept bytes until something a page shows
 * changes; the renderers below never know.
 */
#include "web/content_public.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/jst.h"
#include "domain/content.h"
#include "http/response.h"
#include "web/content_env.h"
#include "web/page.h"
#include "web/page_cache.h"

/* Fixed pages that have their own short address (the header and footer
 * links of web/page.c): the page whose slug is the word is shown there (the
 * page "sitemap" as the introduction of the generated site map). */
static const char *const short_slugs[] = {"centre", "policy", "accessibility", "contact",
                                          "sitemap"};

/* Pages read for /centre, /sitemap and /links: a handful in practice; the
 * cap bounds the work a request can cause whatever staff create. */
#define ALL_PAGE_SIZE 100
#define ALL_MAX_ITEMS 1000

/* Page numbers in the query: more digits than this is no page of ours. */
#define PAGE_MAX 1000000

static int not_found(http_request *req)
{
    http_error(req, 404);
    return 0;
}

/* ---- small parsers of the URL ---- */

/* A decimal number of 1..max digits only, no sign, no leading zero; else 0. */
static long long parse_positive(const char *s, long long max)
{
    if (!s || s[0] < '1' || s[0] > '9')
        return 0;
    long long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        v = v * 10 + (*p - '0');
        if (v > max)
            return 0;
    }
    return v;
}

/* ?page=N: 1 when absent, 0 when it is not a page number. */
static int query_page(http_request *req)
{
    const char *s = http_query(req, "page");
    return s ? (int)parse_positive(s, PAGE_MAX) : 1;
}

/* ---- dates ---- */

/* A stored UTC timestamp as a time_t; false when malformed. */
static bool ts_time(const char *ts, time_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = ts ? strptime(ts, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
    if (!end || *end)
        return false;
    *out = timegm(&tm);
    return true;
}

/* The date an item shows: when it went public (for a scheduled item, its
 * publish_at), the same value that orders the lists and decides its year
 * (domain/content.h). */
static const char *item_ts(const content_item *it)
{
    return it->published_at ? it->published_at : it->publish_at;
}

/* Sets date_iso ("2026-11-23", JST, for <time datetime>) and date_text
 * ("2026年11月23日（月）") into m; both "" without a date. */
static bool set_date(arena *a, tv *m, const char *ts)
{
    time_t t;
    if (!ts_time(ts, &t))
        return tv_set_str(a, m, "date_iso", "") && tv_set_str(a, m, "date_text", "");
    time_t j = t + 9 * 3600;
    struct tm jt;
    gmtime_r(&j, &jt);
    char iso[48], text[JST_DATE_JA_LEN];
    snprintf(iso, sizeof iso, "%04d-%02d-%02d", jt.tm_year + 1900, jt.tm_mon + 1, jt.tm_mday);
    jst_date_ja(t, text, sizeof text);
    return tv_set_str(a, m, "date_iso", iso) && tv_set_str(a, m, "date_text", text);
}

/* ---- URLs ---- */

/* Every byte but A-Z a-z 0-9 - . _ ~ percent-encoded (one path segment). */
static const char *segment(arena *a, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = arena_alloc(a, 3 * n + 1), *o = out;
    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

static bool is_short_slug(const char *slug)
{
    for (size_t i = 0; slug && i < sizeof short_slugs / sizeof *short_slugs; i++)
        if (strcmp(slug, short_slugs[i]) == 0)
            return true;
    return false;
}

/* The address of a fixed page: /centre for "centre" (one address per page,
 * so no two pages share a title), /pages/{slug} otherwise. */
static const char *page_url(arena *a, const char *slug)
{
    if (!slug || !*slug)
        return NULL;
    if (is_short_slug(slug))
        return arena_printf(a, "/%s", slug);
    const char *s = segment(a, slug);
    return s ? arena_printf(a, "/pages/%s", s) : NULL;
}

static const char *item_url(arena *a, const content_type *t, int64_t id)
{
    return arena_printf(a, "%s/%lld", t->public_path, (long long)id);
}

/* ---- views ---- */

/* {title, url, date_iso, date_text} of a list item. */
static tv *entry_tv(arena *a, const content_type *t, const content_item *it)
{
    tv *m = tv_map(a);
    bool ok = m && tv_set_str(a, m, "title", it->title ? it->title : "") &&
              tv_set_str(a, m, "url", item_url(a, t, it->id)) && set_date(a, m, item_ts(it));
    return ok ? m : NULL;
}

/* The display view of it's fields as the public may see them (NULL on
 * OOM).  pub receives the filtered record; *extra (may be NULL) is set when
 * the view shows a field apart from the text: not the title, body or
 * summary (the image, files, links of a notice). */
static tv *public_view(const content_env *e, const content_item *it, record *pub, bool *extra)
{
    record_init(pub, e->a);
    if (!content_filter(it->type, it->variant, AUDIENCE_PUBLIC, &it->rec, pub))
        return NULL;
    tv *view = field_display_view(&e->fields, it->type, it->variant, pub);
    if (view && extra) {
        /* From the view, not the record: a file the media library no
         * longer holds is in the record but not shown. */
        const tv *fields = tv_get(view, "fields");
        *extra = false;
        for (size_t i = 0; i < tv_len(fields); i++) {
            const char *name = tv_text(tv_get(tv_at(fields, i), "name"), NULL);
            if (name && strcmp(name, "title") != 0 && strcmp(name, "body") != 0 &&
                strcmp(name, "summary") != 0)
                *extra = true;
        }
    }
    return view;
}

/* The page list of partials/pagination.html: the first and last pages and
 * two either side of the current one (a list of 500 pages stays short). */
static tv *pager_tv(arena *a, const char *base, int page, int pages, long long total)
{
    tv *p = tv_map(a), *list = tv_list(a);
    bool ok = p && list && tv_set_int(a, p, "total", total);
    for (int n = 1; ok && n <= pages; n++) {
        if (n != 1 && n != pages && (n < page - 2 || n > page + 2))
            continue;
        tv *m = tv_map(a);
        const char *url = n == 1 ? base : arena_printf(a, "%s?page=%d", base, n);
        ok = m && tv_set_int(a, m, "number", n) && tv_set_str(a, m, "url", url) &&
             tv_set_bool(a, m, "current", n == page) && tv_push(a, list, m);
    }
    ok = ok && tv_set(a, p, "pages", list);
    if (ok && page > 1)
        ok = tv_set_str(a, p, "prev_url",
                        page == 2 ? base : arena_printf(a, "%s?page=%d", base, page - 1));
    if (ok && page < pages)
        ok = tv_set_str(a, p, "next_url", arena_printf(a, "%s?page=%d", base, page + 1));
    return ok ? p : NULL;
}

/* Every public item of t (at most ALL_MAX_ITEMS), newest first.  The
 * array is sized by the first page's total; items published meanwhile are
 * left for the next request. */
static content_rc all_public(const content_env *e, const content_type *t, bool with_records,
                             content_item **items, int *n)
{
    content_item *all = NULL;
    int have = 0, cap = 0;
    for (int page = 1;; page++) {
        content_public_query q = {.type = t, .page = page, .per_page = ALL_PAGE_SIZE};
        content_list l;
        content_rc rc = content_public_list(e, &q, &l, with_records);
        if (rc != CONTENT_OK)
            return rc;
        if (!all) {
            cap = l.total < ALL_MAX_ITEMS ? (int)l.total : ALL_MAX_ITEMS;
            all = arena_calloc(e->a, cap > 0 ? (size_t)cap : 1, sizeof *all);
            if (!all)
                return CONTENT_ERROR;
        }
        for (int i = 0; i < l.n && have < cap; i++)
            all[have++] = l.items[i];
        if (l.n < ALL_PAGE_SIZE || have >= cap)
            break;
    }
    *items = all;
    *n = have;
    return CONTENT_OK;
}

/* ---- notices: list, year archive, detail (spec 2.3.6) ---- */

/* The year links of the archive: [{year, label, url, current}]. */
static tv *years_tv(http_request *req, const content_env *e, const content_type *t, int current)
{
    arena *a = req->a;
    int *years = NULL, n = 0;
    if (content_public_years(e, t, &years, &n) != CONTENT_OK)
        return NULL;
    tv *list = tv_list(a);
    for (int i = 0; list && i < n; i++) {
        tv *m = tv_map(a);
        if (!m || !tv_set_int(a, m, "year", years[i]) ||
            !tv_set_str(a, m, "url", arena_printf(a, "%s/archive/%d", t->public_path, years[i])) ||
            !tv_set_bool(a, m, "current", years[i] == current) || !tv_push(a, list, m))
            return NULL;
    }
    return list;
}

/* The list of t, of one JST year when year != 0. */
static int notice_list(http_request *req, const content_type *t, int year)
{
    arena *a = req->a;
    int page = query_page(req);
    if (page < 1)
        return not_found(req);
    content_env e;
    if (!web_content_env(req, &e))
        return -1;
    content_public_query q = {
        .type = t, .year = year, .page = page, .per_page = WEB_PUBLIC_PER_PAGE};
    content_list l;
    if (content_public_list(&e, &q, &l, false) != CONTENT_OK)
        return -1;
    /* An empty list is a page only as the first page of all years (a site
     * without notices yet); past the end, or a year without items, is not. */
    if (l.n == 0 && (page > 1 || year))
        return not_found(req);

    int pages = (int)((l.total + WEB_PUBLIC_PER_PAGE - 1) / WEB_PUBLIC_PER_PAGE);
    const char *base =
        year ? arena_printf(a, "%s/archive/%d", t->public_path, year) : t->public_path;
    const char *heading = year ? arena_printf(a, "%d年の%s", year, t->label) : t->label;
    /* Every page of a list has its own title (2.4.2). */
    const char *title = page > 1 ? arena_printf(a, "%s（%dページ目）", heading, page) : heading;
    if (!base || !heading || !title)
        return -1;
    crumb c[2] = {{t->label, year ? t->public_path : NULL}, {heading, NULL}};
    tv *root = web_page(req, title, c, year ? 2 : 1);
    tv *items = tv_list(a), *v = tv_map(a);
    if (!root || !items || !v)
        return -1;
    for (int i = 0; i < l.n; i++)
        if (!tv_push(a, items, entry_tv(a, t, &l.items[i])))
            return -1;
    bool ok = tv_set(a, v, "items", items) && tv_set_str(a, v, "label", t->label) &&
              tv_set_str(a, v, "heading", heading) &&
              tv_set_str(a, v, "list_url", t->public_path) && tv_set_int(a, v, "year", year) &&
              tv_set(a, v, "years", years_tv(req, &e, t, year)) && tv_set(a, root, "list", v) &&
              tv_set(a, root, "pager", pager_tv(a, base, page, pages, (long long)l.total));
    if (!ok)
        return -1;
    req->resp.cache = CACHE_PUBLIC_REVALIDATE;
    return web_render(req, 200, year ? "content/archive.html" : "content/list.html", root) ? 0 : -1;
}

static int notice_year(http_request *req, const content_type *t)
{
    /* Four digits: the archive's years, and nothing else, are pages. */
    const char *s = http_param(req, "year");
    long long y = s && strlen(s) == 4 ? parse_positive(s, 9999) : 0;
    if (y < 1000)
        return not_found(req);
    return notice_list(req, t, (int)y);
}

/* The detail page of item it of t (a notice, or any type without a page of
 * its own); preview: a staff member's look before publishing (no caching,
 * a banner saying so). */
static int show_item(http_request *req, const content_env *e, const content_type *t,
                     const content_item *it, bool preview)
{
    arena *a = req->a;
    bool extra = false;
    record pub;
    tv *view = public_view(e, it, &pub, &extra);
    const char *title = it->title ? it->title : "";
    const char *list_url = t->public_path ? t->public_path : "/";
    crumb c[2] = {{t->label, list_url}, {title, NULL}};
    /* A preview's title says so: never the same as the public page's. */
    tv *root = web_page(req, preview ? arena_printf(a, "プレビュー：%s", title) : title, c, 2);
    tv *doc = tv_map(a);
    if (!view || !root || !doc)
        return -1;
    bool ok = tv_set_str(a, doc, "label", t->label) && tv_set_str(a, doc, "list_url", list_url) &&
              set_date(a, doc, item_ts(it)) && tv_set_bool(a, doc, "extra", extra) &&
              tv_set(a, root, "doc", doc) && tv_set(a, root, "view", view) &&
              tv_set_bool(a, root, "preview", preview);
    if (!ok)
        return -1;
    req->resp.cache = preview ? CACHE_NONE : CACHE_PUBLIC_REVALIDATE;
    return web_render(req, 200, "content/show.html", root) ? 0 : -1;
}

static int notice_show(http_request *req, const content_type *t)
{
    int64_t id = (int64_t)parse_positive(http_param(req, "id"), INT64_MAX / 10);
    if (!id)
        return not_found(req);
    content_env e;
    if (!web_content_env(req, &e))
        return -1;
    content_item it;
    content_rc rc = content_public_get(&e, t, id, &it);
    if (rc == CONTENT_NOT_FOUND)
        return not_found(req);
    if (rc != CONTENT_OK)
        return -1;
    return show_item(req, &e, t, &it, false);
}

static int render_notices(http_request *req)
{
    return notice_list(req, &content_type_notice, 0);
}

static int render_notice(http_request *req)
{
    return notice_show(req, &content_type_notice);
}

static int render_notices_year(http_request *req)
{
    return notice_year(req, &content_type_notice);
}

static int render_centre_news(http_request *req)
{
    return notice_list(req, &content_type_centre_notice, 0);
}

static int render_centre_news_item(http_request *req)
{
    return notice_show(req, &content_type_centre_notice);
}

static int render_centre_news_year(http_request *req)
{
    return notice_year(req, &content_type_centre_notice);
}

/* ---- fixed pages (spec 2.3.8) ---- */

/* The Japanese name of menu place m ("" or unknown: NULL). */
static const char *menu_label(const char *m)
{
    for (size_t i = 0; m && *m && content_page_menus[i][0]; i++)
        if (strcmp(content_page_menus[i][0], m) == 0)
            return content_page_menus[i][1];
    return NULL;
}

/* {title, url, summary} of a fixed page (it carries its record). */
static tv *page_entry_tv(const content_env *e, const content_item *it)
{
    arena *a = e->a;
    record pub;
    record_init(&pub, a);
    if (!content_filter(it->type, it->variant, AUDIENCE_PUBLIC, &it->rec, &pub))
        return NULL;
    const char *summary = record_get(&pub, "summary");
    tv *m = tv_map(a);
    bool ok = m && tv_set_str(a, m, "title", it->title ? it->title : "") &&
              tv_set_str(a, m, "url", page_url(a, it->slug)) &&
              tv_set_str(a, m, "summary", summary ? summary : "");
    return ok ? m : NULL;
}

/* Orders the pages of a menu by menu_order, then by title (the order staff
 * set; stable whatever the publication order). */
static int by_menu_order(const void *x, const void *y)
{
    const content_item *a = x, *b = y;
    if (a->menu_order != b->menu_order)
        return a->menu_order < b->menu_order ? -1 : 1;
    return strcmp(a->title ? a->title : "", b->title ? b->title : "");
}

/* The public pages of menu place m (a copy, sorted), other than the page
 * slug skip. */
static content_rc menu_pages(const content_env *e, const content_item *all, int n, const char *m,
                             const char *skip, content_item **out, int *nout)
{
    content_item *sel = arena_calloc(e->a, n > 0 ? (size_t)n : 1, sizeof *sel);
    if (!sel)
        return CONTENT_ERROR;
    int k = 0;
    for (int i = 0; i < n; i++) {
        const char *im = all[i].menu ? all[i].menu : "";
        if (strcmp(im, m) != 0 || !all[i].slug || (skip && strcmp(all[i].slug, skip) == 0))
            continue;
        sel[k++] = all[i];
    }
    qsort(sel, (size_t)k, sizeof *sel, by_menu_order);
    *out = sel;
    *nout = k;
    return CONTENT_OK;
}

/* Renders the fixed page whose slug is slug.  children: also list the pages
 * of menu "centre" (the /centre page, spec 2.2.2 やまぐち県民活動支援センター). */
/* A fixed page: it (NULL when only the child list exists), and for /centre
 * the pages of the centre's menu; preview as in show_item(). */
static int render_page(http_request *req, const content_env *e, const content_item *it,
                       bool children, bool preview)
{
    arena *a = req->a;
    tv *sub = tv_list(a);
    if (!sub)
        return -1;
    if (children) {
        content_list l;
        if (content_public_menu(e, &content_type_page, "centre", &l) != CONTENT_OK)
            return -1;
        for (int i = 0; i < l.n; i++)
            if (!tv_push(a, sub, page_entry_tv(e, &l.items[i])))
                return -1;
        if (!it && l.n == 0)
            return not_found(req);
    } else if (!it) {
        return not_found(req);
    }

    const char *title = it && it->title ? it->title : menu_label("centre");
    const char *menu = it ? it->menu : NULL;
    /* The pages of the centre's menu sit under /centre in the trail. */
    crumb c[2] = {{"センターについて", "/centre"}, {title, NULL}};
    bool under_centre = !children && menu && strcmp(menu, "centre") == 0;
    tv *root = web_page(req, preview ? arena_printf(a, "プレビュー：%s", title) : title,
                        under_centre ? c : c + 1, under_centre ? 2 : 1);
    tv *doc = tv_map(a);
    if (!root || !doc)
        return -1;
    bool ok = tv_set(a, doc, "children", sub) && tv_set_bool(a, doc, "has_children", children) &&
              tv_set_bool(a, root, "preview", preview);
    if (ok && it) {
        bool extra = false;
        record pub;
        tv *view = public_view(e, it, &pub, &extra);
        const char *summary = view ? record_get(&pub, "summary") : NULL;
        ok = view && tv_set(a, root, "view", view) && tv_set_bool(a, doc, "found", true) &&
             tv_set_str(a, doc, "summary", summary ? summary : "") &&
             tv_set_bool(a, doc, "extra", extra);
    }
    ok = ok && tv_set(a, root, "doc", doc);
    if (!ok)
        return -1;
    req->resp.cache = preview ? CACHE_NONE : CACHE_PUBLIC_REVALIDATE;
    return web_render(req, 200, "content/page.html", root) ? 0 : -1;
}

static int page_show(http_request *req, const char *slug, bool children)
{
    content_env e;
    if (!web_content_env(req, &e))
        return -1;
    content_item it;
    content_rc rc = content_public_by_slug(&e, &content_type_page, slug, &it);
    if (rc != CONTENT_OK && rc != CONTENT_NOT_FOUND)
        return -1;
    return render_page(req, &e, rc == CONTENT_OK ? &it : NULL, children, false);
}

int web_content_preview(http_request *req, const content_env *e, const content_item *it)
{
    /* Never in a search engine, never cached: it is not public yet. */
    if (!http_resp_header(req, "X-Robots-Tag", "noindex"))
        return -1;
    if (it->type == &content_type_page)
        return render_page(req, e, it, false, true);
    return show_item(req, e, it->type, it, true);
}

static int render_fixed_page(http_request *req)
{
    const char *slug = http_param(req, "slug");
    if (!slug || !*slug)
        return not_found(req);
    /* One address per page: /pages/centre is /centre. */
    if (is_short_slug(slug)) {
        const char *to = arena_printf(req->a, "/%s", slug);
        return to && http_redirect_local(req, 301, to) ? 0 : -1;
    }
    return page_show(req, slug, false);
}

static int render_centre(http_request *req)
{
    return page_show(req, "centre", true);
}

static int render_policy(http_request *req)
{
    return page_show(req, "policy", false);
}

static int render_accessibility(http_request *req)
{
    return page_show(req, "accessibility", false);
}

static int render_contact(http_request *req)
{
    return page_show(req, "contact", false);
}

/* ---- site map ---- */

/* {title, items} of one group of the site map. */
static bool push_group(arena *a, tv *groups, const char *title, tv *items)
{
    tv *g = tv_map(a);
    return g && tv_set_str(a, g, "title", title) && tv_set(a, g, "items", items) &&
           tv_push(a, groups, g);
}

static bool push_link(arena *a, tv *items, const char *title, const char *url, const char *summary)
{
    tv *m = tv_map(a);
    return m && tv_set_str(a, m, "title", title) && tv_set_str(a, m, "url", url) &&
           tv_set_str(a, m, "summary", summary ? summary : "") && tv_push(a, items, m);
}

static int render_sitemap(http_request *req)
{
    arena *a = req->a;
    content_env e;
    if (!web_content_env(req, &e))
        return -1;
    content_item *all;
    int n;
    if (all_public(&e, &content_type_page, true, &all, &n) != CONTENT_OK)
        return -1;
    crumb c = {"サイトマップ", NULL};
    tv *root = web_page(req, "サイトマップ", &c, 1);
    tv *groups = tv_list(a), *news = tv_list(a);
    if (!root || !groups || !news)
        return -1;

    /* Notices and links: the content engine's own public lists. */
    bool ok =
        push_link(a, news, content_type_centre_notice.label, content_type_centre_notice.public_path,
                  NULL) &&
        push_link(a, news, content_type_notice.label, content_type_notice.public_path, NULL) &&
        push_link(a, news, content_type_link.label, content_type_link.public_path, NULL) &&
        push_group(a, groups, "お知らせ・リンク", news);

    /* Fixed pages by menu place, in the menus' order; the centre's own
     * page heads its group. */
    content_item centre;
    bool has_centre = false;
    for (int i = 0; i < n; i++)
        if (all[i].slug && strcmp(all[i].slug, "centre") == 0) {
            centre = all[i];
            has_centre = true;
        }
    for (size_t m = 1; ok && content_page_menus[m][0]; m++) {
        content_item *sel;
        int k;
        tv *items = tv_list(a);
        if (!items ||
            menu_pages(&e, all, n, content_page_menus[m][0], "centre", &sel, &k) != CONTENT_OK)
            return -1;
        if (strcmp(content_page_menus[m][0], "centre") == 0 && has_centre)
            ok = tv_push(a, items, page_entry_tv(&e, &centre));
        for (int i = 0; ok && i < k; i++)
            ok = tv_push(a, items, page_entry_tv(&e, &sel[i]));
        /* The footer's pages are about the site itself; "フッター" names a
         * place on the screen, which means nothing in a list. */
        const char *heading = strcmp(content_page_menus[m][0], "footer") == 0
                                  ? "このサイトについて"
                                  : content_page_menus[m][1];
        if (ok && (k > 0 || (has_centre && strcmp(content_page_menus[m][0], "centre") == 0)))
            ok = push_group(a, groups, heading, items);
    }
    /* Pages in no menu (or a menu place no longer known). */
    tv *other = tv_list(a);
    int others = 0;
    ok = ok && other;
    for (int i = 0; ok && i < n; i++) {
        if (!all[i].slug || strcmp(all[i].slug, "centre") == 0 ||
            strcmp(all[i].slug, "sitemap") == 0 || menu_label(all[i].menu))
            continue;
        ok = tv_push(a, other, page_entry_tv(&e, &all[i]));
        others++;
    }
    if (ok && others)
        ok = push_group(a, groups, "その他のページ", other);

    /* An introduction, if staff wrote a page "sitemap". */
    content_item intro;
    content_rc rc = content_public_by_slug(&e, &content_type_page, "sitemap", &intro);
    if (rc != CONTENT_OK && rc != CONTENT_NOT_FOUND)
        return -1;
    if (ok && rc == CONTENT_OK) {
        record pub;
        tv *view = public_view(&e, &intro, &pub, NULL);
        ok = view && tv_set(a, root, "view", view);
    }
    ok = ok && tv_set(a, root, "groups", groups);
    if (!ok)
        return -1;
    req->resp.cache = CACHE_PUBLIC_REVALIDATE;
    return web_render(req, 200, "content/sitemap.html", root) ? 0 : -1;
}

/* ---- related links (関連団体リンク, spec 2.2.2 相談する) ---- */

static int render_links(http_request *req)
{
    arena *a = req->a;
    const content_type *t = &content_type_link;
    content_env e;
    if (!web_content_env(req, &e))
        return -1;
    content_item *all;
    int n;
    if (all_public(&e, t, true, &all, &n) != CONTENT_OK)
        return -1;
    crumb c = {t->label, NULL};
    tv *root = web_page(req, t->label, &c, 1);
    tv *groups = tv_list(a);
    if (!root || !groups)
        return -1;

    /* The categories in the field's order, then any value no longer among
     * the choices, under its own name. */
    const field_desc *cat = content_field(t, "category");
    const char *const *choices = cat ? cat->choices : NULL;
    size_t nchoices = 0;
    while (choices && choices[nchoices])
        nchoices++;
    const char **names = arena_calloc(a, nchoices + (size_t)n + 1, sizeof *names);
    tv **lists = arena_calloc(a, nchoices + (size_t)n + 1, sizeof *lists);
    if (!names || !lists)
        return -1;
    size_t ngroups = 0;
    for (size_t i = 0; i < nchoices; i++)
        names[ngroups++] = choices[i];
    bool ok = true;
    for (int i = 0; ok && i < n; i++) {
        record pub;
        record_init(&pub, a);
        if (!content_filter(t, all[i].variant, AUDIENCE_PUBLIC, &all[i].rec, &pub))
            return -1;
        const char *category = record_get(&pub, "category");
        const char *url = record_get(&pub, "url");
        if (!url)
            continue;
        if (!category)
            category = "その他";
        size_t g = 0;
        while (g < ngroups && strcmp(names[g], category) != 0)
            g++;
        if (g == ngroups)
            names[ngroups++] = category;
        if (!lists[g] && !(lists[g] = tv_list(a)))
            return -1;
        tv *view = field_display_view(&e.fields, t, all[i].variant, &pub);
        tv *m = tv_map(a);
        ok = view && m && tv_set_str(a, m, "title", all[i].title ? all[i].title : "") &&
             tv_set_str(a, m, "url", url) && tv_set(a, m, "view", view) && tv_push(a, lists[g], m);
    }
    for (size_t g = 0; ok && g < ngroups; g++) {
        if (!lists[g])
            continue;
        tv *grp = tv_map(a);
        ok = grp && tv_set_str(a, grp, "title", names[g]) &&
             tv_set_str(a, grp, "id", arena_printf(a, "links-%zu", g + 1)) &&
             tv_set(a, grp, "items", lists[g]) && tv_push(a, groups, grp);
    }
    ok = ok && tv_set(a, root, "groups", groups) && tv_set_bool(a, root, "empty", n == 0);
    if (!ok)
        return -1;
    req->resp.cache = CACHE_PUBLIC_REVALIDATE;
    return web_render(req, 200, "content/links.html", root) ? 0 : -1;
}

/* ---- the home page's slots (spec 2.2.1, 2.6) ---- */

/* The newest public item of a slot type, with its record; *found set. */
static content_rc newest(const content_env *e, const content_type *t, content_item *out,
                         bool *found)
{
    content_public_query q = {.type = t, .page = 1, .per_page = 1, .no_total = true};
    content_list l;
    content_rc rc = content_public_list(e, &q, &l, true);
    *found = rc == CONTENT_OK && l.n > 0;
    if (*found)
        *out = l.items[0];
    return rc;
}

static tv *latest(const content_env *e, const content_type *t)
{
    content_public_query q = {
        .type = t, .page = 1, .per_page = WEB_PUBLIC_HOME_ITEMS, .no_total = true};
    content_list l;
    if (content_public_list(e, &q, &l, false) != CONTENT_OK)
        return NULL;
    tv *list = tv_list(e->a);
    for (int i = 0; list && i < l.n; i++)
        if (!tv_push(e->a, list, entry_tv(e->a, t, &l.items[i])))
            return NULL;
    return list;
}

bool web_public_home_content(http_request *req, tv *home)
{
    arena *a = req->a;
    content_env e;
    if (!web_content_env(req, &e))
        return false;
    content_item it;
    bool found;

    if (newest(&e, &content_type_emergency, &it, &found) != CONTENT_OK)
        return false;
    record pub;
    if (found) {
        tv *view = public_view(&e, &it, &pub, NULL);
        const tv *body = view ? tv_get(tv_get(view, "body"), "html") : NULL;
        tv *em = tv_map(a);
        if (!view || !em || !tv_set_str(a, em, "title", it.title ? it.title : "") ||
            !set_date(a, em, item_ts(&it)) || !tv_set(a, em, "view", view) ||
            !tv_set_bool(a, em, "has_body", body != NULL) || !tv_set(a, home, "emergency", em))
            return false;
    }

    if (newest(&e, &content_type_home_frame, &it, &found) != CONTENT_OK)
        return false;
    if (found) {
        tv *view = public_view(&e, &it, &pub, NULL);
        if (!view || !tv_set(a, home, "variable_slot", view))
            return false;
    }

    return tv_set(a, home, "centre_news", latest(&e, &content_type_centre_notice)) &&
           tv_set(a, home, "notices", latest(&e, &content_type_notice)) &&
           tv_set_str(a, home, "centre_news_url", content_type_centre_notice.public_path) &&
           tv_set_str(a, home, "notices_url", content_type_notice.public_path);
}

/* ---- the entry points: every page above through the page cache ---- */

/* The lists read ?page=; every other page reads no query parameter (others
 * sent along make no new cache entries, web/page_cache.h). */
static const char *const list_query[] = {"page", NULL};

int web_public_notices(http_request *req)
{
    return page_cache_serve(req, list_query, render_notices);
}

int web_public_notice(http_request *req)
{
    return page_cache_serve(req, NULL, render_notice);
}

int web_public_notices_year(http_request *req)
{
    return page_cache_serve(req, list_query, render_notices_year);
}

int web_public_centre_news(http_request *req)
{
    return page_cache_serve(req, list_query, render_centre_news);
}

int web_public_centre_news_item(http_request *req)
{
    return page_cache_serve(req, NULL, render_centre_news_item);
}

int web_public_centre_news_year(http_request *req)
{
    return page_cache_serve(req, list_query, render_centre_news_year);
}

int web_public_page(http_request *req)
{
    return page_cache_serve(req, NULL, render_fixed_page);
}

int web_public_centre(http_request *req)
{
    return page_cache_serve(req, NULL, render_centre);
}

int web_public_policy(http_request *req)
{
    return page_cache_serve(req, NULL, render_policy);
}

int web_public_accessibility(http_request *req)
{
    return page_cache_serve(req, NULL, render_accessibility);
}

int web_public_contact(http_request *req)
{
    return page_cache_serve(req, NULL, render_contact);
}

int web_public_sitemap(http_request *req)
{
    return page_cache_serve(req, NULL, render_sitemap);
}

int web_public_links(http_request *req)
{
    return page_cache_serve(req, NULL, render_links);
}
