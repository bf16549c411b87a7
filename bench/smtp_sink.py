"""An SMTP server that accepts and counts every message (python3-aiosmtpd).

    /usr/bin/python3 bench/smtp_sink.py PORT

Prints "ready" when listening; on SIGTERM prints "received N" and exits.
"""
import asyncio
import signal
import sys

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self):
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        return "250 2.0.0 OK"


def main():
    port = int(sys.argv[1])
    # blocked in every thread, so that sigwait() below receives them
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    counter = Counter()
    c = Controller(counter, hostname="127.0.0.1", port=port)
    c.start()
    print("ready", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    c.stop()
    print("received %d" % counter.n, flush=True)


if __name__ == "__main__":
    main()
