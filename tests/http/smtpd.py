"""A real SMTP server for the tests: python3-aiosmtpd on loopback.

Sink(port=None, delay=0, refuse=None, tls=None, auth=None) starts an
aiosmtpd Controller in a thread of the test process and keeps every message
it accepts:
    sink.messages   list of Received(mail_from, rcpt_tos, data, message, time)
    sink.wait(n, timeout)  waits until n messages have arrived
    sink.ids()      the Message-ID of each message, in order of arrival
Options:
    delay     seconds to wait before answering DATA (a slow server)
    refuse    fn(envelope) -> None or an SMTP reply such as "550 5.1.1 no
              such user" / "451 4.3.0 try later": lets a test refuse mail
    tls       an ssl.SSLContext: offer STARTTLS (require_starttls=True)
    smtps     an ssl.SSLContext: implicit TLS from the first byte
    auth      (user, password): require AUTH PLAIN/LOGIN with these
Only Debian's /usr/bin/python3 has aiosmtpd; the test runner uses it.
"""
import asyncio
import email
import logging
import email.policy
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

# aiosmtpd logs refused TLS handshakes and the like with tracebacks; the
# tests look at what arrived instead.
logging.getLogger("mail.log").setLevel(logging.CRITICAL)


class Received:
    def __init__(self, mail_from, rcpt_tos, data):
        self.mail_from = mail_from
        self.rcpt_tos = list(rcpt_tos)
        self.data = data  # bytes as received (CRLF line ends, dot-unstuffed)
        self.message = email.message_from_bytes(data, policy=email.policy.default)
        self.time = time.time()

    @property
    def message_id(self):
        return self.message["Message-ID"]


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        if self.sink.refuse:
            reply = self.sink.refuse(envelope)
            if reply:
                with self.sink.lock:
                    self.sink.refused.append(envelope.rcpt_tos)
                return reply
        with self.sink.lock:
            self.sink.messages.append(Received(envelope.mail_from, envelope.rcpt_tos,
                                               envelope.original_content or envelope.content))
        return "250 2.0.0 OK"


class Sink:
    def __init__(self, port=None, delay=0, refuse=None, tls=None, smtps=None, auth=None):
        from harness import free_port
        self.port = port or free_port()
        self.delay = delay
        self.refuse = refuse
        self.messages = []
        self.refused = []
        self.logins = []
        self.lock = threading.Lock()
        kwargs = {}
        if tls is not None:
            kwargs.update(tls_context=tls, require_starttls=True)
        if smtps is not None:
            kwargs.update(ssl_context=smtps)
        if auth is not None:
            user, password = auth

            def authenticator(server, session, envelope, mechanism, data):
                ok = isinstance(data, LoginPassword) and \
                    data.login.decode() == user and data.password.decode() == password
                with self.lock:
                    self.logins.append((mechanism, ok))
                return AuthResult(success=ok)

            kwargs.update(authenticator=authenticator, auth_required=True,
                          auth_require_tls=tls is not None or smtps is not None)
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                     server_hostname="localhost", ready_timeout=10, **kwargs)
        self.controller.start()

    @property
    def url(self):
        return "smtp://127.0.0.1:%d" % self.port

    def wait(self, n, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.messages) >= n:
                    return True
            time.sleep(0.05)
        return False

    def count(self):
        with self.lock:
            return len(self.messages)

    def ids(self):
        with self.lock:
            return [m.message_id for m in self.messages]

    def stop(self):
        self.controller.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
