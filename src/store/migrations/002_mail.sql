-- 002_mail: the mail outbox (ARCHITECTURE.md decision 7, "nothing lost").
-- A mail is a row written in the same transaction as the change that caused
-- it; the worker delivers it over SMTP at least once.  Timestamps are UTC,
-- "2025-03-01T03:04:05Z", and compare as text.

-- A bulk send (the mail magazine, a notice to many): its rows in
-- mail_outbox point here.  The worker delivers them at the configured rate.
CREATE TABLE mail_bulk (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- One message: its envelope and state.  The text itself is in mail_message,
-- written once, so that the state changes of delivery rewrite small rows
-- only.  mail_from and rcpt_to / bcc are the SMTP envelope; bcc never
-- appears in the message.
--   state   pending  waiting for next_at
--           sending  claimed by lease_owner until lease_until (a worker that
--                    dies leaves it so; it is claimed again after the lease)
--           sent     accepted by the SMTP server at sent_at
--           failed   refused for good, or out of tries (last_error says why)
--           skipped  not sent: the address was mail-stopped by then
CREATE TABLE mail_outbox (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    message_id  TEXT NOT NULL UNIQUE,
    mail_from   TEXT NOT NULL,
    rcpt_to     TEXT NOT NULL,
    bcc         TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     TEXT NOT NULL,
    lease_owner TEXT,
    lease_until TEXT,
    last_error  TEXT,
    bulk_id     INTEGER REFERENCES mail_bulk (id),
    created_at  TEXT NOT NULL,
    sent_at     TEXT
);

-- The worker's claim: due pending rows and expired leases, oldest first.
-- Partial indexes, so that a sent message leaves them and marking it sent
-- rewrites as few pages as possible.
CREATE INDEX mail_outbox_pending ON mail_outbox (next_at) WHERE state = 'pending';
CREATE INDEX mail_outbox_sending ON mail_outbox (lease_until) WHERE state = 'sending';
CREATE INDEX mail_outbox_bulk ON mail_outbox (bulk_id);

-- The whole RFC 5322 text of a message (7-bit ASCII) exactly as it goes over
-- the wire, so a retry sends the same bytes with the same Message-ID.
CREATE TABLE mail_message (
    outbox_id INTEGER NOT NULL PRIMARY KEY REFERENCES mail_outbox (id) ON DELETE CASCADE,
    message   TEXT NOT NULL
);

-- Addresses the centre has stopped mail to (メール停止, spec 3.15): mail
-- that becomes undeliverable.  address is stored lower-cased.
CREATE TABLE mail_stop (
    address    TEXT NOT NULL PRIMARY KEY,
    reason     TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

-- Sending-rate state shared by every worker process: the earliest time
-- (Unix milliseconds) the next bulk message may be claimed.
CREATE TABLE mail_rate (
    name    TEXT NOT NULL PRIMARY KEY,
    next_ms INTEGER NOT NULL
);
