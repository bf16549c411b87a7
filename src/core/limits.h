/*
 * limits.h - every limit Tsunagu enforces, in one place.
 *
 * A request over a limit is refused before its bytes are parsed.  Each number
 * says where it comes from; change it here and nowhere else.
 */
#ifndef TSUNAGU_CORE_LIMITS_H
#define TSUNAGU_CORE_LIMITS_H

/* --- connections (http/server.c) --- */

/* Total open connections.  Far above the centre's peak (spec 1.9: a few
 * thousand page views a day) yet below the default 1024 file descriptors
 * minus the database, log and upload files each thread holds. */
#define LIMIT_CONNECTIONS_TOTAL 512

/* Connections from one address.  A browser opens 6 per host; an office behind
 * one NAT address may hold a few dozen browsers. */
#define LIMIT_CONNECTIONS_PER_ADDR 64

/* Seconds a connection may stay idle (slowloris defence).  A phone on a bad
 * mobile link still sends a form well inside this. */
#define LIMIT_CONNECTION_TIMEOUT_S 30

/* Bytes libmicrohttpd may use per connection for the request line and headers;
 * a request whose headers exceed it is refused (431) before any handler runs.
 * Browsers send 1-3 KiB; 16 KiB leaves room for long cookie headers. */
#define LIMIT_HEADER_BYTES (16 * 1024)

/* Seconds SIGTERM waits for requests in flight before stopping anyway. */
#define LIMIT_SHUTDOWN_GRACE_S 30

/* --- request bodies (per route; http/router.h uses these as defaults) --- */

/* A form without files: the longest registration form (spec 5.2, about 60
 * fields, a few 2,000-character texts) is under 64 KiB even fully
 * percent-encoded (x3). */
#define LIMIT_BODY_FORM (256 * 1024)

/* A form with files: three attachments of LIMIT_UPLOAD_FILE plus fields. */
#define LIMIT_BODY_UPLOAD (3 * LIMIT_UPLOAD_FILE + LIMIT_BODY_FORM)

/* One uploaded file: the current sites accept PDFs and photos up to 10 MB. */
#define LIMIT_UPLOAD_FILE (10 * 1024 * 1024)

/* --- parsed input --- */

/* Fields in one form or query string (checkbox lists count each value). */
#define LIMIT_FORM_FIELDS 1000

/* Bytes of one field name. */
#define LIMIT_FIELD_NAME 128

/* Bytes of one decoded field value (the longest text fields are 2,000
 * characters = 6,000 UTF-8 bytes; rich text gets more). */
#define LIMIT_FIELD_VALUE (128 * 1024)

/* Cookies in one request, and bytes of one cookie value. */
#define LIMIT_COOKIES 50
#define LIMIT_COOKIE_VALUE 4096

/* Parts in one multipart body, and bytes of one part's header block. */
#define LIMIT_MULTIPART_PARTS 100
#define LIMIT_MULTIPART_HEADER 2048

/* Bytes of a request path (after decoding). */
#define LIMIT_PATH 2048

/* Path parameters captured by one route pattern. */
#define LIMIT_ROUTE_PARAMS 8

/* --- templates --- */

/* Nesting of includes/extends; deeper is a cycle or a mistake. */
#define LIMIT_TMPL_DEPTH 16

/* --- responses --- */

/* Text responses shorter than this are not worth compressing. */
#define LIMIT_GZIP_MIN 512

/* Static files served from memory; larger ones are streamed from disk. */
#define LIMIT_STATIC_CACHE_FILE (1024 * 1024)

/* The cache of rendered public pages (web/page_cache.h), per request thread.
 * A public page is 10-40 KiB (a notice list of 20 items about 20 KiB, its
 * gzip'd copy a fifth of that), so 64 entries hold every list, archive and
 * recent notice a visitor is likely to open in the three display
 * preferences that matter, in about 2 MiB.  With the default 16 threads the
 * bound is 32 MiB at worst, half of bench/http.sh's 64 MB memory aim; an
 * entry over 256 KiB (a very long fixed page) is served but not kept, so a
 * few large pages cannot push out all the others. */
#define LIMIT_PAGE_CACHE_ENTRIES 64
#define LIMIT_PAGE_CACHE_BYTES (2 * 1024 * 1024)
#define LIMIT_PAGE_CACHE_ENTRY (256 * 1024)

/* --- logging and configuration (core/log.c, core/ini.c, core/config.c) --- */

/* Bytes of one error-log message after formatting and masking; the rest is
 * cut.  A useful message is one or two hundred bytes; anything past 8 KiB is
 * a dump that belongs in a file of its own, not in the log. */
#define LIMIT_LOG_MESSAGE (8 * 1024)

/* Bytes of the path plus query string kept in one access-log line.  The whole
 * request line is already bounded by LIMIT_HEADER_BYTES, so nothing real is
 * ever cut. */
#define LIMIT_LOG_ACCESS_PATH LIMIT_HEADER_BYTES

/* Bytes of a configuration file.  The complete file with every key and a
 * comment on each is under 4 KiB; more is a wrong file given by mistake. */
#define LIMIT_CONFIG_FILE (64 * 1024)

/* Bytes of one "section.key" name in an INI file; the longest real key is
 * about 20 bytes. */
#define LIMIT_INI_KEY 128

/* HTTP worker threads.  Handlers wait on the database, so the pool is sized
 * for waiting (bench/), but a few hundred threads only add contention. */
#define LIMIT_WORKER_THREADS 256

/* --- database (store/) --- */

/* Milliseconds a connection waits for another's write lock before SQLite
 * answers "busy".  A write transaction here lasts a few milliseconds (one
 * fsync with synchronous=FULL); waiting 5 s rides out a backup or a slow disk
 * yet still answers the visitor well inside the proxy's timeout. */
#define LIMIT_DB_BUSY_MS 5000

/* Times store_tx() runs a transaction again after a busy/serialisation error
 * (so at most LIMIT_DB_TX_RETRIES + 1 attempts).  A conflict that survives
 * four retries is a stuck lock, not bad luck. */
#define LIMIT_DB_TX_RETRIES 4

/* Upper bound of the first randomised pause between attempts, in
 * milliseconds; it doubles on each retry (20, 40, 80, 160), and each pause is
 * drawn from the upper half of its range, so all retries together wait
 * 150-300 ms in addition to the busy timeout. */
#define LIMIT_DB_TX_BACKOFF_MS 20

/* Prepared statements cached per connection.  The program's SQL is a fixed
 * set of string literals (one statement per store function, a few hundred
 * when every content type exists); past this number statements are prepared
 * per use instead, so dynamic SQL cannot grow the cache without bound. */
#define LIMIT_DB_STMT_CACHE 1024

/* Bytes of the last database error message kept per connection (longer ones
 * are cut); SQLite's own messages are under 200 bytes. */
#define LIMIT_DB_ERRMSG 512

/* --- static files (http/static.c) --- */

/* Bytes of static files held in memory all together (each file up to
 * LIMIT_STATIC_CACHE_FILE, plus its gzip'd copy).  The shipped CSS, JS, fonts
 * and icons are a few MiB; past this bound further files are read per request
 * and not kept, so a large static/ tree cannot exhaust memory. */
#define LIMIT_STATIC_CACHE_TOTAL (64 * 1024 * 1024)

/* --- template compilation (tmpl/) --- */

/* Nesting of {% if %}, {% for %} and {% block %} in one template file.  The
 * deepest layout nests about six; past 32 a file is a mistake, refused
 * before the recursive parser spends stack on it. */
#define LIMIT_TMPL_NESTING 32

/* Nesting while one page is compiled and rendered: blocks of every layout
 * of its chain plus included templates.  Compile and render recurse once per
 * level with frames of a few hundred bytes, so this bounds their stack use
 * to well under 1 MiB (a server thread has 8 MiB). */
#define LIMIT_TMPL_EXPANSION 256

/* Template nodes the compiler may generate for a whole set, counting each
 * inlined block and each re-scanned loop body.  The centre's page set needs
 * a few tens of thousands; a million means a runaway expansion, which then
 * fails at start-up in well under a second. */
#define LIMIT_TMPL_WORK (1000 * 1000)

/* Bytes of one template file: the largest layout is a few KiB. */
#define LIMIT_TMPL_FILE (1024 * 1024)

/* Template files under the template directory, and directory levels below
 * it: the two sites and the admin have a few hundred pages in a few levels. */
#define LIMIT_TMPL_FILES 4096
#define LIMIT_TMPL_DIR_DEPTH 16

/* --- mail (mail/, domain/mail.c) --- */

/* Bytes of one mail template file (templates/mail/<kind>.txt).  The longest
 * mail text (matching mail) is a few KiB; 64 KiB bounds a mistaken file. */
#define LIMIT_MAIL_TEMPLATE (64 * 1024)

/* --- accounts (domain/account.c, domain/session.c) --- */

/* Password spraying (one password tried on many IDs slips under the
 * per-account lock): at most this many failed logins per client address in
 * LIMIT_ACCOUNT_ADDR_WINDOW_MIN minutes.  An office behind one NAT address
 * with a few dozen staff mistyping stays far below it. */
#define LIMIT_ACCOUNT_ADDR_FAILURES 20
#define LIMIT_ACCOUNT_ADDR_WINDOW_MIN 10

/* Reset mails per account per hour: enough for a lost mail or two, too few
 * to flood someone's mailbox by typing their address into the form. */
#define LIMIT_ACCOUNT_RESET_PER_HOUR 3

/* Rows on one page of the staff account list and of the security log. */
#define LIMIT_ACCOUNT_LIST_MAX 200
#define LIMIT_SECURITY_LOG_PAGE_MAX 200

/* --- CSV import and export (core/csv.c) --- */

/* Bytes of one CSV file to import.  A staff import is a few hundred rows of
 * a few hundred bytes; the largest content type to migrate, 8,552 grants
 * (spec 11.4), is about 10 MB at 1.2 KiB per record.  The file arrives as
 * an upload, so the upload limit is the CSV limit: a larger file gets the
 * importer's own Japanese message rather than the form collector's 413.
 * Read in well under 0.1 s (-O2). */
#define LIMIT_CSV_BYTES LIMIT_UPLOAD_FILE

/* Records in one file, the header row included: ten times the largest
 * content type (spec 11.4). */
#define LIMIT_CSV_RECORDS 100000

/* Fields in one record.  The longest registration form has about 60 items
 * (spec 5.2); an export adds a few columns (ID, state, dates). */
#define LIMIT_CSV_FIELDS 256

/* Bytes of one field after "" is undone.  Form text is at most
 * LIMIT_FIELD_VALUE (128 KiB); a rich-text page body may be longer.  The
 * importer's field validators apply the tighter limit of each field. */
#define LIMIT_CSV_FIELD (1024 * 1024)

#endif
