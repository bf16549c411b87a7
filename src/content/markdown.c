/* markdown.c - see markdown.h.
 *
 * Four steps per call: scan the source for the limits of markdown.h (cheap,
 * gives line numbers); parse with cmark-gfm on a tracked allocator inside a
 * setjmp region; check the tree's depth; walk the tree once to write HTML or
 * plain text.  The walk never asks cmark for HTML: cmark-gfm's own renderer
 * would print align="..." on table cells and comments for dropped HTML, and
 * writing every tag here keeps the output inside the list of markdown.h. */
#include "content/markdown.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/fault.h"
#include "core/utf8.h"
#include "tmpl/escape.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* ==========================================================================
   1  The source scan: the limits cmark cannot enforce itself
   ========================================================================== */

static bool is_space_tab(char c)
{
    return c == ' ' || c == '\t';
}

static bool line_is_blank(const char *p, const char *e)
{
    for (; p < e; p++)
        if (!is_space_tab(*p))
            return false;
    return true;
}

/* A line of three or more '-', '*' or '_' (one kind) and spaces: a thematic
 * break, not a pile of list markers. */
static bool line_is_break(const char *p, const char *e)
{
    char kind = 0;
    int count = 0;
    for (; p < e; p++) {
        if (is_space_tab(*p))
            continue;
        if ((*p != '-' && *p != '*' && *p != '_') || (kind && *p != kind))
            return false;
        kind = *p;
        count++;
    }
    return count >= 3;
}

/* Counts the container markers that open the line p..e (block-quote '>' and
 * list markers "-", "+", "*", "1." and "1)" followed by a space, a tab or
 * the end) and sets *rest to what follows them. */
static size_t line_markers(const char *p, const char *e, const char **rest)
{
    size_t count = 0;
    for (;;) {
        while (p < e && is_space_tab(*p))
            p++;
        if (p < e && *p == '>') {
            p++;
        } else if (p < e && (*p == '-' || *p == '+' || *p == '*') &&
                   (p + 1 == e || is_space_tab(p[1]))) {
            p++;
        } else {
            const char *d = p;
            while (d < e && d - p < 10 && *d >= '0' && *d <= '9')
                d++;
            if (d == p || d - p > 9 || d == e || (*d != '.' && *d != ')') ||
                (d + 1 < e && !is_space_tab(d[1])))
                break;
            p = d + 1;
        }
        count++;
    }
    *rest = p;
    return count;
}

/* The columns of a table delimiter row as cmark-gfm's scanner accepts it,
 * loosely (only '-', ':', '|' and spaces, with a '-' and a '|'): its runs
 * of '-' and ':'.  0 if the line is no delimiter row. */
static uint64_t delimiter_row_columns(const char *p, const char *e)
{
    bool dash = false, pipe = false;
    uint64_t columns = 0;
    for (const char *q = p; q < e; q++) {
        if (*q == '-' || *q == ':') {
            dash = dash || *q == '-';
            if (q == p || (q[-1] != '-' && q[-1] != ':'))
                columns++;
        } else if (*q == '|') {
            pipe = true;
        } else if (*q != ' ' && *q != '\t' && *q != '\v' && *q != '\f') {
            return 0;
        }
    }
    return dash && pipe ? columns : 0;
}

/* Counters of one block of lines (the lines between two blank lines).  No
 * paragraph or table spans a blank line, so what cmark does per paragraph
 * is bounded by these per-block counts. */
typedef struct scan_block {
    bool open;
    size_t first_line, table_line;
    uint64_t bytes, brackets, runs, html;
    uint64_t cols_sum; /* columns of the delimiter rows seen in this block */
} scan_block;

/* Checks src against the size, UTF-8 and per-line and per-block limits.
 * Lines end at LF, CR or CR LF, as in CommonMark. */
static markdown_status scan_source(const char *src, size_t n, size_t *line_out)
{
    *line_out = 0;
    if (n > MARKDOWN_MAX_BYTES)
        return MARKDOWN_TOO_LARGE;
    scan_block b = {0};
    uint64_t cells = 0; /* estimated table cells in the whole text */
    size_t line = 0;
    const char *p = src, *end = src + n;
    while (p < end) {
        const char *e = p;
        while (e < end && *e != '\n' && *e != '\r')
            e++;
        const char *next = e;
        if (next < end)
            next += (*next == '\r' && next + 1 < end && next[1] == '\n') ? 2 : 1;
        *line_out = ++line;
        if (!utf8_valid(p, (size_t)(e - p)))
            return MARKDOWN_BAD_UTF8;
        if (line_is_blank(p, e)) {
            memset(&b, 0, sizeof b);
            p = next;
            continue;
        }
        if (!b.open) {
            b.open = true;
            b.first_line = line;
        }

        const char *rest;
        if (line_markers(p, e, &rest) > MARKDOWN_MAX_LINE_MARKERS && !line_is_break(p, e))
            return MARKDOWN_TOO_DEEP;

        uint64_t pipes = 0;
        for (const char *q = p; q < e; q++) {
            switch (*q) {
            case '|': pipes++; break;
            case '[': b.brackets++; break;
            case '<':
                if (q + 1 < e && (q[1] == '!' || q[1] == '?'))
                    b.html++;
                break;
            case '*':
            case '_':
            case '~':
                if (q == p || q[-1] != *q)
                    b.runs++;
                break;
            default: break;
            }
        }
        if (pipes > MARKDOWN_MAX_TABLE_COLUMNS + 1) /* "|a|b|": outer pipes too */
            return MARKDOWN_TOO_MANY_COLUMNS;

        /* Every later line of the block may be a row padded to the width of
         * every delimiter row before it; the header row counts once. */
        uint64_t columns = delimiter_row_columns(rest, e);
        if (columns) {
            if (b.cols_sum == 0)
                b.table_line = line > 1 ? line - 1 : line;
            b.cols_sum += columns;
            cells += columns;
        } else {
            cells += b.cols_sum;
        }
        if (cells > MARKDOWN_MAX_TABLE_CELLS) {
            *line_out = b.table_line;
            return MARKDOWN_TOO_MANY_CELLS;
        }

        b.bytes += (uint64_t)(next - p);
        if (b.brackets * (b.brackets + b.runs) > MARKDOWN_MAX_INLINE_WORK) {
            *line_out = b.first_line;
            return MARKDOWN_TOO_MANY_LINKS;
        }
        if (b.html * b.bytes > MARKDOWN_MAX_HTML_WORK) {
            *line_out = b.first_line;
            return MARKDOWN_TOO_MUCH_HTML;
        }
        p = next;
    }
    *line_out = 0;
    return MARKDOWN_OK;
}

/* ==========================================================================
   2  The parser's memory: tracked, capped, released at once

   cmark_mem has no context pointer, so the tracker is thread-local.  Every
   block is linked into one list; on failure (out of memory, over the cap,
   past the deadline) the allocator longjmp()s back to with_document(),
   which frees the whole list.  cmark holds no other resources and no global
   state during a parse, so abandoning its frames loses nothing.
   ========================================================================== */

typedef union block_head {
    struct {
        union block_head *prev, *next;
        size_t size;
    } h;
    max_align_t align;
} block_head;

typedef struct parse_mem {
    bool armed;
    markdown_status failure;
    block_head *blocks;
    size_t live; /* payload bytes in blocks */
    unsigned long calls;
    struct timespec deadline;
    jmp_buf jump;
} parse_mem;

static _Thread_local parse_mem tls_mem;

static _Noreturn void mem_fail(markdown_status why)
{
    if (!tls_mem.armed)
        abort(); /* cmark allocated outside with_document(): our bug */
    tls_mem.failure = why;
    longjmp(tls_mem.jump, 1);
}

static void mem_link(block_head *b)
{
    b->h.prev = NULL;
    b->h.next = tls_mem.blocks;
    if (tls_mem.blocks)
        tls_mem.blocks->h.prev = b;
    tls_mem.blocks = b;
}

static void mem_unlink(block_head *b)
{
    if (b->h.prev)
        b->h.prev->h.next = b->h.next;
    else
        tls_mem.blocks = b->h.next;
    if (b->h.next)
        b->h.next->h.prev = b->h.prev;
}

/* Fails the parse if replacing a block of old bytes by one of size would
 * pass the cap, or (now and then) if the deadline has passed. */
static void mem_charge(size_t old, size_t size)
{
#ifndef TSUNAGU_FUZZING /* a fuzzer should see slow inputs as timeouts */
    if (++tls_mem.calls % 512 == 0) {
        struct timespec now;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
        if (now.tv_sec > tls_mem.deadline.tv_sec ||
            (now.tv_sec == tls_mem.deadline.tv_sec && now.tv_nsec > tls_mem.deadline.tv_nsec))
            mem_fail(MARKDOWN_TOO_COMPLEX);
    }
#endif
    if (size > MARKDOWN_MAX_PARSE_MEMORY || tls_mem.live - old > MARKDOWN_MAX_PARSE_MEMORY - size)
        mem_fail(MARKDOWN_TOO_COMPLEX);
}

static void *mem_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        mem_fail(MARKDOWN_TOO_COMPLEX);
    size_t total = count * size;
    mem_charge(0, total);
    block_head *b = fault_malloc(sizeof *b + total);
    if (!b)
        mem_fail(MARKDOWN_NOMEM);
    memset(b + 1, 0, total);
    b->h.size = total;
    mem_link(b);
    tls_mem.live += total;
    return b + 1;
}

static void *mem_realloc(void *p, size_t size)
{
    if (!p)
        return mem_calloc(1, size);
    block_head *b = (block_head *)p - 1;
    size_t old = b->h.size;
    mem_charge(old, size);
    mem_unlink(b);
    block_head *nb = fault_realloc(b, sizeof *nb + size);
    if (!nb) {
        mem_link(b);
        mem_fail(MARKDOWN_NOMEM);
    }
    nb->h.size = size;
    mem_link(nb);
    tls_mem.live = tls_mem.live - old + size;
    return nb + 1;
}

static void mem_free(void *p)
{
    if (!p)
        return;
    block_head *b = (block_head *)p - 1;
    mem_unlink(b);
    tls_mem.live -= b->h.size;
    free(b);
}

static void mem_release_all(void)
{
    block_head *b = tls_mem.blocks;
    while (b) {
        block_head *next = b->h.next;
        free(b);
        b = next;
    }
    tls_mem.blocks = NULL;
    tls_mem.live = 0;
}

static cmark_mem parse_allocator = {mem_calloc, mem_realloc, mem_free};

/* ==========================================================================
   3  Parsing, the depth check, and the tree walk
   ========================================================================== */

/* A walk over a subtree without allocating (cmark_iter would allocate):
 * enter() on the way down (false skips the children), leave() on the way up,
 * for every node. */
typedef struct walker walker;
struct walker {
    bool (*enter)(walker *w, cmark_node *node);
    void (*leave)(walker *w, cmark_node *node);
};

static void walk(cmark_node *root, walker *w)
{
    cmark_node *node = root;
    for (;;) {
        cmark_node *child = w->enter(w, node) ? cmark_node_first_child(node) : NULL;
        if (child) {
            node = child;
            continue;
        }
        for (;;) {
            w->leave(w, node);
            if (node == root)
                return;
            cmark_node *next = cmark_node_next(node);
            if (next) {
                node = next;
                break;
            }
            node = cmark_node_parent(node);
        }
    }
}

typedef struct depth_walker {
    walker w;
    int depth;
    size_t line; /* of the first node too deep, 0 if none */
} depth_walker;

static bool depth_enter(walker *w, cmark_node *node)
{
    depth_walker *d = (depth_walker *)w;
    if (++d->depth <= MARKDOWN_MAX_DEPTH + 1) /* the document itself is depth 1 */
        return true;
    if (!d->line) {
        int line = cmark_node_get_start_line(node);
        d->line = line > 0 ? (size_t)line : 1;
    }
    return false;
}

static void depth_leave(walker *w, cmark_node *node)
{
    (void)node;
    ((depth_walker *)w)->depth--;
}

/* What a caller does with the parsed document; false on out of memory in its
 * own output. */
typedef bool (*doc_fn)(cmark_node *doc, void *ctx);

static pthread_once_t extensions_once = PTHREAD_ONCE_INIT;

static void extensions_register(void)
{
    cmark_gfm_core_extensions_ensure_registered(); /* not thread-safe by itself */
}

static markdown_status parse_and_run(const char *src, size_t n, doc_fn fn, void *ctx, size_t *line)
{
    /* A single '~' is text: Japanese writers type "10時~12時" for a range. */
    cmark_parser *parser =
        cmark_parser_new_with_mem(CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE, &parse_allocator);
    static const char *const extensions[] = {"table", "strikethrough", "autolink", "tagfilter"};
    for (size_t i = 0; i < sizeof extensions / sizeof extensions[0]; i++) {
        cmark_syntax_extension *ext = cmark_find_syntax_extension(extensions[i]);
        if (ext) /* without one, its syntax stays text: less pretty, as safe */
            cmark_parser_attach_syntax_extension(parser, ext);
    }
    if (n)
        cmark_parser_feed(parser, src, n);
    cmark_node *doc = cmark_parser_finish(parser);

    markdown_status status = MARKDOWN_OK;
    depth_walker d = {.w = {depth_enter, depth_leave}};
    walk(doc, &d.w);
    if (d.line) {
        *line = d.line;
        status = MARKDOWN_TOO_DEEP;
    } else if (fn && !fn(doc, ctx)) {
        status = MARKDOWN_NOMEM;
    }
    cmark_node_free(doc);
    cmark_parser_free(parser);
    return status;
}

/* Every locals-free path between setjmp() and longjmp() lives in
 * parse_and_run(), so nothing here is clobbered. */
static markdown_status run_protected(const char *src, size_t n, doc_fn fn, void *ctx, size_t *line)
{
    if (setjmp(tls_mem.jump) != 0) {
        tls_mem.armed = false;
        mem_release_all();
        *line = 0;
        return tls_mem.failure;
    }
    return parse_and_run(src, n, fn, ctx, line);
}

/* Scans, parses and runs fn on the document; frees everything cmark took. */
static markdown_status with_document(const char *src, size_t n, doc_fn fn, void *ctx, size_t *line)
{
    size_t ignored;
    if (!line)
        line = &ignored;
    markdown_status status = scan_source(src, n, line);
    if (status != MARKDOWN_OK)
        return status;
    if (tls_mem.armed)
        abort(); /* fn called back into this module: our bug */
    pthread_once(&extensions_once, extensions_register);

    tls_mem.blocks = NULL;
    tls_mem.live = 0;
    tls_mem.calls = 0;
    tls_mem.failure = MARKDOWN_OK;
    /* The thread's CPU time, not the wall clock: a busy server must not
     * turn an ordinary text away. */
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &tls_mem.deadline);
    tls_mem.deadline.tv_sec += MARKDOWN_MAX_PARSE_MS / 1000;
    tls_mem.deadline.tv_nsec += (long)(MARKDOWN_MAX_PARSE_MS % 1000) * 1000000L;
    if (tls_mem.deadline.tv_nsec >= 1000000000L) {
        tls_mem.deadline.tv_sec++;
        tls_mem.deadline.tv_nsec -= 1000000000L;
    }
    tls_mem.armed = true;
    status = run_protected(src, n, fn, ctx, line);
    tls_mem.armed = false;
    mem_release_all(); /* empty unless cmark leaked */
    return status;
}

/* ==========================================================================
   4  Characters and URLs
   ========================================================================== */

/* Length of the strict UTF-8 sequence at s[0..n) with its code point in
 * *cp, or 0 if there is none. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = c & 0x1Fu, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = c & 0x0Fu, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* Code points HTML forbids in text and attributes (controls other than
 * whitespace, noncharacters); entities like "&#1;" would put them there. */
static bool cp_forbidden(uint32_t cp)
{
    return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7F && cp <= 0x9F) ||
           (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

/* What JavaScript's \s matches, as axe uses it to decide a name is empty. */
static bool cp_blank(uint32_t cp)
{
    return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

/* Appends s[0..n) as text: entity-escaped when html, forbidden code points
 * and invalid bytes as U+FFFD either way. */
static void put_chars(buf *out, const char *s, size_t n, bool html)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t start = 0, i = 0;
    while (i < n) {
        const char *rep = NULL;
        uint32_t cp;
        size_t len = utf8_next(u + i, n - i, &cp);
        if (len == 0) {
            rep = REPLACEMENT, len = 1;
        } else if (cp_forbidden(cp)) {
            rep = REPLACEMENT;
        } else if (html) {
            switch (cp) {
            case '&': rep = "&amp;"; break;
            case '<': rep = "&lt;"; break;
            case '>': rep = "&gt;"; break;
            case '"': rep = "&quot;"; break;
            default: break;
            }
        }
        if (rep) {
            buf_append(out, s + start, i - start);
            buf_puts(out, rep);
            start = i + len;
        }
        i += len;
    }
    buf_append(out, s + start, n - start);
}

static bool text_blank(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_next(u + i, n - i, &cp);
        if (len == 0 || !cp_blank(cp))
            return false;
        i += len;
    }
    return true;
}

static bool ascii_alpha(unsigned char c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static bool ascii_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool ascii_hex(unsigned char c)
{
    return ascii_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

typedef enum { URL_REFUSED, URL_LOCAL, URL_EXTERNAL, URL_CONTACT } url_kind;

/* The part of url[0..n) a browser reads: without leading and trailing
 * controls and spaces. */
static void url_trim(const char **url, size_t *n)
{
    const unsigned char *s = (const unsigned char *)*url;
    size_t a = 0, b = *n;
    while (a < b && s[a] <= 0x20)
        a++;
    while (b > a && s[b - 1] <= 0x20)
        b--;
    *url += a;
    *n = b - a;
}

/* True if the host name h[0..n) is one the WHATWG URL parser (and so the
 * Nu checker) takes as it is: letters, digits, '.', '-' and '_' only; no
 * IPv6 literal, no IDN, no "xn--" label (those would need IDNA), no empty
 * label; and if its last label is a number the parser reads it as IPv4
 * ("x.2" is no host), so it must then be a dotted quad without a final '.'. */
static bool url_host_ok(const unsigned char *h, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!ascii_alpha(h[i]) && !ascii_digit(h[i]) && h[i] != '.' && h[i] != '-' && h[i] != '_')
            return false;
    size_t end = h[n - 1] == '.' ? n - 1 : n, last = end; /* one final '.' is fine */
    for (size_t i = 0; i < end; i++)
        if (h[i] == '.' && (i == 0 || h[i - 1] == '.'))
            return false; /* an empty label: ".x", "a..b" */
    if (end == 0)
        return false;
    while (last > 0 && h[last - 1] != '.')
        last--;
    bool numeric = last < end;
    for (size_t i = last; i < end; i++)
        numeric = numeric && ascii_digit(h[i]);
    if (end - last >= 2 && h[last] == '0' && (h[last + 1] | 0x20) == 'x')
        numeric = true; /* "0x..." is a number there too */
    for (size_t i = 0; i < end; i++)
        if ((i == 0 || h[i - 1] == '.') && end - i >= 4 &&
            strncasecmp((const char *)h + i, "xn--", 4) == 0)
            return false;
    if (!numeric)
        return true;
    if (end != n)
        return false;
    int parts = 0;
    for (size_t i = 0; i <= end; parts++) {
        size_t j = i;
        unsigned value = 0;
        while (j < end && ascii_digit(h[j]) && j - i < 3)
            value = value * 10 + (unsigned)(h[j++] - '0');
        if (j == i || value > 255 || (j - i > 1 && h[i] == '0') || (j < end && h[j] != '.'))
            return false;
        i = j + 1;
    }
    return parts == 4;
}

/* True if s[0..n) (after "//") starts with a plain authority: a host name
 * (url_host_ok), an optional port up to 65535, no user:password@. */
static bool url_authority_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] != ':' && s[i] != '/' && s[i] != '?' && s[i] != '#')
        i++;
    if (!url_host_ok(s, i))
        return false;
    if (i < n && s[i] == ':') {
        unsigned long port = 0;
        size_t digits = 0;
        for (i++; i < n && ascii_digit(s[i]) && digits < 6; i++, digits++)
            port = port * 10 + (unsigned long)(s[i] - '0');
        if (digits > 5 || port > 65535)
            return false;
    }
    return i == n || s[i] == '/' || s[i] == '?' || s[i] == '#';
}

/* Length of the scheme of s[0..n) ("http" in "http://..."), or 0 if the
 * URL does not start with ALPHA *(ALPHA / DIGIT / "+" / "-" / ".") ":". */
static size_t url_scheme_len(const unsigned char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !ascii_alpha(s[0]))
        return 0;
    while (i < n &&
           (ascii_alpha(s[i]) || ascii_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
        i++;
    return i < n && s[i] == ':' ? i : 0;
}

static url_kind url_classify(const char *url, size_t n, bool image)
{
    /* The templates' rule first (tmpl/escape.h), then this module's. */
    if (!esc_url_safe(url, n))
        return URL_REFUSED;
    url_trim(&url, &n);
    const unsigned char *s = (const unsigned char *)url;
    if (n == 0)
        return URL_REFUSED; /* src="" is invalid; href="" is this page again */
    /* No control character inside: browsers drop tabs and newlines
     * ("java\tscript:"), and no real address holds one.  No '&' before the
     * first '/', '?' or '#': cmark decoded the entities once and the page
     * escapes '&', but "&#106;avascript:" (written "&amp;#106;...") must not
     * become a scheme if anything decodes the value once more. */
    bool in_scheme_part = true;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x20 || s[i] == 0x7F || (in_scheme_part && s[i] == '&'))
            return URL_REFUSED;
        if (s[i] == '/' || s[i] == '?' || s[i] == '#')
            in_scheme_part = false;
    }

    size_t i = url_scheme_len(s, n);
    if (i > 0) {
        bool https = i == 5 && strncasecmp(url, "https", 5) == 0;
        if (https || (i == 4 && strncasecmp(url, "http", 4) == 0)) {
            if (n < i + 3 || s[i + 1] != '/' || s[i + 2] != '/')
                return URL_REFUSED;
            return url_authority_ok(s + i + 3, n - i - 3) ? URL_EXTERNAL : URL_REFUSED;
        }
        bool contact = (i == 6 && strncasecmp(url, "mailto", 6) == 0) ||
                       (i == 3 && strncasecmp(url, "tel", 3) == 0);
        /* "tel://..." would give the address a host part to get wrong. */
        if (contact && !image && !(n >= i + 3 && s[i + 1] == '/' && s[i + 2] == '/'))
            return URL_CONTACT;
        return URL_REFUSED;
    }
    /* Relative.  esc_url_safe() refused a ':' before the first '/', '?' or
     * '#'; a backslash would be read as '/' ("/\evil.example"), so it is
     * percent-encoded on output, and "//" needs a plain host. */
    if (n >= 2 && s[0] == '/' && s[1] == '/')
        return url_authority_ok(s + 2, n - 2) ? URL_EXTERNAL : URL_REFUSED;
    return URL_LOCAL;
}

bool markdown_url_allowed(const char *url, size_t n, bool image)
{
    return url && url_classify(url, n, image) != URL_REFUSED;
}

/* Appends an allowed URL for a double-quoted attribute: '&' as "&amp;",
 * and percent-encoded what HTML5 URLs may not hold raw (spaces, quotes,
 * < > [ ] \ ^ ` { | }, non-ASCII bytes, a '%' without two hex digits, a
 * second '#').  The host is untouched: url_host_ok() allowed none of these. */
static void put_url(buf *out, const char *url, size_t n)
{
    url_trim(&url, &n);
    const unsigned char *s = (const unsigned char *)url;
    bool fragment = false;
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        bool raw;
        if (c == '&') {
            buf_puts(out, "&amp;");
            continue;
        } else if (c == '%') {
            raw = i + 2 < n && ascii_hex(s[i + 1]) && ascii_hex(s[i + 2]);
        } else if (c == '#') {
            raw = !fragment;
            fragment = true;
        } else {
            raw = ascii_alpha(c) || ascii_digit(c) ||
                  (c > 0x20 && c < 0x7F && strchr("-._~!$'()*+,;=:/?@", c));
        }
        if (raw) {
            buf_putc(out, (char)c);
        } else {
            char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_append(out, enc, 3);
        }
    }
}

/* ==========================================================================
   5  HTML
   ========================================================================== */

static const char *literal(cmark_node *node, size_t *n)
{
    const char *s = cmark_node_get_literal(node);
    if (!s)
        s = "";
    *n = strlen(s);
    return s;
}

static bool type_is(cmark_node *node, const char *name)
{
    return strcmp(cmark_node_get_type_string(node), name) == 0;
}

/* True if the subtree under node has text a reader (or a screen reader)
 * would get: a text or code node that is not all blank. */
static bool has_text(cmark_node *root)
{
    cmark_node *node = root;
    for (;;) {
        cmark_node_type t = cmark_node_get_type(node);
        if (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE) {
            size_t n;
            const char *s = literal(node, &n);
            if (!text_blank(s, n))
                return true;
        }
        cmark_node *child = t == CMARK_NODE_HTML_INLINE ? NULL : cmark_node_first_child(node);
        if (child) {
            node = child;
            continue;
        }
        while (node != root && !cmark_node_next(node))
            node = cmark_node_parent(node);
        if (node == root)
            return false;
        node = cmark_node_next(node);
    }
}

/* Appends the text of an image's description (its alt text): text and code
 * as they are, line breaks as spaces, markup and raw HTML dropped. */
typedef struct alt_walker {
    walker w;
    buf *out;
    bool html;
} alt_walker;

static bool alt_enter(walker *w, cmark_node *node)
{
    alt_walker *a = (alt_walker *)w;
    size_t n;
    switch (cmark_node_get_type(node)) {
    case CMARK_NODE_TEXT:
    case CMARK_NODE_CODE: {
        const char *s = literal(node, &n);
        put_chars(a->out, s, n, a->html);
        return false;
    }
    case CMARK_NODE_SOFTBREAK:
    case CMARK_NODE_LINEBREAK: buf_putc(a->out, ' '); return false;
    case CMARK_NODE_HTML_INLINE: return false;
    default: return true;
    }
}

static void alt_leave(walker *w, cmark_node *node)
{
    (void)w, (void)node;
}

static void put_alt(buf *out, cmark_node *image, bool html)
{
    alt_walker a = {.w = {alt_enter, alt_leave}, .out = out, .html = html};
    for (cmark_node *c = cmark_node_first_child(image); c; c = cmark_node_next(c))
        walk(c, &a.w);
}

typedef struct html_walker {
    walker w;
    buf *out;
    int heading_offset;
    int heading_last; /* level of the previous heading (heading_offset at first) */
    int heading;      /* level of the heading being written */
    cmark_node *link; /* the link whose <a> is open: cmark nests an autolink
                         ("<https://...>", "a@b.jp") in a link's text, HTML may not */
    /* The current table (tables do not nest). */
    uint8_t *aligns;
    uint16_t columns, column;
    bool in_header, header_only, tbody_open;
} html_walker;

/* The level of a heading: moved down by the offset, at most h6, and never
 * more than one below the heading before it ("# a" then "### b" give h2 and
 * h3 under the page's h1): the Nu checker refuses a skipped level, and
 * JIS X 8341-3 (WCAG 1.3.1) wants the outline to read as written. */
static int heading_level(html_walker *h, cmark_node *node)
{
    int level = cmark_node_get_heading_level(node) + h->heading_offset;
    if (level > h->heading_last + 1)
        level = h->heading_last + 1;
    return level < 1 ? 1 : level > 6 ? 6 : level;
}

/* A paragraph in a tight list item is written without <p>, as cmark does. */
static bool paragraph_tight(cmark_node *node)
{
    cmark_node *item = cmark_node_parent(node);
    cmark_node *list = item ? cmark_node_parent(item) : NULL;
    return list && cmark_node_get_type(list) == CMARK_NODE_LIST && cmark_node_get_list_tight(list);
}

/* Starts a new line unless the output is at the start of one, as cmark's
 * renderer does before a block. */
static void cr(buf *out)
{
    if (out->len && out->data[out->len - 1] != '\n')
        buf_putc(out, '\n');
}

static void put_attr(buf *out, const char *name, const char *value)
{
    buf_printf(out, " %s=\"", name);
    put_chars(out, value, strlen(value), true);
    buf_putc(out, '"');
}

static bool html_enter_link(html_walker *h, cmark_node *node, bool image)
{
    const char *url = cmark_node_get_url(node);
    const char *title = cmark_node_get_title(node);
    url_kind kind = url_classify(url, strlen(url), image);
    if (image) {
        if (kind == URL_REFUSED) {
            put_alt(h->out, node, true); /* the description, as text */
            return false;
        }
        buf_puts(h->out, "<img src=\"");
        put_url(h->out, url, strlen(url));
        buf_puts(h->out, "\" alt=\"");
        put_alt(h->out, node, true);
        buf_putc(h->out, '"');
        if (title && *title)
            put_attr(h->out, "title", title);
        buf_puts(h->out, " loading=\"lazy\">");
        return false;
    }
    if (kind == URL_REFUSED || h->link)
        return true; /* the text without the link */
    h->link = node;
    buf_puts(h->out, "<a href=\"");
    put_url(h->out, url, strlen(url));
    buf_putc(h->out, '"');
    if (title && *title)
        put_attr(h->out, "title", title);
    if (kind == URL_EXTERNAL)
        buf_puts(h->out, " rel=\"noopener noreferrer\"");
    buf_putc(h->out, '>');
    return true;
}

static bool html_enter_extension(html_walker *h, cmark_node *node)
{
    buf *out = h->out;
    if (type_is(node, "table")) {
        h->aligns = cmark_gfm_extensions_get_table_alignments(node);
        h->columns = cmark_gfm_extensions_get_table_columns(node);
        h->header_only = cmark_node_first_child(node) == cmark_node_last_child(node);
        h->tbody_open = h->header_only;
        cr(out);
        buf_puts(out,
                 "<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"表\">\n"
                 "<table class=\"data-table\">\n");
        if (h->header_only)
            buf_puts(out, "<tbody>\n");
    } else if (type_is(node, "table_header") || type_is(node, "table_row")) {
        h->in_header = cmark_gfm_extensions_get_table_row_is_header(node) && !h->header_only;
        h->column = 0;
        if (h->in_header) {
            buf_puts(out, "<thead>\n");
        } else if (!h->tbody_open) {
            buf_puts(out, "<tbody>\n");
            h->tbody_open = true;
        }
        buf_puts(out, "<tr>\n");
    } else if (type_is(node, "table_cell")) {
        buf_puts(out, h->in_header ? "<th scope=\"col\"" : "<td");
        uint8_t align = h->aligns && h->column < h->columns ? h->aligns[h->column] : 0;
        if (align == 'l' || align == 'c' || align == 'r')
            buf_printf(out, " class=\"align-%s\"",
                       align == 'l'   ? "left"
                       : align == 'c' ? "center"
                                      : "right");
        buf_putc(out, '>');
    } else if (type_is(node, "strikethrough")) {
        buf_puts(out, "<del>");
    }
    /* Any other extension node: its children only. */
    return true;
}

static void html_leave_extension(html_walker *h, cmark_node *node)
{
    buf *out = h->out;
    if (type_is(node, "table")) {
        if (h->tbody_open)
            buf_puts(out, "</tbody>\n");
        buf_puts(out, "</table>\n</div>\n");
        h->aligns = NULL;
    } else if (type_is(node, "table_header") || type_is(node, "table_row")) {
        for (; h->column < h->columns; h->column++) /* a short row: pad, for the table model */
            buf_puts(out, h->in_header ? "<th scope=\"col\"></th>\n" : "<td></td>\n");
        buf_puts(out, h->in_header ? "</tr>\n</thead>\n" : "</tr>\n");
        h->in_header = false;
    } else if (type_is(node, "table_cell")) {
        buf_puts(out, h->in_header ? "</th>\n" : "</td>\n");
        h->column++;
    } else if (type_is(node, "strikethrough")) {
        buf_puts(out, "</del>");
    }
}

static bool html_enter(walker *w, cmark_node *node)
{
    html_walker *h = (html_walker *)w;
    buf *out = h->out;
    size_t n;
    const char *s;
    switch (cmark_node_get_type(node)) {
    case CMARK_NODE_DOCUMENT: return true;
    case CMARK_NODE_BLOCK_QUOTE:
        cr(out);
        buf_puts(out, "<blockquote>\n");
        return true;
    case CMARK_NODE_LIST:
        cr(out);
        if (cmark_node_get_list_type(node) != CMARK_ORDERED_LIST)
            buf_puts(out, "<ul>\n");
        else if (cmark_node_get_list_start(node) != 1)
            buf_printf(out, "<ol start=\"%d\">\n", cmark_node_get_list_start(node));
        else
            buf_puts(out, "<ol>\n");
        return true;
    case CMARK_NODE_ITEM:
        cr(out);
        buf_puts(out, "<li>");
        return true;
    case CMARK_NODE_CODE_BLOCK: {
        const char *info = cmark_node_get_fence_info(node);
        size_t word = info ? strcspn(info, " \t") : 0;
        cr(out);
        buf_puts(out, "<pre><code");
        if (word) {
            buf_puts(out, " class=\"language-");
            put_chars(out, info, word, true);
            buf_putc(out, '"');
        }
        buf_putc(out, '>');
        s = literal(node, &n);
        put_chars(out, s, n, true);
        buf_puts(out, "</code></pre>\n");
        return false;
    }
    case CMARK_NODE_HTML_BLOCK:
    case CMARK_NODE_HTML_INLINE: return false; /* raw HTML is never passed through */
    case CMARK_NODE_PARAGRAPH:
        if (!paragraph_tight(node)) {
            cr(out);
            buf_puts(out, "<p>");
        }
        return true;
    case CMARK_NODE_HEADING:
        if (!has_text(node))
            return false; /* an empty heading helps nobody (axe empty-heading) */
        h->heading = h->heading_last = heading_level(h, node);
        cr(out);
        buf_printf(out, "<h%d>", h->heading);
        return true;
    case CMARK_NODE_THEMATIC_BREAK:
        cr(out);
        buf_puts(out, "<hr>\n");
        return false;
    case CMARK_NODE_TEXT:
        s = literal(node, &n);
        put_chars(out, s, n, true);
        return false;
    case CMARK_NODE_SOFTBREAK: buf_putc(out, '\n'); return false;
    case CMARK_NODE_LINEBREAK: buf_puts(out, "<br>\n"); return false;
    case CMARK_NODE_CODE:
        s = literal(node, &n);
        buf_puts(out, "<code>");
        put_chars(out, s, n, true);
        buf_puts(out, "</code>");
        return false;
    case CMARK_NODE_EMPH: buf_puts(out, "<em>"); return true;
    case CMARK_NODE_STRONG: buf_puts(out, "<strong>"); return true;
    case CMARK_NODE_LINK: return html_enter_link(h, node, false);
    case CMARK_NODE_IMAGE: return html_enter_link(h, node, true);
    case CMARK_NODE_FOOTNOTE_DEFINITION: /* footnotes are not enabled */
    case CMARK_NODE_FOOTNOTE_REFERENCE: return false;
    case CMARK_NODE_CUSTOM_BLOCK:               /* only made by code, never by the parser; */
    case CMARK_NODE_CUSTOM_INLINE: return true; /* their raw on_enter text is not printed */
    default: return html_enter_extension(h, node);
    }
}

static void html_leave(walker *w, cmark_node *node)
{
    html_walker *h = (html_walker *)w;
    buf *out = h->out;
    switch (cmark_node_get_type(node)) {
    case CMARK_NODE_BLOCK_QUOTE:
        cr(out);
        buf_puts(out, "</blockquote>\n");
        break;
    case CMARK_NODE_LIST:
        cr(out);
        buf_puts(out, cmark_node_get_list_type(node) == CMARK_ORDERED_LIST ? "</ol>\n" : "</ul>\n");
        break;
    case CMARK_NODE_ITEM: buf_puts(out, "</li>\n"); break;
    case CMARK_NODE_PARAGRAPH:
        if (!paragraph_tight(node))
            buf_puts(out, "</p>\n");
        break;
    case CMARK_NODE_HEADING:
        if (has_text(node))
            buf_printf(out, "</h%d>\n", h->heading);
        break;
    case CMARK_NODE_EMPH: buf_puts(out, "</em>"); break;
    case CMARK_NODE_STRONG: buf_puts(out, "</strong>"); break;
    case CMARK_NODE_LINK: {
        if (h->link != node)
            break; /* refused, or inside another link */
        h->link = NULL;
        const char *url = cmark_node_get_url(node);
        if (!has_text(node)) { /* a link needs a name (axe link-name): its address */
            const char *u = url;
            size_t n = strlen(u);
            url_trim(&u, &n);
            put_chars(out, u, n, true);
        }
        buf_puts(out, "</a>");
        break;
    }
    case CMARK_NODE_DOCUMENT:
    case CMARK_NODE_CODE_BLOCK:
    case CMARK_NODE_HTML_BLOCK:
    case CMARK_NODE_HTML_INLINE:
    case CMARK_NODE_THEMATIC_BREAK:
    case CMARK_NODE_TEXT:
    case CMARK_NODE_SOFTBREAK:
    case CMARK_NODE_LINEBREAK:
    case CMARK_NODE_CODE:
    case CMARK_NODE_IMAGE:
    case CMARK_NODE_FOOTNOTE_DEFINITION:
    case CMARK_NODE_FOOTNOTE_REFERENCE:
    case CMARK_NODE_CUSTOM_BLOCK:
    case CMARK_NODE_CUSTOM_INLINE:
    case CMARK_NODE_NONE: break;
    default: html_leave_extension(h, node); break;
    }
}

static bool html_run(cmark_node *doc, void *ctx)
{
    html_walker *h = ctx;
    walk(doc, &h->w);
    return buf_ok(h->out);
}

/* ==========================================================================
   6  Plain text
   ========================================================================== */

typedef struct plain_walker {
    walker w;
    buf *out;
    unsigned flags;
    bool started;   /* text has been written */
    bool at_marker; /* a list marker was just written: no break before the text */
    int breaks;     /* newlines owed before the next text (1 or 2) */
    int lists;      /* nesting of lists */
    int numbers[MARKDOWN_MAX_DEPTH + 2]; /* the next number of each ordered list */
    bool ordered[MARKDOWN_MAX_DEPTH + 2];
    cmark_node *link; /* the outermost link being written */
    size_t link_start;
    int column; /* cells written in the current table row */
} plain_walker;

static void plain_break(plain_walker *p, int newlines)
{
    if (!p->at_marker && newlines > p->breaks)
        p->breaks = newlines;
}

/* Writes the newlines owed (none before the first text). */
static void plain_flush(plain_walker *p)
{
    if (p->started)
        for (; p->breaks > 0; p->breaks--)
            buf_putc(p->out, '\n');
    p->breaks = 0;
}

/* Writes the newlines owed, then s[0..n). */
static void plain_put(plain_walker *p, const char *s, size_t n)
{
    if (n == 0)
        return;
    plain_flush(p);
    p->started = true;
    p->at_marker = false;
    put_chars(p->out, s, n, false);
}

static void plain_put_str(plain_walker *p, const char *s)
{
    plain_put(p, s, strlen(s));
}

/* The link's text (written since link_start) equals its URL, with or without
 * the scheme an autolink adds: the URL would say nothing new. */
static bool link_text_is_url(plain_walker *p, const char *url)
{
    const char *text = p->out->data ? p->out->data + p->link_start : "";
    size_t tn = p->out->len - p->link_start, un = strlen(url);
    static const char *const prefixes[] = {"", "http://", "https://", "mailto:", "tel:"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t pn = strlen(prefixes[i]);
        if (un == pn + tn && strncasecmp(url, prefixes[i], pn) == 0 &&
            memcmp(url + pn, text, tn) == 0)
            return true;
    }
    return false;
}

static bool plain_enter(walker *w, cmark_node *node)
{
    plain_walker *p = (plain_walker *)w;
    size_t n;
    const char *s;
    switch (cmark_node_get_type(node)) {
    case CMARK_NODE_PARAGRAPH: plain_break(p, p->lists ? 1 : 2); return true;
    case CMARK_NODE_HEADING:
    case CMARK_NODE_BLOCK_QUOTE:
    case CMARK_NODE_THEMATIC_BREAK: plain_break(p, 2); return true;
    case CMARK_NODE_CODE_BLOCK:
        plain_break(p, 2);
        s = literal(node, &n);
        while (n && s[n - 1] == '\n')
            n--;
        plain_put(p, s, n);
        plain_break(p, 2);
        return false;
    case CMARK_NODE_LIST:
        plain_break(p, p->lists ? 1 : 2);
        p->lists++;
        p->ordered[p->lists] = cmark_node_get_list_type(node) == CMARK_ORDERED_LIST;
        p->numbers[p->lists] = cmark_node_get_list_start(node);
        return true;
    case CMARK_NODE_ITEM: {
        p->at_marker = false;
        plain_break(p, 1);
        for (int i = 1; i < p->lists; i++)
            plain_put_str(p, "  ");
        if (p->ordered[p->lists]) {
            char number[16];
            snprintf(number, sizeof number, "%d. ", p->numbers[p->lists]++);
            plain_put_str(p, number);
        } else {
            plain_put_str(p, "・");
        }
        p->at_marker = true;
        return true;
    }
    case CMARK_NODE_TEXT:
    case CMARK_NODE_CODE:
        s = literal(node, &n);
        plain_put(p, s, n);
        return false;
    case CMARK_NODE_SOFTBREAK:
    case CMARK_NODE_LINEBREAK: plain_put_str(p, "\n"); return false;
    case CMARK_NODE_HTML_BLOCK:
    case CMARK_NODE_HTML_INLINE:
    case CMARK_NODE_FOOTNOTE_DEFINITION:
    case CMARK_NODE_FOOTNOTE_REFERENCE: return false;
    case CMARK_NODE_LINK:
        if (!p->link) {
            plain_flush(p); /* so that link_start is where the text starts */
            p->link = node;
            p->link_start = p->out->len;
        }
        return true;
    default: break;
    }
    if (type_is(node, "table") || type_is(node, "table_header") || type_is(node, "table_row")) {
        plain_break(p, type_is(node, "table") ? 2 : 1);
        p->column = 0;
    } else if (type_is(node, "table_cell") && p->column++ > 0) {
        plain_put_str(p, " | ");
    }
    return true;
}

static void plain_leave(walker *w, cmark_node *node)
{
    plain_walker *p = (plain_walker *)w;
    switch (cmark_node_get_type(node)) {
    case CMARK_NODE_PARAGRAPH: plain_break(p, p->lists ? 1 : 2); break;
    case CMARK_NODE_HEADING:
    case CMARK_NODE_BLOCK_QUOTE:
    case CMARK_NODE_THEMATIC_BREAK: plain_break(p, 2); break;
    case CMARK_NODE_LIST:
        p->lists--;
        plain_break(p, p->lists ? 1 : 2);
        break;
    case CMARK_NODE_ITEM:
        p->at_marker = false;
        plain_break(p, 1);
        break;
    case CMARK_NODE_LINK: {
        if (p->link != node)
            break;
        p->link = NULL;
        const char *url = cmark_node_get_url(node);
        size_t n = strlen(url);
        url_kind kind = url_classify(url, n, false);
        if (!(p->flags & MARKDOWN_PLAIN_LINK_URLS) || (kind != URL_EXTERNAL && kind != URL_CONTACT))
            break;
        url_trim(&url, &n);
        if (!url_scheme_len((const unsigned char *)url, n))
            break; /* "//host/...": no use without the page's scheme */
        if (link_text_is_url(p, url))
            break;
        bool had_text = p->out->len > p->link_start;
        if (had_text)
            plain_put_str(p, " (");
        plain_put(p, url, n);
        if (had_text)
            plain_put_str(p, ")");
        break;
    }
    default:
        if (type_is(node, "table"))
            plain_break(p, 2);
        else if (type_is(node, "table_header") || type_is(node, "table_row"))
            plain_break(p, 1);
        break;
    }
}

static bool plain_run(cmark_node *doc, void *ctx)
{
    plain_walker *p = ctx;
    size_t start = p->out->len;
    walk(doc, &p->w);
    /* A link without text may have flushed breaks that nothing followed. */
    while (p->out->len > start && p->out->data[p->out->len - 1] == '\n')
        p->out->data[--p->out->len] = '\0';
    return buf_ok(p->out);
}

/* ==========================================================================
   7  The API
   ========================================================================== */

markdown_status markdown_check(const char *src, size_t n, size_t *line)
{
    return with_document(src, n, NULL, NULL, line);
}

bool markdown_render(const char *src, size_t n, const markdown_opts *o, buf *out)
{
    int offset = o ? o->heading_offset : 0;
    html_walker h = {
        .w = {html_enter, html_leave},
        .out = out,
        .heading_offset = offset < 0   ? 0
                          : offset > 5 ? 5
                                       : offset,
    };
    h.heading_last = h.heading_offset;
    return with_document(src, n, html_run, &h, NULL) == MARKDOWN_OK && buf_ok(out);
}

tv *markdown_tv(arena *a, const char *src, size_t n, const markdown_opts *o)
{
    buf out = BUF_INIT;
    tv *v = NULL;
    if (markdown_render(src, n, o, &out))
        v = tv_html_sanitised(a, out.data ? out.data : "", out.len);
    buf_free(&out);
    return v;
}

bool markdown_plain(const char *src, size_t n, unsigned flags, buf *out)
{
    plain_walker p = {.w = {plain_enter, plain_leave}, .out = out, .flags = flags};
    return with_document(src, n, plain_run, &p, NULL) == MARKDOWN_OK && buf_ok(out);
}

void markdown_message(markdown_status status, size_t line, char *out, size_t outlen)
{
    char where[32] = "";
    if (line)
        snprintf(where, sizeof where, "%zu 行目: ", line);
    switch (status) {
    case MARKDOWN_OK: utf8_format(out, outlen, "問題はありません。"); break;
    case MARKDOWN_NOMEM:
        utf8_format(out, outlen, "混み合っています。しばらくしてからもう一度お試しください。");
        break;
    case MARKDOWN_TOO_LARGE:
        utf8_format(out, outlen, "本文が長すぎます（%d KiB まで）。", MARKDOWN_MAX_BYTES / 1024);
        break;
    case MARKDOWN_BAD_UTF8:
        utf8_format(out, outlen, "%s文字として読めないデータが含まれています。", where);
        break;
    case MARKDOWN_TOO_DEEP:
        utf8_format(out, outlen, "%s引用やリストの入れ子が深すぎます。", where);
        break;
    case MARKDOWN_TOO_MANY_COLUMNS:
        utf8_format(out, outlen, "%s表の列が多すぎます（%d 列まで。1 行に「|」は %d 個まで）。",
                    where, MARKDOWN_MAX_TABLE_COLUMNS, MARKDOWN_MAX_TABLE_COLUMNS + 1);
        break;
    case MARKDOWN_TOO_MANY_CELLS:
        utf8_format(out, outlen, "%s表のセルが多すぎます（全体で %d 個まで）。", where,
                    MARKDOWN_MAX_TABLE_CELLS);
        break;
    case MARKDOWN_TOO_MANY_LINKS:
        utf8_format(
            out, outlen,
            "%sこの段落はリンクや強調の記号（[ * _ ~）が多すぎます。空行で段落を分けてください。",
            where);
        break;
    case MARKDOWN_TOO_MUCH_HTML:
        utf8_format(out, outlen,
                    "%sこの段落は「<!」「<?」が多すぎます。空行で段落を分けてください。", where);
        break;
    case MARKDOWN_TOO_COMPLEX:
        utf8_format(out, outlen, "本文の構造が複雑すぎて表示できません。");
        break;
    }
}
