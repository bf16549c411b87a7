#!/usr/bin/python3
"""Helper of bench/content.sh: fills a migrated data dir with published
notices, and prints the query plans of the public notice list.

  content_load.py load DB N     N published notices, one hour apart, newest now
  content_load.py sql DB STATEMENT
                                runs one statement (EXTRA_SQL of content.sh: try an index
                                before it is in a migration)
  content_load.py plan DB PAGE PER_PAGE
                                EXPLAIN QUERY PLAN of the list page, its count, the
                                year list and the page cache's check, with the time
                                each takes

Rows are written the way the content engine stores them (migration 004,
content/record.h: data is record text, "key<TAB>value<LF>" with \\ \\t \\n \\r
escaped), in one transaction: a load test needs the volume, not the
workflow (each item through content_create/content_act would write
revisions and audit lines 10,000 times over).
"""
import datetime
import sqlite3
import sys
import time

# The public condition and the public reads of store/content.c
# (store_content_public_*), as the server runs them.
PUBLIC_WHERE = ("c.status = 'published' AND c.trashed_at IS NULL AND c.live_id IS NULL "
                "AND (c.publish_at IS NULL OR c.publish_at <= ?1) "
                "AND (c.unpublish_at IS NULL OR c.unpublish_at > ?1)")
LIST_SQL = ("SELECT c.id, c.title, c.publish_at, c.published_at FROM content_item c "
            "WHERE c.type = ?2 AND " + PUBLIC_WHERE +
            " ORDER BY c.sort_at DESC, c.id DESC LIMIT ?3 OFFSET ?4")
COUNT_SQL = "SELECT count(*) FROM content_item c WHERE c.type = ?2 AND " + PUBLIC_WHERE
YEAR_BELOW = ("(SELECT c.year FROM content_item c WHERE c.type = ?2 AND " + PUBLIC_WHERE +
              " AND c.year %s ORDER BY c.year DESC LIMIT 1)")
YEARS_SQL = ("WITH RECURSIVE y(year) AS (SELECT " + YEAR_BELOW % "IS NOT NULL" +
             " UNION ALL SELECT " + YEAR_BELOW % "< y.year" + " FROM y WHERE y.year IS NOT NULL) "
             "SELECT year FROM y WHERE year IS NOT NULL LIMIT 200")
# What the page cache reads on every request (store_content_public_watch).
WATCH_SQL = ("SELECT (SELECT value FROM generation WHERE name = 'content'), "
             "(SELECT value FROM generation WHERE name = 'setting'), "
             "(SELECT value FROM generation WHERE name = 'master'), "
             "(SELECT min(c.publish_at) FROM content_item c WHERE c.status = 'published' "
             "AND c.trashed_at IS NULL AND c.live_id IS NULL AND c.publish_at > ?1), "
             "(SELECT min(c.unpublish_at) FROM content_item c WHERE c.status = 'published' "
             "AND c.trashed_at IS NULL AND c.live_id IS NULL AND c.unpublish_at > ?1)")


def esc(v):
    return v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def record(pairs):
    return "".join("%s\t%s\n" % (k, esc(v)) for k, v in pairs if v)


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def load(path, n):
    db = sqlite3.connect(path)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    rows = []
    for i in range(n):
        at = now - datetime.timedelta(hours=i)
        jst_year = (at + datetime.timedelta(hours=9)).year
        title = "負荷試験のお知らせ 第%05d号" % (n - i)
        body = ("県民活動に関するお知らせの本文です。第%05d号。\n\n"
                "- 日時：毎週土曜日\n- 会場：やまぐち県民活動支援センター\n\n"
                "お問い合わせはセンターまでお願いします。" % (n - i))
        rows.append(("notice", "", "published", title, record([("title", title), ("body", body)]),
                     1, ts(at), ts(at), jst_year, 1, ts(at), ts(at)))
    with db:
        db.executemany(
            "INSERT INTO content_item (type, variant, status, title, data, rev, published_at, "
            "sort_at, year, announced, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    # No ANALYZE: the server's own databases are never analysed, so the
    # planner here decides as it would there.
    print(db.execute("SELECT max(id) FROM content_item WHERE type = 'notice'").fetchone()[0])
    db.close()


def plan(path, page, per_page):
    db = sqlite3.connect(path)
    now = ts(datetime.datetime.now(datetime.timezone.utc))
    cases = [
        ("list page %d (LIMIT %d OFFSET %d)" % (page, per_page, (page - 1) * per_page), LIST_SQL,
         (now, "notice", per_page, (page - 1) * per_page)),
        ("count", COUNT_SQL, (now, "notice")),
        ("years", YEARS_SQL, (now, "notice")),
        ("page cache check (every anonymous request)", WATCH_SQL, (now,)),
    ]
    for name, sql, args in cases:
        print("%s:" % name)
        for row in db.execute("EXPLAIN QUERY PLAN " + sql, args):
            print("    " + row[-1])
        t0 = time.perf_counter()
        for _ in range(20):
            db.execute(sql, args).fetchall()
        print("    %.2f ms a run (python sqlite3, warm cache)" % ((time.perf_counter() - t0) * 50))
    db.close()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "load":
        load(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "sql":
        db = sqlite3.connect(sys.argv[2])
        with db:
            db.executescript(sys.argv[3])
        db.close()
    elif len(sys.argv) == 5 and sys.argv[1] == "plan":
        plan(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(__doc__)
