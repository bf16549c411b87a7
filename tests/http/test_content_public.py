"""The public Super Net pages of the content engine (web/content_public.c):
notices and centre notices (lists, details, year archives), fixed pages, the
site map, related links and the home page's slots (spec 2.2.1, 2.3.6, 2.3.8,
2.6), driven over HTTP against the real server loaded with `tsunagu demo`.

The demo content is made through the staff workflow.  To make drafts,
scheduled and expired items the tests change the state or schedule of demo
items in the test's own database file while the server runs (a fixture
only): public visibility is decided when a page is read, so no restart or
worker run is needed."""
import datetime
import html
import os
import re
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, eq, ok, run, test  # noqa: E402

PER_PAGE = 20
LISTS = [("notice", "/notices", "お知らせ"), ("centre_notice", "/centre-news", "センターからのお知らせ")]


def utc(offset_s=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def jst_date(ts):
    t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(hours=9)
    return t.strftime("%Y-%m-%d")


def db(s):
    c = sqlite3.connect(os.path.join(s.data, "tsunagu.db"), timeout=10)
    c.isolation_level = None  # autocommit: each change is seen by the server at once
    return c


def rows(s, sql, *args):
    with db(s) as c:
        return c.execute(sql, args).fetchall()


# Every writer of content moves this counter in the same transaction
# (domain/content.h, content_tx), and the cache of public pages
# (web/page_cache.h) follows it: a fixture writing behind the engine's back
# does the same.
BUMP = ("INSERT INTO generation (name, value) VALUES ('content', 1) "
        "ON CONFLICT (name) DO UPDATE SET value = value + 1")


def execute(s, sql, *args):
    c = db(s)
    try:
        c.execute("BEGIN")
        c.execute(sql, args)
        c.execute(BUMP)
        c.execute("COMMIT")
    finally:
        c.close()


def public(s, type_):
    """(id, title, sort_at, year) of the published demo items of a type, newest first."""
    return rows(s, "SELECT id, title, sort_at, year FROM content_item WHERE type = ? AND "
                   "status = 'published' AND trashed_at IS NULL AND live_id IS NULL "
                   "ORDER BY sort_at DESC, id DESC", type_)


def get200(s, path):
    r = s.get(path)
    eq(r.status, 200, "GET %s: %s" % (path, r.text[:300]))
    return r


def h1(page):
    m = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    return html.unescape(m.group(1)).strip() if m else None


def title_tag(page):
    m = re.search(r"<title>(.*?)</title>", page, re.S)
    return html.unescape(m.group(1)) if m else None


def main_of(page):
    """The <main> element only: the header, menus and footer are not content."""
    return page[page.index("<main"):page.index("</main>")]


def list_titles(page, prefix):
    """Titles of the items linked from an entry list, in order."""
    return [html.unescape(t) for t in
            re.findall(r'<a class="entry-link" href="%s/\d+">(.*?)</a>' % re.escape(prefix),
                       main_of(page))]


def absent(s, paths, needle, why):
    for p in paths:
        r = s.get(p)
        ok(needle not in r.text, "%s: %s shows %r" % (why, p, needle))


# ---- notices and centre notices (spec 2.3.6) ------------------------------------

@test
def spec_2_3_6_lists_newest_first_with_dates_in_time_elements():
    with Server() as s:
        for type_, prefix, label in LISTS:
            items = public(s, type_)
            ok(len(items) >= 5, "demo has %s items" % type_)
            r = get200(s, prefix)
            eq(h1(r.text), label)
            ok(title_tag(r.text).startswith(label + " | "), title_tag(r.text))
            eq(list_titles(r.text, prefix), [t for _, t, _, _ in items][:PER_PAGE])
            for id_, _, sort_at, _ in items:
                ok('<time class="entry-date" datetime="%s">' % jst_date(sort_at) in r.text,
                   "date of %d in <time>" % id_)
            ok("全%d件" % len(items) in r.text, "the count")
            ok('rel="next"' not in r.text, "one page only")
            eq(r.getheader("Cache-Control"), "no-cache")


@test
def spec_2_3_6_detail_shows_title_date_and_body():
    with Server() as s:
        for type_, prefix, label in LISTS:
            id_, title, sort_at, _ = public(s, type_)[0]
            data = rows(s, "SELECT data FROM content_item WHERE id = ?", id_)[0][0]
            body_start = re.search(r"^body\t([^\\\n]{8})", data, re.M).group(1)
            r = get200(s, "%s/%d" % (prefix, id_))
            eq(h1(r.text), title)
            ok(title_tag(r.text).startswith(title + " | "), title_tag(r.text))
            ok('<time datetime="%s">' % jst_date(sort_at) in r.text, "the date")
            ok(body_start in r.text, "the body")
            ok('<a href="%s">%s</a>' % (prefix, label) in r.text, "breadcrumb to the list")
            ok("<dl" not in main_of(r.text), "no other fields: no list of them")
            # The other public fields go through partials/field_display.html.
            execute(s, "UPDATE content_item SET data = data || ? WHERE id = ?",
                    "links.1.url\thttps://example.jp/guide\nlinks.1.label\t説明会の案内\n", id_)
            main = main_of(get200(s, "%s/%d" % (prefix, id_)).text)
            ok("<dt>関連リンク</dt>" in main, "the links field's label")
            ok('<a href="https://example.jp/guide">説明会の案内</a>' in main, "the link")


@test
def unknown_malformed_or_foreign_ids_are_the_404_page():
    with Server() as s:
        notice = public(s, "notice")[0][0]
        centre = public(s, "centre_notice")[0][0]
        for path in ["/notices/999999", "/notices/0", "/notices/-1", "/notices/abc",
                     "/notices/0%d" % notice, "/notices/%d.0" % notice,
                     "/centre-news/%d" % notice, "/notices/%d" % centre,
                     "/notices/99999999999999999999999", "/notices?page=2", "/notices?page=0",
                     "/notices?page=x", "/notices?page=-1", "/notices/archive/1999",
                     "/notices/archive/abcd", "/notices/archive/20255", "/notices/archive/0202",
                     "/centre-news/archive/1999", "/pages/no-such-page", "/pages/%E3%81%82"]:
            r = s.get(path)
            eq(r.status, 404, path)
            ok("ページが見つかりません" in r.text, "the normal 404 page on " + path)


def move_to_last_year(s, type_, n):
    """Fixture: dates the n oldest public items of a type a year back (as a
    publication a year ago would have been dated), so two years have items."""
    for id_, _, sort_at, _ in public(s, type_)[-n:]:
        t = datetime.datetime.strptime(sort_at, "%Y-%m-%dT%H:%M:%SZ")
        t = t.replace(year=t.year - 1, day=min(t.day, 28))
        at = t.strftime("%Y-%m-%dT%H:%M:%SZ")
        year = (t + datetime.timedelta(hours=9)).year
        execute(s, "UPDATE content_item SET published_at = ?, sort_at = ?, year = ? WHERE id = ?",
                at, at, year, id_)


@test
def demo_notices_span_two_years():
    # The demo dates its notices back over a year with publish_at in the past, so the
    # year archive has something to show on a fresh install.
    with Server() as s:
        for type_, _, _ in LISTS:
            years = sorted({y for _, _, _, y in public(s, type_)})
            ok(len(years) >= 2, "demo %s spans two years: %r" % (type_, years))


@test
def spec_2_3_6_year_archive_lists_that_year_and_links_every_year():
    with Server() as s:
        for type_, prefix, label in LISTS:
            if len({y for _, _, _, y in public(s, type_)}) < 2:
                move_to_last_year(s, type_, 2)
            items = public(s, type_)
            years = sorted({y for _, _, _, y in items}, reverse=True)
            ok(len(years) >= 2, "two years: %r" % years)
            listing = get200(s, prefix).text
            for y in years:
                ok('href="%s/archive/%d"' % (prefix, y) in listing, "list links year %d" % y)
                r = get200(s, "%s/archive/%d" % (prefix, y))
                eq(h1(r.text), "%d年の%s" % (y, label))
                eq(list_titles(r.text, prefix), [t for _, t, _, yy in items if yy == y])
                for other in years:
                    ok('href="%s/archive/%d"' % (prefix, other) in r.text, "links %d" % other)
                ok('href="%s/archive/%d" aria-current="page"' % (prefix, y) in r.text,
                   "the year shown is marked")


@test
def spec_2_3_6_pagination_twenty_a_page():
    with Server() as s:
        base = public(s, "notice")
        # 30 more published notices, copies of the newest one, older than all others.
        c = db(s)
        for i in range(30):
            at = "2020-01-01T00:00:%02dZ" % i
            c.execute("INSERT INTO content_item (type, variant, status, title, data, rev, "
                      "published_at, sort_at, year, created_at, updated_at) "
                      "SELECT type, variant, status, ?, data, rev, ?, ?, 2020, created_at, "
                      "updated_at FROM content_item WHERE id = ?",
                      ("古いお知らせ %02d" % i, at, at, base[0][0]))
        c.execute(BUMP)
        c.close()
        total = len(base) + 30
        r = get200(s, "/notices")
        titles = list_titles(r.text, "/notices")
        eq(len(titles), PER_PAGE)
        eq(titles[:len(base)], [t for _, t, _, _ in base])
        ok("全%d件" % total in r.text, "the count")
        ok('href="/notices?page=2" rel="next"' in r.text, "a next link")
        ok('aria-current="page">1<' in r.text, "page 1 is current")
        r2 = get200(s, "/notices?page=2")
        eq(len(list_titles(r2.text, "/notices")), total - PER_PAGE)
        ok('href="/notices" rel="prev"' in r2.text, "a previous link to page 1")
        ok('rel="next"' not in r2.text, "the last page")
        ok("2ページ目" in title_tag(r2.text), "page 2 has its own title")
        ok(title_tag(r2.text) != title_tag(r.text), "unique titles")
        eq(s.get("/notices?page=3").status, 404)
        r = get200(s, "/notices/archive/2020")
        eq(len(list_titles(r.text, "/notices")), PER_PAGE)
        ok('href="/notices/archive/2020?page=2" rel="next"' in r.text, "archive pages too")
        eq(len(list_titles(get200(s, "/notices/archive/2020?page=2").text, "/notices")), 10)


# ---- what the public must not see ------------------------------------------------

@test
def a_draft_is_never_visible():
    with Server() as s:
        id_, title, _, year = public(s, "notice")[0]
        execute(s, "UPDATE content_item SET status = 'draft' WHERE id = ?", id_)
        eq(s.get("/notices/%d" % id_).status, 404)
        absent(s, ["/", "/notices", "/notices/archive/%d" % year], title, "a draft")
        # The emergency slot of the demo is a draft: the home page shows no region.
        r = get200(s, "/")
        ok('role="region"' not in r.text and "緊急のお知らせ" not in r.text, "no emergency slot")


@test
def a_scheduled_item_appears_when_its_time_comes():
    with Server() as s:
        id_, title, _, year = public(s, "notice")[0]
        at = utc(3)
        execute(s, "UPDATE content_item SET publish_at = ?, sort_at = ? WHERE id = ?", at, at, id_)
        eq(s.get("/notices/%d" % id_).status, 404)
        absent(s, ["/", "/notices"], title, "a scheduled item before its time")
        deadline = datetime.datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
        while datetime.datetime.now(datetime.timezone.utc) < deadline:
            time.sleep(0.2)
        time.sleep(0.2)
        eq(h1(get200(s, "/notices/%d" % id_).text), title)
        ok(title in get200(s, "/notices").text, "listed once its time passed")
        ok(title in get200(s, "/").text, "on the home page once its time passed")


@test
def an_item_past_its_unpublish_time_is_gone():
    with Server() as s:
        for type_, prefix, _ in LISTS:
            id_, title, _, year = public(s, type_)[1]
            eq(s.get("%s/%d" % (prefix, id_)).status, 200)
            execute(s, "UPDATE content_item SET unpublish_at = ? WHERE id = ?", utc(-60), id_)
            eq(s.get("%s/%d" % (prefix, id_)).status, 404)
            absent(s, ["/", prefix, "%s/archive/%d" % (prefix, year)], title, "an expired item")
        id_, title = rows(s, "SELECT id, title FROM content_item WHERE slug = 'centre-access'")[0]
        execute(s, "UPDATE content_item SET unpublish_at = ? WHERE id = ?", utc(-60), id_)
        eq(s.get("/pages/centre-access").status, 404)
        absent(s, ["/centre", "/sitemap"], title, "an expired page")


@test
def no_staff_only_value_reaches_a_public_page():
    with Server() as s:
        pages = ["/", "/notices", "/centre-news", "/sitemap", "/links", "/centre", "/policy"]
        secret = "職員だけのメモ-7f3a"
        for type_, prefix, _ in LISTS:
            id_, _, _, year = public(s, type_)[0]
            pages += ["%s/%d" % (prefix, id_), "%s/archive/%d" % (prefix, year)]
            # A value under a key that is no public field of the type: content_filter
            # must drop it before any view is built.
            execute(s, "UPDATE content_item SET data = data || ? WHERE id = ?",
                    "staff_note\t%s\n" % secret, id_)
        for slug in ("centre", "policy"):
            execute(s, "UPDATE content_item SET data = data || ? WHERE slug = ?",
                    "staff_note\t%s\n" % secret, slug)
        execute(s, "UPDATE content_item SET data = data || ? WHERE type = 'link'",
                "staff_note\t%s\n" % secret)
        for p in pages:
            r = get200(s, p)
            ok(secret not in r.text, "%s shows a staff-only value" % p)
            ok("tsunagu-demo" not in r.text, "%s names the staff who published" % p)
        # A draft's title is not a staff-only field, but it must not leak either.
        draft = rows(s, "SELECT title FROM content_item WHERE status = 'draft'")
        for (t,) in draft:
            for p in pages:
                ok(t not in s.get(p).text, "%s shows the draft %r" % (p, t))


# ---- fixed pages (spec 2.3.8, 2.2.2) --------------------------------------------

@test
def spec_2_2_2_header_and_footer_links_show_their_fixed_pages():
    with Server() as s:
        for path, title in [("/centre", "センターについて"), ("/policy", "情報登録規約・個人情報保護方針"),
                            ("/accessibility", "ウェブアクセシビリティ方針"),
                            ("/contact", "お問い合わせ")]:
            r = get200(s, path)
            eq(h1(r.text), title)
            eq(title_tag(r.text).split(" | ")[0], title)
            ok('<p class="page-lead">' in r.text, "the summary as the lead of " + path)
            ok('<div class="prose">' in r.text, "the body of " + path)
            # One address per page: /pages/{slug} of these goes to the short one.
            r = s.get("/pages" + path)
            eq(r.status, 301)
            eq(r.getheader("Location"), path)


@test
def spec_2_2_2_centre_lists_its_pages_in_menu_order():
    with Server() as s:
        r = get200(s, "/centre")
        found = re.findall(r'<h3 class="card-title"><a href="(/pages/[^"]+)">(.*?)</a></h3>',
                           r.text)
        eq([t for _, t in found], ["センターの概要", "利用の手引き", "アクセス", "申し込み・予約"])
        for url, t in found:
            p = get200(s, url)
            eq(h1(p.text), t)
            ok('<a href="/centre">センターについて</a>' in p.text, "breadcrumb to /centre")
        # A page taken back to draft leaves the menu and its address.
        execute(s, "UPDATE content_item SET status = 'draft' WHERE slug = 'centre-guide'")
        ok("利用の手引き" not in get200(s, "/centre").text, "draft page not listed")
        eq(s.get("/pages/centre-guide").status, 404)


@test
def sitemap_lists_the_sections_and_every_public_fixed_page():
    with Server() as s:
        r = get200(s, "/sitemap")
        eq(h1(r.text), "サイトマップ")
        main = main_of(r.text)
        for href in ["/", "/centre", "/notices", "/centre-news", "/links", "/policy",
                     "/accessibility", "/contact"]:
            ok('href="%s"' % href in main, "sitemap links " + href)
        for slug, in rows(s, "SELECT slug FROM content_item WHERE type = 'page' AND "
                             "status = 'published' AND slug IS NOT NULL"):
            url = "/" + slug if slug in ("centre", "policy", "accessibility", "contact",
                                         "sitemap") else "/pages/" + slug
            ok('href="%s"' % url in main, "sitemap links the page " + slug)
        for heading in ["やまぐち県民活動支援センター", "このサイトについて"]:
            ok(">%s</h2>" % heading in main, "group " + heading)


@test
def links_are_grouped_by_category_one_heading_each():
    with Server() as s:
        r = get200(s, "/links")
        eq(h1(r.text), "関連団体リンク")
        main = main_of(r.text)
        heads = re.findall(r"<h2 id=\"links-\d+\">(.*?)</h2>", main)
        eq(heads, ["行政・公的機関", "中間支援組織", "社会福祉協議会", "ボランティア・市民活動", "その他"])
        links = re.findall(r'<a class="entry-link" href="(https://[^"]+)">', main)
        eq(len(links), 10)
        # Each link sits under the heading of its category.
        for title, data in rows(s, "SELECT title, data FROM content_item WHERE type = 'link'"):
            cat = re.search(r"^category\t(.*)$", data, re.M).group(1)
            start = main.index(">%s</h2>" % cat)
            nxt = main.find("<h2", start)
            section = main[start:nxt if nxt > 0 else len(main)]
            ok(">%s</a>" % title in section, "%s under %s" % (title, cat))


# ---- the home page (spec 2.2.1, 2.6) ------------------------------------------

@test
def spec_2_2_1_home_shows_latest_notices_and_the_variable_slot():
    with Server() as s:
        r = get200(s, "/")
        for type_, prefix, label in LISTS:
            eq(list_titles(r.text, prefix), [t for _, t, _, _ in public(s, type_)][:5])
            ok('<a href="%s">%sの一覧を見る</a>' % (prefix, label) in r.text, "一覧を見る " + prefix)
        ok('<h2 id="home-variable-title">印刷機・交流コーナーの予約状況</h2>' in r.text, "可変枠")
        ok("<li>印刷機：平日の午前は空きがあります</li>" in r.text, "可変枠 rich text as HTML")
        ok('role="region"' not in r.text, "no emergency slot while none is public")


@test
def spec_2_6_emergency_slot_first_in_a_labelled_region():
    with Server() as s:
        id_, title = rows(s, "SELECT id, title FROM content_item WHERE type = 'emergency'")[0]
        now = utc(-1)
        execute(s, "UPDATE content_item SET status = 'published', published_at = ?, sort_at = ?, "
                   "year = ? WHERE id = ?", now, now, int(now[:4]), id_)
        r = get200(s, "/")
        main = main_of(r.text)
        m = re.search(r'<div class="notice notice-emergency" role="region" '
                      r'aria-labelledby="([^"]+)">\s*<h2 class="notice-title" id="([^"]+)">'
                      r"緊急のお知らせ</h2>", main)
        ok(m and m.group(1) == m.group(2), "region labelled by its heading")
        ok(main.index("notice-emergency") < main.index("<h2>センターの利用について</h2>"),
           "the emergency slot comes first")
        ok(title in main, "its title")
        ok("本日は臨時に休館します" in main, "its text")
        execute(s, "UPDATE content_item SET unpublish_at = ? WHERE id = ?", utc(-1), id_)
        ok('role="region"' not in get200(s, "/").text, "gone when it ends")


run()
