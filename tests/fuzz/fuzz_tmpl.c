/*
 * libFuzzer target: the template compiler and renderer (src/tmpl).
 *
 * Input: up to three parts separated by NUL bytes: the source of a.html, the
 * source of b.html (so include and extends have something to name), and a
 * value string.  A set that compiles is rendered with the value under many
 * keys, in a list and in a map, and these must hold:
 *
 * - No value can put markup into the page.  Every printed value is wrapped
 *   as "[" + value + "Q<Q Q\"Q Q'Q Q>Q Q&Q]".  When the sources hold no 'Q',
 *   every 'Q' of the output comes from a value, so "Q<Q", "Q\"Q", "Q'Q",
 *   "Q>Q" or "Q&Q" in the output is a special character of a value that
 *   escaped unescaped.  When the sources hold no '<' at all, the output
 *   holds none either (the value always contains "<script>").
 * - Rendering is deterministic, every compile error has a message in valid
 *   UTF-8, and failing allocations (injected) neither crash nor leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/fault.h"
#include "core/utf8.h"
#include "tmpl/tmpl.h"
#include "tmpl/value.h"

#define MAX_INPUT (64 * 1024)

static const char *const keys[] = {
    "v",    "x",     "y",   "u",    "a",   "b",    "c",    "q",     "s",    "t",    "id",
    "name", "title", "url", "item", "org", "page", "user", "value", "text", "href", "src",
};

static tv *build_root(arena *a, const char *value)
{
    tv *root = tv_map(a), *m = tv_map(a), *l = tv_list(a);
    bool ok = root && m && l;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        ok = tv_set_str(a, root, keys[i], value) && ok;
        ok = tv_set_str(a, m, keys[i], value) && ok;
    }
    ok = tv_push(a, l, tv_str(a, value)) && ok;
    ok = tv_push(a, l, m) && ok;
    ok = tv_push(a, l, tv_int(a, -12)) && ok;
    ok = tv_set(a, m, "l", l) && ok;
    static const char *const lists[] = {"l", "items", "list", "rows"};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        ok = tv_set(a, root, lists[i], l) && ok;
    ok = tv_set(a, root, "m", m) && ok;
    ok = tv_set(a, root, "empty", tv_list(a)) && ok;
    ok = tv_set_int(a, root, "n", 42) && ok;
    ok = tv_set_bool(a, root, "yes", true) && ok;
    ok = tv_set_bool(a, root, "no", false) && ok;
    /* Sanitised markup without '<' or 'Q', so the invariants stay exact. */
    ok = tv_set(a, root, "h", tv_html_sanitised(a, "&amp;ok", 7)) && ok;
    return ok ? root : NULL;
}

static bool contains(const char *s, size_t n, const char *needle)
{
    return memmem(s, n, needle, strlen(needle)) != NULL;
}

/* Checks one rendered page; aborts (a finding) when a value escaped.  An
 * empty page may have no buffer at all (data is NULL). */
static void check_output(const buf *out, bool no_q, bool no_lt)
{
    static const char *const leaks[] = {"Q<Q", "Q\"Q", "Q'Q", "Q>Q", "Q&Q"};
    if (out->len == 0)
        return;
    if (no_q)
        for (size_t i = 0; i < sizeof leaks / sizeof leaks[0]; i++)
            if (contains(out->data, out->len, leaks[i]))
                abort();
    if (no_lt && memchr(out->data, '<', out->len))
        abort();
}

static void render_all(const tmpl_set *s, const tv *root, bool no_q, bool no_lt)
{
    static const char *const names[] = {"a.html", "b.html"};
    char err[256];
    for (size_t i = 0; i < 2; i++) {
        buf one = BUF_INIT, two = BUF_INIT;
        bool ok1 = tmpl_render(s, names[i], root, &one, err, sizeof err);
        bool ok2 = tmpl_render(s, names[i], root, &two, err, sizeof err);
        bool same = one.len == two.len && (one.len == 0 || !memcmp(one.data, two.data, one.len));
        if (ok1 != ok2 || (ok1 && !same))
            abort();
        if (ok1)
            check_output(&one, no_q, no_lt);
        buf_free(&one);
        buf_free(&two);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    const char *p = (const char *)data, *end = p + size;
    const char *nul1 = memchr(p, '\0', size);
    const char *b_start = nul1 ? nul1 + 1 : end;
    const char *nul2 = nul1 ? memchr(b_start, '\0', (size_t)(end - b_start)) : NULL;
    const char *v_start = nul2 ? nul2 + 1 : end;

    char *a_src = strndup(p, (size_t)((nul1 ? nul1 : end) - p));
    char *b_src = strndup(b_start, (size_t)((nul2 ? nul2 : end) - b_start));
    size_t vlen = (size_t)(end - v_start);
    const char *tail = "<script>Q<Q Q\"Q Q'Q Q>Q Q&Q]";
    char *value = malloc(vlen + strlen(tail) + 2);
    if (!a_src || !b_src || !value)
        abort();
    value[0] = '[';
    memcpy(value + 1, v_start, vlen);
    strcpy(value + 1 + vlen, tail);

    bool no_q = !strchr(a_src, 'Q') && !strchr(b_src, 'Q');
    bool no_lt = !strchr(a_src, '<') && !strchr(b_src, '<');

    const char *names[] = {"a.html", "b.html"};
    const char *srcs[] = {a_src, b_src};
    char err[512];
    tmpl_set *s = tmpl_set_from_strings(names, srcs, 2, err, sizeof err);
    if (s) {
        arena a;
        arena_init(&a);
        tv *root = build_root(&a, value);
        if (!root)
            abort();
        render_all(s, root, no_q, no_lt);
        arena_free(&a);
        tmpl_set_free(s);
    } else if (err[0] == '\0' || !utf8_valid(err, strlen(err))) {
        abort(); /* every failure explains itself, readably */
    }

    /* The same work with one allocation failing: no crash, no leak. */
    fault_fail_nth(1 + (long)(size % 97));
    s = tmpl_set_from_strings(names, srcs, 2, err, sizeof err);
    if (s) {
        arena a;
        arena_init(&a);
        tv *root = build_root(&a, value);
        if (root) {
            buf out = BUF_INIT;
            tmpl_render(s, "a.html", root, &out, err, sizeof err);
            buf_free(&out);
        }
        arena_free(&a);
        tmpl_set_free(s);
    }
    fault_fail_nth(0);

    free(a_src);
    free(b_src);
    free(value);
    return 0;
}
