"""The cache of rendered public pages (web/page_cache.h) never shows a stale
page: every change made through the real staff screens shows at once on warm
pages; a scheduled item appears (and an expiring one goes) the second its time
comes with nothing in the database changed but the clock; each display
preference has its own page; a signed-in staff member always gets a page of
their own, and their page is never handed to anyone else.

"Warm" means every request thread has the page: each check fetches a page
WARM times over fresh connections, so several threads answer it.  The worker
is off, so no schedule run moves the content counter behind the test's
back."""
import datetime
import http.client
import os
import re
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import eq, ok, run, test  # noqa: E402
from webclient import Site, add_staff, staff_login  # noqa: E402

THREADS = 3
WARM = 12


def site(**kw):
    settings = {"threads": THREADS, "worker": "off"}
    settings.update(kw)
    return Site(**settings)


def fetch_all(s, path, headers=None):
    """path fetched WARM times, each over its own connection."""
    return [s.server.get(path, headers=headers) for _ in range(WARM)]


def shows(s, path, needle, headers=None):
    """True when every answer for path is a 200 holding needle; False when no
    answer holds it; anything else (some do, some don't) fails the test."""
    rs = fetch_all(s, path, headers)
    found = [r.status == 200 and needle in r.text for r in rs]
    ok(all(found) or not any(found),
       "%s: %d of %d answers show %r (a stale page)" % (path, sum(found), len(found), needle))
    return found[0]


def statuses(s, path):
    got = {r.status for r in fetch_all(s, path)}
    ok(len(got) == 1, "%s answered %r" % (path, got))
    return got.pop()


def new_notice(c, title, body, publish_at=None):
    """A notice saved straight from the form (no confirmation screen)."""
    fields = {"title": title, "body": body, "_rev": "0", "_step": "save"}
    if publish_at:
        fields["_publish_at"] = publish_at
    r = c.post("/admin/content/notice/new", fields)
    eq(r.status, 303, r.text[:2000])
    return int(re.match(r"/admin/content/notice/(\d+)\?done=created", r.location).group(1))


def act(c, item, action):
    path = "/admin/content/notice/%d" % item
    r = c.post(path + "/" + action, {}, token_from=path)
    eq(r.status, 303, r.text[:2000])
    return r


def publish(c, item):
    act(c, item, "submit")
    act(c, item, "approve")


def content_generation(s):
    got = s.rows("SELECT value FROM generation WHERE name = 'content'")
    return got[0][0] if got else 0


def utc(offset_s):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def wait_until(ts):
    at = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)
    while datetime.datetime.now(datetime.timezone.utc) < at:
        time.sleep(0.05)


def html_class(page):
    return re.search(r'<html lang="ja" class="([^"]*)"', page).group(1)


@test
def publishing_editing_and_unpublishing_show_at_once_on_warm_pages():
    with site() as s:
        add_staff(s, "admin1", "admin")
        ad, _ = staff_login(s, "admin1")
        title = "キャッシュ確認のお知らせ"
        for path in ["/", "/notices", "/notices?page=1"]:
            ok(not shows(s, path, title), "nothing yet on " + path)
        item = new_notice(ad, title, "最初の本文です。")
        eq(statuses(s, "/notices/%d" % item), 404, "a draft is not public")
        publish(ad, item)
        for path in ["/", "/notices", "/notices/%d" % item]:
            ok(shows(s, path, title), "published: on " + path + " at once")
        ok(shows(s, "/notices/%d" % item, "最初の本文です。"))

        # An edit goes through a staged copy: the public keeps the old text
        # until the copy is approved, then every page has the new one.
        page = ad.get("/admin/content/notice/%d" % item).text
        rev = re.search(r'name="_rev" value="(\d+)"', page).group(1)
        r = ad.post("/admin/content/notice/%d" % item,
                    {"title": title + "（改訂）", "body": "改訂した本文です。", "_rev": rev,
                     "_step": "save"})
        eq(r.status, 303, r.text[:2000])
        staged = int(re.match(r"/admin/content/notice/(\d+)\?done=staged", r.location).group(1))
        ok(not shows(s, "/notices/%d" % item, "改訂した本文です。"), "not before approval")
        publish(ad, staged)
        for path in ["/", "/notices", "/notices/%d" % item]:
            ok(shows(s, path, title + "（改訂）"), "edited: on " + path + " at once")
        ok(shows(s, "/notices/%d" % item, "改訂した本文です。"))
        ok(not shows(s, "/notices/%d" % item, "最初の本文です。"))

        # Unpublishing (公開終了) takes it off every page at once.
        act(ad, item, "archive")
        eq(statuses(s, "/notices/%d" % item), 404)
        for path in ["/", "/notices"]:
            ok(not shows(s, path, title), "unpublished: gone from " + path + " at once")


@test
def a_scheduled_item_appears_and_expires_exactly_on_time_with_nothing_bumped():
    with site() as s:
        add_staff(s, "admin1", "admin")
        ad, _ = staff_login(s, "admin1")
        title = "予約公開のキャッシュ確認"
        tomorrow = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 9 * 3600 + 86400))
        item = new_notice(ad, title, "予約した本文です。", publish_at=tomorrow)
        publish(ad, item)
        detail = "/notices/%d" % item
        for path in ["/", "/notices"]:
            ok(not shows(s, path, title), "scheduled: not yet on " + path)
        eq(statuses(s, detail), 404)

        # The time comes closer by a day, moved in the database behind the
        # server's back: no counter moves, only the clock can tell.
        gen = content_generation(s)
        at = utc(3)
        s.rows("UPDATE content_item SET publish_at = ?, sort_at = ? WHERE id = ?", at, at, item)
        for path in ["/", "/notices"]:
            ok(not shows(s, path, title), "still not before its time on " + path)
        eq(statuses(s, detail), 404)
        wait_until(at)
        for path in ["/", "/notices", detail]:
            ok(shows(s, path, title), "on " + path + " once its time has come")
        eq(content_generation(s), gen, "the clock did it: no counter moved")

        # The same for its end (unpublish_at).
        end = utc(3)
        s.rows("UPDATE content_item SET unpublish_at = ? WHERE id = ?", end, item)
        ok(shows(s, "/notices", title), "still there before its end")
        wait_until(end)
        eq(statuses(s, detail), 404)
        for path in ["/", "/notices"]:
            ok(not shows(s, path, title), "gone from " + path + " once it has ended")
        eq(content_generation(s), gen)


@test
def each_display_preference_has_its_own_page():
    with site() as s:
        plain = fetch_all(s, "/notices")
        large = fetch_all(s, "/notices", {"Cookie": "tsunagu_size=large"})
        dark = fetch_all(s, "/notices", {"Cookie": "tsunagu_size=xlarge; tsunagu_color=black"})
        junk = fetch_all(s, "/notices", {"Cookie": "tsunagu_size=huge; tsunagu_color=pink"})
        eq({html_class(r.text) for r in plain}, {"size-standard theme-white"})
        eq({html_class(r.text) for r in large}, {"size-large theme-white"})
        eq({html_class(r.text) for r in dark}, {"size-xlarge theme-black"})
        eq({html_class(r.text) for r in junk}, {"size-standard theme-white"},
           "unknown values are the defaults")
        for path in ["/", "/notices?page=1", "/centre"]:
            for cookie, cls in [("tsunagu_color=blue", "size-standard theme-blue"),
                                ("", "size-standard theme-white")]:
                got = {html_class(r.text) for r in
                       fetch_all(s, path, {"Cookie": cookie} if cookie else None)}
                eq(got, {cls}, path)


@test
def a_signed_in_staff_member_never_gets_the_anonymous_page_nor_gives_theirs():
    with site() as s:
        add_staff(s, "admin1", "admin")
        for path in ["/", "/notices"]:
            fetch_all(s, path)  # every thread has the anonymous page
        ad, _ = staff_login(s, "admin1")
        for path in ["/", "/notices", "/centre"]:
            for _ in range(WARM):
                r = ad.get(path)
                eq(r.status, 200)
                ok("職員 admin1 さん" in r.text, "the header names the staff member on " + path)
                eq(r.getheader("Cache-Control"), "no-store")
            # ... and nobody else ever gets that page.
            ok(not shows(s, path, "職員 admin1 さん"), "anonymous " + path)
            ok(not shows(s, path, "ログアウト"))
        # A session cookie that names no session is served (rendered), not refused.
        r = s.server.get("/notices", headers={"Cookie": "tsunagu_session=" + "0" * 43})
        eq(r.status, 200)
        ok("ログアウト" not in r.text)


@test
def the_cache_is_used_and_the_counters_are_what_invalidate_it():
    """One request thread, so the second request meets the first one's entry:
    a change written without moving a counter (which every writer must do)
    is not seen, and moving the counter shows it."""
    with site(threads=1) as s:
        item, title = s.rows("SELECT id, title FROM content_item WHERE type = 'notice' AND "
                             "status = 'published' ORDER BY sort_at DESC LIMIT 1")[0]
        path = "/notices/%d" % item
        ok(shows(s, path, title))
        s.rows("UPDATE content_item SET title = '手で書き換えた題名' WHERE id = ?", item)
        ok(shows(s, path, title), "kept: no counter moved")
        s.rows("INSERT INTO generation (name, value) VALUES ('content', 1) "
               "ON CONFLICT (name) DO UPDATE SET value = value + 1")
        ok(shows(s, path, "手で書き換えた題名"), "the content counter moved")
        # The settings have a counter of their own.
        s.rows("INSERT INTO setting (key, value, updated_at) VALUES ('supernet.name', "
               "'設定を変えたサイト名', '2026-01-01T00:00:00Z') ON CONFLICT (key) DO UPDATE "
               "SET value = excluded.value")
        ok(not shows(s, path, "設定を変えたサイト名"), "kept: no counter moved")
        s.rows("INSERT INTO generation (name, value) VALUES ('setting', 1) "
               "ON CONFLICT (name) DO UPDATE SET value = value + 1")
        ok(shows(s, path, "設定を変えたサイト名"), "the setting counter moved")


@test
def other_query_parameters_share_the_page_and_errors_are_never_kept():
    with site(threads=1) as s:
        total = s.rows("SELECT count(*) FROM content_item WHERE type = 'notice' AND "
                       "status = 'published'")[0][0]
        page1 = s.server.get("/notices").text
        eq(s.server.get("/notices?utm_source=x").text, page1)
        eq(s.server.get("/notices?x=1&y=2").text, page1)
        eq(statuses(s, "/notices?page=0"), 404)
        eq(statuses(s, "/notices?page=abc"), 404)
        if total <= 20:
            eq(statuses(s, "/notices?page=2"), 404)
        eq(statuses(s, "/notices/99999999"), 404)
        eq(statuses(s, "/pages/no-such-page"), 404)
        r = s.server.get("/pages/centre")
        eq(r.status, 301)
        eq(s.server.get("/pages/centre").status, 301)


@test
def a_kept_page_is_sent_plain_gzip_or_as_head_with_the_same_headers():
    with site(threads=1) as s:
        first = s.server.get("/notices")
        plain = s.server.get("/notices")
        eq(plain.body, first.body)
        zipped = s.server.get("/notices", headers={"Accept-Encoding": "gzip"})
        eq(zipped.getheader("Content-Encoding"), "gzip")
        eq(zlib.decompress(zipped.body, 16 + zlib.MAX_WBITS), plain.body)
        for r in (plain, zipped):
            eq(r.getheader("Content-Type"), "text/html; charset=utf-8")
            eq(r.getheader("Cache-Control"), "no-cache")
            eq(r.getheader("Vary"), "Accept-Encoding")
            eq(r.getheader("X-Frame-Options"), "DENY")
            ok(r.getheader("Content-Security-Policy"))
        eq(plain.getheader("Content-Encoding"), None)
        c = http.client.HTTPConnection("127.0.0.1", s.server.port, timeout=10)
        c.request("HEAD", "/notices")
        h = c.getresponse()
        eq(h.status, 200)
        eq(h.read(), b"")
        eq(h.getheader("Content-Length"), str(len(plain.body)))
        c.close()


if __name__ == "__main__":
    run()
