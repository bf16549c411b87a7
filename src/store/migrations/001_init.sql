-- 001_init: the platform tables every later migration builds on.
-- Portable SQL: SQLite and PostgreSQL both accept each statement as written.
-- (In SQLite a TEXT PRIMARY KEY column accepts NULL unless NOT NULL is given,
-- so primary keys say NOT NULL explicitly, as PostgreSQL implies.)

-- Staff-editable site settings: site names, the centre's address ...
-- (ARCHITECTURE.md decision 5).  updated_at is UTC, "2025-03-01T03:04:05Z".
CREATE TABLE setting (
    key        TEXT NOT NULL PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Master data lists loaded from data files: municipalities, activity fields,
-- pro-bono fields, prefectures, time slots ...  kind names the list, code is
-- the stable key other tables store, sort gives the display order.
CREATE TABLE master_item (
    kind  TEXT NOT NULL,
    code  TEXT NOT NULL,
    label TEXT NOT NULL,
    kana  TEXT,
    sort  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, code)
);

-- Lists are always read whole, in display order.
CREATE INDEX master_item_kind_sort ON master_item (kind, sort, code);

-- Generation counters: a process caching data derived from the database
-- keeps the counter it built from, and rebuilds when it has moved
-- (ARCHITECTURE.md decision 2: caches are invalidated through the database).
CREATE TABLE generation (
    name  TEXT NOT NULL PRIMARY KEY,
    value INTEGER NOT NULL
);
