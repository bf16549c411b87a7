/*
 * Unit tests: Markdown to sanitised HTML and plain text (src/content/markdown.c).
 *
 * Every HTML output is also run through md_html_check(), the checker of the
 * fuzz target (tests/fuzz/fuzz_markdown.c, included below), and the kept
 * fuzz corpus is replayed through it.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/markdown.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/fault.h"
#include "core/utf8.h"
#include "tap.h"
#include "tmpl/value.h"

#define MD_CHECK_ONLY
#include "../fuzz/fuzz_markdown.c"

/* Renders src (heading offset 1, as on the public pages) into a static
 * buffer, checks the output with md_html_check() and returns it; NULL when
 * markdown_render() refused. */
static char *render_with(const char *src, size_t n, int offset)
{
    static buf out;
    buf_free(&out);
    markdown_opts o = {.heading_offset = offset};
    if (!markdown_render(src, n, &o, &out))
        return NULL;
    char why[128] = "";
    bool sound = md_html_check(out.data ? out.data : "", out.len, why, sizeof why);
    if (!sound)
        printf("# md_html_check: %s in: %s\n", why, out.data);
    CHECK(sound);
    return out.data ? out.data : (char *)"";
}

static char *render(const char *src)
{
    return render_with(src, strlen(src), 1);
}

static char *plain_with(const char *src, unsigned flags)
{
    static buf out;
    buf_free(&out);
    if (!markdown_plain(src, strlen(src), flags, &out))
        return NULL;
    return out.data ? out.data : (char *)"";
}

static char *plain(const char *src)
{
    return plain_with(src, 0);
}

static bool contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

static markdown_status check(const char *src, size_t n, size_t *line)
{
    return markdown_check(src, n, line);
}

/* A string of n copies of unit (then tail), malloc'd. */
static char *repeat(const char *head, const char *unit, size_t n, const char *tail, size_t *len)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char *s = malloc(hl + ul * n + tl + 1);
    if (!s)
        abort();
    memcpy(s, head, hl);
    for (size_t i = 0; i < n; i++)
        memcpy(s + hl + i * ul, unit, ul);
    memcpy(s + hl + ul * n, tail, tl + 1);
    *len = hl + ul * n + tl;
    return s;
}

/* --- blocks ------------------------------------------------------------- */

TEST(paragraphs_and_soft_breaks)
{
    CHECK_STR(render("one\ntwo\n\nthree"), "<p>one\ntwo</p>\n<p>three</p>\n");
    CHECK_STR(render("hard  \nbreak"), "<p>hard<br>\nbreak</p>\n");
    CHECK_STR(render(""), "");
    CHECK_STR(render("\n\n  \n"), "");
}

TEST(headings_move_down_by_the_offset)
{
    CHECK_STR(render_with("# a", 3, 1), "<h2>a</h2>\n");
    CHECK_STR(render_with("# a", 3, 0), "<h1>a</h1>\n");
    CHECK_STR(render_with("# a", 3, 2), "<h3>a</h3>\n");
    const char *all = "# 1\n## 2\n### 3\n#### 4\n##### 5\n###### 6\n# 1";
    CHECK_STR(render_with(all, strlen(all), 1), "<h2>1</h2>\n<h3>2</h3>\n<h4>3</h4>\n<h5>4</h5>\n"
                                                "<h6>5</h6>\n<h6>6</h6>\n<h2>1</h2>\n");
    CHECK_STR(render_with("# a", 3, 9), "<h6>a</h6>\n");  /* offset clamped to 5 */
    CHECK_STR(render_with("# a", 3, -3), "<h1>a</h1>\n"); /* and to 0 */
    CHECK_STR(render("Title\n=====\n\nSub\n---"), "<h2>Title</h2>\n<h3>Sub</h3>\n");
    buf out = BUF_INIT;
    CHECK(markdown_render("# a", 3, NULL, &out)); /* no options: offset 0 */
    CHECK_STR(out.data, "<h1>a</h1>\n");
    buf_free(&out);
}

/* The Nu checker refuses a heading that skips a level after the page's
 * <h1>; so does a reader of the outline. */
TEST(headings_never_skip_a_level)
{
    CHECK_STR(render("## a"), "<h2>a</h2>\n");
    CHECK_STR(render("### a\n\n##### b\n\n## c\n\n#### d"),
              "<h2>a</h2>\n<h3>b</h3>\n<h3>c</h3>\n<h4>d</h4>\n");
    CHECK_STR(render_with("#### a", 6, 2), "<h3>a</h3>\n");
    CHECK_STR(render("# a\n\n#\n\n### b"), "<h2>a</h2>\n<h3>b</h3>\n"); /* empty one skipped */
}

TEST(empty_headings_are_dropped)
{
    CHECK_STR(render("#\n\n##   \n\ntext"), "<p>text</p>\n");
    CHECK_STR(render("# <b></b>"), "");
    CHECK_STR(render("# ![](/a.png)"), "");
}

TEST(lists_tight_loose_ordered_nested)
{
    CHECK_STR(render("- a\n- b"), "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n");
    CHECK_STR(render("- a\n\n- b"), "<ul>\n<li>\n<p>a</p>\n</li>\n<li>\n<p>b</p>\n</li>\n</ul>\n");
    CHECK_STR(render("1. a\n2. b"), "<ol>\n<li>a</li>\n<li>b</li>\n</ol>\n");
    CHECK_STR(render("3) a"), "<ol start=\"3\">\n<li>a</li>\n</ol>\n");
    CHECK_STR(render("- a\n  - b\n    1. c"),
              "<ul>\n<li>a\n<ul>\n<li>b\n<ol>\n<li>c</li>\n</ol>\n</li>\n</ul>\n</li>\n</ul>\n");
}

TEST(quotes_code_and_rules)
{
    CHECK_STR(render("> a\n> > b"), "<blockquote>\n<p>a</p>\n<blockquote>\n<p>b</p>\n"
                                    "</blockquote>\n</blockquote>\n");
    CHECK_STR(render("```c\nif (a < b && c) {}\n```"),
              "<pre><code class=\"language-c\">if (a &lt; b &amp;&amp; c) {}\n</code></pre>\n");
    CHECK_STR(render("    indented <x>"), "<pre><code>indented &lt;x&gt;\n</code></pre>\n");
    CHECK_STR(render("```\"><script>x\n```"),
              "<pre><code class=\"language-&quot;&gt;&lt;script&gt;x\"></code></pre>\n");
    CHECK_STR(render("a `<b>` c"), "<p>a <code>&lt;b&gt;</code> c</p>\n");
    CHECK_STR(render("a\n\n---\n\nb"), "<p>a</p>\n<hr>\n<p>b</p>\n");
}

TEST(emphasis_strong_strikethrough)
{
    CHECK_STR(render("*a* **b** ***c***"),
              "<p><em>a</em> <strong>b</strong> <em><strong>c</strong></em></p>\n");
    CHECK_STR(render("~~gone~~ kept"), "<p><del>gone</del> kept</p>\n");
    /* One tilde is text: "10時~12時" is a time range, not a strikethrough. */
    CHECK_STR(render("10時~12時、14時~16時"), "<p>10時~12時、14時~16時</p>\n");
}

/* --- links ---------------------------------------------------------------- */

TEST(safe_links_keep_their_address)
{
    CHECK_STR(render("[a](https://example.jp/x?y=1&z=2#top)"),
              "<p><a href=\"https://example.jp/x?y=1&amp;z=2#top\" "
              "rel=\"noopener noreferrer\">a</a></p>\n");
    CHECK_STR(render("[a](HTTP://EXAMPLE.JP)"),
              "<p><a href=\"HTTP://EXAMPLE.JP\" rel=\"noopener noreferrer\">a</a></p>\n");
    CHECK_STR(render("[a](/notices/1)"), "<p><a href=\"/notices/1\">a</a></p>\n");
    CHECK_STR(render("[a](page.html)"), "<p><a href=\"page.html\">a</a></p>\n");
    CHECK_STR(render("[a](#top)"), "<p><a href=\"#top\">a</a></p>\n");
    CHECK_STR(render("[a](?page=2)"), "<p><a href=\"?page=2\">a</a></p>\n");
    CHECK_STR(render("[a](mailto:info@example.jp)"),
              "<p><a href=\"mailto:info@example.jp\">a</a></p>\n");
    CHECK_STR(render("[a](tel:083-000-0000)"), "<p><a href=\"tel:083-000-0000\">a</a></p>\n");
    CHECK_STR(render("[a](//example.jp/x)"),
              "<p><a href=\"//example.jp/x\" rel=\"noopener noreferrer\">a</a></p>\n");
    CHECK_STR(render("[a](http://192.168.0.1:8080/)"),
              "<p><a href=\"http://192.168.0.1:8080/\" rel=\"noopener noreferrer\">a</a></p>\n");
    CHECK_STR(render("[a](/x \"the \\\"title\\\" <b>\")"),
              "<p><a href=\"/x\" title=\"the &quot;title&quot; &lt;b&gt;\">a</a></p>\n");
    CHECK_STR(render("[a][r]\n\n[r]: /ref \"t\""), "<p><a href=\"/ref\" title=\"t\">a</a></p>\n");
}

TEST(links_to_other_sites_get_rel_and_no_target)
{
    char *h = render("[a](https://example.jp/) [b](/local) [c](mailto:x@example.jp)");
    CHECK(contains(h, "<a href=\"https://example.jp/\" rel=\"noopener noreferrer\">a</a>"));
    CHECK(contains(h, "<a href=\"/local\">b</a>"));
    CHECK(contains(h, "<a href=\"mailto:x@example.jp\">c</a>"));
    CHECK(!contains(h, "target"));
}

TEST(urls_are_encoded_for_html5)
{
    CHECK_STR(render("[a](</a b/c\"d'e>)"), "<p><a href=\"/a%20b/c%22d'e\">a</a></p>\n");
    CHECK_STR(render("[a](/資料.pdf)"), "<p><a href=\"/%E8%B3%87%E6%96%99.pdf\">a</a></p>\n");
    CHECK_STR(render("[a](/50%off%2F)"), "<p><a href=\"/50%25off%2F\">a</a></p>\n");
    CHECK_STR(render("[a](/x#a#b)"), "<p><a href=\"/x#a%23b\">a</a></p>\n");
    CHECK_STR(render("[a](/x?q=[1]|{2}^`)"),
              "<p><a href=\"/x?q=%5B1%5D%7C%7B2%7D%5E%60\">a</a></p>\n");
    /* A backslash is not a slash: "/\host" stays on this site. */
    CHECK_STR(render("[a](</\\\\evil.example>)"), "<p><a href=\"/%5Cevil.example\">a</a></p>\n");
    CHECK_STR(render("[a](< /spaced >)"), "<p><a href=\"/spaced\">a</a></p>\n");
}

TEST(unsafe_link_schemes_lose_the_link_and_keep_the_text)
{
    static const char *const cases[] = {
        "[x](javascript:alert(1))",
        "[x](JavaScript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](< javascript:alert(1)>)",
        "[x](<java\tscript:alert(1)>)",
        "[x](&#106;avascript:alert(1))",
        "[x](&#x6A;avascript:alert(1))",
        "[x](javascript&#58;alert(1))",
        "[x](javascript&colon;alert(1))",
        "[x](&amp;#106;avascript:alert(1))",
        "[x](java\\script:alert(1))",
        "[x](%6Aavascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](VBScript:msgbox(1))",
        "[x](file:///etc/passwd)",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](data:text/html,<script>alert(1)</script>)",
        "[x](DATA:image/png;base64,AAAA)",
        "[x](ftp://example.jp/)",
        "[x](http:evil.example)",
        "[x](http://user:pass@evil.example/)",
        "[x](http://example.jp@evil.example/)",
        "[x](http://exa%6Dple.jp/)",
        "[x](http://example.jp:99999/)",
        "[x](//user@evil.example/)",
        "[x](http://[::1]/)",
        "[x](tel://0830000000)",
        "[x]()",
        "[x](<>)",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "<javascript:alert(1)>x",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *h = render(cases[i]);
        CHECK(h != NULL);
        if (contains(h, "<a")) {
            printf("# case %zu kept a link: %s\n", i, h);
            CHECK(!contains(h, "<a"));
        }
        CHECK(contains(h, "x"));
    }
    /* Full-width letters and colons are no scheme: a relative path,
     * percent-encoded. */
    char *h = render("[x](ｊａｖａ：x)");
    CHECK_STR(h, "<p><a href=\"%EF%BD%8A%EF%BD%81%EF%BD%96%EF%BD%81%EF%BC%9Ax\">x</a></p>\n");
}

TEST(the_url_policy_on_its_own)
{
    static const struct {
        const char *url;
        bool link, image;
    } cases[] = {
        {"https://example.jp/a.png", true, true},
        {"http://example.jp", true, true},
        {"/img/a.png", true, true},
        {"a.png", true, true},
        {"#x", true, true},
        {"", false, false},
        {" ", false, false},
        {"mailto:a@example.jp", true, false},
        {"tel:0830000000", true, false},
        {"javascript:x", false, false},
        {" javascript:x", false, false},
        {"\tjavascript:x", false, false},
        {"java\tscript:x", false, false},
        {"java\nscript:x", false, false},
        {"javascript\r:x", false, false},
        {"jAvAsCrIpT:x", false, false},
        {"vbscript:x", false, false},
        {"data:image/png;base64,AAAA", false, false},
        {"file:///c:/x", false, false},
        {"blob:https://example.jp/x", false, false},
        {"a:b", false, false},
        {"x&#58;y", false, false},
        {"http://", false, false},
        {"http:///x", false, false},
        {"http://a b/", false, false},
        {"http://a\\b/", false, false},
        {"http://[::1/", false, false},
        {"http://[::1]/", false, false},
        {"http://x.2/", false, false},
        {"http://1.2.3/", false, false},
        {"http://256.1.1.1/", false, false},
        {"http://01.1.1.1/", false, false},
        {"http://x.0x1f/", false, false},
        {"http://192.168.10.1/", true, true},
        {"http://a.b2/", true, true},
        {"http://example.jp./", true, true},
        {"http://a..b/", false, false},
        {"http://9.9.9.9./", false, false},
        {"http://./", false, false},
        {"//.x/", false, false},
        {"http://xn--eckwd4c7c.jp/", false, false},
        {"http://a.xn--p1ai/", false, false},
        {"mailto://a@example.jp", false, false},
        {"https://例え.jp/", false, false}, /* IDN: would need IDNA */
        {"https://e　x.jp/", false, false},
        {"https://example.jp/資料", true, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *u = cases[i].url;
        bool link = markdown_url_allowed(u, strlen(u), false);
        bool image = markdown_url_allowed(u, strlen(u), true);
        if (link != cases[i].link || image != cases[i].image)
            printf("# url %zu \"%s\": link %d image %d\n", i, u, link, image);
        CHECK(link == cases[i].link);
        CHECK(image == cases[i].image);
    }
    CHECK(!markdown_url_allowed(NULL, 0, false));
}

TEST(a_link_without_text_shows_its_address)
{
    CHECK_STR(render("[](https://example.jp/)"),
              "<p><a href=\"https://example.jp/\" rel=\"noopener noreferrer\">"
              "https://example.jp/</a></p>\n");
    CHECK_STR(render("[ 　](/a)"), "<p><a href=\"/a\"> 　/a</a></p>\n");
    CHECK_STR(render("[![](/i.png)](/a)"),
              "<p><a href=\"/a\"><img src=\"/i.png\" alt=\"\" loading=\"lazy\">/a</a></p>\n");
    CHECK_STR(render("[![地図](/i.png)](/a)"),
              "<p><a href=\"/a\"><img src=\"/i.png\" alt=\"地図\" loading=\"lazy\"></a></p>\n");
}

/* cmark puts an autolink inside a link's text; HTML forbids <a> in <a>, so
 * the inner one is written as text. */
TEST(links_never_nest)
{
    CHECK_STR(render("[see <https://a.example/> or a@example.jp](/x)"),
              "<p><a href=\"/x\">see https://a.example/ or a@example.jp</a></p>\n");
    CHECK_STR(render("[a <https://a.example/>](javascript:x)"),
              "<p>a <a href=\"https://a.example/\" rel=\"noopener noreferrer\">"
              "https://a.example/</a></p>\n");
    CHECK_STR(render("[![i](/i.png) www.example.jp](/x)"),
              "<p><a href=\"/x\"><img src=\"/i.png\" alt=\"i\" loading=\"lazy\"> "
              "www.example.jp</a></p>\n");
}

TEST(autolinks)
{
    CHECK_STR(render("www.example.jp"), "<p><a href=\"http://www.example.jp\" rel=\"noopener "
                                        "noreferrer\">www.example.jp</a></p>\n");
    CHECK_STR(render("see https://example.jp/a."),
              "<p>see <a href=\"https://example.jp/a\" rel=\"noopener noreferrer\">"
              "https://example.jp/a</a>.</p>\n");
    CHECK_STR(render("info@example.jp"),
              "<p><a href=\"mailto:info@example.jp\">info@example.jp</a></p>\n");
    CHECK_STR(render("<https://example.jp>"), "<p><a href=\"https://example.jp\" rel=\"noopener "
                                              "noreferrer\">https://example.jp</a></p>\n");
    /* The autolink extension takes Japanese text that follows an address
     * without a space into it (cmark-gfm's rule, kept): write a space. */
    CHECK_STR(render("詳細はhttps://example.jp/をご覧ください"),
              "<p>詳細は<a href=\"https://example.jp/%E3%82%92%E3%81%94%E8%A6%A7%E3%81%8F%E3%81%A0"
              "%E3%81%95%E3%81%84\" rel=\"noopener noreferrer\">https://example.jp/をご覧ください"
              "</a></p>\n");
    CHECK_STR(render("詳細は https://example.jp/ をご覧ください"),
              "<p>詳細は <a href=\"https://example.jp/\" rel=\"noopener noreferrer\">"
              "https://example.jp/</a> をご覧ください</p>\n");
}

/* --- images ------------------------------------------------------------- */

TEST(images_keep_alt_and_load_lazily)
{
    CHECK_STR(
        render("![会場の *地図*](/img/map.png \"地図\")"),
        "<p><img src=\"/img/map.png\" alt=\"会場の 地図\" title=\"地図\" loading=\"lazy\"></p>\n");
    CHECK_STR(render("![](/img/deco.png)"),
              "<p><img src=\"/img/deco.png\" alt=\"\" loading=\"lazy\"></p>\n");
    CHECK_STR(render("![a \"q\" <b>](https://example.jp/a.png)"),
              "<p><img src=\"https://example.jp/a.png\" alt=\"a &quot;q&quot; \" "
              "loading=\"lazy\"></p>\n");
    CHECK_STR(render("![line\nbreak](/a.png)"),
              "<p><img src=\"/a.png\" alt=\"line break\" loading=\"lazy\"></p>\n");
}

TEST(unsafe_images_show_their_alt_text)
{
    CHECK_STR(render("![alt](javascript:alert(1))"), "<p>alt</p>\n");
    CHECK_STR(render("![alt](data:image/png;base64,AAAA)"), "<p>alt</p>\n");
    CHECK_STR(render("![alt](DaTa:image/svg+xml,%3Csvg%20onload=alert(1)%3E)"), "<p>alt</p>\n");
    CHECK_STR(render("![alt](mailto:a@example.jp)"), "<p>alt</p>\n");
    CHECK_STR(render("![<b>](file:///x)"), "<p></p>\n");
}

/* --- raw HTML ----------------------------------------------------------- */

TEST(raw_html_is_dropped)
{
    static const char *const cases[] = {
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "a <script>alert(1)</script> b",
        "<img src=x onerror=alert(1)>",
        "a <img src=x onerror=alert(1)> b",
        "<iframe src=\"https://evil.example/\"></iframe>",
        "<!-- a comment -->",
        "a <!-- a comment --> b",
        "<style>body{display:none}</style>",
        "<div style=\"color:red\">x</div>",
        "a <span style=\"color:red\">x</span> b",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<object data=x></object><embed src=x>",
        "<svg><script>alert(1)</script></svg>",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "<![CDATA[x]]>",
        "<?php echo 1; ?>",
        "<textarea><script>x</script></textarea>",
        "<p align=\"center\">x</p>",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *h = render(cases[i]);
        CHECK(h != NULL);
        if (contains(h, "<!--") || contains(h, "script") || contains(h, "onerror") ||
            contains(h, "style") || contains(h, "iframe") || contains(h, "align") ||
            contains(h, "javascript"))
            printf("# case %zu: %s\n", i, h);
        CHECK(!contains(h, "<!--"));
        CHECK(!contains(h, "onerror"));
        CHECK(!contains(h, "<iframe"));
        CHECK(!contains(h, "style="));
        CHECK(!contains(h, "align="));
        CHECK(!contains(h, "javascript"));
    }
    CHECK_STR(render("a <b>bold</b> c"), "<p>a bold c</p>\n");
    CHECK_STR(render("text &lt;script&gt; stays text"), "<p>text &lt;script&gt; stays text</p>\n");
}

/* --- tables ------------------------------------------------------------- */

TEST(tables_use_classes_not_align_and_sit_in_a_scroll_region)
{
    char *h = render("| 日付 | 内容 | 定員 |\n|:--|:-:|--:|\n| 3/1 | 講座 | 20 |\n| 3/2 | 相談 |");
    CHECK_STR(h, "<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"表\">\n"
                 "<table class=\"data-table\">\n"
                 "<thead>\n<tr>\n"
                 "<th scope=\"col\" class=\"align-left\">日付</th>\n"
                 "<th scope=\"col\" class=\"align-center\">内容</th>\n"
                 "<th scope=\"col\" class=\"align-right\">定員</th>\n"
                 "</tr>\n</thead>\n"
                 "<tbody>\n<tr>\n"
                 "<td class=\"align-left\">3/1</td>\n"
                 "<td class=\"align-center\">講座</td>\n"
                 "<td class=\"align-right\">20</td>\n"
                 "</tr>\n<tr>\n"
                 "<td class=\"align-left\">3/2</td>\n"
                 "<td class=\"align-center\">相談</td>\n"
                 "<td class=\"align-right\"></td>\n"
                 "</tr>\n</tbody>\n</table>\n</div>\n");
    CHECK(!contains(h, "align=\""));
    CHECK(!contains(h, "style"));
    CHECK_STR(render("|a|b|\n|-|-|\n|1|2|"),
              "<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"表\">\n"
              "<table class=\"data-table\">\n<thead>\n<tr>\n<th scope=\"col\">a</th>\n"
              "<th scope=\"col\">b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n"
              "</tr>\n</tbody>\n</table>\n</div>\n");
}

TEST(a_table_with_only_a_header_has_no_header_cells)
{
    CHECK_STR(render("|a|b|\n|--|--|"),
              "<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"表\">\n"
              "<table class=\"data-table\">\n<tbody>\n<tr>\n<td>a</td>\n<td>b</td>\n</tr>\n"
              "</tbody>\n</table>\n</div>\n");
}

TEST(table_cells_hold_inline_markup_only)
{
    char *h = render("|a|b|\n|-|-|\n|`x\\|y`|[l](javascript:x) <script>|");
    CHECK(contains(h, "<td><code>x|y</code></td>"));
    CHECK(contains(h, "<td>l </td>"));
    CHECK(!contains(h, "script"));
}

/* --- Japanese ----------------------------------------------------------- */

TEST(japanese_text_is_one_paragraph_intact)
{
    const char *src = "「つなぐ」は、県民活動を支えるサイトです。　全角スペースも、句読点も。"
                      "（かっこ）・中黒・〜波ダッシュ〜・※注意";
    char *h = render(src);
    buf want = BUF_INIT;
    buf_puts(&want, "<p>");
    buf_puts(&want, src);
    buf_puts(&want, "</p>\n");
    CHECK_STR(h, want.data);
    buf_free(&want);
    CHECK_STR(plain(src), src);
    /* Emphasis next to CJK punctuation follows CommonMark as cmark applies
     * it; the text is never lost either way. */
    h = render("これは**「重要」**です。");
    CHECK(contains(h, "これは"));
    CHECK(contains(h, "「重要」"));
    CHECK(contains(h, "です。"));
    CHECK_STR(render("＃ 全角の見出し記号は本文"), "<p>＃ 全角の見出し記号は本文</p>\n");
}

TEST(forbidden_code_points_become_replacement_characters)
{
#define FFFD "\xEF\xBF\xBD"
    CHECK_STR(render("a&#1;b&#x7F;c&#x85;d&#xFFFE;e&#xFDD0;f&#x10FFFF;g"),
              "<p>a" FFFD "b" FFFD "c" FFFD "d" FFFD "e" FFFD "f" FFFD "g</p>\n");
    CHECK_STR(render("a\x01z\x0Bz"), "<p>a" FFFD "z" FFFD "z</p>\n");
    CHECK_STR(render("&#0;&#xD800;&#x110000;"), "<p>" FFFD FFFD FFFD "</p>\n");
    CHECK_STR(render("&amp; &copy; &#x3042;"), "<p>&amp; © あ</p>\n");
}

/* --- plain text --------------------------------------------------------- */

TEST(plain_text_has_no_markup_and_decoded_entities)
{
    CHECK_STR(plain("# 見出し\n\n本文の*強調*と**太字**と`code`と&amp;と&lt;b&gt;。\n\n"
                    "<script>x</script>\n\n> 引用"),
              "見出し\n\n本文の強調と太字とcodeと&と<b>。\n\n引用");
    CHECK_STR(plain("- a\n- b\n  1. c\n  2. d\n\n5. e\n6. f"),
              "・a\n・b\n  1. c\n  2. d\n\n5. e\n6. f");
    CHECK_STR(plain("|a|b|\n|-|-|\n|1|2|\n\nafter"), "a | b\n1 | 2\n\nafter");
    CHECK_STR(plain("```\ncode\nlines\n```\n\n---\n\nend"), "code\nlines\n\nend");
    CHECK_STR(plain("![地図](/m.png) and [link](https://example.jp/)"), "地図 and link");
    CHECK_STR(plain("a <b>raw</b> <!-- c --> d"), "a raw  d");
    CHECK_STR(plain("a&#1;b"), "a" FFFD "b");
    CHECK_STR(plain(""), "");
}

TEST(plain_text_can_carry_link_addresses_for_mail)
{
    unsigned f = MARKDOWN_PLAIN_LINK_URLS;
    CHECK_STR(plain_with("[申込フォーム](https://example.jp/form)から", f),
              "申込フォーム (https://example.jp/form)から");
    CHECK_STR(plain_with("https://example.jp/ と www.example.jp と a@example.jp", f),
              "https://example.jp/ と www.example.jp と a@example.jp");
    CHECK_STR(plain_with("[窓口](mailto:a@example.jp) [こちら](/local) [x](javascript:x)", f),
              "窓口 (mailto:a@example.jp) こちら x");
    CHECK_STR(plain_with("[](https://example.jp/)", f), "https://example.jp/");
}

/* --- limits ------------------------------------------------------------- */

TEST(size_limit)
{
    size_t n;
    char *s = repeat("", "a", MARKDOWN_MAX_BYTES, "", &n);
    size_t line = 99;
    CHECK_INT(check(s, n, &line), MARKDOWN_OK);
    CHECK_INT(line, 0);
    free(s);
    s = repeat("", "a", MARKDOWN_MAX_BYTES + 1, "", &n);
    CHECK_INT(check(s, n, &line), MARKDOWN_TOO_LARGE);
    CHECK_INT(line, 0);
    buf out = BUF_INIT;
    CHECK(!markdown_render(s, n, NULL, &out));
    CHECK(!markdown_plain(s, n, 0, &out));
    arena a;
    arena_init(&a);
    CHECK(markdown_tv(&a, s, n, NULL) == NULL);
    arena_free(&a);
    buf_free(&out);
    free(s);
}

TEST(invalid_utf8_is_refused_with_its_line)
{
    static const struct {
        const char *s;
        size_t n;
        size_t line;
    } cases[] = {
        {"ok\n\xC0\xAF", 5, 2},            /* overlong '/' */
        {"ok\r\nok\r\xE0\x80\xAF", 10, 3}, /* overlong, CR and CR LF line ends */
        {"\x80", 1, 1},                    /* lone continuation byte */
        {"a\n\nb\xE3\x81", 6, 3},          /* truncated */
        {"\xED\xA0\x80", 3, 1},            /* surrogate */
        {"\xF4\x90\x80\x80", 4, 1},        /* above U+10FFFF */
        {"a\0b", 3, 1},                    /* NUL */
        {"\xFF", 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t line = 0;
        CHECK_INT(check(cases[i].s, cases[i].n, &line), MARKDOWN_BAD_UTF8);
        CHECK_INT(line, cases[i].line);
        buf out = BUF_INIT;
        CHECK(!markdown_render(cases[i].s, cases[i].n, NULL, &out));
        buf_free(&out);
    }
    CHECK_INT(check("\xE3\x81\x82", 3, NULL), MARKDOWN_OK);
}

TEST(nesting_limits)
{
    size_t n, line = 0;
    char *s = repeat("ok\n", "> ", MARKDOWN_MAX_LINE_MARKERS, "a", &n);
    CHECK_INT(check(s, n, &line), MARKDOWN_OK);
    free(s);
    s = repeat("ok\n", "> ", MARKDOWN_MAX_LINE_MARKERS + 1, "a", &n);
    CHECK_INT(check(s, n, &line), MARKDOWN_TOO_DEEP);
    CHECK_INT(line, 2);
    free(s);
    s = repeat("", "- ", 5000, "a\nb\nc", &n); /* quadratic in cmark without the limit */
    CHECK_INT(check(s, n, &line), MARKDOWN_TOO_DEEP);
    free(s);
    /* A thematic break made of many markers is not nesting. */
    s = repeat("", "- ", 100, "", &n);
    CHECK_INT(check(s, n, &line), MARKDOWN_OK);
    CHECK_STR(render(s), "<hr>\n");
    free(s);
    /* Nesting built over many lines, by indentation: the tree check. */
    buf deep = BUF_INIT;
    for (int i = 0; i < 40; i++) {
        for (int k = 0; k < i * 2; k++)
            buf_putc(&deep, ' ');
        buf_puts(&deep, "- a\n");
    }
    CHECK_INT(check(deep.data, deep.len, &line), MARKDOWN_TOO_DEEP);
    CHECK_INT(line, 32); /* list 32 opens level 65 (document, then list and item each) */
    buf_reset(&deep);
    for (int i = 0; i < 30; i++) {
        for (int k = 0; k < i * 2; k++)
            buf_putc(&deep, ' ');
        buf_puts(&deep, "- a\n");
    }
    CHECK_INT(check(deep.data, deep.len, &line), MARKDOWN_OK);
    CHECK(render_with(deep.data, deep.len, 1) != NULL);
    buf_free(&deep);
}

TEST(table_limits)
{
    size_t n, line = 0;
    char *s = repeat("text\n\n", "|", MARKDOWN_MAX_TABLE_COLUMNS + 1, "", &n);
    CHECK_INT(check(s, n, &line), MARKDOWN_OK);
    free(s);
    s = repeat("text\n\n", "|", MARKDOWN_MAX_TABLE_COLUMNS + 2, "", &n);
    CHECK_INT(check(s, n, &line), MARKDOWN_TOO_MANY_COLUMNS);
    CHECK_INT(line, 3);
    free(s);
    /* 20 columns x 2,500 rows, in two tables, is at the limit of the whole
     * text; one more row is over it. */
    buf t = BUF_INIT;
    for (int k = 0; k < 2; k++) {
        buf_puts(&t, "intro\n\n|a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q|r|s|t|\n");
        buf_puts(&t, "|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|\n");
        for (int i = 0; i < 1249; i++)
            buf_puts(&t, "x\n");
        buf_puts(&t, "\n");
    }
    CHECK_INT(check(t.data, t.len, &line), MARKDOWN_OK);
    buf_puts(&t, "|a|\n|-|\n");
    CHECK_INT(check(t.data, t.len, &line), MARKDOWN_TOO_MANY_CELLS);
    CHECK_INT(line, 2509);
    buf_free(&t);
    /* The padding explosion: 64 columns, one-byte rows. */
    s = repeat("|a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q|r|s|t|u|v|w|x|y|z|A|B|C|D|E|F|G|H|I|J|K|L|"
               "M|N|O|P|Q|R|S|T|U|V|W|X|Y|Z|0|1|2|3|4|5|6|7|8|9|-|+|\n"
               "|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|"
               "-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|-|\n",
               "x\n", 100000, "", &n);
    CHECK_INT(check(s, n, &line), MARKDOWN_TOO_MANY_CELLS);
    free(s);
}

TEST(inline_work_limits)
{
    size_t n, line = 0;
    char *s = repeat("intro\n\n", "![[]()", 3000, "", &n);
    CHECK_INT(check(s, n, &line), MARKDOWN_TOO_MANY_LINKS);
    CHECK_INT(line, 3);
    free(s);
    s = repeat("", "![[]()\n\n", 3000, "", &n); /* separate paragraphs: fine */
    CHECK_INT(check(s, n, &line), MARKDOWN_OK);
    free(s);
    s = repeat("", "*[a](b)", 3000, "", &n);
    CHECK_INT(check(s, n, &line), MARKDOWN_TOO_MANY_LINKS);
    free(s);
    s = repeat("", "- [リンク](https://example.jp/a_b_c)\n", 1000, "", &n); /* a long link list */
    CHECK_INT(check(s, n, &line), MARKDOWN_OK);
    free(s);
    s = repeat("", "a <?", 600, "", &n);
    CHECK_INT(check(s, n, &line), MARKDOWN_OK);
    free(s);
    s = repeat("", "a <?", 20000, "", &n);
    CHECK_INT(check(s, n, &line), MARKDOWN_TOO_MUCH_HTML);
    CHECK_INT(line, 1);
    free(s);
}

/* Inputs that took seconds in this cmark-gfm: each is now refused by a limit
 * or parses in its ordinary time. */
TEST(pathological_inputs_are_refused_or_cheap)
{
    static const struct {
        const char *head, *unit, *tail;
    } cases[] = {
        {"", "![[]()", ""},      {"", "*[a](b)", ""},  {"", "*![a](b)", ""},
        {"", "_[a](b)", ""},     {"", "~[a](b)", ""},  {"", "a <?", ""},
        {"", "a <![CDATA[", ""}, {"a", "<!--", ""},    {"|a|b|\n|-|-|\n", "|", ""},
        {"", "> ", "a\nb\n"},    {"", "* ", "[a](b)"}, {"", "[", "a"},
        {"", "*a **a ", "b"},    {"", "a_ ", ""},      {"", "[a](<b", ""},
        {"", "a]", ""},          {"", "`e", ""},       {"x|x|\n-|-|\n", "x\n", ""},
        {"", "a@b.c ", ""},      {"www.a", "_a", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t ul = strlen(cases[i].unit);
        size_t count = (MARKDOWN_MAX_BYTES - 64) / ul, n, line;
        char *s = repeat(cases[i].head, cases[i].unit, count, cases[i].tail, &n);
        markdown_status st = check(s, n, &line);
        CHECK(st != MARKDOWN_NOMEM && st != MARKDOWN_TOO_LARGE && st != MARKDOWN_BAD_UTF8);
        free(s);
    }
}

TEST(messages_are_japanese_and_name_the_line)
{
    char msg[256];
    markdown_message(MARKDOWN_TOO_MANY_COLUMNS, 12, msg, sizeof msg);
    CHECK_STR(msg, "12 行目: 表の列が多すぎます（64 列まで。1 行に「|」は 65 個まで）。");
    markdown_message(MARKDOWN_TOO_LARGE, 0, msg, sizeof msg);
    CHECK_STR(msg, "本文が長すぎます（256 KiB まで）。");
    for (int st = MARKDOWN_OK; st <= MARKDOWN_TOO_COMPLEX; st++) {
        markdown_message((markdown_status)st, 3, msg, sizeof msg);
        CHECK(msg[0] != '\0');
        CHECK(utf8_valid(msg, strlen(msg)));
    }
    char small[10];
    markdown_message(MARKDOWN_TOO_DEEP, 1, small, sizeof small); /* cut on a character */
    CHECK(utf8_valid(small, strlen(small)));
}

/* --- the template value, memory, threads -------------------------------- */

TEST(markdown_tv_is_sanitised_markup)
{
    arena a;
    arena_init(&a);
    tv *v = markdown_tv(&a, "**a** <script>", 14, NULL);
    CHECK(v != NULL);
    CHECK_INT(tv_kind(v), TV_HTML);
    size_t n = 0;
    const char *s = tv_text(v, &n);
    CHECK(s && n == strlen("<p><strong>a</strong> </p>\n"));
    CHECK(s && memcmp(s, "<p><strong>a</strong> </p>\n", n) == 0);
    v = markdown_tv(&a, "", 0, NULL);
    CHECK(v != NULL && tv_kind(v) == TV_HTML && tv_len(v) == 0);
    CHECK(markdown_tv(&a, "\xFF", 1, NULL) == NULL);
    arena_free(&a);
}

TEST(render_appends_to_what_the_buffer_holds)
{
    buf out = BUF_INIT;
    buf_puts(&out, "<div>");
    CHECK(markdown_render("x", 1, NULL, &out));
    buf_puts(&out, "</div>");
    CHECK_STR(out.data, "<div>\n<p>x</p>\n</div>");
    buf_free(&out);
}

static const char rich[] =
    "# 見出し\n\n段落の*強調*と**太字**、[リンク](https://example.jp/a?b=1&c=2)と"
    "![画像](/a.png \"t\")。\n\n- 一\n- 二\n  1. 三\n\n> 引用 <b>x</b>\n\n"
    "|a|b|\n|:-|-:|\n|1|2|\n\n```c\nx < y\n```\n\n~~消~~ www.example.jp\n";

/* Fails the 1st, 2nd, ... allocation until the call succeeds: every failure
 * must be reported and leak nothing (ASan and valgrind watch). */
TEST(allocation_failures_are_reported_cleanly)
{
    buf want = BUF_INIT;
    CHECK(markdown_render(rich, strlen(rich), NULL, &want));
    int failures = 0;
    for (long nth = 1; nth < 100000; nth++) {
        buf out = BUF_INIT;
        fault_fail_nth(nth);
        bool ok = markdown_render(rich, strlen(rich), NULL, &out);
        bool fired = fault_fired();
        fault_fail_nth(0);
        if (fired) {
            failures++;
            CHECK(!ok);
        } else {
            CHECK(ok);
            CHECK_STR(out.data, want.data);
            buf_free(&out);
            break;
        }
        buf_free(&out);
    }
    CHECK(failures > 100); /* cmark's own allocations are among them */
    buf_free(&want);

    for (long nth = 1; nth < 100000; nth++) {
        buf out = BUF_INIT;
        fault_fail_nth(nth);
        bool ok = markdown_plain(rich, strlen(rich), MARKDOWN_PLAIN_LINK_URLS, &out);
        bool fired = fault_fired();
        fault_fail_nth(0);
        buf_free(&out);
        CHECK(fired != ok);
        if (!fired)
            break;
    }
    for (long nth = 1; nth < 100000; nth++) {
        fault_fail_nth(nth);
        markdown_status st = markdown_check(rich, strlen(rich), NULL);
        bool fired = fault_fired();
        fault_fail_nth(0);
        CHECK_INT(st, fired ? MARKDOWN_NOMEM : MARKDOWN_OK);
        if (!fired)
            break;
    }
    for (long nth = 1; nth < 100000; nth++) {
        arena a;
        arena_init(&a);
        fault_fail_nth(nth);
        tv *v = markdown_tv(&a, rich, strlen(rich), NULL);
        bool fired = fault_fired();
        fault_fail_nth(0);
        arena_free(&a);
        CHECK(fired == (v == NULL));
        if (!fired)
            break;
    }
    /* And the module still works afterwards. */
    CHECK(contains(render(rich), "<h2>見出し</h2>"));
}

static void *render_many(void *arg)
{
    const char *src = arg;
    for (int i = 0; i < 200; i++) {
        buf out = BUF_INIT;
        bool ok = markdown_render(src, strlen(src), NULL, &out);
        bool sound = ok && md_html_check(out.data, out.len, NULL, 0);
        buf_free(&out);
        if (!sound)
            return (void *)1;
    }
    return NULL;
}

TEST(threads_render_independently)
{
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        CHECK(pthread_create(&t[i], NULL, render_many, (void *)rich) == 0);
    for (int i = 0; i < 3; i++) {
        void *r = (void *)1;
        CHECK(pthread_join(t[i], &r) == 0);
        CHECK(r == NULL);
    }
}

/* --- the kept fuzz corpus ----------------------------------------------- */

TEST(fuzz_corpus_renders_soundly)
{
    const char *dir = TEST_SOURCE_ROOT "/tests/fuzz/corpus/markdown";
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d)
        return;
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        buf src = BUF_INIT;
        char chunk[4096];
        size_t got;
        while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
            buf_append(&src, chunk, got);
        fclose(f);
        files++;
        size_t line;
        markdown_status st = markdown_check(src.data ? src.data : "", src.len, &line);
        char *h = render_with(src.data ? src.data : "", src.len, 1);
        CHECK((st == MARKDOWN_OK) == (h != NULL));
        CHECK(st != MARKDOWN_NOMEM);
        buf_free(&src);
    }
    closedir(d);
    CHECK(files > 0);
}

int main(void)
{
    return tap_run();
}
