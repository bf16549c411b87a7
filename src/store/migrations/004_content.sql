-- 004_content: the content engine (ARCHITECTURE.md decision 4): every item
-- of every content type, its revisions, the staff audit log and the media
-- library.  Timestamps are UTC "2025-03-01T03:04:05Z" and compare as text.
-- Portable SQL, as in 001.

-- One row per item of any type (notice, fixed page, organisation ...).
--   type, variant   the content type (content/types.c) and its variant
--                   ('' when the type has none)
--   status          draft (下書) | review (仮登録) | published (公開) |
--                   archived (公開終了); see domain/content.h
--   title           the type's title field, copied for lists and sorting
--   data            every field as record text (content/record.h)
--   slug            fixed pages: the path under the type's public path;
--                   unique per type among items that are not staged copies
--   live_id         set on a staged copy: the published item it replaces
--                   when approved (差し替え)
--   rev             revision number of data (content_revision.rev)
--   publish_at / unpublish_at  the schedule; NULL = at once / never
--   published_at    when it first went public (shown as its date)
--   sort_at         publish_at or published_at: the public order
--   year            the JST calendar year of sort_at (year archives)
--   announced       1 once the worker recorded a scheduled publication
--   submitted_by    who sent it to review (pull-back, four-eyes rule)
--   comment         the last send-back comment (差し戻し)
--   trashed_at      in the trash since then (ゴミ箱)
--   lock_by/lock_at the soft edit lock
--   menu, menu_order  fixed pages: where the page sits in the menus
CREATE TABLE content_item (
    id            INTEGER PRIMARY KEY,
    type          TEXT NOT NULL,
    variant       TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL CHECK (status IN ('draft', 'review', 'published', 'archived')),
    title         TEXT NOT NULL DEFAULT '',
    data          TEXT NOT NULL DEFAULT '',
    slug          TEXT,
    live_id       INTEGER REFERENCES content_item(id) ON DELETE CASCADE,
    rev           INTEGER NOT NULL DEFAULT 1,
    publish_at    TEXT,
    unpublish_at  TEXT,
    published_at  TEXT,
    sort_at       TEXT,
    year          INTEGER,
    announced     INTEGER NOT NULL DEFAULT 0,
    created_by    INTEGER REFERENCES account(id) ON DELETE SET NULL,
    updated_by    INTEGER REFERENCES account(id) ON DELETE SET NULL,
    submitted_by  INTEGER REFERENCES account(id) ON DELETE SET NULL,
    comment       TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    trashed_at    TEXT,
    lock_by       INTEGER REFERENCES account(id) ON DELETE SET NULL,
    lock_at       TEXT,
    menu          TEXT,
    menu_order    INTEGER NOT NULL DEFAULT 0
);
-- The public reads (store/content.c, store_content_public_*), each answered
-- from an index alone except for the rows a page shows.  The schedule columns
-- are in the indexes so that the public condition is checked without reading
-- the table row: a list's OFFSET, its count and the year list then step over
-- index entries only.
--   content_item_public       a type's list, newest first, and its count
CREATE INDEX content_item_public ON content_item
    (type, status, sort_at, id, publish_at, unpublish_at, year)
    WHERE trashed_at IS NULL AND live_id IS NULL;
--   content_item_public_year  the year archive (one year, newest first) and the
--                             list of years (one seek a year, newest first)
CREATE INDEX content_item_public_year ON content_item
    (type, status, year, sort_at, id, publish_at, unpublish_at)
    WHERE trashed_at IS NULL AND live_id IS NULL;
--   content_item_next_publish / _unpublish  the soonest schedule change after
--                             a time (web/page_cache.h: when cached pages go stale)
CREATE INDEX content_item_next_publish ON content_item (status, publish_at)
    WHERE trashed_at IS NULL AND live_id IS NULL;
CREATE INDEX content_item_next_unpublish ON content_item (status, unpublish_at)
    WHERE trashed_at IS NULL AND live_id IS NULL;
-- Staff lists by last change.
CREATE INDEX content_item_staff ON content_item (type, updated_at);
CREATE UNIQUE INDEX content_item_slug ON content_item (type, slug)
    WHERE slug IS NOT NULL AND live_id IS NULL;
CREATE UNIQUE INDEX content_item_staged ON content_item (live_id) WHERE live_id IS NOT NULL;
-- The worker's schedule scan.
CREATE INDEX content_item_schedule ON content_item (status, announced, publish_at)
    WHERE status = 'published';

-- Every saved state of an item's fields: who, when, what.
CREATE TABLE content_revision (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES content_item(id) ON DELETE CASCADE,
    rev         INTEGER NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    actor_id    INTEGER REFERENCES account(id) ON DELETE SET NULL,
    actor_name  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    UNIQUE (item_id, rev)
);

-- The audit log of staff changes (issue point 5; policy: kept at least a
-- year): who, what, when, and the record before and after (record text, or
-- NULL where there is none).  The actor's login is copied so the line
-- outlives the account.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor_id     INTEGER,
    actor_login  TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    target_type  TEXT NOT NULL,
    target_id    INTEGER,
    summary      TEXT NOT NULL DEFAULT '',
    before_data  TEXT,
    after_data   TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id);

-- The media library: uploads stored outside static/ under random names
-- (DATA/media/), type decided by sniffing the bytes, never by the name.
--   stored      the random file name under DATA/media/
--   name        the uploader's file name, for display and downloads only
--   mime        the sniffed type
--   thumb       the random name of the thumbnail (images), or NULL
--   public      1: anyone may fetch it; 0: staff only
CREATE TABLE media (
    id           INTEGER PRIMARY KEY,
    stored       TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    mime         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    width        INTEGER,
    height       INTEGER,
    thumb        TEXT,
    alt          TEXT NOT NULL DEFAULT '',
    public       INTEGER NOT NULL DEFAULT 1 CHECK (public IN (0, 1)),
    uploaded_by  INTEGER REFERENCES account(id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    trashed_at   TEXT
);
CREATE INDEX media_created ON media (created_at);
