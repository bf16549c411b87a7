"""Test harness: start the real `tsunagu` binary on a free port and talk HTTP to it.

Tests are plain functions registered with @test; run() executes them in order
and prints TAP ("ok N - name") closing with "N passed, N failed".  Only the
Python standard library is used, so Debian's /usr/bin/python3 runs it as is.
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("TSUNAGU_BIN", os.path.join(ROOT, "build", "tsunagu"))

_tests = []


def test(fn):
    _tests.append(fn)
    return fn


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running `tsunagu serve` with its own data dir (and optionally share dir)."""

    def __init__(self, args=(), env=None, demo=True, share_dir=None, config=None, data=None):
        """data: an existing data dir to serve again (then no demo load)."""
        self.tmp = tempfile.mkdtemp(prefix="tsunagu-test-")
        self.data = data or os.path.join(self.tmp, "data")
        if data:
            demo = False
        self.port = free_port()
        self.env = dict(os.environ)
        self.env.pop("TSUNAGU_LISTEN", None)
        if share_dir:
            self.env["TSUNAGU_SHARE_DIR"] = share_dir
        if env:
            self.env.update(env)
        self.config = None
        if config is not None:
            self.config = os.path.join(self.tmp, "tsunagu.ini")
            with open(self.config, "w") as f:
                f.write(config)
        if demo:
            run_cli(["demo", "--data", self.data], env=self.env, check=True)
        cmd = [BIN, "serve", "--data", self.data]
        if "--listen" not in args:
            cmd += ["--listen", "127.0.0.1:%d" % self.port]
        if self.config:
            cmd += ["--config", self.config]
        cmd += list(args)
        self.stderr_path = os.path.join(self.tmp, "stderr")
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=self.stderr, stderr=self.stderr)
        self.wait_ready()

    def wait_ready(self, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited %d: %s" % (self.proc.returncode, self.log()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start: " + self.log())

    def log(self):
        if not self.stderr.closed:
            self.stderr.flush()
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def request(self, method, path, body=None, headers=None, timeout=10):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        r.body = r.read()
        r.text = r.body.decode("utf-8", "replace")
        c.close()
        return r

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def raw(self, data, timeout=5):
        """Sends raw bytes; returns everything the server answers until it closes."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(data)
            chunks = []
            try:
                while True:
                    b = s.recv(65536)
                    if not b:
                        break
                    chunks.append(b)
            except socket.timeout:
                pass
            return b"".join(chunks)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()
        return self.proc.returncode

    def close(self):
        rc = self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return rc

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        rc = self.close()
        if exc[0] is None and rc != 0:
            raise AssertionError("server exited with %s; log:\n%s" % (rc, self.log()))


def run_cli(args, env=None, check=False, input=None):
    p = subprocess.run([BIN] + args, env=env, capture_output=True, input=input, timeout=60)
    if check and p.returncode != 0:
        raise AssertionError("tsunagu %s failed (%d): %s" % (" ".join(args), p.returncode,
                                                              p.stderr.decode("utf-8", "replace")))
    return p


def csrf_from(html):
    marker = 'name="_csrf" value="'
    i = html.find(marker)
    if i < 0:
        raise AssertionError("no CSRF token in page")
    return html[i + len(marker):html.index('"', i + len(marker))]


def cookies_of(resp):
    jar = {}
    for k, v in resp.getheaders():
        if k.lower() == "set-cookie":
            name, _, rest = v.partition("=")
            jar[name] = rest.split(";")[0]
    return jar


def set_cookie_headers(resp):
    return [v for k, v in resp.getheaders() if k.lower() == "set-cookie"]


def eq(a, b, msg=""):
    if a != b:
        raise AssertionError("%r != %r %s" % (a, b, msg))


def ok(cond, msg=""):
    if not cond:
        raise AssertionError(msg or "condition failed")


def run():
    only = sys.argv[1:]
    tests = [t for t in _tests if not only or t.__name__ in only]
    print("1..%d" % len(tests))
    passed = failed = 0
    for i, t in enumerate(tests, 1):
        try:
            t()
            print("ok %d - %s" % (i, t.__name__))
            passed += 1
        except Exception:
            print("not ok %d - %s" % (i, t.__name__))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
            failed += 1
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
