"""The media library over HTTP against the real server (issue: "uploads stored
outside static/ under random names, type sniffed with libmagic, served with
Content-Disposition and nosniff, image thumbnails"; spec 8.10 vulnerability
classes 3, 8, 12, 13, 14).  Upload attacks: a .php, .html or SVG-with-script
upload is never stored, executed or served inline."""
import os
import re
import struct
import sys
import time
import urllib.parse
import uuid
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, eq, ok, run, test  # noqa: E402
from webclient import Client, Site, add_staff, register_member, login, staff_login  # noqa: E402

REFUSED = "この種類のファイルは登録できません（PDF、画像、Office 文書、テキストのみ）。"


def png(w, h):
    raw = b"".join(b"\x00" + b"\xc8\x1e\x1e" * w for _ in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


POLYGLOT_GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
                b"!\xfe\x1f<html><script>alert(1)</script>\x00"
                b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00;")
PHP = b"<?php system($_GET['c']); ?>\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
       b"<script>alert(document.cookie)</script></svg>")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def multipart(fields, files):
    """(body, content type) of a multipart/form-data form."""
    boundary = "----tsunagu" + uuid.uuid4().hex
    out = []
    for name, value in fields:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n" %
                    (boundary, name)).encode() + value.encode() + b"\r\n")
    for name, filename, ctype, data in files:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    "Content-Type: %s\r\n\r\n" % (boundary, name, filename, ctype)).encode("utf-8") +
                   data + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


def upload(c, filename, data, alt="", public=True, ctype="application/octet-stream"):
    tok = c.token("/admin/media")
    fields = [("_csrf", tok), ("alt", alt)]
    if public:
        fields.append(("public", "1"))
    body, ct = multipart(fields, [("file", filename, ctype, data)])
    return c.request("POST", "/admin/media", body=body, headers={
        "Content-Type": ct, "Origin": "http://127.0.0.1:%d" % c.s.port})


def uploaded_id(r):
    eq(r.status, 303, r.text[:2000])
    m = re.match(r"/admin/media/(\d+)\?added=1$", r.location or "")
    ok(m, "redirected to the new item: %r" % r.location)
    return int(m.group(1))


def headers_named(r, name):
    return [v for k, v in r.getheaders() if k.lower() == name.lower()]


def check_safe_headers(r):
    """nosniff, and the sandbox policy instead of the site's own (exactly one
    policy on every response)."""
    eq(headers_named(r, "X-Content-Type-Options"), ["nosniff"])
    eq(headers_named(r, "Content-Security-Policy"), ["default-src 'none'; sandbox"])


def media_dir(site):
    return os.path.join(site.server.data, "media")


def editor(site):
    add_staff(site, "centre-editor", role="editor")
    c, _ = staff_login(site, "centre-editor")
    return c


def empty_soon(d, timeout=5):
    """True once directory d is missing or empty (temp files go when the
    request has ended, just after its answer)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not os.path.isdir(d) or not os.listdir(d):
            return True
        time.sleep(0.05)
    return False


@test
def staff_upload_is_stored_listed_with_a_thumbnail_and_served_with_safe_headers():
    with Site() as site:
        c = editor(site)
        data = png(800, 400)
        r = upload(c, "活動の写真.png", data, alt="清掃活動の様子", ctype="image/png")
        mid = uploaded_id(r)
        page = c.get(r.location)
        eq(page.status, 200)
        ok("ファイルを登録しました" in page.text)
        ok("![清掃活動の様子](/media/%d/" % mid in page.text, "the Markdown to paste")
        listing = c.get("/admin/media").text
        ok('src="/media/%d/thumb"' % mid in listing, "the list shows the thumbnail")
        # a visitor fetches the public file by its URL
        visitor = Client(site.server)
        url = "/media/%d/%s" % (mid, urllib.parse.quote("活動の写真.png"))
        f = visitor.get(url)
        eq(f.status, 200)
        eq(f.body, data)
        eq(f.getheader("Content-Type"), "image/png")
        check_safe_headers(f)
        disp = f.getheader("Content-Disposition")
        ok(disp.startswith("inline;"), disp)
        ok("filename*=UTF-8''" + urllib.parse.quote("活動の写真.png", safe="") in disp, disp)
        eq(f.getheader("Cache-Control"), "public, max-age=86400")
        # the name in the URL is decoration
        eq(visitor.get("/media/%d/anything.exe" % mid).body, data)
        t = visitor.get("/media/%d/thumb" % mid)
        eq(t.status, 200)
        eq(t.getheader("Content-Type"), "image/png")
        check_safe_headers(t)
        w, h = struct.unpack(">II", t.body[16:24])
        eq((w, h), (320, 160))
        eq(site.rows("SELECT count(*) FROM audit_log WHERE action = 'media.upload' "
                     "AND target_type = 'media' AND target_id = ?", mid), [(1,)])


@test
def upload_attacks_are_refused_with_400_and_the_japanese_message():
    with Site() as site:
        c = editor(site)
        for filename, data, ctype in [("evil.php", PHP, "application/x-php"),
                                      ("page.html", HTML, "text/html"),
                                      ("evil.svg", SVG, "image/svg+xml"),
                                      ("photo.jpg", HTML, "image/jpeg"),
                                      ("evil.png", PHP, "image/png"),
                                      ("logo.png", SVG, "image/png")]:
            r = upload(c, filename, data, alt="残す説明文", ctype=ctype)
            eq(r.status, 400, "%s: %d" % (filename, r.status))
            ok(REFUSED in r.text, filename)
            ok('value="残す説明文"' in r.text, "the alt text typed is kept")
        eq(site.rows("SELECT count(*) FROM media"), [(0,)])
        ok(empty_soon(media_dir(site)), "nothing was stored")
        ok(empty_soon(os.path.join(site.server.data, "tmp")), "no temp file was left behind")


@test
def a_gif_html_polyglot_is_served_only_as_an_image():
    with Site() as site:
        c = editor(site)
        mid = uploaded_id(upload(c, "x.html", POLYGLOT_GIF))
        f = Client(site.server).get("/media/%d/x.html" % mid)
        eq(f.status, 200)
        eq(f.getheader("Content-Type"), "image/gif")
        check_safe_headers(f)


@test
def documents_and_text_are_downloaded_not_shown():
    with Site() as site:
        c = editor(site)
        pid = uploaded_id(upload(c, "資料.pdf", PDF))
        tid = uploaded_id(upload(c, "memo.txt", "お知らせ\n".encode()))
        v = Client(site.server)
        f = v.get("/media/%d/x" % pid)
        eq(f.getheader("Content-Type"), "application/pdf")
        ok(f.getheader("Content-Disposition").startswith("attachment;"), "PDFs download: no viewer runs sandboxed")
        f = v.get("/media/%d/x" % tid)
        eq(f.status, 200)
        eq(f.getheader("Content-Type"), "text/plain")
        ok(f.getheader("Content-Disposition").startswith("attachment;"))
        check_safe_headers(f)
        eq(v.get("/media/%d/thumb" % pid).status, 404)


@test
def class_8_a_staff_only_or_trashed_file_is_404_for_visitors():
    with Site() as site:
        c = editor(site)
        sid = uploaded_id(upload(c, "内部資料.pdf", PDF, public=False))
        v = Client(site.server)
        eq(v.get("/media/%d/x.pdf" % sid).status, 404)
        f = c.get("/media/%d/x.pdf" % sid)
        eq(f.status, 200)
        eq(f.getheader("Cache-Control"), "no-store")
        # a member is no more than a visitor here
        register_member(site)
        m, _ = login(site, "hanako")
        eq(m.get("/media/%d/x.pdf" % sid).status, 404)
        eq(m.get("/admin/media").status, 403)
        eq(v.get("/admin/media").status, 303)
        # trash and restore a public file
        pid = uploaded_id(upload(c, "公開.pdf", PDF))
        eq(v.get("/media/%d/a" % pid).status, 200)
        r = c.post("/admin/media/%d/trash" % pid, {}, token_from="/admin/media/%d" % pid)
        eq(r.status, 200, r.text[:500])
        eq(v.get("/media/%d/a" % pid).status, 404)
        ok("ゴミ箱" in c.get("/admin/media?trash=1").text)
        r = c.post("/admin/media/%d/restore" % pid, {}, token_from="/admin/media/%d" % pid)
        eq(r.status, 200)
        eq(v.get("/media/%d/a" % pid).status, 200)
        # the alt form keeps what was typed when it is refused
        r = c.post("/admin/media/%d/alt" % pid, {"alt": "x" * 301, "public": "1"},
                   token_from="/admin/media/%d" % pid)
        eq(r.status, 400)
        ok("x" * 301 in r.text)
        r = c.post("/admin/media/%d/alt" % pid, {"alt": "県の資料"},
                   token_from="/admin/media/%d" % pid)
        eq(r.status, 200)
        eq(v.get("/media/%d/a" % pid).status, 404)  # no longer public
        actions = [a for (a,) in site.rows("SELECT action FROM audit_log WHERE target_type = "
                                           "'media' AND target_id = ? ORDER BY id", pid)]
        eq(actions, ["media.upload", "media.trash", "media.restore", "media.update"])


@test
def uploads_need_the_csrf_token():
    with Site() as site:
        c = editor(site)
        body, ct = multipart([("alt", "")], [("file", "a.pdf", "application/pdf", PDF)])
        r = c.request("POST", "/admin/media", body=body, headers={
            "Content-Type": ct, "Origin": "http://127.0.0.1:%d" % site.server.port})
        eq(r.status, 403)
        eq(site.rows("SELECT count(*) FROM media"), [(0,)])


@test
def stored_files_have_random_names_outside_static_and_are_never_served_from_there():
    with Site() as site:
        c = editor(site)
        mid = uploaded_id(upload(c, "evil.php.png", png(10, 10)))
        stored, thumb = site.rows("SELECT stored, thumb FROM media WHERE id = ?", mid)[0]
        for name in (stored, thumb):
            ok(re.fullmatch(r"[0-9a-f]{32}", name), name)
        d = media_dir(site)
        eq(sorted(os.listdir(d)), sorted([stored, thumb]))
        eq(os.stat(d).st_mode & 0o777, 0o700)
        eq(os.stat(os.path.join(d, stored)).st_mode & 0o777, 0o600)
        static = os.path.realpath(os.path.join(ROOT, "static"))
        ok(not os.path.realpath(d).startswith(static + os.sep))
        for root, _, files in os.walk(static):
            ok(stored not in files and thumb not in files)
        v = Client(site.server)
        for path in ("/static/%s" % stored, "/static/media/%s" % stored,
                     "/static/../%s/media/%s" % (os.path.basename(site.server.data), stored)):
            ok(v.get(path).status in (400, 404), path)
        # the name on disk is never shown
        page = c.get("/admin/media/%d" % mid).text + c.get("/admin/media").text
        ok(stored not in page and thumb not in page)


if __name__ == "__main__":
    run()
