"""The staff screens around the content editor, over HTTP against the real
server loaded with `tsunagu demo`: CSV export and import (dry run, per-line
report, all or nothing), revisions with their diff and restore, the audit log
(system administrators only) and creating a staff account from the admin
(web/admin_content_csv.c, web/admin_revisions.c, web/admin_audit.c,
web/admin_staff.c).

Items are made and changed mostly through the CSV import itself; one test
saves through the content editor (web/admin_content.c) to show its saves in
the history.  The database is read directly only to check what was stored."""
import csv
import datetime
import html
import io
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import eq, ok, run, test  # noqa: E402
from webclient import Site, add_staff, staff_login  # noqa: E402

BOM = "\ufeff"


def csv_bytes(table):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(table)
    return (BOM + out.getvalue()).encode("utf-8")


def import_csv(c, table, mode="import", type_="notice"):
    path = "/admin/content/%s/import" % type_
    return c.post_file(path, {"mode": mode}, "items.csv", csv_bytes(table), ctype="text/csv")


def text_of(page):
    """The page's <main> (or the whole body, if it has none) as plain text."""
    m = page[page.index("<main"):page.index("</main>")] if "<main" in page else page
    return html.unescape(re.sub(r"<[^>]+>", " ", m))


def new_notice(s, c, title, body):
    """Creates a draft notice through the import; returns its id."""
    before = {i for (i,) in s.rows("SELECT id FROM content_item")}
    r = import_csv(c, [["タイトル [title]", "本文 [body]"], [title, body]])
    eq(r.status, 200, text_of(r.text)[:600])
    new = [i for (i,) in s.rows("SELECT id FROM content_item") if i not in before]
    eq(len(new), 1)
    return new[0]


@test
def csv_export_is_utf8_with_bom_labelled_columns_and_guarded_formulas():
    with Site() as s:
        add_staff(s, "centre-admin")
        c = staff_login(s, "centre-admin")[0]
        nid = new_notice(s, c, "=1+1", "本文の一行目\n=HYPERLINK(\"http://evil.example\")")
        page = c.get("/admin/content/notice/export")
        eq(page.status, 200)
        for key in ("id", "status", "title", "body", "created_at", "updated_at", "published_at"):
            ok('name="col" value="%s"' % key in page.text, key)
        ok("<fieldset" in page.text and "<legend" in page.text)
        r = c.get("/admin/content/notice/export?download=1&col=id&col=title&col=body&col=status")
        eq(r.status, 200, r.text[:300])
        eq(r.getheader("Content-Type"), "text/csv; charset=utf-8")
        day = (datetime.datetime.now(datetime.timezone.utc) +
               datetime.timedelta(hours=9)).strftime("%Y%m%d")
        eq(r.getheader("Content-Disposition"), 'attachment; filename="notice-%s.csv"' % day)
        ok("no-store" in (r.getheader("Cache-Control") or ""), r.getheader("Cache-Control"))
        ok(r.body.startswith(b"\xef\xbb\xbf"), r.body[:10])
        table = list(csv.reader(io.StringIO(r.body.decode("utf-8")[1:])))
        # the columns in the table's order, whatever the order asked
        eq(table[0], ["ID [id]", "状態 [status]", "タイトル [title]", "本文 [body]"])
        mine = [row for row in table[1:] if row[0] == str(nid)]
        eq(len(mine), 1)
        eq(mine[0][1], "下書")
        eq(mine[0][2], "'=1+1")  # Excel shows it as text, never runs it
        ok(mine[0][3].startswith("本文の一行目\n=HYPERLINK"), mine[0][3])  # only a cell's start
        # every notice that is not in the trash, one row each
        n = s.rows("SELECT count(*) FROM content_item WHERE type = 'notice' "
                    "AND trashed_at IS NULL")[0][0]
        eq(len(table) - 1, n)
        # no column chosen: the form again with the reason
        r = c.get("/admin/content/notice/export?download=1")
        eq(r.status, 400)
        ok("1 つ以上" in r.text)
        eq(c.get("/admin/content/nosuchtype/export").status, 404)


@test
def csv_round_trip_dry_run_changes_nothing_and_import_applies_it():
    with Site() as s:
        add_staff(s, "centre-admin")
        c = staff_login(s, "centre-admin")[0]
        nid = new_notice(s, c, "夏のボランティア説明会", "日時：8月1日\n会場：県民活動支援センター")
        r = c.get("/admin/content/notice/export?download=1&col=id&col=title&col=body"
                  "&col=status&col=updated_at")
        table = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
        ok(len(table) > 2, "demo notices and ours")
        title = table[0].index("タイトル [title]")
        live = s.rows("SELECT id, title FROM content_item WHERE type = 'notice' "
                       "AND status = 'published' AND live_id IS NULL LIMIT 1")[0]
        for row in table[1:]:
            if row[0] == str(nid):
                row[title] = "夏のボランティア説明会（会場変更）"
            if row[0] == str(live[0]):
                row[title] = live[1] + "（訂正）"
        table.append([""] * len(table[0]))  # a spreadsheet's empty line: skipped
        audit_before = s.rows("SELECT count(*) FROM audit_log")[0][0]
        r = import_csv(c, table, mode="check")
        eq(r.status, 200, text_of(r.text)[:800])
        page = text_of(r.text)
        ok("誤りはありませんでした" in page, page[:800])
        ok("夏のボランティア説明会（会場変更）" in page, "the report shows the change")
        ok("変更なし" in page)
        eq(s.rows("SELECT title, rev FROM content_item WHERE id = ?", nid),
           [("夏のボランティア説明会", 1)])
        eq(s.rows("SELECT count(*) FROM audit_log")[0][0], audit_before)
        r = import_csv(c, table, mode="import")
        eq(r.status, 200, text_of(r.text)[:800])
        ok("取り込みました" in text_of(r.text))
        eq(s.rows("SELECT title, rev FROM content_item WHERE id = ?", nid),
           [("夏のボランティア説明会（会場変更）", 2)])
        revs = s.rows("SELECT rev, action, actor_name FROM content_revision WHERE item_id = ? "
                       "ORDER BY rev", nid)
        eq(revs, [(1, "import", "centre-admin"), (2, "import", "centre-admin")])
        lines = s.rows("SELECT action, target_type, target_id, actor_login, before_data, "
                        "after_data FROM audit_log WHERE target_id = ? ORDER BY id DESC LIMIT 1",
                     nid)
        eq(lines[0][:4], ("content.import", "notice", nid, "centre-admin"))
        ok("title\t夏のボランティア説明会\n" in lines[0][4], lines[0][4])
        ok("title\t夏のボランティア説明会（会場変更）\n" in lines[0][5], lines[0][5])
        # a published item keeps its public version: the change waits in a staged copy
        eq(s.rows("SELECT title FROM content_item WHERE id = ?", live[0]), [(live[1],)])
        staged = s.rows("SELECT id, title, status FROM content_item WHERE live_id = ?", live[0])
        eq([(t, st) for _, t, st in staged], [(live[1] + "（訂正）", "draft")])
        # the lines that changed nothing wrote nothing
        eq(s.rows("SELECT count(*) FROM audit_log")[0][0], audit_before + 2)
        # the file exported again reads the same (the staged copy as its own row)
        r = c.get("/admin/content/notice/export?download=1&col=id&col=title&col=body")
        again = {row[0]: row[1:] for row in csv.reader(io.StringIO(r.body.decode("utf-8-sig")))}
        for row in table[1:-1]:
            if row[0] != str(live[0]):
                eq(again[row[0]], row[title:title + 2])
        eq(again[str(staged[0][0])][0], live[1] + "（訂正）")


@test
def csv_import_with_one_bad_line_changes_nothing_and_names_the_line():
    with Site() as s:
        add_staff(s, "centre-admin")
        c = staff_login(s, "centre-admin")[0]
        count = s.rows("SELECT count(*) FROM content_item")[0][0]
        audit = s.rows("SELECT count(*) FROM audit_log")[0][0]
        table = [["タイトル [title]", "本文 [body]"],
                 ["一件目", "本文"],
                 ["", "題名のない行"],
                 ["三件目", "本文"]]
        r = import_csv(c, table, mode="import")
        eq(r.status, 400)
        page = text_of(r.text)
        ok("1 行に誤りがあります" in page, page[:800])
        m = re.search(r"3 行目\s+新規\s+(.*?)(?:4 行目|$)", page, re.S)
        ok(m and "タイトル" in m.group(1), page[:1500])
        ok("入力内容に誤りがあります" in r.text)
        eq(s.rows("SELECT count(*) FROM content_item")[0][0], count)
        eq(s.rows("SELECT count(*) FROM audit_log")[0][0], audit)
        # an ID that is not a notice, and the same ID twice
        other = s.rows("SELECT id FROM content_item WHERE type != 'notice' LIMIT 1")[0][0]
        nid = s.rows("SELECT id FROM content_item WHERE type = 'notice' LIMIT 1")[0][0]
        r = import_csv(c, [["ID [id]", "タイトル [title]"], [str(other), "x"], [str(nid), "a"],
                           [str(nid), "b"]], mode="check")
        eq(r.status, 400)
        page = text_of(r.text)
        ok("ID %d のお知らせはありません" % other in page, page[:1500])
        ok("2 行目にも" not in page and "3 行目にもあります" in page, page[:1500])
        eq(s.rows("SELECT count(*) FROM audit_log")[0][0], audit)


@test
def csv_import_refuses_an_unknown_column_and_a_shift_jis_file():
    with Site() as s:
        add_staff(s, "centre-admin")
        c = staff_login(s, "centre-admin")[0]
        count = s.rows("SELECT count(*) FROM content_item")[0][0]
        r = import_csv(c, [["タイトル [title]", "色 [colour]"], ["題名", "赤"]])
        eq(r.status, 400)
        page = text_of(r.text)
        ok("「色 [colour]」は、お知らせの列ではありません" in page, page[:800])
        r = c.post_file("/admin/content/notice/import", {"mode": "check"}, "sjis.csv",
                        "タイトル [title]\r\n題名\r\n".encode("shift_jis"))
        eq(r.status, 400)
        ok("Shift_JIS" in text_of(r.text) or "UTF-8" in text_of(r.text), text_of(r.text)[:600])
        r = c.post_file("/admin/content/notice/import", {"mode": "import"}, "none.csv", b"")
        eq(r.status, 400)
        eq(s.rows("SELECT count(*) FROM content_item")[0][0], count)
        # the upload needs the CSRF token like every other POST
        r = c.post_file("/admin/content/notice/import", {"mode": "import"}, "a.csv",
                        csv_bytes([["タイトル [title]", "本文 [body]"], ["a", "b"]]), token=False)
        eq(r.status, 403)
        eq(s.rows("SELECT count(*) FROM content_item")[0][0], count)


@test
def revisions_list_diff_and_restore():
    with Site() as s:
        add_staff(s, "centre-editor", role="editor")
        c = staff_login(s, "centre-editor")[0]
        nid = new_notice(s, c, "講座のお知らせ", "一行目\n二行目\n三行目")
        r = import_csv(c, [["ID [id]", "タイトル [title]", "本文 [body]"],
                           [str(nid), "講座のお知らせ（改）", "一行目\n二行目を直した\n三行目\n四行目"]])
        eq(r.status, 200, text_of(r.text)[:600])
        base = "/admin/content/notice/%d/revisions" % nid
        r = c.get(base)
        eq(r.status, 200)
        page = text_of(r.text)
        for want in ("版 1", "版 2", "CSV 取り込み", "centre-editor"):
            ok(want in page, want)
        ok('<th scope="col">' in r.text and "<caption" in r.text)
        r = c.get(base + "/1")
        eq(r.status, 200)
        ok('<del><span class="visually-hidden">削除：</span>二行目</del>' in r.text, r.text)
        ok('<ins><span class="visually-hidden">追加：</span>二行目を直した</ins>' in r.text)
        ok('<ins><span class="visually-hidden">追加：</span>四行目</ins>' in r.text)
        ok("<del><span class=\"visually-hidden\">削除：</span>一行目" not in r.text,
           "unchanged lines are not marked")
        ok("講座のお知らせ（改）" in r.text)
        ok("この版に戻す" in r.text)
        eq(c.get(base + "/9").status, 404)
        eq(c.get("/admin/content/page/%d/revisions" % nid).status, 404)  # not a page
        # restoring needs the token
        r = c.request("POST", base + "/1", body="", headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": "http://127.0.0.1:%d" % s.server.port})
        eq(r.status, 403)
        r = c.post(base + "/1", {}, token_from=base + "/1")
        eq(r.status, 303, r.text[:400])
        eq(r.location, "/admin/content/notice/%d?done=restored" % nid)
        eq(s.rows("SELECT title, rev FROM content_item WHERE id = ?", nid),
           [("講座のお知らせ", 3)])
        eq(s.rows("SELECT action FROM content_revision WHERE item_id = ? AND rev = 3", nid),
           [("restore",)])
        page = text_of(c.get(base).text)
        ok("復元" in page)


@test
def revisions_of_an_item_saved_in_the_editor_and_restored_to_its_edit_page():
    """The editor's saves (web/admin_content.c, "_step=save" skips its confirmation
    screen) appear in the history, and a restore lands on the edit page."""
    with Site() as s:
        add_staff(s, "centre-editor", role="editor")
        c = staff_login(s, "centre-editor")[0]
        r = c.post("/admin/content/notice/new", {"title": "説明会", "body": "午前の部\n午後の部",
                                                 "_step": "save"})
        eq(r.status, 303, text_of(r.text)[:400])
        nid = int(re.search(r"/admin/content/notice/(\d+)\?done=created", r.location).group(1))
        edit = "/admin/content/notice/%d" % nid
        r = c.post(edit, {"title": "説明会（中止）", "body": "午前の部\n午後の部は中止",
                          "_step": "save", "_rev": "1"}, token_from=edit)
        eq(r.status, 303, text_of(r.text)[:400])
        page = text_of(c.get(edit + "/revisions").text)
        ok("作成" in page and "保存" in page and "版 2" in page, page[:800])
        r = c.get(edit + "/revisions/1")
        ok('<ins><span class="visually-hidden">追加：</span>午後の部は中止</ins>' in r.text)
        r = c.post(edit + "/revisions/1", {}, token_from=edit + "/revisions/1")
        eq(r.status, 303)
        r = c.get(r.location)
        eq(r.status, 200)
        ok("指定の版の内容に戻しました" in text_of(r.text))
        eq(s.rows("SELECT title FROM content_item WHERE id = ?", nid), [("説明会",)])


@test
def audit_log_is_for_system_administrators_and_shows_before_and_after():
    with Site() as s:
        add_staff(s, "centre-admin")
        add_staff(s, "centre-editor", role="editor")
        admin = staff_login(s, "centre-admin")[0]
        editor = staff_login(s, "centre-editor")[0]
        nid = new_notice(s, editor, "防災講座", "本文")
        r = import_csv(editor, [["ID [id]", "タイトル [title]"], [str(nid), "防災講座（満員）"]])
        eq(r.status, 200)
        eq(editor.get("/admin/audit-log").status, 403)
        line = s.rows("SELECT id FROM audit_log ORDER BY id DESC LIMIT 1")[0][0]
        eq(editor.get("/admin/audit-log/%d" % line).status, 403)
        r = admin.get("/admin/audit-log")
        eq(r.status, 200)
        page = text_of(r.text)
        ok("centre-editor" in page and "CSV 取り込み" in page and "防災講座（満員）" in page,
           page[:1000])
        ok("1 年以上" in page)
        # filters: by actor, by type, by JST day
        ok("centre-editor" not in text_of(admin.get("/admin/audit-log?actor=centre-admin").text)
           .split("監査ログ（新しい順")[1])
        r = admin.get("/admin/audit-log?type=page&actor=centre-editor")
        ok("記録はありません" in text_of(r.text))
        today = (datetime.datetime.now(datetime.timezone.utc) +
                 datetime.timedelta(hours=9)).strftime("%Y-%m-%d")
        r = admin.get("/admin/audit-log?type=notice&from=%s&to=%s" % (today, today))
        ok("防災講座（満員）" in text_of(r.text))
        r = admin.get("/admin/audit-log?to=2000-01-01")
        ok("記録はありません" in text_of(r.text))
        # one line: the record before and after, field by field, labelled
        r = admin.get("/admin/audit-log/%d" % line)
        eq(r.status, 200)
        page = text_of(r.text)
        ok("タイトル" in page and "防災講座（満員）" in page and "防災講座" in page, page[:1500])
        ok("変更のない項目" in page and "本文" in page, page[:1500])
        eq(admin.get("/admin/audit-log/99999999").status, 404)


@test
def audit_log_pages_through_older_lines():
    with Site() as s:
        add_staff(s, "centre-admin")
        c = staff_login(s, "centre-admin")[0]
        table = [["タイトル [title]", "本文 [body]"]] + [["お知らせ %d" % i, "本文"]
                                                       for i in range(60)]
        eq(import_csv(c, table).status, 200)
        r = c.get("/admin/audit-log?actor=centre-admin")
        eq(len(re.findall(r'href="/admin/audit-log/\d+"', r.text)), 50)
        m = re.search(r'href="(/admin/audit-log\?before=\d+[^"]*)">さらに古い記録', r.text)
        ok(m, "a link to older lines")
        r = c.get(html.unescape(m.group(1)))
        ok(len(re.findall(r'href="/admin/audit-log/\d+"', r.text)) >= 10)
        ok("最新の記録に戻る" in r.text)


@test
def staff_admin_creates_an_account_that_must_change_its_password():
    with Site() as s:
        add_staff(s, "centre-admin")
        add_staff(s, "centre-editor", role="editor")
        admin = staff_login(s, "centre-admin")[0]
        editor = staff_login(s, "centre-editor")[0]
        eq(editor.get("/admin/accounts/new").status, 403)
        ok('href="/admin/accounts/new"' in admin.get("/admin/accounts").text)
        r = admin.get("/admin/accounts/new")
        eq(r.status, 200)
        # mistakes are listed together, with what was typed kept
        r = admin.post("/admin/accounts/new", {"login": "x", "name": "", "email": "bad",
                                               "role": "member"})
        eq(r.status, 400)
        for fid in ("staff-login", "staff-name", "staff-email", "staff-role-editor"):
            ok('href="#%s"' % fid in r.text, fid)
        r = admin.post("/admin/accounts/new", {"login": "new-staff", "name": "新しい 職員",
                                               "email": "new-staff@example.jp", "role": "editor"})
        eq(r.status, 200, text_of(r.text)[:600])
        ok("no-store" in (r.getheader("Cache-Control") or ""))
        pw = re.search(r'<code class="initial-password" lang="en">([^<]+)</code>', r.text).group(1)
        ok(len(pw) == 16, pw)
        eq(s.rows("SELECT role, status, must_change_password FROM account WHERE login = ?",
                "new-staff"), [("editor", "active", 1)])
        ok(pw not in "".join(str(x) for x in s.rows("SELECT * FROM account")))
        # the same ID again is refused
        r = admin.post("/admin/accounts/new", {"login": "NEW-STAFF", "name": "別人",
                                               "email": "other@example.jp", "role": "admin"})
        eq(r.status, 400)
        ok("使われて" in text_of(r.text))
        # SEC-15: the first sign-in leads to the password change, and nothing else opens
        c, _ = staff_login(s, "new-staff", password=pw, expect="/account/password")
        r = c.get("/admin")
        eq(r.status, 303)
        eq(r.location, "/account/password")
        r = c.post("/account/password", {"current": pw, "password": "my own password 7"})
        eq(r.status, 200, text_of(r.text)[:600])
        eq(c.get("/admin").status, 200)
        eq(s.rows("SELECT must_change_password FROM account WHERE login = ?", "new-staff"),
           [(0,)])
        events = [e for (e,) in s.rows("SELECT event FROM security_log")]
        ok("created" in events, events)
        # and the audit log of staff changes names who created it
        eq(s.rows("SELECT actor_login, target_type FROM audit_log WHERE action = 'account.created'"),
           [("centre-admin", "account")])


if __name__ == "__main__":
    run()
