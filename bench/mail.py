"""The driver of bench/mail.sh (see there).  Standard library only."""
import os
import shutil
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    binary, n = sys.argv[1], int(sys.argv[2])
    work = tempfile.mkdtemp(prefix="tsunagu-bench-mail-")
    data = os.path.join(work, "data")
    port = free_port()
    sink = subprocess.Popen(["/usr/bin/python3", os.path.join("bench", "smtp_sink.py"),
                             str(port)], stdout=subprocess.PIPE, text=True)
    try:
        if sink.stdout.readline().strip() != "ready":
            raise SystemExit("the SMTP sink did not start")
        env = dict(os.environ, TSUNAGU_SMTP_URL="smtp://127.0.0.1:%d" % port,
                   TSUNAGU_SMTP_FROM="noreply@example.jp", TSUNAGU_MAIL_BULK_RATE="0",
                   TSUNAGU_LOG_LEVEL="warn")

        def tsunagu(*args):
            subprocess.run([binary] + list(args) + ["--data", data], env=env, check=True,
                           stdout=subprocess.DEVNULL)

        tsunagu("demo")
        recipients = os.path.join(work, "to.tsv")
        with open(recipients, "w") as f:
            for i in range(n):
                f.write("member%05d@example.jp\t県民 太郎 %d\n" % (i, i))
        t0 = time.perf_counter()
        tsunagu("mail", "bulk", "test", recipients)
        queued = time.perf_counter() - t0

        t0 = time.perf_counter()
        tsunagu("worker", "--once")
        ours = time.perf_counter() - t0

        db = sqlite3.connect(os.path.join(data, "tsunagu.db"))
        rows = db.execute("SELECT mail_from, rcpt_to, message FROM mail_outbox "
                          "JOIN mail_message ON outbox_id = id ORDER BY id")
        messages = [(f, t, m.encode("ascii")) for f, t, m in rows]
        sent = db.execute("SELECT count(*) FROM mail_outbox WHERE state = 'sent'").fetchone()[0]
        db.close()
        if sent != n:
            raise SystemExit("tsunagu delivered %d of %d" % (sent, n))

        t0 = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as s:
            for mail_from, rcpt_to, message in messages:
                s.sendmail(mail_from, [rcpt_to], message)
        theirs = time.perf_counter() - t0
    finally:
        sink.terminate()
        out = sink.communicate(timeout=30)[0]
        shutil.rmtree(work, ignore_errors=True)
    received = int(out.split()[-1]) if out.strip().startswith("received") else -1
    if received != 2 * n:
        raise SystemExit("the SMTP server received %d messages, expected %d" % (received, 2 * n))
    print("mails: %d (Japanese, base64 UTF-8, one recipient each)" % n)
    print("queue (tsunagu mail bulk):      %8.0f mails/s" % (n / queued))
    print("tsunagu worker --once:          %8.0f mails/s" % (n / ours))
    print("python3 smtplib, one connection: %7.0f mails/s" % (n / theirs))
    print("ratio tsunagu / smtplib: %.2f" % (theirs / ours))


if __name__ == "__main__":
    main()
