"""What the HTTP tests of signed-in screens share: a cookie-keeping client
that fills in CSRF tokens, a server with a real SMTP sink (python3-aiosmtpd),
and signing members and staff in (TOTP included)."""
import base64
import hashlib
import hmac
import os
import re
import sqlite3
import struct
import sys
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, eq, ok, run_cli  # noqa: E402
from smtpd import Sink  # noqa: E402


PASSWORD = "correct horse 1!"


class Client:
    """A browser: keeps cookies, reads the CSRF token of forms, sends Origin."""

    def __init__(self, server):
        self.s = server
        self.jar = {}

    def cookie_header(self):
        return "; ".join("%s=%s" % kv for kv in self.jar.items())

    def request(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        if self.jar:
            h["Cookie"] = self.cookie_header()
        r = self.s.request(method, path, body=body, headers=h)
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";")[0]
                if "Max-Age=0" in v or value == "":
                    self.jar.pop(name, None)
                else:
                    self.jar[name] = value
        r.location = r.getheader("Location")
        return r

    def get(self, path):
        return self.request("GET", path)

    def token(self, path):
        r = self.get(path)
        m = re.search(r'name="_csrf" value="([0-9a-f]+)"', r.text)
        if not m:
            raise AssertionError("no form on %s (%d)" % (path, r.status))
        return m.group(1)

    def post(self, path, fields, token_from=None, token=None):
        tok = token or self.token(token_from or path)
        body = urllib.parse.urlencode([("_csrf", tok)] + list(fields.items()))
        return self.request("POST", path, body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": "http://127.0.0.1:%d" % self.s.port})

    def post_file(self, path, fields, filename, data, token=None, field="file",
                  ctype="application/octet-stream"):
        """A multipart/form-data POST with one file; token False sends none."""
        boundary = "----tsunagu" + uuid.uuid4().hex
        items = list(fields.items())
        if token is not False:
            items = [("_csrf", token or self.token(path))] + items
        parts = [("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                  % (boundary, name, value)).encode() for name, value in items]
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                      "Content-Type: %s\r\n\r\n" % (boundary, field, filename, ctype)).encode())
        parts.append(data + b"\r\n--" + boundary.encode() + b"--\r\n")
        return self.request("POST", path, body=b"".join(parts), headers={
            "Content-Type": "multipart/form-data; boundary=" + boundary,
            "Origin": "http://127.0.0.1:%d" % self.s.port})

    @property
    def session(self):
        return self.jar.get("tsunagu_session")


class Site:
    """A server with an SMTP sink; its own worker thread delivers the mail."""

    def __init__(self, **settings):
        self.smtp = Sink()
        env = {"TSUNAGU_SMTP_URL": self.smtp.url, "TSUNAGU_SMTP_FROM": "noreply@example.jp",
               "TSUNAGU_MAIL_RETRY_BASE": "1"}
        for k, v in settings.items():
            env["TSUNAGU_" + k.upper()] = str(v)
        self.server = Server(env=env)

    def db(self):
        return sqlite3.connect(os.path.join(self.server.data, "tsunagu.db"), timeout=10)

    def rows(self, sql, *args):
        with self.db() as c:
            return c.execute(sql, args).fetchall()

    def cli(self, *args, input=None):
        return run_cli(list(args) + ["--data", self.server.data], env=self.server.env,
                       input=input)

    def mail_to(self, addr, n=1, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = [m for m in list(self.smtp.messages) if addr in m.rcpt_tos]
            if len(got) >= n:
                return got
            time.sleep(0.1)
        raise AssertionError("no mail to %s" % addr)

    def link_in(self, message, path):
        body = message.message.get_content()
        m = re.search(r"https?://[^\s]+%s\?t=([A-Za-z0-9_-]+)" % re.escape(path), body)
        if not m:
            raise AssertionError("no %s link in: %s" % (path, body))
        return m.group(1), body

    def close(self):
        self.server.close()
        self.smtp.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def register_member(site, login="hanako", email="hanako@example.jp", password=PASSWORD,
                    verify=True):
    c = Client(site.server)
    r = c.post("/register", {"member_type": "individual", "name": "山田 花子", "login": login,
                             "email": email, "password": password, "agree": "1"})
    eq(r.status, 200, r.text)
    if verify:
        msg = site.mail_to(email)[-1]
        token, _ = site.link_in(msg, "/register/verify")
        r = c.get("/register/verify?t=" + token)
        eq(r.status, 200)
        r = c.post("/register/verify", {"t": token}, token_from="/register/verify?t=" + token)
        eq(r.status, 200, r.text)
        ok("完了" in r.text, r.text)
    return c


def login(site, login_id, password=PASSWORD, client=None):
    c = client or Client(site.server)
    r = c.post("/login", {"login": login_id, "password": password})
    return c, r


def totp_now(secret_b32, offset=0):
    s = secret_b32.replace(" ", "")
    s += "=" * ((8 - len(s) % 8) % 8)
    key = base64.b32decode(s)
    counter = int(time.time()) // 30 + offset
    h = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = h[-1] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def add_staff(site, login_id, role="admin"):
    p = site.cli("user", "add", login_id, "--role", role, "--email", login_id + "@example.jp",
                 "--name", "職員 " + login_id, input=(PASSWORD + "\n").encode())
    eq(p.returncode, 0, p.stderr.decode())


def staff_login(site, login_id, password=PASSWORD, expect="/admin"):
    """Signs a staff member in, enrolling the second factor the first time;
    returns the client and the TOTP secret.  expect: where the sign-in
    lands (an account made with an initial password lands on its change)."""
    c, r = login(site, login_id, password)
    eq(r.status, 303, r.text[:300])
    eq(r.location, "/login/totp/enrol")
    page = c.get("/login/totp/enrol").text
    secret = re.search(r'class="totp-secret" lang="en">([A-Z2-7]+)<', page).group(1)
    pending = re.search(r'name="pending" value="([^"]+)"', page).group(1)
    tok = re.search(r'name="_csrf" value="([0-9a-f]+)"', page).group(1)
    r = c.post("/login/totp/enrol", {"pending": pending, "code": totp_now(secret)}, token=tok)
    eq(r.status, 303, r.text)
    eq(r.location, expect)
    return c, secret
