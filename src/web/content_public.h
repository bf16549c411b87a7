/*
 * content_public.h - the public Super Net pages of the content engine
 * (spec 2.2, 2.3.6, 2.3.8, 2.6), in web/content_public.c:
 *
 *   GET /notices                      お知らせ: newest first, 20 a page (?page=N)
 *   GET /notices/{id}                 one notice
 *   GET /notices/archive/{year}       年別アーカイブ (JST calendar year)
 *   GET /centre-news ...              the same three for センターからのお知らせ
 *   GET /pages/{slug}                 a published fixed page (301 to the short address
 *                                     below for the slugs that have one)
 *   GET /centre                       the fixed page "centre" and the pages of menu "centre"
 *   GET /policy /accessibility /contact   the fixed page of that slug
 *   GET /sitemap                      the site's sections and every public fixed page (the
 *                                     page "sitemap", if any, as its introduction)
 *   GET /links                        関連団体リンク, one heading per category
 *
 * Every page reads only what domain/content.h calls public (published, not
 * trashed, inside its schedule), and builds its view from a record that went
 * through content_filter(AUDIENCE_PUBLIC) first, so no staff-only field can
 * reach a template.  An unknown or not-public item, a bad page number or a
 * year without items is the ordinary 404 page.  The pages hold nothing
 * personal: CACHE_PUBLIC_REVALIDATE, as the home page.
 *
 * Handlers return 0 (response filled) or -1 (database or memory failure:
 * the server answers 500 and logs).
 */
#ifndef TSUNAGU_WEB_CONTENT_PUBLIC_H
#define TSUNAGU_WEB_CONTENT_PUBLIC_H

#include <stdbool.h>

#include "domain/content.h"
#include "http/request.h"
#include "tmpl/value.h"

/* Items a list page shows (spec 2.3.6 gives no number; 20 keeps a phone
 * page short), and items of each list on the home page. */
#define WEB_PUBLIC_PER_PAGE 20
#define WEB_PUBLIC_HOME_ITEMS 5

int web_public_notices(http_request *req);
int web_public_notice(http_request *req);
int web_public_notices_year(http_request *req);
int web_public_centre_news(http_request *req);
int web_public_centre_news_item(http_request *req);
int web_public_centre_news_year(http_request *req);

int web_public_page(http_request *req);
int web_public_centre(http_request *req);
int web_public_policy(http_request *req);
int web_public_accessibility(http_request *req);
int web_public_contact(http_request *req);
int web_public_sitemap(http_request *req);
int web_public_links(http_request *req);

/* The home page's content slots (spec 2.2.1, 2.6), set into the map home:
 *   emergency      the newest public 緊急のお知らせ: {title, html, date_iso,
 *                  date_text}; not set when there is none
 *   variable_slot  the newest public 可変枠: the display view of its fields
 *                  (title.value, body.html); not set when there is none
 *   notices, centre_news  the latest WEB_PUBLIC_HOME_ITEMS of each:
 *                  lists of {title, url, date_iso, date_text}
 *   notices_url, centre_news_url  their list pages
 * False on a database or memory failure. */
bool web_public_home_content(http_request *req, tv *home);

/* The public page of it as visitors would see it once published, from its
 * record filtered for the public, with a banner saying it is a preview
 * (web/admin_content.c, GET /admin/content/{type}/{id}/preview). */
int web_content_preview(http_request *req, const content_env *e, const content_item *it);

#endif
