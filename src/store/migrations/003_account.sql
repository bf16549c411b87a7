-- 003_account: the one account system of both sites and of the staff, its
-- server-side sessions, the single-use links it mails, failed logins per
-- address and the security log (spec 別記2 3.1 login, 3.3 account
-- management, 3.5 logging; ARCHITECTURE.md decision 2: none of it lives only
-- in process memory).  Timestamps are UTC, "2025-03-01T03:04:05Z", and
-- compare as text.  Portable SQL, as in 001.

-- One row per person or group that logs in.
--   login        the login ID as typed (shown back to its owner)
--   login_key    the same in ASCII lower case: IDs are unique regardless of
--                letter case (spec 3.3.2)
--   email_key    the mail address lower-cased: one account per address
--                (SEC-11), so a reset request names exactly one account
--   role         member | editor (編集者) | admin (システム管理者)
--   member_type  individual | group | company for members, NULL for staff
--   status       provisional until the mailed link is opened (spec 3.3.1),
--                active, or suspended by staff (spec 3.3.6 一時利用停止)
--   password_hash  argon2id PHC string with its own salt (spec 3.1.6(1)(2))
--   must_change_password  1 for accounts an operator created (SEC-15)
--   failed_count / locked_until  consecutive failures and the lock they
--                caused (spec 3.1.6); locked_until NULL = not locked
--   totp_secret  staff second factor, sealed (crypto/sealbox.h, spec 3.6.2);
--                NULL = not enrolled
--   totp_last_step  the last accepted TOTP step: each code works once
--   last_login_* / prev_login_*  this and the previous login, shown to the
--                user after login (SEC-13) and to staff (SEC-10)
CREATE TABLE account (
    id                   INTEGER PRIMARY KEY,
    login                TEXT NOT NULL,
    login_key            TEXT NOT NULL UNIQUE,
    email                TEXT NOT NULL,
    email_key            TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL DEFAULT '',
    role                 TEXT NOT NULL CHECK (role IN ('member', 'editor', 'admin')),
    member_type          TEXT CHECK (member_type IN ('individual', 'group', 'company')),
    status               TEXT NOT NULL CHECK (status IN ('provisional', 'active', 'suspended')),
    password_hash        TEXT NOT NULL,
    password_changed_at  TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    failed_count         INTEGER NOT NULL DEFAULT 0,
    locked_until         TEXT,
    totp_secret          TEXT,
    totp_last_step       INTEGER NOT NULL DEFAULT 0,
    last_login_at        TEXT,
    last_login_addr      TEXT,
    prev_login_at        TEXT,
    prev_login_addr      TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    CHECK ((role = 'member') = (member_type IS NOT NULL))
);

-- Housekeeping deletes provisional accounts whose link was never opened;
-- the staff list filters by role and status.
CREATE INDEX account_status_created ON account (status, created_at);
CREATE INDEX account_role_status ON account (role, status);

-- Server-side sessions (spec 3.1.7-3.1.9).  The cookie holds a 256-bit
-- random ID; only its SHA-256 (crypto/token.h) is stored, so a copy of the
-- database opens no session.
--   stage  full   a logged-in session
--          totp   password checked, TOTP code still due (grants nothing else)
--          enrol  password checked, TOTP enrolment still due (staff without
--                 a second factor yet; grants nothing else)
CREATE TABLE account_session (
    id_hash      TEXT NOT NULL PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    stage        TEXT NOT NULL CHECK (stage IN ('full', 'totp', 'enrol')),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);

CREATE INDEX account_session_account ON account_session (account_id);
CREATE INDEX account_session_last_seen ON account_session (last_seen_at);
CREATE INDEX account_session_created ON account_session (created_at);

-- Single-use links mailed to an account: address verification at
-- registration (spec 3.3.1), password reset (3.3.5(1)(3)) and a change of
-- address (3.3.3, new_email holds the address until its link is opened).
-- hash is the SHA-256 of the token in the link; used_at marks it spent, so
-- a second click can be told apart from a wrong link.
CREATE TABLE account_token (
    hash       TEXT NOT NULL PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify', 'reset', 'email')),
    new_email  TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);

CREATE INDEX account_token_account ON account_token (account_id, purpose, created_at);
CREATE INDEX account_token_expires ON account_token (expires_at);

-- Failed logins per client address, for the limit against password
-- spraying (many IDs, one password each): counted over a sliding window and
-- deleted once older than it.
CREATE TABLE login_failure (
    addr TEXT NOT NULL,
    at   TEXT NOT NULL
);

CREATE INDEX login_failure_addr_at ON login_failure (addr, at);
CREATE INDEX login_failure_at ON login_failure (at);

-- The security log (spec 3.5, SEC-28..31): logins, lockouts, password and
-- address changes, staff actions on accounts.  login is masked ("t***",
-- spec 3.5.1(2)); account_id and actor_id (the staff member who acted, NULL
-- when the account acted itself) carry no foreign key, because entries must
-- outlive a deleted account for at least a year (3.5.2(1)).
CREATE TABLE security_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    event      TEXT NOT NULL,
    account_id INTEGER,
    actor_id   INTEGER,
    login      TEXT NOT NULL DEFAULT '',
    addr       TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT ''
);

CREATE INDEX security_log_at ON security_log (at);
CREATE INDEX security_log_account ON security_log (account_id, id);
CREATE INDEX security_log_event ON security_log (event, id);
