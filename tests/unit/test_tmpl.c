/* Unit tests of src/tmpl: values, syntax, context-aware escaping, compile
 * errors, layouts, loading, threads and allocation failure.  Security class
 * 5 (XSS) of the audit rests on the escaping tests here. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/fault.h"
#include "tap.h"
#include "tmpl/tmpl.h"
#include "tmpl/value.h"

static char err[1024];
static char result[1 << 16];

/* Compiles templates names[i] = srcs[i], renders `name` with root, and
 * returns the output (in a static buffer), or NULL with err set. */
static const char *render_set(const char *const *names, const char *const *srcs, size_t n,
                              const char *name, const tv *root)
{
    err[0] = '\0';
    tmpl_set *s = tmpl_set_from_strings(names, srcs, n, err, sizeof err);
    if (!s)
        return NULL;
    buf out = BUF_INIT;
    bool ok = tmpl_render(s, name, root, &out, err, sizeof err);
    if (ok)
        snprintf(result, sizeof result, "%s", out.data ? out.data : "");
    buf_free(&out);
    tmpl_set_free(s);
    return ok ? result : NULL;
}

static const char *render1(const char *src, const tv *root)
{
    const char *names[] = {"t.html"};
    return render_set(names, &src, 1, "t.html", root);
}

/* NULL if src compiles as t.html, else the error message. */
static const char *compile_err(const char *src)
{
    const char *names[] = {"t.html"};
    err[0] = '\0';
    tmpl_set *s = tmpl_set_from_strings(names, &src, 1, err, sizeof err);
    if (s) {
        tmpl_set_free(s);
        return NULL;
    }
    return err;
}

/* Renders {{ v }} placed by src (which prints "v") with v = value. */
static const char *with_v(const char *src, const char *value)
{
    arena a;
    arena_init(&a);
    tv *root = tv_map(&a);
    tv_set_str(&a, root, "v", value);
    const char *out = render1(src, root);
    arena_free(&a);
    return out;
}

static bool contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

/* ---- values ---- */

TEST(values_keep_insertion_order_and_replace_in_place)
{
    arena a;
    arena_init(&a);
    tv *m = tv_map(&a);
    CHECK(tv_set_str(&a, m, "b", "1"));
    CHECK(tv_set_str(&a, m, "a", "2"));
    CHECK(tv_set_int(&a, m, "b", 3));
    CHECK_INT(tv_len(m), 2);
    CHECK_INT(tv_int_value(tv_get(m, "b")), 3);
    CHECK_STR(tv_text(tv_get(m, "a"), NULL), "2");
    CHECK(tv_get(m, "c") == NULL);
    const char *names[] = {"t.html"};
    const char *src = "{% for x in l %}{{ x }},{% endfor %}";
    tv *root = tv_map(&a), *l = tv_list(&a);
    CHECK(tv_push(&a, l, tv_str(&a, "z")) && tv_push(&a, l, tv_int(&a, -7)));
    CHECK(tv_set(&a, root, "l", l));
    CHECK_STR(render_set(names, &src, 1, "t.html", root), "z,-7,");
    arena_free(&a);
}

TEST(values_setters_fail_on_null_so_one_check_suffices)
{
    arena a;
    arena_init(&a);
    tv *m = tv_map(&a), *l = tv_list(&a);
    CHECK(tv_str(&a, NULL) == NULL);
    CHECK(!tv_set_str(&a, m, "k", NULL));
    CHECK(!tv_set(&a, m, "k", NULL));
    CHECK(!tv_set(&a, NULL, "k", tv_null(&a)));
    CHECK(!tv_set(&a, l, "k", tv_null(&a))); /* not a map */
    CHECK(!tv_push(&a, m, tv_null(&a)));     /* not a list */
    CHECK(!tv_push(&a, l, NULL));
    CHECK_INT(tv_len(m), 0);
    CHECK(tv_kind(NULL) == TV_NULL);
    CHECK(tv_at(l, 0) == NULL);
    arena_free(&a);
}

TEST(values_big_maps_are_hashed_and_still_ordered)
{
    arena a;
    arena_init(&a);
    tv *m = tv_map(&a);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        CHECK(tv_set_int(&a, m, key, i));
    }
    for (int i = 0; i < 5000; i += 7) {
        snprintf(key, sizeof key, "k%d", i);
        CHECK_INT(tv_int_value(tv_get(m, key)), i);
        CHECK(tv_set_int(&a, m, key, -i));
    }
    CHECK_INT(tv_len(m), 5000);
    CHECK_INT(tv_int_value(tv_get(m, "k4998")), -4998);
    CHECK(tv_get(m, "k5000") == NULL);
    arena_free(&a);
}

/* ---- escaping ---- */

TEST(escapes_text)
{
    CHECK_STR(with_v("<p>{{ v }}</p>", "<script>alert(\"x\")</script>&'"),
              "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p>");
    CHECK_STR(with_v("<p>{{v}}</p>", "県民活動<b>スーパーネット</b>😀"),
              "<p>県民活動&lt;b&gt;スーパーネット&lt;/b&gt;😀</p>");
    CHECK_STR(with_v("{{ v }}", ""), "");
    CHECK_STR(with_v("a{{ v }}b", "plain"), "aplainb");
}

TEST(escapes_attribute)
{
    CHECK_STR(with_v("<a title=\"{{ v }}\">", "\" onmouseover=\"alert(1)"),
              "<a title=\"&quot; onmouseover=&quot;alert(1)\">");
    CHECK_STR(with_v("<a title='{{ v }}'>", "' onclick='x"), "<a title='&#39; onclick=&#39;x'>");
    CHECK_STR(with_v("<input value=\"{{ v }}\" class=x>", "日本<>&"),
              "<input value=\"日本&lt;&gt;&amp;\" class=x>");
    /* Attribute names are case-insensitive; data-* is not a URL. */
    CHECK_STR(with_v("<div DATA-x=\"{{ v }}\">", "javascript:x"), "<div DATA-x=\"javascript:x\">");
}

TEST(refuses_javascript_url)
{
    static const char *const bad[] = {
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "\t\n javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "java\rscript:alert(1)",
        "\x01javascript:alert(1)",
        "\x1fjava script:alert(1)",
        "javascript :alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "DATA:image/svg+xml;base64,PHN2Zz4=",
        "javascript&colon;x:y",
        "file:///etc/passwd",
        "httpx://example.jp/",
        "ftp://example.jp/",
        "a:b",
        "1:2",
        "\xe3\x80\x80javascript:x", /* U+3000 then a scheme: not a known scheme */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *out = with_v("<a href=\"{{ v }}\">x</a>", bad[i]);
        CHECK_STR(out, "<a href=\"#\">x</a>");
        if (!out || strcmp(out, "<a href=\"#\">x</a>") != 0)
            printf("# value %zu was not refused\n", i);
    }
    /* Entities in a value are text, not decoded by us: "&" is escaped, so the
     * browser sees "&#106;..." literally, a relative URL ending in a fragment. */
    CHECK_STR(with_v("<a href=\"{{ v }}\">", "&#106;avascript:alert(1)"),
              "<a href=\"&amp;#106;avascript:alert(1)\">");
    CHECK_STR(with_v("<a href=\"{{ v }}\">", "javascript&#58;alert(1)"),
              "<a href=\"javascript&amp;#58;alert(1)\">");
    /* Every URL attribute, any quote. */
    CHECK_STR(with_v("<img src='{{ v }}'>", "javascript:x"), "<img src='#'>");
    CHECK_STR(with_v("<form action=\"{{ v }}\">", "javascript:x"), "<form action=\"#\">");
    CHECK_STR(with_v("<button formaction=\"{{ v }}\">", "javascript:x"),
              "<button formaction=\"#\">");
    CHECK_STR(with_v("<svg><a xlink:href=\"{{ v }}\">", "javascript:x"),
              "<svg><a xlink:href=\"#\">");
    CHECK_STR(with_v("<object data=\"{{ v }}\">", "javascript:x"), "<object data=\"#\">");
    CHECK_STR(with_v("<blockquote cite=\"{{ v }}\">", "javascript:x"), "<blockquote cite=\"#\">");
    CHECK_STR(with_v("<video poster=\"{{ v }}\">", "javascript:x"), "<video poster=\"#\">");
    CHECK_STR(with_v("<a HREF=\"{{ v }}\">", "javascript:x"), "<a HREF=\"#\">");
    /* Leading blanks of the literal value do not hide the start of the URL. */
    CHECK_STR(with_v("<a href=\" \n{{ v }}\">", "javascript:x"), "<a href=\" \n#\">");
}

TEST(accepts_safe_urls)
{
    static const char *const good[] = {
        "http://example.jp/a?b=c#d",
        "HTTPS://example.jp/",
        "mailto:info@example.jp",
        "tel:083-000-0000",
        "/org/12",
        "#top",
        "?page=2",
        "./a",
        "../b",
        "org/1",
        "a/b:c",
        "//cdn.example.jp/x.css",
        "",
        "search?q=a:b",
        "日本語/ページ",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char want[256];
        snprintf(want, sizeof want, "<a href=\"%s\">", good[i]);
        CHECK_STR(with_v("<a href=\"{{ v }}\">", good[i]), want);
    }
    /* A safe URL is still entity-escaped. */
    CHECK_STR(with_v("<a href=\"{{ v }}\">", "/a?x=1&y=\"2\""),
              "<a href=\"/a?x=1&amp;y=&quot;2&quot;\">");
}

TEST(percent_encodes_url_component)
{
    CHECK_STR(with_v("<a href=\"/search?q={{ v }}\">", "a b&c/\"<日'#?=%+"),
              "<a href=\"/search?q=a%20b%26c%2F%22%3C%E6%97%A5%27%23%3F%3D%25%2B\">");
    CHECK_STR(with_v("<a href=\"/org/{{ v }}\">", "javascript:alert(1)"),
              "<a href=\"/org/javascript%3Aalert%281%29\">");
    CHECK_STR(with_v("<a href=\"mailto:{{ v }}\">", "a@b.jp?cc=x"),
              "<a href=\"mailto:a%40b.jp%3Fcc%3Dx\">");
    CHECK_STR(with_v("<a href=\"{{ v }}{{ v }}\">", "javascript"),
              "<a href=\"javascriptjavascript\">");
    /* Later in the scheme part: percent-encoded, so no ':' can appear. */
    CHECK_STR(with_v("<a href=\"ja{{ v }}\">", "vascript:alert(1)"),
              "<a href=\"javascript%3Aalert%281%29\">");
    CHECK_STR(with_v("<a href=\"x\" title=\"/{{ v }}\">", "a b"), "<a href=\"x\" title=\"/a b\">");
}

TEST(refuses_values_that_would_complete_a_scheme)
{
    CHECK(contains(compile_err("<a href=\"{{ u }}:x\">"), "t.html:1:"));
    CHECK(compile_err("<a href=\"{{ u }}&colon;x\">") != NULL);
    CHECK(compile_err("<a href=\"ja{{ u }}script:x\">") != NULL);
    CHECK(compile_err("<a href=\"javascript:{{ u }}\">") != NULL);
    CHECK(compile_err("<a href=\"JavaScript:void(0);{{ u }}\">") != NULL);
    CHECK(compile_err("<a href=\"data:text/html,{{ u }}\">") != NULL);
    CHECK(compile_err("<a href=\"java\tscript:{{ u }}\">") != NULL);
    CHECK(compile_err("<a href=\"&#106;avascript:{{ u }}\">") != NULL);
    CHECK(compile_err("<a href=\"https://x.jp/{{ u }}\">") == NULL);
    CHECK(compile_err("<a href=\"{{ u }}/x:y\">") == NULL);
    CHECK(compile_err("<a href=\"tel:{{ u }}\">") == NULL);
}

TEST(html_value_raw_only_in_text)
{
    arena a;
    arena_init(&a);
    tv *root = tv_map(&a);
    const char *h = "<b>太字</b>";
    CHECK(tv_set(&a, root, "h", tv_html_sanitised(&a, h, strlen(h))));
    CHECK_STR(render1("<div>{{ h }}</div>", root), "<div><b>太字</b></div>");
    CHECK_STR(render1("<a title=\"{{ h }}\">", root), "<a title=\"&lt;b&gt;太字&lt;/b&gt;\">");
    CHECK_STR(render1("<a href=\"{{ h }}\">", root), "<a href=\"&lt;b&gt;太字&lt;/b&gt;\">");
    CHECK_STR(render1("<a href=\"/?q={{ h }}\">", root),
              "<a href=\"/?q=%3Cb%3E%E5%A4%AA%E5%AD%97%3C%2Fb%3E\">");
    CHECK_STR(render1("<title>{{ h }}</title>", root), "<title>&lt;b&gt;太字&lt;/b&gt;</title>");
    CHECK_STR(render1("<textarea>{{ h }}</textarea>", root),
              "<textarea>&lt;b&gt;太字&lt;/b&gt;</textarea>");
    const char *names[] = {"m.txt"}, *src = "{{ h }}";
    CHECK_STR(render_set(names, &src, 1, "m.txt", root), "<b>太字</b>");
    /* A string that looks like markup is still a string. */
    CHECK(tv_set_str(&a, root, "h", h));
    CHECK_STR(render1("<div>{{ h }}</div>", root), "<div>&lt;b&gt;太字&lt;/b&gt;</div>");
    arena_free(&a);
}

TEST(scalars_print_and_containers_print_nothing)
{
    arena a;
    arena_init(&a);
    tv *root = tv_map(&a);
    tv_set_int(&a, root, "i", 42);
    tv_set_int(&a, root, "min", LLONG_MIN);
    tv_set_bool(&a, root, "t", true);
    tv_set_bool(&a, root, "f", false);
    tv_set(&a, root, "n", tv_null(&a));
    tv_set(&a, root, "l", tv_list(&a));
    tv_set(&a, root, "m", tv_map(&a));
    CHECK_STR(render1("{{ i }}|{{ min }}|{{ t }}|{{ f }}|{{ n }}|{{ l }}|{{ m }}|{{ nope }}|"
                      "{{ i.x }}|{{ nope.x.y }}",
                      root),
              "42|-9223372036854775808|true|false||||||");
    arena_free(&a);
}

TEST(string_literals_print_escaped)
{
    arena a;
    arena_init(&a);
    tv *root = tv_map(&a);
    CHECK_STR(render1("{{ \"{{\" }} x {{ '}}' }}", root), "{{ x }}");
    CHECK_STR(render1("{{ \"<b>\" }}", root), "&lt;b&gt;");
    CHECK_STR(render1("<a href=\"{{ 'javascript:x' }}\">", root), "<a href=\"#\">");
    CHECK_STR(render1("<a href=\"/?q={{ 'a b' }}\">", root), "<a href=\"/?q=a%20b\">");
    arena_free(&a);
}

/* ---- control flow ---- */

TEST(if_elif_else)
{
    arena a;
    arena_init(&a);
    const char *src = "{% if a %}A{% elif b == \"x\" %}B{% elif not c %}C{% else %}D{% endif %}";
    tv *root = tv_map(&a);
    tv_set_bool(&a, root, "a", true);
    CHECK_STR(render1(src, root), "A");
    tv_set_bool(&a, root, "a", false);
    tv_set_str(&a, root, "b", "x");
    CHECK_STR(render1(src, root), "B");
    tv_set_str(&a, root, "b", "y");
    CHECK_STR(render1(src, root), "C");
    tv_set_int(&a, root, "c", 5);
    CHECK_STR(render1(src, root), "D");
    arena_free(&a);
}

TEST(truthiness_and_comparisons)
{
    arena a;
    arena_init(&a);
    tv *root = tv_map(&a), *full = tv_list(&a), *m = tv_map(&a);
    tv_push(&a, full, tv_int(&a, 1));
    tv_set_int(&a, m, "k", 1);
    tv_set_int(&a, root, "zero", 0);
    tv_set_int(&a, root, "seven", 7);
    tv_set_str(&a, root, "empty", "");
    tv_set_str(&a, root, "s7", "7");
    tv_set(&a, root, "nil", tv_null(&a));
    tv_set(&a, root, "el", tv_list(&a));
    tv_set(&a, root, "em", tv_map(&a));
    tv_set(&a, root, "full", full);
    tv_set(&a, root, "m", m);
    tv_set_bool(&a, root, "no", false);
    const char *src = "{% if zero %}1{% endif %}{% if empty %}2{% endif %}{% if nil %}3{% endif %}"
                      "{% if el %}4{% endif %}{% if em %}5{% endif %}{% if no %}6{% endif %}"
                      "{% if missing %}7{% endif %}{% if missing.deep %}8{% endif %}"
                      "|{% if seven %}a{% endif %}{% if full %}b{% endif %}{% if m %}c{% endif %}"
                      "{% if seven == s7 %}d{% endif %}{% if seven == \"7\" %}e{% endif %}"
                      "{% if seven != \"8\" %}f{% endif %}{% if missing == \"\" %}g{% endif %}"
                      "{% if full == full %}X{% endif %}{% if full != full %}h{% endif %}"
                      "{% if no == \"false\" %}i{% endif %}{% if not missing %}j{% endif %}";
    CHECK_STR(render1(src, root), "|abcdefghij");
    arena_free(&a);
}

TEST(for_loop_vars)
{
    arena a;
    arena_init(&a);
    tv *root = tv_map(&a), *rows = tv_list(&a);
    for (int i = 0; i < 3; i++) {
        tv *r = tv_map(&a), *cells = tv_list(&a);
        tv_set_int(&a, r, "id", 10 + i);
        tv_push(&a, cells, tv_str(&a, "a"));
        tv_push(&a, cells, tv_str(&a, "b"));
        tv_set(&a, r, "cells", cells);
        tv_push(&a, rows, r);
    }
    tv_set(&a, root, "rows", rows);
    tv_set_str(&a, root, "id", "root-id");
    CHECK_STR(render1("{% for r in rows %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.length }}"
                      "{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}:{{ r.id }} "
                      "{% endfor %}",
                      root),
              "1/0/3F:10 2/1/3:11 3/2/3L:12 ");
    /* Inner loop: loop.* is the innermost loop; outer variables stay visible. */
    CHECK_STR(render1("{% for r in rows %}{% for c in r.cells %}{{ r.id }}{{ c }}{{ loop.index }}"
                      "{% endfor %};{% endfor %}{{ id }}",
                      root),
              "10a110b2;11a111b2;12a112b2;root-id");
    /* A loop variable shadows the root, then the root is visible again. */
    CHECK_STR(render1("{% for id in rows %}{{ id.id }}{% endfor %}{{ id }}", root),
              "101112root-id");
    CHECK_STR(render1("{{ loop.index }}", root), "");
    arena_free(&a);
}

TEST(for_else)
{
    arena a;
    arena_init(&a);
    tv *root = tv_map(&a), *one = tv_list(&a);
    tv_push(&a, one, tv_str(&a, "x"));
    tv_set(&a, root, "empty", tv_list(&a));
    tv_set(&a, root, "one", one);
    tv_set_str(&a, root, "str", "not a list");
    tv *m = tv_map(&a);
    tv_set_int(&a, m, "k", 1);
    tv_set(&a, root, "map", m);
    const char *src = "{% for i in empty %}[{{ i }}]{% else %}なし{% endfor %}"
                      "{% for i in one %}[{{ i }}]{% else %}なし{% endfor %}"
                      "{% for i in missing %}[{{ i }}]{% else %}なし{% endfor %}"
                      "{% for i in str %}[{{ i }}]{% else %}なし{% endfor %}"
                      "{% for i in map %}[{{ i }}]{% else %}なし{% endfor %}"
                      "{% for i in empty %}x{% endfor %}.";
    CHECK_STR(render1(src, root), "なし[x]なしなしなし.");
    arena_free(&a);
}

TEST(include)
{
    arena a;
    arena_init(&a);
    tv *root = tv_map(&a), *items = tv_list(&a);
    tv_push(&a, items, tv_str(&a, "<1>"));
    tv_push(&a, items, tv_str(&a, "2"));
    tv_set(&a, root, "items", items);
    tv_set_str(&a, root, "title", "題");
    const char *names[] = {"page.html", "part/item.html"};
    const char *srcs[] = {
        "<h1>{{ title }}</h1>\n<ul>\n{% for it in items %}\n{% include \"part/item.html\" %}\n"
        "{% endfor %}\n</ul>\n",
        "<li>{{ loop.index }} {{ it }} {{ title }}</li>\n",
    };
    CHECK_STR(render_set(names, srcs, 2, "page.html", root),
              "<h1>題</h1>\n<ul>\n<li>1 &lt;1&gt; 題</li>\n<li>2 2 題</li>\n</ul>\n");
    arena_free(&a);
}

TEST(include_is_escaped_for_the_context_it_is_included_in)
{
    arena a;
    arena_init(&a);
    tv *root = tv_map(&a);
    tv_set_str(&a, root, "q", "a b<");
    const char *names[] = {"page.html", "q.html"};
    const char *srcs[] = {
        "<a href=\"/search?{% include \"q.html\" %}\">{% include \"q.html\" %}</a>",
        "q={{ q }}",
    };
    CHECK_STR(render_set(names, srcs, 2, "page.html", root),
              "<a href=\"/search?q=a%20b%3C\">q=a b&lt;</a>");
    CHECK_STR(render_set(names, srcs, 2, "q.html", root), "q=a b&lt;");
    arena_free(&a);
}

TEST(extends_blocks)
{
    arena a;
    arena_init(&a);
    tv *root = tv_map(&a);
    tv_set_str(&a, root, "name", "NPO<法人>");
    const char *names[] = {"layout/base.html", "org.html"};
    const char *srcs[] = {
        "<title>{% block title %}つなぐ{% endblock %}</title>\n"
        "<main>{% block content %}既定{% endblock %}</main>\n"
        "<footer>{% block footer %}F{% endblock footer %}</footer>\n",
        "{# a comment before extends is fine #}\n"
        "{% extends \"layout/base.html\" %}\n"
        "\n"
        "{% block title %}{{ name }} | つなぐ{% endblock %}\n"
        "{% block content %}\n<p>{{ name }}</p>\n{% endblock %}\n",
    };
    CHECK_STR(render_set(names, srcs, 2, "org.html", root),
              "<title>NPO&lt;法人&gt; | つなぐ</title>\n<main><p>NPO&lt;法人&gt;</p>\n</main>\n"
              "<footer>F</footer>\n");
    CHECK_STR(render_set(names, srcs, 2, "layout/base.html", root),
              "<title>つなぐ</title>\n<main>既定</main>\n<footer>F</footer>\n");
    arena_free(&a);
}

TEST(multilevel_extends)
{
    arena a;
    arena_init(&a);
    tv *root = tv_map(&a);
    tv_set_str(&a, root, "x", "<x>");
    const char *names[] = {"base.html", "section.html", "page.html"};
    const char *srcs[] = {
        "[{% block head %}H{% endblock %}|{% block body %}B{% endblock %}]",
        "{% extends \"base.html\" %}{% block body %}<s>{% block main %}M{% endblock %}</s>"
        "{% endblock %}",
        "{% extends \"section.html\" %}{% block main %}{{ x }}{% endblock %}"
        "{% block head %}h2{% endblock %}",
    };
    CHECK_STR(render_set(names, srcs, 3, "page.html", root), "[h2|<s>&lt;x&gt;</s>]");
    CHECK_STR(render_set(names, srcs, 3, "section.html", root), "[H|<s>M</s>]");
    arena_free(&a);
}

TEST(block_contexts_come_from_the_layout)
{
    arena a;
    arena_init(&a);
    tv *root = tv_map(&a);
    tv_set_str(&a, root, "u", "javascript:x");
    const char *names[] = {"base.html", "page.html"};
    const char *srcs[] = {
        "<a href=\"{% block link %}/{% endblock %}\">",
        "{% extends \"base.html\" %}{% block link %}{{ u }}{% endblock %}",
    };
    CHECK_STR(render_set(names, srcs, 2, "page.html", root), "<a href=\"#\">");
    const char *bad[] = {
        "<script>{% block s %}{% endblock %}</script>",
        "{% extends \"base.html\" %}{% block s %}{{ u }}{% endblock %}",
    };
    CHECK(render_set(names, bad, 2, "page.html", root) == NULL);
    CHECK(contains(err, "page.html:1:"));
    arena_free(&a);
}

TEST(standalone_tag_lines_leave_no_trace)
{
    arena a;
    arena_init(&a);
    tv *root = tv_map(&a), *l = tv_list(&a);
    tv_push(&a, l, tv_str(&a, "a"));
    tv_push(&a, l, tv_str(&a, "b"));
    tv_set(&a, root, "l", l);
    const char *src = "始め\n"
                      "  {% for x in l %}\n"
                      "  - {{ x }}\n"
                      "  {# comment #}  \n"
                      "  {% endfor %}\r\n"
                      "{% if l %}{% if l %}\n"
                      "終わり {% if l %}inline{% endif %}\n"
                      "{% endif %} {% endif %}\n";
    CHECK_STR(render1(src, root), "始め\n  - a\n  - b\n終わり inline\n");
    arena_free(&a);
}

TEST(txt_templates_do_not_escape)
{
    arena a;
    arena_init(&a);
    tv *root = tv_map(&a);
    tv_set_str(&a, root, "name", "山田 <太郎> & \"仲間\"");
    tv_set_str(&a, root, "url", "javascript:x");
    const char *names[] = {"mail/welcome.txt", "mail/sig.txt"};
    const char *srcs[] = {
        "{{ name }} 様\n<script>{{ url }}</script>\n{% include \"mail/sig.txt\" %}",
        "-- \nつなぐ <{{ url }}>\n",
    };
    CHECK_STR(render_set(names, srcs, 2, "mail/welcome.txt", root),
              "山田 <太郎> & \"仲間\" 様\n<script>javascript:x</script>\n"
              "-- \nつなぐ <javascript:x>\n");
    arena_free(&a);
}

TEST(rcdata_title_and_textarea_allow_text_values)
{
    CHECK_STR(with_v("<title>{{ v }} | 1 < 2</title>", "</title><script>"),
              "<title>&lt;/title&gt;&lt;script&gt; | 1 < 2</title>");
    CHECK_STR(with_v("<textarea name=\"b\">{{ v }}</textarea><p>{{ v }}</p>", "</textarea>"),
              "<textarea name=\"b\">&lt;/textarea&gt;</textarea><p>&lt;/textarea&gt;</p>");
    CHECK_STR(with_v("<TITLE>{{ v }}</TITLE >{{ v }}", "x"), "<TITLE>x</TITLE >x");
    CHECK(compile_err("<title><b>{{ v }}</b></title>") != NULL);
    CHECK(compile_err("<textarea><!-- x --></textarea>") != NULL);
    CHECK(compile_err("<title>{{ v }}") != NULL); /* never closed */
}

TEST(meta_content_is_refused_only_for_http_equiv)
{
    CHECK_STR(with_v("<meta name=\"description\" content=\"{{ v }}\">", "説明\""),
              "<meta name=\"description\" content=\"説明&quot;\">");
    CHECK(compile_err("<meta http-equiv=\"refresh\" content=\"0;url={{ v }}\">") != NULL);
    CHECK(compile_err("<meta content=\"{{ v }}\" HTTP-EQUIV=\"refresh\">") != NULL);
    CHECK(compile_err("<meta {% if r %}http-equiv=\"refresh\"{% endif %} content=\"{{ v }}\">") !=
          NULL);
}

TEST(tokenizer_follows_browsers_through_odd_markup)
{
    static const struct {
        const char *src, *want; /* v = "javascript:x<" */
    } cases[] = {
        {"<a href = \"{{ v }}\">", "<a href = \"#\">"},
        {"<a/href=\"{{ v }}\">", "<a/href=\"#\">"},
        {"<a x=\"1\"href=\"{{ v }}\">", "<a x=\"1\"href=\"#\">"},
        {"<a title=\"x\"/ href='{{ v }}'>", "<a title=\"x\"/ href='#'>"},
        {"<a checked href=\"{{ v }}\">", "<a checked href=\"#\">"},
        {"<a checked/href=\"{{ v }}\">", "<a checked/href=\"#\">"},
        {"<a b =c href=\"{{ v }}\">", "<a b =c href=\"#\">"},
        {"<br/><p title=\"{{ v }}\">", "<br/><p title=\"javascript:x&lt;\">"},
        {"<a href=>{{ v }}", "<a href=>javascript:x&lt;"},
        {"</>{{ v }}", "</>javascript:x&lt;"},
        {"</ x>{{ v }}", "</ x>javascript:x&lt;"},
        {"<!x>{{ v }}", "<!x>javascript:x&lt;"},
        {"<!-x>{{ v }}", "<!-x>javascript:x&lt;"},
        {"<!--x--!x-->{{ v }}", "<!--x--!x-->javascript:x&lt;"},
        {"<!----!-->{{ v }}", "<!----!-->javascript:x&lt;"},
        {"<!--a-b--->{{ v }}", "<!--a-b--->javascript:x&lt;"},
        {"<!---x-->{{ v }}", "<!---x-->javascript:x&lt;"},
        {"<input {% if c %}checked{% endif %}/>{{ v }}", "<input />javascript:x&lt;"},
        {"<p>1 <2 {{ v }}</p>", "<p>1 <2 javascript:x&lt;</p>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *out = with_v(cases[i].src, "javascript:x<");
        CHECK_STR(out, cases[i].want);
        if (!out)
            printf("# %s: %s\n", cases[i].src, err);
    }
    /* A '<' printed right after a lone '<' would open a tag: refused. */
    CHECK(compile_err("<p>1 <{{ v }}</p>") != NULL);
}

/* ---- compile errors ---- */

TEST(compile_error_names_file_and_line)
{
    CHECK(contains(compile_err("a\nb\n<script>\n{{ x }}</script>"), "t.html:4: "));
    CHECK(contains(compile_err("a\n\n{% iff x %}"), "t.html:3: "));
    CHECK(contains(err, "iff"));
    const char *names[] = {"page.html", "inc/part.html"};
    const char *srcs[] = {"ok\n{% include \"inc/part.html\" %}", "\n\n<div {{ x }}>"};
    CHECK(render_set(names, srcs, 2, "page.html", NULL) == NULL);
    CHECK(contains(err, "inc/part.html:3: "));
}

TEST(error_on_script_context)
{
    CHECK(contains(compile_err("<script>var x = \"{{ x }}\";</script>"), "<script>"));
    CHECK(compile_err("<SCRIPT type=\"text/template\">{{ x }}</SCRIPT>") != NULL);
    CHECK(compile_err("<style>p { color: {{ c }} }</style>") != NULL);
    CHECK(compile_err("<script>if (a < b) {}</script>{{ x }}") == NULL);
    CHECK(compile_err("<script>var s = \"</div>\";</script>{{ x }}") == NULL);
    CHECK(compile_err("<script>var s = \"</scriptx>{{ x }}\";</script>") != NULL);
    CHECK(compile_err("<script><!-- </script> --></script>") != NULL);
    CHECK(compile_err("<iframe>{{ x }}</iframe>") != NULL);
    CHECK(compile_err("<noscript>{{ x }}</noscript>") != NULL);
    CHECK(compile_err("<xmp>{{ x }}</xmp>") != NULL);
    CHECK(compile_err("<plaintext>{{ x }}") != NULL);
    CHECK(compile_err("<script>x") != NULL); /* never closed */
    CHECK(compile_err("<svg><![CDATA[ x ]]></svg>") != NULL);
}

TEST(error_on_unquoted_attr)
{
    CHECK(contains(compile_err("<a href={{ u }}>x</a>"), "引用符"));
    CHECK(compile_err("<div class={{ c }}>") != NULL);
    CHECK(compile_err("<div class=a{{ c }}>") != NULL);
    CHECK(compile_err("<div class= {{ c }}>") != NULL);
    CHECK(compile_err("<input type=text value=\"{{ v }}\">") == NULL);
}

TEST(error_on_value_in_tag_outside_attribute)
{
    CHECK(compile_err("<div {{ x }}>") != NULL);
    CHECK(compile_err("<{{ x }}>") != NULL);
    CHECK(compile_err("</{{ x }}>") != NULL);
    CHECK(compile_err("<div{{ x }}>") != NULL);
    CHECK(compile_err("<div a=\"1\"{{ x }}>") != NULL);
    CHECK(compile_err("<div a {{ x }}>") != NULL);
    CHECK(compile_err("</div a=\"{{ x }}\">") != NULL);
    CHECK(compile_err("<{% if a %}{% endif %}{{ x }}") != NULL);
    CHECK(compile_err("1 < {{ x }}") == NULL); /* '<' then space is text */
}

TEST(error_on_event_handler_attr)
{
    CHECK(contains(compile_err("<a onclick=\"go('{{ x }}')\">"), "on"));
    CHECK(compile_err("<body ONLOAD=\"{{ x }}\">") != NULL);
    CHECK(compile_err("<div onmouseover='{{ x }}'>") != NULL);
    CHECK(compile_err("<div style=\"color: {{ c }}\">") != NULL);
    CHECK(compile_err("<img srcset=\"{{ s }}\">") != NULL);
    CHECK(compile_err("<iframe srcdoc=\"{{ s }}\"></iframe>") != NULL);
    CHECK(compile_err("<svg><animate attributeName=\"href\" values=\"{{ v }}\"/></svg>") != NULL);
    CHECK(compile_err("<svg><set to=\"{{ v }}\"/></svg>") != NULL);
    /* Literal handlers are the author's own text: allowed. */
    CHECK(compile_err("<a onclick=\"return confirm('削除しますか')\" href=\"{{ u }}\">") == NULL);
}

TEST(error_in_comment)
{
    CHECK(compile_err("<!-- {{ x }} -->") != NULL);
    CHECK(compile_err("<!-- a -- b {{ x }} -->") != NULL);
    CHECK(compile_err("<!DOCTYPE html {{ x }}>") != NULL);
    CHECK(compile_err("<? {{ x }} ?>") != NULL);
    CHECK(compile_err("<!-- a -->{{ x }}") == NULL);
    CHECK(compile_err("<!-- a --!>{{ x }}") == NULL);
    CHECK(compile_err("<!-->{{ x }}") == NULL);
    CHECK(compile_err("<!--->{{ x }}") == NULL);
    CHECK(compile_err("<!DOCTYPE html>\n<html>{{ x }}") == NULL);
    CHECK(compile_err("<!-- never closed") != NULL);
}

TEST(branch_state_mismatch_is_error)
{
    CHECK(contains(compile_err("{% if a %}<a href=\"{% endif %}\">"), "t.html:1:"));
    CHECK(compile_err("{% if a %}<div{% else %}<p{% endif %}>") != NULL);
    CHECK(compile_err("{% if a %}<script>{% endif %}</script>") != NULL);
    CHECK(compile_err("{% for x in l %}<!--{% endfor %}-->") != NULL);
    CHECK(compile_err("{% for x in l %}{% else %}<b {% endfor %}>") != NULL);
    /* Idioms that must work. */
    CHECK(compile_err("<input {% if c %}checked{% endif %}>") == NULL);
    CHECK(compile_err("<input type=\"checkbox\"{% if c %} checked{% endif %} name=\"{{ n }}\">") ==
          NULL);
    CHECK(compile_err("<option value=\"{{ v }}\" {% if s %}selected{% endif %}>") == NULL);
    CHECK(compile_err("{% if a %}<b>x</b>{% endif %}") == NULL);
    CHECK(compile_err("<p class=\"a {% if b %}b{% else %}c{% endif %}\">") == NULL);
    CHECK(compile_err("<input {% for a in l %} data-{{ a }}=\"1\"{% endfor %}>") != NULL);
    CHECK(compile_err("<input {% for a in l %} data-x=\"{{ a }}\"{% endfor %}>") == NULL);
    /* Two conditional attributes need a space: with both true a browser reads
     * "checkeddisabled" as one name. */
    CHECK(compile_err("<input {% if c %}checked{% endif %}{% if d %}disabled{% endif %}>") != NULL);
    CHECK(compile_err("<input {% if c %}checked {% endif %}{% if d %}disabled {% endif %}>") ==
          NULL);
    /* Branches that leave an attribute name open must not decide a later name. */
    CHECK(compile_err("<a {% if c %}hr{% endif %}ef=\"{{ u }}\">") != NULL);
    CHECK(compile_err("<a {% if c %}href{% else %}title{% endif %}=\"{{ u }}\">") != NULL);
    CHECK(compile_err("<a on{% if c %}click{% endif %}=\"x\">") != NULL);
}

TEST(url_progress_joined_across_branches_stays_safe)
{
    arena a;
    arena_init(&a);
    tv *root = tv_map(&a);
    tv_set_str(&a, root, "u", "javascript:x");
    const char *src = "<a href=\"{% if c %}/a/{% endif %}{{ u }}\">";
    CHECK_STR(render1(src, root), "<a href=\"javascript%3Ax\">");
    tv_set_bool(&a, root, "c", true);
    CHECK_STR(render1(src, root), "<a href=\"/a/javascript%3Ax\">");
    arena_free(&a);
}

TEST(include_cycle_is_error)
{
    const char *names[] = {"a.html", "b.html"};
    const char *cycle[] = {"{% include \"b.html\" %}", "x{% include \"a.html\" %}"};
    CHECK(render_set(names, cycle, 2, "a.html", NULL) == NULL);
    CHECK(contains(err, "循環"));
    const char *self[] = {"{% if x %}{% include \"a.html\" %}{% endif %}", "b"};
    CHECK(render_set(names, self, 2, "a.html", NULL) == NULL);
    const char *ext[] = {"{% extends \"b.html\" %}", "{% extends \"a.html\" %}"};
    CHECK(render_set(names, ext, 2, "a.html", NULL) == NULL);
    CHECK(contains(err, "循環"));
    const char *ext_inc[] = {"{% include \"b.html\" %}", "{% extends \"a.html\" %}"};
    CHECK(render_set(names, ext_inc, 2, "a.html", NULL) == NULL);
}

TEST(include_depth_is_limited)
{
    enum { N = 40 };
    char names_buf[N][16], srcs_buf[N][48];
    const char *names[N], *srcs[N];
    for (int i = 0; i < N; i++) {
        snprintf(names_buf[i], sizeof names_buf[i], "t%02d.html", i);
        if (i + 1 < N)
            snprintf(srcs_buf[i], sizeof srcs_buf[i], "{%% include \"t%02d.html\" %%}", i + 1);
        else
            snprintf(srcs_buf[i], sizeof srcs_buf[i], "end");
        names[i] = names_buf[i];
        srcs[i] = srcs_buf[i];
    }
    CHECK(render_set(names, srcs, N, "t00.html", NULL) == NULL);
    CHECK(contains(err, "深すぎ"));
    /* The same for a chain of layouts. */
    for (int i = 0; i < N; i++) {
        if (i + 1 < N)
            snprintf(srcs_buf[i], sizeof srcs_buf[i], "{%% extends \"t%02d.html\" %%}", i + 1);
        else
            snprintf(srcs_buf[i], sizeof srcs_buf[i], "end");
    }
    CHECK(render_set(names, srcs, N, "t00.html", NULL) == NULL);
    CHECK(contains(err, "extends"));
    /* A chain of ten layouts is within the limit. */
    arena a;
    arena_init(&a);
    CHECK_STR(render_set(names + N - 10, srcs + N - 10, 10, "t30.html", tv_map(&a)), "end");
    /* And so are ten nested includes. */
    for (int i = N - 10; i < N - 1; i++)
        snprintf(srcs_buf[i], sizeof srcs_buf[i], "{%% include \"t%02d.html\" %%}", i + 1);
    CHECK_STR(render_set(names + N - 10, srcs + N - 10, 10, "t30.html", tv_map(&a)), "end");
    arena_free(&a);
}

TEST(missing_include_is_error)
{
    const char *names[] = {"a.html"};
    const char *inc = "x\n{% include \"nope.html\" %}";
    CHECK(render_set(names, &inc, 1, "a.html", NULL) == NULL);
    CHECK(contains(err, "a.html:2:"));
    CHECK(contains(err, "nope.html"));
    const char *ext = "{% extends \"nope.html\" %}";
    CHECK(render_set(names, &ext, 1, "a.html", NULL) == NULL);
    CHECK(contains(err, "nope.html"));
    const char *ext_mixed_names[] = {"a.html", "b.txt"};
    const char *ext_mixed[] = {"{% extends \"b.txt\" %}", "x"};
    CHECK(render_set(ext_mixed_names, ext_mixed, 2, "a.html", NULL) == NULL);
    CHECK(contains(err, "a.html:1:"));
    const char *mixed_names[] = {"a.html", "b.txt"};
    const char *mixed[] = {"{% include \"b.txt\" %}", "x"};
    CHECK(render_set(mixed_names, mixed, 2, "a.html", NULL) == NULL);
}

TEST(syntax_errors)
{
    CHECK(contains(compile_err("{% if a %}x"), "if"));
    CHECK(compile_err("{% for x in l %}x") != NULL);
    CHECK(compile_err("{% block b %}x") != NULL);
    CHECK(contains(compile_err("{% else %}"), "else"));
    CHECK(compile_err("{% endif %}") != NULL);
    CHECK(compile_err("{% endfor %}") != NULL);
    CHECK(compile_err("{% if a %}{% endfor %}") != NULL);
    CHECK(compile_err("{% if a %}{% else %}{% elif b %}{% endif %}") != NULL);
    CHECK(compile_err("{% if a %}{% else %}{% else %}{% endif %}") != NULL);
    CHECK(compile_err("{% raw %}") != NULL);
    CHECK(compile_err("{% %}") != NULL);
    CHECK(compile_err("{{ }}") != NULL);
    CHECK(compile_err("{{ x") != NULL);
    CHECK(compile_err("{{ x }") != NULL);
    CHECK(compile_err("{% if x") != NULL);
    CHECK(compile_err("{# x") != NULL);
    CHECK(compile_err("{{ \"x }}") != NULL);
    CHECK(compile_err("{{ x y }}") != NULL);
    CHECK(compile_err("{{ x. }}") != NULL);
    CHECK(compile_err("{{ .x }}") != NULL);
    CHECK(compile_err("{{ 1x }}") != NULL);
    CHECK(contains(compile_err("{{ x | nosuch }}"), "nosuch"));
    CHECK(compile_err("{% if a == %}{% endif %}") != NULL);
    CHECK(compile_err("{% if a = b %}{% endif %}") != NULL);
    CHECK(compile_err("{% if a b %}{% endif %}") != NULL);
    CHECK(compile_err("{% if not %}{% endif %}") != NULL);
    CHECK(compile_err("{% if %}{% endif %}") != NULL);
    CHECK(compile_err("{% for x of l %}{% endfor %}") != NULL);
    CHECK(compile_err("{% for x.y in l %}{% endfor %}") != NULL);
    CHECK(compile_err("{% for loop in l %}{% endfor %}") != NULL);
    CHECK(compile_err("{% for x in \"l\" %}{% endfor %}") != NULL);
    CHECK(compile_err("{% endif x %}") != NULL);
    CHECK(compile_err("{% if a %}{% endif x %}") != NULL);
    CHECK(compile_err("{{ loop.nope }}") != NULL);
    CHECK(compile_err("{{ loop }}") != NULL);
    CHECK(compile_err("{% include nope %}") != NULL);
    CHECK(compile_err("{% block a %}{% endblock b %}") != NULL);
    CHECK(compile_err("{% block a %}{% endblock %}{% block a %}{% endblock %}") != NULL);
    CHECK(compile_err("{% block a %}{% block a %}{% endblock %}{% endblock %}") != NULL);
    CHECK(compile_err("x\xff") != NULL);
    CHECK(compile_err("{% if a %}{% endif %}{{ '}}' }}{# }} %} #}") == NULL);
    CHECK(compile_err("{% if a != 'x' %}{% elif not b %}{% endif %}") == NULL);
}

TEST(nesting_is_limited)
{
    char src[4096] = "";
    for (int i = 0; i < 40; i++)
        strcat(src, "{% if a %}");
    for (int i = 0; i < 40; i++)
        strcat(src, "{% endif %}");
    CHECK(contains(compile_err(src), "深すぎ"));
    src[0] = '\0';
    for (int i = 0; i < 20; i++)
        strcat(src, "{% for x in l %}");
    for (int i = 0; i < 20; i++)
        strcat(src, "{% endfor %}");
    CHECK(compile_err(src) == NULL);
}

TEST(extends_rules)
{
    const char *names[] = {"base.html", "page.html"};
    const char *text_outside[] = {"{% block a %}{% endblock %}",
                                  "{% extends \"base.html\" %}\nstray\n"};
    CHECK(render_set(names, text_outside, 2, "page.html", NULL) == NULL);
    CHECK(contains(err, "page.html:2:"));
    const char *late[] = {"{% block a %}{% endblock %}", "x{% extends \"base.html\" %}"};
    CHECK(render_set(names, late, 2, "page.html", NULL) == NULL);
    const char *tag_outside[] = {"{% block a %}{% endblock %}",
                                 "{% extends \"base.html\" %}{% if x %}{% endif %}"};
    CHECK(render_set(names, tag_outside, 2, "page.html", NULL) == NULL);
    const char *out_outside[] = {"{% block a %}{% endblock %}",
                                 "{% extends \"base.html\" %}{{ x }}"};
    CHECK(render_set(names, out_outside, 2, "page.html", NULL) == NULL);
    const char *unknown_block[] = {"{% block a %}{% endblock %}",
                                   "{% extends \"base.html\" %}\n{% block b %}{% endblock %}"};
    CHECK(render_set(names, unknown_block, 2, "page.html", NULL) == NULL);
    CHECK(contains(err, "page.html:2:"));
    /* A child may define a block inside another; the layout's copy is replaced. */
    const char *nested[] = {
        "[{% block a %}A{% endblock %}|{% block b %}B{% endblock %}]",
        "{% extends \"base.html\" %}{% block a %}a{% block b %}b{% endblock %}{% endblock %}"};
    arena a;
    arena_init(&a);
    CHECK_STR(render_set(names, nested, 2, "page.html", tv_map(&a)), "[ab|b]");
    arena_free(&a);
    const char *two[] = {"{% extends \"page.html\" %}", "{% extends \"base.html\" %}"};
    CHECK(render_set(names, two, 2, "page.html", NULL) == NULL);
}

TEST(render_errors)
{
    const char *names[] = {"a.html"}, *src = "x";
    tmpl_set *s = tmpl_set_from_strings(names, &src, 1, err, sizeof err);
    CHECK(s != NULL);
    arena a;
    arena_init(&a);
    buf out = BUF_INIT;
    CHECK(!tmpl_render(s, "nope.html", tv_map(&a), &out, err, sizeof err));
    CHECK(contains(err, "nope.html"));
    CHECK(!tmpl_render(s, "a.html", NULL, &out, err, sizeof err));
    CHECK(!tmpl_render(s, "a.html", tv_list(&a), &out, err, sizeof err));
    CHECK(tmpl_exists(s, "a.html"));
    CHECK(!tmpl_exists(NULL, "a.html"));
    tmpl_set_free(NULL);
    CHECK(!tmpl_exists(s, "b.html"));
    CHECK(tmpl_render(s, "a.html", tv_map(&a), &out, err, sizeof err));
    CHECK(tmpl_render(s, "a.html", tv_map(&a), &out, err, sizeof err));
    CHECK_STR(out.data, "xx"); /* appends */
    buf_free(&out);
    arena_free(&a);
    tmpl_set_free(s);
    const char *dup_names[] = {"a.html", "a.html"}, *dup[] = {"x", "y"};
    CHECK(tmpl_set_from_strings(dup_names, dup, 2, err, sizeof err) == NULL);
    /* A tiny error buffer is cut cleanly. */
    char small[12];
    CHECK(tmpl_set_from_strings(dup_names, dup, 2, small, sizeof small) == NULL);
    CHECK(strlen(small) < sizeof small);
}

/* ---- loading, threads, faults ---- */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

TEST(tmpl_set_load_reads_a_directory)
{
    char dir[256], path[512];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/tmpl-test-XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/layout", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/.hidden", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/layout/base.html", dir);
    write_file(path, "<main>{% block c %}{% endblock %}</main>");
    snprintf(path, sizeof path, "%s/index.html", dir);
    write_file(path, "{% extends \"layout/base.html\" %}{% block c %}{{ m }}{% endblock %}");
    snprintf(path, sizeof path, "%s/mail.txt", dir);
    write_file(path, "{{ m }}");
    snprintf(path, sizeof path, "%s/notes.md", dir);
    write_file(path, "{{ not a template");
    snprintf(path, sizeof path, "%s/.hidden/x.html", dir);
    write_file(path, "{% broken");

    tmpl_set *s = tmpl_set_load(dir, err, sizeof err);
    CHECK(s != NULL);
    if (s) {
        CHECK(tmpl_exists(s, "layout/base.html"));
        CHECK(tmpl_exists(s, "index.html"));
        CHECK(tmpl_exists(s, "mail.txt"));
        CHECK(!tmpl_exists(s, "notes.md"));
        CHECK(!tmpl_exists(s, ".hidden/x.html"));
        arena a;
        arena_init(&a);
        tv *root = tv_map(&a);
        tv_set_str(&a, root, "m", "<m>");
        buf out = BUF_INIT;
        CHECK(tmpl_render(s, "index.html", root, &out, err, sizeof err));
        CHECK_STR(out.data, "<main>&lt;m&gt;</main>");
        buf_reset(&out);
        CHECK(tmpl_render(s, "mail.txt", root, &out, err, sizeof err));
        CHECK_STR(out.data, "<m>");
        buf_free(&out);
        arena_free(&a);
        tmpl_set_free(s);
    }
    /* An error names the file relative to the directory. */
    snprintf(path, sizeof path, "%s/layout/bad.html", dir);
    write_file(path, "ok\n<div {{ x }}>");
    CHECK(tmpl_set_load(dir, err, sizeof err) == NULL);
    CHECK(contains(err, "layout/bad.html:2:"));
    unlink(path);

    static const char *const files[] = {"layout/base.html", "index.html", "mail.txt", "notes.md",
                                        ".hidden/x.html"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/layout", dir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/.hidden", dir);
    rmdir(path);
    rmdir(dir);
    CHECK(tmpl_set_load(dir, err, sizeof err) == NULL); /* gone */
}

typedef struct thread_job {
    const tmpl_set *s;
    const tv *root;
    const char *want;
    int failures;
} thread_job;

static void *render_many(void *arg)
{
    thread_job *job = arg;
    char e[256];
    buf out = BUF_INIT;
    for (int i = 0; i < 2000; i++) {
        buf_reset(&out);
        if (!tmpl_render(job->s, "page.html", job->root, &out, e, sizeof e) ||
            strcmp(out.data, job->want) != 0)
            job->failures++;
    }
    buf_free(&out);
    return NULL;
}

TEST(render_is_thread_safe)
{
    const char *names[] = {"base.html", "page.html", "row.html"};
    const char *srcs[] = {
        "<body>{% block b %}{% endblock %}</body>",
        "{% extends \"base.html\" %}{% block b %}{% for r in rows %}{% include \"row.html\" %}"
        "{% endfor %}{% endblock %}",
        "<a href=\"/r/{{ r }}\" title=\"{{ r }}\">{{ loop.index }}</a>",
    };
    tmpl_set *s = tmpl_set_from_strings(names, srcs, 3, err, sizeof err);
    CHECK(s != NULL);
    if (!s)
        return;
    arena a;
    arena_init(&a);
    tv *root = tv_map(&a), *rows = tv_list(&a);
    tv_push(&a, rows, tv_str(&a, "a b"));
    tv_push(&a, rows, tv_str(&a, "<c>"));
    tv_set(&a, root, "rows", rows);
    const char *want = "<body><a href=\"/r/a%20b\" title=\"a b\">1</a>"
                       "<a href=\"/r/%3Cc%3E\" title=\"&lt;c&gt;\">2</a></body>";
    thread_job jobs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (thread_job){s, root, want, 0};
        CHECK(pthread_create(&th[i], NULL, render_many, &jobs[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(jobs[i].failures, 0);
    }
    arena_free(&a);
    tmpl_set_free(s);
}

TEST(survives_allocation_failure_during_render)
{
    const char *names[] = {"t.html"};
    const char *src = "{% for r in rows %}<p title=\"{{ r }}\">{{ r }} {{ loop.index }}</p>\n"
                      "{% endfor %}";
    tmpl_set *s = tmpl_set_from_strings(names, &src, 1, err, sizeof err);
    CHECK(s != NULL);
    if (!s)
        return;
    bool done = false;
    for (long n = 1; n < 100000 && !done; n++) {
        arena a;
        arena_init(&a);
        buf out = BUF_INIT;
        fault_fail_nth(n);
        tv *root = tv_map(&a), *rows = tv_list(&a);
        bool built = true;
        for (int i = 0; i < 300; i++)
            built = tv_push(&a, rows, tv_str(&a, "行<データ>&")) && built;
        built = tv_set(&a, root, "rows", rows) && built;
        bool ok = built && tmpl_render(s, "t.html", root, &out, err, sizeof err);
        bool fired = fault_fired();
        fault_fail_nth(0);
        if (ok && !fired) {
            done = true;
            CHECK(out.len > 300 * 30);
            CHECK(strstr(out.data, "行&lt;データ&gt;&amp; 300</p>") != NULL);
        } else {
            CHECK(fired);
            CHECK(!ok || !built);
        }
        buf_free(&out);
        arena_free(&a);
    }
    CHECK(done);
    tmpl_set_free(s);
}

TEST(survives_allocation_failure_during_compile)
{
    const char *names[] = {"base.html", "page.html", "inc.html"};
    const char *srcs[] = {
        "<title>{% block t %}{% endblock %}</title><a href=\"{% block u %}/{% endblock %}\">",
        "{% extends \"base.html\" %}{% block t %}{{ a.b.c }}{% endblock %}"
        "{% block u %}{{ u }}?q={{ q }}{% for x in l %}{{ x }}{% endfor %}{% endblock %}",
        "<input {% if c %}checked{% endif %} value=\"{{ v }}\">{% include \"base.html\" %}",
    };
    bool done = false;
    for (long n = 1; n < 100000 && !done; n++) {
        char e[256] = "";
        fault_fail_nth(n);
        tmpl_set *s = tmpl_set_from_strings(names, srcs, 3, e, sizeof e);
        bool fired = fault_fired();
        fault_fail_nth(0);
        if (n == 1 && !fired)
            printf("# %s\n", e);
        if (s) {
            CHECK(!fired);
            done = true;
            tmpl_set_free(s);
        } else {
            CHECK(fired);
            CHECK(e[0] != '\0');
            if (!fired)
                break;
        }
    }
    CHECK(done);
}

int main(void)
{
    return tap_run();
}
