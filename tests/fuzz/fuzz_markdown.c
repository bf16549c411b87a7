/*
 * libFuzzer target: Markdown to sanitised HTML (src/content/markdown.c).
 *
 * Input: any bytes, rendered as Markdown (heading offset from the size, so
 * clamping is exercised).  Whenever rendering succeeds, these must hold, or
 * the target aborts (a finding):
 *
 * - md_html_check() accepts the output: valid UTF-8; every '<' opens or
 *   closes a tag of the module's list (markdown.h), never a comment; no
 *   "<script", "<iframe", "<style", "<object" or "<embed" anywhere (any
 *   case); attributes only from the module's list, quoted, none starting
 *   with "on", no style= or align=; href and src values (entities decoded,
 *   spaces and controls dropped) never start with javascript:, vbscript: or
 *   data: in any case and pass markdown_url_allowed(); no raw '>' and no
 *   '&' that is not one of the four entities the module writes; tags
 *   balanced, br, hr, img and input excepted; no <a> inside an <a>.
 * - Rendering is deterministic, agrees with markdown_check() and
 *   markdown_plain(), and the plain text is valid UTF-8.
 * - With one allocation failing (injected, in our code or in cmark's), no
 *   crash and no leak, and a success is still a valid page.
 *
 * The unit tests include this file with MD_CHECK_ONLY defined to use the
 * same checker on every output they render.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/markdown.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/fault.h"
#include "core/utf8.h"

/* The tags the module may write; void ones are not closed. */
static const char *const md_tags[] = {
    "p",    "h1", "h2",     "h3",  "h4", "h5",    "h6",    "blockquote", "ul", "ol", "li", "pre",
    "code", "em", "strong", "del", "a",  "table", "thead", "tbody",      "tr", "th", "td", "div",
};
static const char *const md_void_tags[] = {"br", "hr", "img", "input"};
static const char *const md_attrs[] = {
    "href",  "title", "rel",   "src",  "alt",      "loading",
    "class", "start", "scope", "role", "tabindex", "aria-label",
};

static bool md_in(const char *const *list, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0)
            return true;
    return false;
}

#define MD_IN(list, s, len) md_in(list, sizeof list / sizeof list[0], s, len)

/* The entity at s[0..n) (starting with '&') that the module writes, or 0. */
static size_t md_entity(const char *s, size_t n, char *decoded)
{
    static const struct {
        const char *name;
        char c;
    } ents[] = {
        {"&amp;", '&'},
        {"&lt;", '<'},
        {"&gt;", '>'},
        {"&quot;", '"'},
    };
    for (size_t i = 0; i < sizeof ents / sizeof ents[0]; i++) {
        size_t len = strlen(ents[i].name);
        if (len <= n && memcmp(s, ents[i].name, len) == 0) {
            *decoded = ents[i].c;
            return len;
        }
    }
    return 0;
}

static bool md_starts_ci(const char *s, size_t n, const char *prefix)
{
    size_t len = strlen(prefix);
    if (n < len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (tolower((unsigned char)s[i]) != prefix[i])
            return false;
    return true;
}

static bool md_fail(char *why, size_t whylen, const char *msg, size_t at)
{
    if (why)
        snprintf(why, whylen, "%s at byte %zu", msg, at);
    return false;
}

/* True if html[0..n) keeps the promises of markdown.h; otherwise false with
 * the reason in why[0..whylen) (why may be NULL). */
static bool md_html_check(const char *html, size_t n, char *why, size_t whylen)
{
    if (!utf8_valid(html, n))
        return md_fail(why, whylen, "invalid UTF-8", 0);
    static const char *const banned[] = {"<script", "<iframe", "<style", "<object", "<embed"};
    for (size_t b = 0; b < sizeof banned / sizeof banned[0]; b++)
        for (size_t i = 0; i + strlen(banned[b]) <= n; i++)
            if (md_starts_ci(html + i, n - i, banned[b]))
                return md_fail(why, whylen, banned[b], i);

    enum { MD_STACK = 256 };
    const char *stack[MD_STACK];
    size_t stack_len[MD_STACK], depth = 0;
    size_t i = 0;
    while (i < n) {
        char c = html[i], d;
        if (c == '>')
            return md_fail(why, whylen, "raw '>' in text", i);
        if (c == '&') {
            size_t len = md_entity(html + i, n - i, &d);
            if (!len)
                return md_fail(why, whylen, "raw '&' in text", i);
            i += len;
            continue;
        }
        if (c != '<') {
            i++;
            continue;
        }
        /* A tag. */
        size_t at = i++;
        bool closing = i < n && html[i] == '/';
        if (closing)
            i++;
        const char *name = html + i;
        while (i < n && ((html[i] >= 'a' && html[i] <= 'z') || (html[i] >= '0' && html[i] <= '9')))
            i++;
        size_t name_len = (size_t)(html + i - name);
        bool is_void = MD_IN(md_void_tags, name, name_len);
        if (name_len == 0 || (!is_void && !MD_IN(md_tags, name, name_len)))
            return md_fail(why, whylen, "unknown tag or comment", at);
        if (closing) {
            if (i >= n || html[i] != '>')
                return md_fail(why, whylen, "malformed end tag", at);
            if (is_void || depth == 0 || stack_len[depth - 1] != name_len ||
                memcmp(stack[depth - 1], name, name_len) != 0)
                return md_fail(why, whylen, "unbalanced end tag", at);
            depth--;
            i++;
            continue;
        }
        /* Attributes: name="value", separated by one space. */
        for (;;) {
            if (i < n && html[i] == '>') {
                i++;
                break;
            }
            if (i >= n || html[i] != ' ')
                return md_fail(why, whylen, "malformed tag", at);
            i++;
            const char *attr = html + i;
            while (i < n && ((html[i] >= 'a' && html[i] <= 'z') || html[i] == '-'))
                i++;
            size_t attr_len = (size_t)(html + i - attr);
            if (attr_len >= 2 && attr[0] == 'o' && attr[1] == 'n')
                return md_fail(why, whylen, "event-handler attribute", at);
            if ((attr_len == 5 && !memcmp(attr, "style", 5)) ||
                (attr_len == 5 && !memcmp(attr, "align", 5)))
                return md_fail(why, whylen, "style or align attribute", at);
            if (!MD_IN(md_attrs, attr, attr_len))
                return md_fail(why, whylen, "unknown attribute", at);
            if (i + 1 >= n || html[i] != '=' || html[i + 1] != '"')
                return md_fail(why, whylen, "unquoted attribute", at);
            i += 2;
            /* The value, decoded, without what browsers skip in a URL. */
            char value[64];
            size_t vlen = 0;
            bool url = (attr_len == 4 && !memcmp(attr, "href", 4)) ||
                       (attr_len == 3 && !memcmp(attr, "src", 3));
            buf full = BUF_INIT;
            while (i < n && html[i] != '"') {
                char v = html[i];
                if (v == '<' || v == '>')
                    return buf_free(&full), md_fail(why, whylen, "raw < or > in attribute", i);
                if (v == '&') {
                    size_t len = md_entity(html + i, n - i, &v);
                    if (!len)
                        return buf_free(&full), md_fail(why, whylen, "raw '&' in attribute", i);
                    i += len;
                } else {
                    i++;
                }
                if (url)
                    buf_putc(&full, v);
                if (url && (unsigned char)v > 0x20 && vlen < sizeof value)
                    value[vlen++] = v;
            }
            if (i >= n)
                return buf_free(&full), md_fail(why, whylen, "unterminated attribute", at);
            i++;
            if (url) {
                bool bad = md_starts_ci(value, vlen, "javascript:") ||
                           md_starts_ci(value, vlen, "vbscript:") ||
                           md_starts_ci(value, vlen, "data:");
                bool image = name_len == 3 && !memcmp(name, "img", 3);
                bool allowed = buf_ok(&full) &&
                               markdown_url_allowed(full.data ? full.data : "", full.len, image);
                buf_free(&full);
                if (bad || !allowed)
                    return md_fail(why, whylen, "dangerous URL", at);
            }
        }
        if (name_len == 1 && name[0] == 'a')
            for (size_t k = 0; k < depth; k++)
                if (stack_len[k] == 1 && stack[k][0] == 'a')
                    return md_fail(why, whylen, "a link inside a link", at);
        if (!is_void) {
            if (depth == MD_STACK)
                return md_fail(why, whylen, "nesting deeper than the checker's stack", at);
            stack[depth] = name;
            stack_len[depth++] = name_len;
        }
    }
    if (depth)
        return md_fail(why, whylen, "unclosed tag", n);
    return true;
}

#ifndef MD_CHECK_ONLY

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MARKDOWN_MAX_BYTES + 64)
        return 0;
    const char *src = (const char *)data;
    markdown_opts o = {.heading_offset = (int)(size % 8) - 1};

    buf one = BUF_INIT, two = BUF_INIT, plain = BUF_INIT;
    bool ok1 = markdown_render(src, size, &o, &one);
    bool ok2 = markdown_render(src, size, &o, &two);
    size_t line = 0;
    markdown_status st = markdown_check(src, size, &line);
    bool okp = markdown_plain(src, size, MARKDOWN_PLAIN_LINK_URLS, &plain);
    if (ok1 != ok2 || ok1 != (st == MARKDOWN_OK) || ok1 != okp)
        abort();
    if (st == MARKDOWN_NOMEM)
        abort(); /* nothing failed: a refusal must say why */
    if (ok1) {
        char why[128];
        if (one.len != two.len || (one.len && memcmp(one.data, two.data, one.len) != 0))
            abort();
        if (one.len && !md_html_check(one.data, one.len, why, sizeof why)) {
            fprintf(stderr, "md_html_check: %s\n", why);
            abort();
        }
        if (plain.len && !utf8_valid(plain.data, plain.len))
            abort();
    } else {
        char msg[256];
        markdown_message(st, line, msg, sizeof msg);
        if (!msg[0] || !utf8_valid(msg, strlen(msg)))
            abort();
    }
    buf_free(&one);
    buf_free(&two);
    buf_free(&plain);

    /* One allocation failing: no crash, no leak, and a success is sound. */
    fault_fail_nth(1 + (long)(size % 53));
    buf out = BUF_INIT;
    bool ok = markdown_render(src, size, &o, &out);
    bool fired = fault_fired();
    fault_fail_nth(0); /* the checker allocates too */
    if (ok && (fired || (out.len && !md_html_check(out.data, out.len, NULL, 0))))
        abort();
    buf_free(&out);
    fault_fail_nth(1 + (long)(size % 7));
    arena a;
    arena_init(&a);
    (void)markdown_tv(&a, src, size, &o);
    arena_free(&a);
    fault_fail_nth(0);
    return 0;
}

#endif
