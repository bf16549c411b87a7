"""The content engine's staff workflow over HTTP (domain/content.h): every
transition with its permission, the confirmation screen, staged edits of
published items, conflicts, the edit lock, the trash, schedules, the mails
each transition sends and the audit log — against the real server, with the
mail read at a real SMTP server."""
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import eq, ok, run, test  # noqa: E402
from webclient import Client, Site, add_staff, login, register_member, staff_login  # noqa: E402


# Every writer of content moves this counter (domain/content.h, content_tx);
# the cache of public pages (web/page_cache.h) follows it, so a fixture that
# writes behind the engine's back does the same.
BUMP = ("INSERT INTO generation (name, value) VALUES ('content', 1) "
        "ON CONFLICT (name) DO UPDATE SET value = value + 1")


def new_notice(c, title, body="本文です。", step="save", extra=None):
    """Creates a notice through the form; step "save" skips the
    confirmation screen (the form and then the screen's button)."""
    fields = {"title": title, "body": body, "_rev": "0"}
    fields.update(extra or {})
    r = c.post("/admin/content/notice/new", dict(fields, _step="check"),
               token_from="/admin/content/notice/new")
    if step == "check":
        return r
    eq(r.status, 200, r.text[:2000])
    ok("内容の確認" in r.text, r.text[:2000])
    record = re.search(r'name="_record" value="([^"]*)"', r.text).group(1)
    record = record.replace("&#39;", "'").replace("&quot;", '"').replace("&lt;", "<") \
        .replace("&gt;", ">").replace("&amp;", "&")
    record = record.replace("\n", "\r\n")  # as a browser sends a form value's line ends
    r = c.post("/admin/content/notice/new", dict(fields, _step="save", _record=record),
               token_from="/admin/content/notice/new")
    eq(r.status, 303, r.text[:2000])
    m = re.match(r"/admin/content/notice/(\d+)\?done=created", r.location)
    ok(m, r.location)
    return int(m.group(1))


def act(c, item, action, **fields):
    path = "/admin/content/notice/%d" % item
    return c.post(path + "/" + action, fields, token_from=path)


def state(site, item):
    return site.rows("SELECT status, trashed_at, rev FROM content_item WHERE id = ?", item)[0]


def two_staff(site, editor_role="editor"):
    add_staff(site, "editor1", editor_role)
    add_staff(site, "admin1", "admin")
    ed, _ = staff_login(site, "editor1")
    ad, _ = staff_login(site, "admin1")
    return ed, ad


@test
def issue_done_when_one_staff_writes_a_notice_and_another_publishes_it():
    with Site(four_eyes="on") as site:
        ed, ad = two_staff(site)
        item = new_notice(ed, "図書室の開館時間の変更", "4 月から **9 時** に開館します。")
        eq(state(site, item)[0], "draft")
        r = ed.get("/admin/content/notice/%d/preview" % item)
        eq(r.status, 200)
        ok("公開前のプレビュー" in r.text and "<strong>9 時</strong>" in r.text, r.text[:3000])
        eq(r.getheader("X-Robots-Tag"), "noindex")
        eq(r.getheader("Cache-Control"), "no-store")
        r = site.server.get("/notices/%d" % item)
        eq(r.status, 404, "a draft is never public")
        r = act(ed, item, "submit")
        eq(r.status, 303, r.text[:1000])
        eq(state(site, item)[0], "review")
        # the publisher is told by mail
        mail = site.mail_to("admin1@example.jp")[-1]
        ok("確認をお願いします" in str(mail.message["Subject"]), str(mail.message["Subject"]))
        ok("/admin/content/notice/%d" % item in mail.message.get_content())
        # four-eyes: the submitter cannot approve
        r = act(ed, item, "approve")
        eq(r.status, 409, r.text[:1000])
        ok("本人は承認できません" in r.text)
        eq(state(site, item)[0], "review")
        r = act(ad, item, "approve")
        eq(r.status, 303, r.text[:1000])
        eq(state(site, item)[0], "published")
        r = site.server.get("/notices/%d" % item)
        eq(r.status, 200)
        ok("図書室の開館時間の変更" in r.text and "<strong>9 時</strong>" in r.text, r.text)
        ok("図書室の開館時間の変更" in site.server.get("/notices").text)
        ok("図書室の開館時間の変更" in site.server.get("/").text, "the home page's latest notices")
        mail = site.mail_to("editor1@example.jp")[-1]
        ok("公開されました" in str(mail.message["Subject"]))
        actions = [r[0] for r in site.rows(
            "SELECT action FROM audit_log WHERE target_type = 'notice' AND target_id = ? "
            "ORDER BY id", item)]
        eq(actions, ["content.create", "content.submit", "content.approve"])


@test
def the_confirmation_screen_stores_nothing_and_back_keeps_what_was_typed():
    with Site() as site:
        add_staff(site, "editor1", "editor")
        c, _ = staff_login(site, "editor1")
        r = new_notice(c, "確認前<b>の題名", step="check")
        eq(r.status, 200)
        ok("保存する" in r.text and "戻って修正する" in r.text)
        ok("確認前&lt;b&gt;の題名" in r.text, "escaped on the confirmation screen")
        none = "SELECT count(*) FROM content_item WHERE title LIKE '確認前%'"
        eq(site.rows(none)[0][0], 0)
        record = re.search(r'name="_record" value="([^"]*)"', r.text).group(1)
        record = record.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        r = c.post("/admin/content/notice/new",
                   {"_step": "back", "_record": record, "_rev": "0"},
                   token_from="/admin/content/notice/new")
        eq(r.status, 200)
        ok('value="確認前&lt;b&gt;の題名"' in r.text, r.text[:3000])
        eq(site.rows(none)[0][0], 0)


@test
def spec_2_4_2_errors_are_listed_with_links_and_keep_what_was_typed():
    with Site() as site:
        add_staff(site, "editor1", "editor")
        c, _ = staff_login(site, "editor1")
        r = new_notice(c, "", body="入力した本文", step="check")
        eq(r.status, 400)
        ok("入力内容に誤りがあります" in r.text)
        ok('href="#f-title"' in r.text, r.text[:3000])
        ok("入力した本文" in r.text)
        r = new_notice(c, "題名", step="check", extra={"_publish_at": "来週"})
        eq(r.status, 400)
        ok('href="#meta-publish-at"' in r.text)


@test
def a_published_item_is_edited_through_a_staged_copy_the_public_never_sees():
    with Site() as site:
        ed, ad = two_staff(site)
        item = new_notice(ed, "元の題名")
        act(ed, item, "submit")
        act(ad, item, "approve")
        page = ed.get("/admin/content/notice/%d" % item).text
        rev = re.search(r'name="_rev" value="(\d+)"', page).group(1)
        r = ed.post("/admin/content/notice/%d" % item,
                    {"title": "新しい題名", "body": "新しい本文", "_rev": rev, "_step": "save"})
        eq(r.status, 303, r.text[:2000])
        staged = int(re.match(r"/admin/content/notice/(\d+)\?done=staged", r.location).group(1))
        ok(staged != item)
        pub = site.server.get("/notices/%d" % item).text
        ok("元の題名" in pub and "新しい題名" not in pub, "the live version stays")
        # opening the live item leads to its staged copy
        r = ed.get("/admin/content/notice/%d" % item)
        eq(r.status, 303)
        eq(r.location, "/admin/content/notice/%d" % staged)
        act(ed, staged, "submit")
        r = act(ad, staged, "approve")
        eq(r.status, 303)
        eq(r.location, "/admin/content/notice/%d?done=approve" % item)
        pub = site.server.get("/notices/%d" % item).text
        ok("新しい題名" in pub and "新しい本文" in pub, pub)
        eq(site.rows("SELECT count(*) FROM content_item WHERE id = ?", staged)[0][0], 0)
        revs = site.rows("SELECT rev, action FROM content_revision WHERE item_id = ? ORDER BY rev",
                         item)
        eq([r[1] for r in revs], ["create", "replace"])


@test
def a_save_over_someone_elses_save_is_refused_and_loses_nothing():
    with Site() as site:
        ed, ad = two_staff(site)
        item = new_notice(ed, "同時編集")
        path = "/admin/content/notice/%d" % item
        r = ed.post(path, {"title": "Aの変更", "body": "A", "_rev": "1", "_step": "save"})
        eq(r.status, 303)
        r = ad.post(path, {"title": "Bの変更", "body": "Bの長い本文", "_rev": "1", "_step": "save"})
        eq(r.status, 400, r.text[:2000])
        ok("別の職員が保存しました" in r.text)
        ok("Bの長い本文" in r.text, "what B typed is still there")
        eq(site.rows("SELECT title, rev FROM content_item WHERE id = ?", item)[0], ("Aの変更", 2))


@test
def the_edit_lock_warns_the_second_staff_member():
    with Site() as site:
        ed, ad = two_staff(site)
        item = new_notice(ed, "ロックの確認")
        ed.get("/admin/content/notice/%d" % item)
        r = ad.get("/admin/content/notice/%d" % item)
        eq(r.status, 200)
        ok("editor1 さんがこの項目を開いています" in r.text, r.text[:3000])
        r = ed.get("/admin/content/notice/%d" % item)
        ok("さんがこの項目を開いています" not in r.text, "the holder is not warned")


@test
def send_back_needs_a_comment_and_mails_it_and_pull_back_is_the_submitters():
    with Site() as site:
        ed, ad = two_staff(site)
        add_staff(site, "editor2", "editor")
        ed2, _ = staff_login(site, "editor2")
        item = new_notice(ed, "差し戻しの確認")
        act(ed, item, "submit")
        r = act(ed2, item, "pull-back")
        eq(r.status, 409, "only the submitter pulls back")
        r = act(ad, item, "send-back", comment="")
        eq(r.status, 409)
        ok("差し戻しの理由を入力してください" in r.text)
        r = act(ad, item, "send-back", comment="日付を本文に入れてください。")
        eq(r.status, 303)
        eq(state(site, item)[0], "draft")
        mail = site.mail_to("editor1@example.jp")[-1]
        ok("差し戻されました" in str(mail.message["Subject"]))
        ok("日付を本文に入れてください。" in mail.message.get_content())
        page = ed.get("/admin/content/notice/%d" % item).text
        ok("日付を本文に入れてください。" in page)
        act(ed, item, "submit")
        r = act(ed, item, "pull-back")
        eq(r.status, 303)
        eq(state(site, item)[0], "draft")


@test
def pages_are_published_by_system_admins_only():
    with Site() as site:
        ed, ad = two_staff(site)
        r = ed.post("/admin/content/page/new",
                    {"title": "センターの概要", "body": "本文", "_slug": "overview", "_menu": "centre",
                     "_menu_order": "1", "_rev": "0", "_step": "save"},
                    token_from="/admin/content/page/new")
        eq(r.status, 303, r.text[:2000])
        item = int(re.match(r"/admin/content/page/(\d+)", r.location).group(1))
        path = "/admin/content/page/%d" % item
        ed.post(path + "/submit", {}, token_from=path)
        r = ed.post(path + "/approve", {}, token_from=path)
        eq(r.status, 409)
        ok("システム管理者" in r.text)
        r = ad.post(path + "/approve", {}, token_from=path)
        eq(r.status, 303)
        eq(site.server.get("/pages/overview").status, 200)
        # the URL is unique
        r = ed.post("/admin/content/page/new",
                    {"title": "二つ目", "body": "本文", "_slug": "overview", "_rev": "0",
                     "_step": "save"}, token_from="/admin/content/page/new")
        eq(r.status, 400)
        ok("同じ URL のページがすでにあります" in r.text)


@test
def trash_restore_and_purge_with_their_permissions():
    with Site() as site:
        ed, ad = two_staff(site)
        item = new_notice(ed, "ゴミ箱の確認")
        r = act(ed, item, "trash")
        eq(r.status, 303)
        ok(state(site, item)[1] is not None)
        ok("ゴミ箱の確認" in ed.get("/admin/content/notice?trash=1").text)
        ok("ゴミ箱の確認" not in ed.get("/admin/content/notice").text)
        r = act(ed, item, "purge")
        eq(r.status, 409, "editors cannot delete for good")
        r = act(ed, item, "restore")
        eq(r.status, 303)
        eq(state(site, item)[1], None)
        act(ed, item, "trash")
        r = act(ad, item, "purge")
        eq(r.status, 303)
        eq(site.rows("SELECT count(*) FROM content_item WHERE id = ?", item)[0][0], 0)
        eq(site.rows("SELECT count(*) FROM audit_log WHERE action = 'content.purge'")[0][0], 1)


@test
def duplicate_makes_a_new_draft_and_archive_and_reopen():
    with Site() as site:
        ed, ad = two_staff(site)
        item = new_notice(ed, "複製元")
        act(ed, item, "submit")
        act(ad, item, "approve")
        r = act(ed, item, "duplicate")
        eq(r.status, 303)
        copy = int(re.match(r"/admin/content/notice/(\d+)", r.location).group(1))
        eq(site.rows("SELECT status, title FROM content_item WHERE id = ?", copy)[0],
           ("draft", "複製元（複製）"))
        r = act(ed, item, "archive")
        eq(r.status, 303, "editors publish (and archive) notices")
        eq(state(site, item)[0], "archived")
        eq(site.server.get("/notices/%d" % item).status, 404)
        r = act(ed, item, "reopen")
        eq(r.status, 303)
        eq(state(site, item)[0], "draft")


@test
def scheduled_publishing_is_exact_on_the_public_site_and_recorded_by_the_worker():
    with Site() as site:
        ed, ad = two_staff(site)
        future = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 9 * 3600 + 86400))
        item = new_notice(ed, "予約公開", extra={"_publish_at": future})
        act(ed, item, "submit")
        r = act(ad, item, "approve")
        eq(r.status, 303)
        eq(site.server.get("/notices/%d" % item).status, 404, "not before its time")
        ok("公開予定" in ad.get("/admin/content/notice").text)
        # the time passes (moved in the database): public at once, whatever the worker does
        site.rows("UPDATE content_item SET publish_at = '2000-01-01T00:00:00Z' WHERE id = ?", item)
        site.rows(BUMP)
        eq(site.server.get("/notices/%d" % item).status, 200)
        deadline = time.time() + 40
        while time.time() < deadline:
            if site.rows("SELECT announced FROM content_item WHERE id = ?", item)[0][0] == 1:
                break
            time.sleep(0.5)
        eq(site.rows("SELECT announced FROM content_item WHERE id = ?", item)[0][0], 1)
        # and unpublishing
        site.rows("UPDATE content_item SET unpublish_at = '2001-01-01T00:00:00Z' WHERE id = ?",
                  item)
        site.rows(BUMP)
        eq(site.server.get("/notices/%d" % item).status, 404)


@test
def sec_3_2_members_and_visitors_never_reach_the_cms():
    with Site() as site:
        register_member(site)
        member, r = login(site, "hanako")
        eq(r.status, 303)
        r = member.get("/admin/content/notice")
        eq(r.status, 403)
        r = Client(site.server).get("/admin/content/notice/new")
        eq(r.status, 303)
        ok(r.location.startswith("/login?next="))
        add_staff(site, "editor1", "editor")
        ed, _ = staff_login(site, "editor1")
        eq(ed.get("/admin/content/nosuchtype").status, 404)
        eq(ed.get("/admin/content/notice/999999").status, 404)


@test
def sec_5_script_in_staff_text_never_runs_on_the_public_page():
    with Site() as site:
        ed, ad = two_staff(site)
        item = new_notice(ed, "<script>alert(1)</script>題名",
                          body="本文<script>alert(2)</script>[x](javascript:alert(3))")
        act(ed, item, "submit")
        act(ad, item, "approve")
        page = site.server.get("/notices/%d" % item).text
        ok("<script>alert" not in page, page)
        ok("javascript:" not in page)
        ok("&lt;script&gt;alert(1)&lt;/script&gt;題名" in page)


@test
def the_dashboard_counts_items_by_type_and_state():
    with Site() as site:
        ed, ad = two_staff(site)
        a = new_notice(ed, "一件目")
        new_notice(ed, "二件目")
        act(ed, a, "submit")
        page = ad.get("/admin").text
        row = re.search(r'<a href="/admin/content/notice">お知らせ</a></th>(.*?)</tr>', page, re.S)
        ok(row, page[:3000])
        nums = re.findall(r">(\d+)<span", row.group(1))
        eq(nums[:2], ["1", "1"], row.group(1))


if __name__ == "__main__":
    run()
