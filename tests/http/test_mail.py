"""The mail outbox, end to end: `tsunagu` queues mail, the worker delivers it
to a real SMTP server (python3-aiosmtpd on loopback), and the tests read what
arrived.  Run with Debian's /usr/bin/python3 (it has aiosmtpd)."""
import base64
import email.header
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, Server, eq, ok, run, run_cli, test, free_port  # noqa: E402
from smtpd import Sink  # noqa: E402

SUPERNET = "山口県県民活動スーパーネット"
CENTRE = "やまぐち県民活動支援センター"

# The test mail's body exactly as templates/mail/test.txt and _footer.txt
# render it with the demo settings and no base_url.
TEST_BODY = (
    "このメールは、" + SUPERNET + "の管理者が送信設定を確かめるために送ったテストメールです。\r\n"
    "お心当たりのない場合は、お手数ですがこのメールを破棄してください。\r\n"
    "\r\n"
    "日本語の確認: 漢字・ひらがな・カタカナ・全角記号（①②③、〒、～）・半角ｶﾀｶﾅ・絵文字を含まない一般的な文章です。\r\n"
    "\r\n"
    "──────────────────────────────\r\n"
    + CENTRE + "\r\n"
    "〒753-0000 山口県山口市○○町1番1号 ○○ビル2階\r\n"
    "電話 083-000-0000\r\n"
    "\r\n"
    "※このメールは送信専用のアドレスから自動で送信しています。\r\n"
    "──────────────────────────────\r\n"
)


class Site:
    """A data dir with the demo data, and the environment that points the
    commands at an SMTP server."""

    def __init__(self, smtp_port, **settings):
        self.tmp = tempfile.mkdtemp(prefix="tsunagu-mail-")
        self.data = os.path.join(self.tmp, "data")
        self.env = dict(os.environ)
        self.env.update({
            "TSUNAGU_SMTP_URL": "smtp://127.0.0.1:%d" % smtp_port,
            "TSUNAGU_SMTP_FROM": "noreply@example.jp",
            "TSUNAGU_CENTRE_BCC": "centre@example.jp",
            "TSUNAGU_MAIL_RETRY_BASE": "1",
            "TSUNAGU_MAIL_LEASE": "3",
            "TSUNAGU_MAIL_BULK_RATE": "0",
        })
        for k, v in settings.items():
            self.env["TSUNAGU_" + k.upper()] = str(v)
        self.workers = []
        self.cli("demo")

    def cli(self, *args, check=True):
        p = run_cli(list(args) + ["--data", self.data], env=self.env)
        if check and p.returncode != 0:
            raise AssertionError("tsunagu %s: %d %s" % (" ".join(args), p.returncode,
                                                        p.stderr.decode()))
        return p

    def queue_test_mails(self, n, prefix="user"):
        path = os.path.join(self.tmp, "to-%s.tsv" % prefix)
        with open(path, "w") as f:
            for i in range(n):
                f.write("%s%d@example.jp\t利用者 %d\n" % (prefix, i, i))
        self.cli("mail", "bulk", "test", path)

    def worker(self, *extra):
        log = open(os.path.join(self.tmp, "worker-%d.log" % len(self.workers)), "wb")
        p = subprocess.Popen([BIN, "worker", "--data", self.data] + list(extra), env=self.env,
                             stdout=log, stderr=log)
        self.workers.append((p, log))
        return p

    def db(self):
        return sqlite3.connect("file:%s?mode=ro" % os.path.join(self.data, "tsunagu.db"),
                               uri=True, timeout=10)

    def rows(self, sql, *args):
        with self.db() as c:
            return c.execute(sql, args).fetchall()

    def close(self):
        for p, log in self.workers:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def decode_header(v):
    return str(email.header.make_header(email.header.decode_header(v)))


def wait_for(cond, timeout=30, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(step)
    return False


@test
def mail_arrives_with_correct_headers_and_exact_japanese_text():
    with Sink() as smtp, Site(smtp.port) as site:
        p = site.cli("mail", "test", "taro.yamada@example.jp")
        ok("送信待ち" in p.stdout.decode(), p.stdout.decode())
        site.cli("worker", "--once")
        ok(smtp.wait(1, 10), "no mail arrived")
        m = smtp.messages[0]
        eq(m.mail_from, "noreply@example.jp")
        eq(m.rcpt_tos, ["taro.yamada@example.jp"])
        raw = m.data.decode("ascii")  # 7-bit clean
        head = raw.split("\r\n\r\n", 1)[0]
        for line in head.split("\r\n"):
            ok(len(line) <= 78, "header line too long: %r" % line)
        msg = m.message
        eq(decode_header(msg["Subject"]), "【" + SUPERNET + "】テストメール")
        ok("=?UTF-8?B?" in head, "subject not RFC 2047 encoded")
        eq(msg["To"].addresses[0].addr_spec, "taro.yamada@example.jp")
        eq(msg["From"].addresses[0].addr_spec, "noreply@example.jp")
        eq(msg["From"].addresses[0].display_name, CENTRE)
        ok(re.match(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0900$",
                    msg["Date"]), msg["Date"])
        ok(re.match(r"^<[0-9a-f]{32}\.\d+@example\.jp>$", msg["Message-ID"]), msg["Message-ID"])
        eq(msg["MIME-Version"], "1.0")
        eq(msg.get_content_type(), "text/plain")
        eq(msg.get_content_charset(), "utf-8")
        eq(msg["Content-Transfer-Encoding"], "base64")
        eq(msg["Auto-Submitted"], "auto-generated")
        ok(msg["Bcc"] is None, "Bcc must never be a header")
        body = base64.b64decode(raw.split("\r\n\r\n", 1)[1]).decode("utf-8")
        eq(body, TEST_BODY)
        for line in raw.split("\r\n"):
            ok(len(line) <= 998)


@test
def mail_exists_only_if_the_change_is_committed():
    smtp = Sink()
    try:
        with Server(env={"TSUNAGU_SMTP_URL": smtp.url, "TSUNAGU_SMTP_FROM": "noreply@example.jp",
                         "TSUNAGU_MAIL_RETRY_BASE": "1"}) as s:
            r = s.request("POST", "/_test/mail", body="to=rollback%40example.jp&fail=1",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
            eq(r.status, 500, r.text)
            r = s.request("POST", "/_test/mail", body="to=commit%40example.jp&fail=0",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
            eq(r.status, 200, r.text)
            # serve's own worker thread delivers it
            ok(smtp.wait(1, 15), "the committed mail did not arrive: " + s.log())
            time.sleep(1.5)  # a rolled-back mail would have had time to go too
            eq([m.rcpt_tos for m in smtp.messages], [["commit@example.jp"]])
            rows = sqlite3.connect(os.path.join(s.data, "tsunagu.db")).execute(
                "SELECT rcpt_to, state FROM mail_outbox").fetchall()
            eq(rows, [("commit@example.jp", "sent")])
    finally:
        smtp.stop()


@test
def vuln_7_mail_header_injection_is_refused():
    with Sink() as smtp, Site(smtp.port) as site:
        p = site.cli("mail", "test", "a@example.jp\r\nBcc: evil@example.com", check=False)
        eq(p.returncode, 2)
        ok("改行" in p.stderr.decode(), p.stderr.decode())
        p = site.cli("mail", "test", "a@example.jp\nBcc: evil@example.com", check=False)
        eq(p.returncode, 2)
        eq(site.rows("SELECT count(*) FROM mail_outbox"), [(0,)])
    smtp = Sink()
    try:
        with Server(env={"TSUNAGU_SMTP_URL": smtp.url, "TSUNAGU_SMTP_FROM": "noreply@example.jp",
                         "TSUNAGU_WORKER": "off"}) as s:
            form = {"Content-Type": "application/x-www-form-urlencoded"}
            for body in ("to=a%40example.jp&name=%E5%B1%B1%E7%94%B0%0D%0ABcc%3A+evil%40example.com",
                         "to=a%40example.jp%0ABcc%3A+evil%40example.com",
                         "to=a%40example.jp&name=x%0Ay"):
                r = s.request("POST", "/_test/mail", body=body, headers=form)
                eq(r.status, 400, body)
                ok("改行" in r.text or "メールアドレス" in r.text, r.text)
            rows = sqlite3.connect(os.path.join(s.data, "tsunagu.db")).execute(
                "SELECT count(*) FROM mail_outbox").fetchall()
            eq(rows, [(0,)])
            # a percent sign and letters that merely look like an escape are text
            r = s.request("POST", "/_test/mail", body="to=a%40example.jp&name=%250d%250a",
                          headers=form)
            eq(r.status, 200, r.text)
    finally:
        smtp.stop()


@test
def smtp_down_then_up_delivers_every_mail_once():
    port = free_port()
    with Site(port) as site:
        site.queue_test_mails(20)
        site.worker()
        # nothing listens: the worker retries with backoff
        ok(wait_for(lambda: site.rows(
            "SELECT count(*) FROM mail_outbox WHERE attempts > 0")[0][0] > 0, 15),
            "the worker never tried")
        time.sleep(3)
        eq(site.rows("SELECT count(*) FROM mail_outbox WHERE state = 'sent'"), [(0,)])
        q = site.cli("mail", "queue").stdout.decode()
        ok("送信待ち" in q and "SMTP" in q, q)
        with Sink(port=port) as smtp:
            ok(smtp.wait(20, 60), "only %d of 20 arrived" % smtp.count())
            time.sleep(2)
            ids = smtp.ids()
            eq(len(ids), 20)
            eq(len(set(ids)), 20)
            expected = {r[0] for r in site.rows("SELECT message_id FROM mail_outbox")}
            eq(set(ids), expected)
            eq(site.rows("SELECT DISTINCT state FROM mail_outbox"), [("sent",)])


def kill_9_mid_batch(connections):
    with Sink(delay=0.15) as smtp, Site(smtp.port, mail_connections=connections) as site:
        site.queue_test_mails(40)
        w = site.worker()
        ok(smtp.wait(8, 30), "the worker did not start sending")
        w.send_signal(signal.SIGKILL)
        w.wait()
        before = smtp.count()
        ok(before < 40, "the batch finished before the kill")
        site.worker()
        ok(smtp.wait(40, 60), "only %d of 40 arrived" % smtp.count())
        time.sleep(4)  # past the lease: anything left over would go now
        ids = smtp.ids()
        expected = {r[0] for r in site.rows("SELECT message_id FROM mail_outbox")}
        eq(set(ids), expected)  # none lost
        dupes = len(ids) - len(set(ids))
        # at most the one in flight on each connection, with its Message-ID
        ok(dupes <= connections, "%d duplicates" % dupes)
        eq(site.rows("SELECT DISTINCT state FROM mail_outbox"), [("sent",)])


@test
def kill_9_mid_batch_loses_nothing_one_connection():
    kill_9_mid_batch(1)


@test
def kill_9_mid_batch_loses_nothing_two_connections():
    kill_9_mid_batch(2)


@test
def two_workers_never_send_the_same_mail():
    with Sink(delay=0.05) as smtp, Site(smtp.port) as site:
        site.queue_test_mails(60)
        a = site.worker()
        b = site.worker()
        ok(smtp.wait(60, 60), "only %d of 60 arrived" % smtp.count())
        time.sleep(1)
        ids = smtp.ids()
        eq(len(ids), 60)
        eq(len(set(ids)), 60)
        owners = site.rows("SELECT count(*) FROM mail_outbox WHERE state = 'sent'")
        eq(owners, [(60,)])
        for p in (a, b):
            p.terminate()
            eq(p.wait(30), 0)


@test
def permanent_refusal_fails_at_once_and_retry_requeues():
    def refuse(env):
        return "550 5.1.1 no such user" if "nobody@example.jp" in env.rcpt_tos else None

    with Sink(refuse=refuse) as smtp, Site(smtp.port) as site:
        site.cli("mail", "test", "nobody@example.jp")
        site.cli("mail", "test", "somebody@example.jp")
        site.cli("worker", "--once")
        eq(smtp.count(), 1)
        rows = site.rows("SELECT id, state, attempts, last_error FROM mail_outbox "
                         "WHERE rcpt_to = 'nobody@example.jp'")
        eq(rows[0][1:3], ("failed", 1))
        ok("550" in rows[0][3], rows[0][3])
        q = site.cli("mail", "queue").stdout.decode()
        ok("失敗" in q and "nobody@example.jp" in q, q)
        site.cli("mail", "retry", str(rows[0][0]))
        eq(site.rows("SELECT state, attempts FROM mail_outbox WHERE id = ?", rows[0][0]),
           [("pending", 0)])
        p = site.cli("mail", "retry", "999", check=False)
        eq(p.returncode, 1)


@test
def transient_failures_retry_with_backoff_then_fail():
    def refuse(env):
        return "451 4.3.0 try again later"

    with Sink(refuse=refuse) as smtp, Site(smtp.port, mail_max_attempts=3) as site:
        site.cli("mail", "test", "later@example.jp")
        site.worker()
        ok(wait_for(lambda: site.rows("SELECT state FROM mail_outbox")[0][0] == "failed", 30),
           "never failed: %r" % site.rows("SELECT state, attempts FROM mail_outbox"))
        eq(site.rows("SELECT attempts FROM mail_outbox"), [(3,)])
        eq(len(smtp.refused), 3)
        eq(smtp.count(), 0)


@test
def centre_bcc_goes_to_the_envelope_only():
    with Sink() as smtp, Site(smtp.port) as site:
        # the test mail has Bcc-Centre: no; a kind with yes is made for the test
        share = os.path.join(site.tmp, "share")
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        os.makedirs(os.path.join(share, "templates"))
        shutil.copytree(os.path.join(root, "templates", "mail"),
                        os.path.join(share, "templates", "mail"))
        shutil.copytree(os.path.join(root, "data"), os.path.join(share, "data"))
        with open(os.path.join(share, "templates", "mail", "copy.txt"), "w") as f:
            f.write("Subject: 控えあり\nBcc-Centre: yes\n\n本文です。\n")
        site.env["TSUNAGU_SHARE_DIR"] = share
        path = os.path.join(site.tmp, "one.tsv")
        with open(path, "w") as f:
            f.write("hanako@example.jp\t山田 花子\n")
        site.cli("mail", "bulk", "copy", path)
        site.cli("worker", "--once")
        ok(smtp.wait(1, 10))
        m = smtp.messages[0]
        eq(sorted(m.rcpt_tos), ["centre@example.jp", "hanako@example.jp"])
        ok(b"centre@example.jp" not in m.data, "the BCC address leaked into the message")
        eq(m.message["To"].addresses[0].display_name, "山田 花子")


@test
def bulk_keeps_its_rate_resumes_and_skips_mail_stopped():
    with Sink() as smtp, Site(smtp.port, mail_bulk_rate=120) as site:
        site.cli("mail", "stop", "user1@example.jp")
        site.queue_test_mails(10)
        eq(site.rows("SELECT count(*) FROM mail_outbox"), [(9,)])  # user1 left out
        site.cli("mail", "stop", "USER2@example.jp")  # stopped after queueing
        start = time.time()
        w = site.worker()
        ok(smtp.wait(3, 20))
        w.terminate()
        eq(w.wait(30), 0)
        site.worker()
        ok(smtp.wait(8, 30), "only %d arrived" % smtp.count())
        took = time.time() - start
        time.sleep(1.5)
        ids = smtp.ids()
        eq(len(ids), 8)
        eq(len(set(ids)), 8)
        rcpts = sorted(m.rcpt_tos[0] for m in smtp.messages)
        ok("user1@example.jp" not in rcpts and "user2@example.jp" not in rcpts, rcpts)
        eq(site.rows("SELECT state FROM mail_outbox WHERE rcpt_to = 'user2@example.jp'"),
           [("skipped",)])
        # 120 a minute is one every 0.5 s; a burst of at most a second's worth
        ok(took >= 2.0, "8 mails at 2/s arrived in %.1f s" % took)
        times = sorted(m.time for m in smtp.messages)
        ok(times[-1] - times[0] >= 2.0, "spread %.1f s" % (times[-1] - times[0]))
        site.cli("mail", "unstop", "user2@example.jp")
        eq(site.rows("SELECT count(*) FROM mail_stop"), [(1,)])


@test
def smtp_auth_reads_the_password_from_a_file():
    with Sink(auth=("tsunagu", "s3cret pass")) as smtp, \
            Site(smtp.port, smtp_user="tsunagu", smtp_tls="none") as site:
        pw = os.path.join(site.tmp, "smtp.pw")
        with open(pw, "w") as f:
            f.write("s3cret pass\n")
        os.chmod(pw, 0o644)
        site.env["TSUNAGU_SMTP_PASSWORD_FILE"] = pw
        site.cli("mail", "test", "auth@example.jp")
        p = site.cli("worker", "--once", check=False)
        eq(p.returncode, 1)
        ok("chmod 600" in p.stderr.decode(), p.stderr.decode())
        # serve, which runs a worker, refuses to start rather than run without mail
        p = site.cli("serve", "--listen", "127.0.0.1:%d" % free_port(), check=False)
        eq(p.returncode, 1)
        ok("chmod 600" in p.stderr.decode(), p.stderr.decode())
        os.chmod(pw, 0o600)
        site.cli("worker", "--once")
        ok(smtp.wait(1, 10))
        ok(smtp.logins and all(ok_ for _, ok_ in smtp.logins), smtp.logins)
        logs = b""
        logdir = os.path.join(site.data, "log")
        for name in os.listdir(logdir):
            logs += open(os.path.join(logdir, name), "rb").read()
        ok(b"s3cret" not in logs)


def make_certs(tmp):
    """A CA and a server certificate for 127.0.0.1 signed by it (openssl)."""
    def openssl(*args):
        subprocess.run(["openssl"] + list(args), cwd=tmp, check=True, capture_output=True)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
            "/CN=Tsunagu Test CA", "-keyout", "ca.key", "-out", "ca.pem")
    with open(os.path.join(tmp, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", "server.key", "-out", "server.csr")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.pem")
    import ssl
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(os.path.join(tmp, "server.pem"), os.path.join(tmp, "server.key"))
    return os.path.join(tmp, "ca.pem"), ctx


@test
def starttls_with_auth_and_smtps_from_config():
    certs = tempfile.mkdtemp(prefix="tsunagu-certs-")
    try:
        ca, ctx = make_certs(certs)
        with Sink(tls=ctx, auth=("centre", "pass word")) as smtp, \
                Site(smtp.port, smtp_tls="starttls", smtp_ca_file=ca, smtp_user="centre") as site:
            pw = os.path.join(site.tmp, "pw")
            with open(pw, "w") as f:
                f.write("pass word")
            os.chmod(pw, 0o600)
            site.env["TSUNAGU_SMTP_PASSWORD_FILE"] = pw
            site.cli("mail", "test", "tls@example.jp")
            site.cli("worker", "--once")
            ok(smtp.wait(1, 10), "no mail over STARTTLS")
            ok(smtp.logins and all(good for _, good in smtp.logins), smtp.logins)
        with Sink(smtps=ctx) as smtp, Site(smtp.port, smtp_ca_file=ca) as site:
            site.env["TSUNAGU_SMTP_URL"] = "smtps://127.0.0.1:%d" % smtp.port
            site.cli("mail", "test", "smtps@example.jp")
            site.cli("worker", "--once")
            ok(smtp.wait(1, 10), "no mail over SMTPS")
        # a certificate nobody vouches for: nothing is sent, the mail waits
        with Sink(tls=ctx) as smtp, Site(smtp.port, smtp_tls="starttls") as site:
            site.cli("mail", "test", "untrusted@example.jp")
            site.cli("worker", "--once")
            eq(smtp.count(), 0)
            row = site.rows("SELECT state, last_error FROM mail_outbox")[0]
            eq(row[0], "pending")
            ok("SMTP" in row[1], row[1])
    finally:
        shutil.rmtree(certs, ignore_errors=True)


@test
def cli_usage_errors_are_japanese():
    with Site(free_port()) as site:
        p = site.cli("mail", "retry", "abc", check=False)
        eq(p.returncode, 2)
        ok("ID" in p.stderr.decode())
        p = site.cli("mail", "frobnicate", check=False)
        eq(p.returncode, 2)
        ok("不明な操作" in p.stderr.decode())
        p = site.cli("mail", "bulk", "nosuchkind", "/dev/null", check=False)
        eq(p.returncode, 2)
        # a bad recipient file names the line and queues nothing
        bad = os.path.join(site.tmp, "bad.tsv")
        with open(bad, "wb") as f:
            f.write("ok@example.jp\t名前\n# comment\nnot an address\tx\n".encode())
        p = site.cli("mail", "bulk", "test", bad, check=False)
        eq(p.returncode, 2)
        ok("3 行目" in p.stderr.decode(), p.stderr.decode())
        with open(bad, "wb") as f:
            f.write(b"ok@example.jp\t\xff\xfe\n")
        p = site.cli("mail", "bulk", "test", bad, check=False)
        eq(p.returncode, 2)
        ok("1 行目" in p.stderr.decode(), p.stderr.decode())
        eq(site.rows("SELECT count(*) FROM mail_outbox"), [(0,)])
        p = run_cli(["worker", "--once=1", "--data", site.data], env=site.env)
        eq(p.returncode, 2)


if __name__ == "__main__":
    run()
