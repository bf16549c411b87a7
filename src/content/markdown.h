/*
 * markdown.h - staff-written rich text: Markdown in, safe HTML or plain text out.
 *
 * Notices, fixed pages and organisation descriptions (spec 2.3.6, 2.3.8) are
 * written in GitHub-flavoured Markdown and shown on public pages.  This module
 * is the sanitiser that tv_html_sanitised() (tmpl/value.h) requires: what
 * markdown_render() writes is well-formed, balanced HTML with nothing
 * executable in it (spec 8.10 item 5, cross-site scripting), valid for the Nu
 * HTML checker and for a Content-Security-Policy without inline scripts or
 * styles, and accessible (spec 7.1, JIS X 8341-3:2016 AA).
 *
 * How: libcmark-gfm parses (extensions table, strikethrough with two tildes,
 * autolink, tagfilter); this module writes the HTML itself from the tree, so
 * every tag and attribute in the output is one this file spells out:
 *
 *   p h1-h6 blockquote ul ol(start) li pre code(class) em strong del br hr
 *   a(href title rel) img(src alt title loading) table thead tbody tr
 *   th(scope class) td(class) div(class role tabindex aria-label)
 *
 * - Raw HTML (blocks, inline tags, comments) is dropped, never printed.
 * - Text and attribute values are entity-escaped; control characters and
 *   Unicode noncharacters, which HTML forbids, become U+FFFD.
 * - Link URLs must be relative (a non-empty path, query or fragment) or use
 *   http, https, mailto or tel; image URLs relative, http or https.  The
 *   check is on the URL as cmark decoded it (entities and backslash escapes
 *   resolved), case-insensitive, ignoring the spaces, tabs and newlines
 *   browsers ignore; any other ':', and any '&', before the first '/', '?'
 *   or '#' refuses.  An http(s) URL also needs a plain ASCII host the URL
 *   standard accepts as written (no user:password@, no IPv6 literal, no
 *   IDN) and a port up to 65535.  A refused link keeps its text without
 *   <a>; a refused image shows its alt text.  Allowed URLs are
 *   percent-encoded where HTML5 or the Nu checker would object (spaces,
 *   quotes, <, >, \, a stray %, ...).
 * - Links to other sites (http, https, //host) get rel="noopener noreferrer"
 *   and no target.  A link without text shows its URL (axe link-name).
 * - Headings move down by heading_offset (h6 at most) and never skip a level
 *   (the first is at most h(offset + 1), each later one at most one below
 *   the one before; the Nu checker refuses skips); an empty heading is
 *   dropped.
 * - Tables: no align or style attribute; a column's alignment becomes
 *   class="align-left|align-center|align-right" on its cells.  Each table is
 *   <table class="data-table"> inside
 *   <div class="table-scroll" role="region" tabindex="0" aria-label="表">
 *   so a wide table scrolls by keyboard at 320 px.  A table with a header row
 *   only is written as one body row of <td> (axe th-has-data-cells).
 * - Images get loading="lazy" and always an alt attribute (empty when the
 *   Markdown gives none).
 * - Japanese text passes unchanged; CommonMark's emphasis rules next to CJK
 *   punctuation are left as cmark applies them.  A single '~' is text, so
 *   "10時~12時" stays as written.
 *
 * Limits (refused, so a form can tell the writer what to change; measured
 * against this cmark-gfm, 0.29.0.gfm.6, which predates the upstream fixes
 * for its polynomial-time cases):
 *   MARKDOWN_MAX_BYTES          bytes of source
 *   MARKDOWN_MAX_LINE_MARKERS   '>' and list markers opening one line
 *   MARKDOWN_MAX_DEPTH          nesting of the parsed document
 *   MARKDOWN_MAX_TABLE_COLUMNS  '|' on one line (plus one)
 *   MARKDOWN_MAX_TABLE_CELLS    cells of all tables
 *   MARKDOWN_MAX_INLINE_WORK    '[' x ('[' + runs of * _ ~) in one block of lines
 *   MARKDOWN_MAX_HTML_WORK      ("<!" + "<?") x bytes of one block of lines
 * (a block of lines: lines between blank lines).  Besides, the parser's
 * memory is capped at MARKDOWN_MAX_PARSE_MEMORY and its time at
 * MARKDOWN_MAX_PARSE_MS; past either the text is refused as too complex.
 *
 * Memory: cmark's allocations go through a tracked allocator of this module
 * (fault_malloc underneath), so out of memory anywhere in cmark, injected or
 * real, ends the call cleanly with everything freed instead of cmark's abort.
 * The tracker is thread-local: calls on different threads are independent.
 * Nothing here keeps state between calls.
 */
#ifndef TSUNAGU_CONTENT_MARKDOWN_H
#define TSUNAGU_CONTENT_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "tmpl/value.h"

/* 256 KiB: about 85,000 Japanese characters, many times the longest page
 * of the current sites (terms of use, guidance pages). */
#define MARKDOWN_MAX_BYTES (256 * 1024)

/* Container markers ('>' and list markers) at the start of one line.  Each
 * open container costs cmark a check on every later line, so thousands of
 * them on one line followed by many lines is quadratic (measured: 5,000
 * levels and 100,000 lines took 2 s). */
#define MARKDOWN_MAX_LINE_MARKERS 32

/* Nesting of the parsed document: each block quote, list, list item,
 * paragraph, emphasis, link, table row ... is one level.  Five nested lists
 * of emphasised links are about 15. */
#define MARKDOWN_MAX_DEPTH 64

/* Columns of a table: a line may hold this many '|' plus one ("|a|b|" has
 * three for two columns).  Splitting a table row is quadratic in its cells
 * (65,536 took 9 s) and every row is padded to the header's width. */
#define MARKDOWN_MAX_TABLE_COLUMNS 64

/* Table cells in the whole text, counted as (columns of each delimiter row)
 * x (its lines up to the next blank line): padding rows to the header's
 * width makes cmark's tree grow as columns x rows (about 500 bytes a cell),
 * so 64 columns of one-byte rows would take gigabytes.  50,000 is a hundred
 * tables of 10 columns and 50 rows. */
#define MARKDOWN_MAX_TABLE_CELLS 50000

/* cmark-gfm 0.29.0.gfm.6 spends time proportional to (links or images) x
 * (open brackets + emphasis delimiters before them) in one paragraph
 * ("*[a](b)" x 40,000 took 3 s; "![[]()" x 43,000 took 8 s).  2^24 keeps
 * the worst case near 0.05 s and allows 4,000 links in one block of lines. */
#define MARKDOWN_MAX_INLINE_WORK (1ULL << 24)

/* An unclosed "<?" or "<![CDATA[" makes cmark scan the rest of the
 * paragraph for its end, each time ("a <?" x 60,000 took 5 s). */
#define MARKDOWN_MAX_HTML_WORK (1ULL << 27)

/* The parser's memory for one call.  The hungriest ordinary 256 KiB texts
 * need half of it ("_a_ " repeated: 48 MiB, 190 times the source; Japanese
 * prose about 12 times). */
#define MARKDOWN_MAX_PARSE_MEMORY (96u * 1024 * 1024)

/* CPU time of the calling thread for one call, in ms: ordinary 256 KiB
 * texts take 10-200 ms.  A backstop for slow cases the limits above do not
 * foresee (it is looked at between the parser's allocations). */
#define MARKDOWN_MAX_PARSE_MS 1000

typedef enum markdown_status {
    MARKDOWN_OK = 0,
    MARKDOWN_NOMEM,            /* out of memory: answer 503, try again later */
    MARKDOWN_TOO_LARGE,        /* more than MARKDOWN_MAX_BYTES */
    MARKDOWN_BAD_UTF8,         /* not strict UTF-8, or a NUL byte */
    MARKDOWN_TOO_DEEP,         /* MARKDOWN_MAX_LINE_MARKERS or MARKDOWN_MAX_DEPTH */
    MARKDOWN_TOO_MANY_COLUMNS, /* MARKDOWN_MAX_TABLE_COLUMNS */
    MARKDOWN_TOO_MANY_CELLS,   /* MARKDOWN_MAX_TABLE_CELLS */
    MARKDOWN_TOO_MANY_LINKS,   /* MARKDOWN_MAX_INLINE_WORK */
    MARKDOWN_TOO_MUCH_HTML,    /* MARKDOWN_MAX_HTML_WORK */
    MARKDOWN_TOO_COMPLEX,      /* the parser's memory or time ran out */
} markdown_status;

typedef struct markdown_opts {
    int heading_offset; /* 1: "# x" becomes <h2> (the page's <h1> is its title): the
                           level of the page's heading the text sits under;
                           clamped to 0..5; headings deeper than h6 stay h6 */
} markdown_opts;

/* Checks src[0..n) against every limit above by parsing it, as the render
 * functions do; for form validation before saving (spec SEC-68: refuse,
 * with a message, rather than strip).  On a refusal *line (if line is not
 * NULL) is the 1-based line the problem starts on, or 0 when it belongs to
 * no line (size, memory, time). */
markdown_status markdown_check(const char *src, size_t n, size_t *line);

/* Writes the Japanese message for status (and line, if not 0) into
 * out[0..outlen), e.g. "12 行目: 表の列が多すぎます（64 列まで。1 行に「|」は 65 個まで）。" */
void markdown_message(markdown_status status, size_t line, char *out, size_t outlen);

/* Renders UTF-8 Markdown src[0..n) as safe HTML appended to out.  o may be
 * NULL (heading_offset 0).  False when src is refused (markdown_check() says
 * why) or memory ran out; out's tail is then undefined: discard it.
 * Empty src renders as nothing and succeeds. */
bool markdown_render(const char *src, size_t n, const markdown_opts *o, buf *out);

/* The same into a template value (tv_html_sanitised) in arena a, or NULL. */
tv *markdown_tv(arena *a, const char *src, size_t n, const markdown_opts *o);

/* markdown_plain() flags. */
#define MARKDOWN_PLAIN_LINK_URLS 1u /* "text (https://...)" for absolute links: for mail */

/* Plain text of the Markdown, appended to out: for search indexes, list
 * excerpts and mail.  No markup and no raw HTML; entities and escapes are
 * decoded; control characters other than tab and newline become U+FFFD.
 * Blocks are separated by a blank line, list items start "・" (bullets) or
 * "N. ", nested items are indented by two spaces per level, table cells are
 * joined by " | ", an image gives its alt text.  Link URLs appear only with
 * MARKDOWN_PLAIN_LINK_URLS (excerpts and search keys read better without).
 * No newline at the end.  False as for markdown_render(). */
bool markdown_plain(const char *src, size_t n, unsigned flags, buf *out);

/* The URL policy above, on its own: true if url[0..n) may be a link's href
 * (image false) or an image's src (image true). */
bool markdown_url_allowed(const char *url, size_t n, bool image);

#endif
