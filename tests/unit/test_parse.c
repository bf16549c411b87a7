/* Unit tests of src/http parsers: percent-decoding, query strings and
 * urlencoded forms, the Cookie header, request-path canonicalisation. */
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/fault.h"
#include "core/limits.h"
#include "http/params.h"
#include "http/path.h"
#include "tap.h"

/* ---- percent-decoding -------------------------------------------------- */

static parse_status decode(const char *in, size_t n, bool plus, char *out)
{
    size_t len = 99;
    parse_status st = http_pct_decode(in, n, plus, out, &len);
    if (st == PARSE_OK && len != strlen(out))
        return PARSE_IO; /* makes the CHECK fail visibly */
    return st;
}

TEST(pct_decode_valid_escapes_plus_and_slash)
{
    char out[64];
    CHECK_INT(decode("a%20b", 5, false, out), PARSE_OK);
    CHECK_STR(out, "a b");
    CHECK_INT(decode("a+b", 3, true, out), PARSE_OK);
    CHECK_STR(out, "a b");
    CHECK_INT(decode("a+b", 3, false, out), PARSE_OK);
    CHECK_STR(out, "a+b");
    CHECK_INT(decode("a%2Bb", 5, true, out), PARSE_OK);
    CHECK_STR(out, "a+b");
    CHECK_INT(decode("x%2Fy%2fz", 9, true, out), PARSE_OK);
    CHECK_STR(out, "x/y/z");
    CHECK_INT(decode("%e6%97%A5%E6%9C%AC", 18, false, out), PARSE_OK);
    CHECK_STR(out, "日本");
    CHECK_INT(decode("日本", strlen("日本"), false, out), PARSE_OK);
    CHECK_STR(out, "日本");
    CHECK_INT(decode("", 0, true, out), PARSE_OK);
    CHECK_STR(out, "");
    CHECK_INT(decode("%0D%0A", 6, true, out), PARSE_OK);
    CHECK_STR(out, "\r\n");
}

TEST(pct_decode_refuses_malformed_escapes_and_nul)
{
    char out[64];
    CHECK_INT(decode("%G1", 3, false, out), PARSE_BAD_ENCODING);
    CHECK_INT(decode("%1G", 3, false, out), PARSE_BAD_ENCODING);
    CHECK_INT(decode("%", 1, false, out), PARSE_BAD_ENCODING);
    CHECK_INT(decode("a%", 2, false, out), PARSE_BAD_ENCODING);
    CHECK_INT(decode("%4", 2, false, out), PARSE_BAD_ENCODING);
    CHECK_INT(decode("ab%4", 4, false, out), PARSE_BAD_ENCODING);
    CHECK_INT(decode("%00", 3, false, out), PARSE_BAD_ENCODING);
    CHECK_INT(decode("a\0b", 3, false, out), PARSE_BAD_ENCODING);
    CHECK_INT(decode("%%41", 4, false, out), PARSE_BAD_ENCODING);
    /* the length given is respected: a '%' just past n is not read */
    CHECK_INT(decode("a%41", 2, false, out), PARSE_BAD_ENCODING);
}

TEST(pct_decode_refuses_invalid_utf8_and_overlong_forms)
{
    char out[64];
    CHECK_INT(decode("%C0%AF", 6, false, out), PARSE_BAD_UTF8);    /* overlong '/' */
    CHECK_INT(decode("%E0%80%AF", 9, false, out), PARSE_BAD_UTF8); /* overlong '/' */
    CHECK_INT(decode("%c0%ae", 6, false, out), PARSE_BAD_UTF8);    /* overlong '.' */
    CHECK_INT(decode("%F0%80%80%AF", 12, false, out), PARSE_BAD_UTF8);
    CHECK_INT(decode("%FF", 3, false, out), PARSE_BAD_UTF8);
    CHECK_INT(decode("%ED%A0%80", 9, false, out), PARSE_BAD_UTF8);     /* surrogate */
    CHECK_INT(decode("%E6%97", 6, false, out), PARSE_BAD_UTF8);        /* truncated */
    CHECK_INT(decode("%F4%90%80%80", 12, false, out), PARSE_BAD_UTF8); /* > U+10FFFF */
    CHECK_INT(decode("\xC0\xAF", 2, false, out), PARSE_BAD_UTF8);      /* raw, too */
}

/* ---- urlencoded and query strings --------------------------------------- */

static parse_status urlenc(arena *a, const char *s, http_params *p)
{
    memset(p, 0, sizeof *p);
    return http_parse_urlencoded(a, s, strlen(s), p);
}

TEST(urlencoded_keeps_repeated_keys_in_order)
{
    arena a;
    arena_init(&a);
    http_params p;
    CHECK_INT(urlenc(&a, "a=1&b=2&a=3&c=x+y&a=%2F", &p), PARSE_OK);
    CHECK_INT(p.count, 5);
    CHECK_STR(p.items[0].name, "a");
    CHECK_STR(p.items[1].name, "b");
    CHECK_STR(p.items[2].name, "a");
    CHECK_STR(http_params_get(&p, "a"), "1");
    CHECK_INT(http_params_count(&p, "a"), 3);
    CHECK_STR(http_params_get_nth(&p, "a", 1), "3");
    CHECK_STR(http_params_get_nth(&p, "a", 2), "/");
    CHECK(http_params_get_nth(&p, "a", 3) == NULL);
    CHECK_STR(http_params_get(&p, "c"), "x y");
    CHECK(http_params_get(&p, "z") == NULL);
    CHECK_INT(http_params_count(&p, "z"), 0);
    arena_free(&a);
}

TEST(urlencoded_empty_values_keys_without_equals_and_empty_pairs)
{
    arena a;
    arena_init(&a);
    http_params p;
    CHECK_INT(urlenc(&a, "&&flag&x=&y=a=b&&", &p), PARSE_OK);
    CHECK_INT(p.count, 3);
    CHECK_STR(http_params_get(&p, "flag"), "");
    CHECK_INT(p.items[0].value_len, 0);
    CHECK_STR(http_params_get(&p, "x"), "");
    CHECK_STR(http_params_get(&p, "y"), "a=b");
    CHECK_INT(urlenc(&a, "", &p), PARSE_OK);
    CHECK_INT(p.count, 0);
    CHECK_INT(urlenc(&a, "&&&", &p), PARSE_OK);
    CHECK_INT(p.count, 0);
    arena_free(&a);
}

TEST(urlencoded_decodes_japanese_values)
{
    arena a;
    arena_init(&a);
    http_params p;
    CHECK_INT(urlenc(&a,
                     "name=%E5%B1%B1%E7%94%B0+%E5%A4%AA%E9%83%8E&field=%E7%A6%8F%E7%A5%89"
                     "&field=環境&%E5%90%8D=v",
                     &p),
              PARSE_OK);
    CHECK_STR(http_params_get(&p, "name"), "山田 太郎");
    CHECK_INT(p.items[0].value_len, strlen("山田 太郎"));
    CHECK_STR(http_params_get_nth(&p, "field", 0), "福祉");
    CHECK_STR(http_params_get_nth(&p, "field", 1), "環境");
    CHECK_STR(http_params_get(&p, "名"), "v");
    arena_free(&a);
}

TEST(urlencoded_refuses_bad_escapes_and_bad_utf8)
{
    arena a;
    arena_init(&a);
    http_params p;
    CHECK_INT(urlenc(&a, "a=1&q=%G1", &p), PARSE_BAD_ENCODING);
    CHECK_INT(urlenc(&a, "q=a%", &p), PARSE_BAD_ENCODING);
    CHECK_INT(urlenc(&a, "q=%00", &p), PARSE_BAD_ENCODING);
    CHECK_INT(urlenc(&a, "%00=1", &p), PARSE_BAD_ENCODING);
    CHECK_INT(urlenc(&a, "q=%C0%AF", &p), PARSE_BAD_UTF8);
    CHECK_INT(urlenc(&a, "q=%E0%80%AF", &p), PARSE_BAD_UTF8);
    CHECK_INT(urlenc(&a, "q=%FF", &p), PARSE_BAD_UTF8);
    CHECK_INT(urlenc(&a, "%FF=1", &p), PARSE_BAD_UTF8);
    CHECK_INT(urlenc(&a, "q=%ED%A0%80", &p), PARSE_BAD_UTF8);
    CHECK_INT(http_parse_urlencoded(&a, "a=1\0b=2", 7, &p), PARSE_BAD_ENCODING);
    arena_free(&a);
}

/* "k0=&k1=&..." with count pairs (and some empty pairs, which do not count). */
static char *many_pairs(size_t count)
{
    buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < count; i++)
        buf_printf(&b, "k%zu=v&&", i);
    buf_putc(&b, '\0');
    return buf_steal(&b, NULL);
}

TEST(urlencoded_limits_fields_too_many)
{
    arena a;
    arena_init(&a);
    http_params p;
    char *s = many_pairs(LIMIT_FORM_FIELDS);
    CHECK_INT(urlenc(&a, s, &p), PARSE_OK);
    CHECK_INT(p.count, LIMIT_FORM_FIELDS);
    free(s);
    s = many_pairs(LIMIT_FORM_FIELDS + 1);
    CHECK_INT(urlenc(&a, s, &p), PARSE_TOO_MANY);
    free(s);
    arena_free(&a);
}

TEST(urlencoded_limits_name_and_value_length)
{
    arena a;
    arena_init(&a);
    http_params p;
    size_t big = 3 * LIMIT_FIELD_VALUE + 16;
    char *s = malloc(big + 8);

    for (size_t extra = 0; extra <= 1; extra++) {
        size_t n = LIMIT_FIELD_NAME + extra;
        memset(s, 'n', n);
        s[n] = '=';
        s[n + 1] = '1';
        s[n + 2] = '\0';
        CHECK_INT(urlenc(&a, s, &p), extra ? PARSE_TOO_LONG : PARSE_OK);
    }

    /* decoded length counts: LIMIT_FIELD_VALUE bytes sent as %41 escapes is fine */
    strcpy(s, "v=");
    for (size_t i = 0; i < LIMIT_FIELD_VALUE; i++)
        memcpy(s + 2 + 3 * i, "%41", 3);
    s[2 + 3 * LIMIT_FIELD_VALUE] = '\0';
    CHECK_INT(urlenc(&a, s, &p), PARSE_OK);
    CHECK_INT(p.items[0].value_len, LIMIT_FIELD_VALUE);
    strcat(s, "B");
    CHECK_INT(urlenc(&a, s, &p), PARSE_TOO_LONG);
    memset(s + 2, 'x', LIMIT_FIELD_VALUE + 1);
    s[2 + LIMIT_FIELD_VALUE + 1] = '\0';
    CHECK_INT(urlenc(&a, s, &p), PARSE_TOO_LONG);
    free(s);
    arena_free(&a);
}

TEST(params_add_grows_and_keeps_earlier_items)
{
    arena a;
    arena_init(&a);
    http_params p = {0};
    char names[300][16];
    for (int i = 0; i < 300; i++) {
        snprintf(names[i], sizeof names[i], "n%d", i);
        CHECK(http_params_add(&a, &p, names[i], "v", 1));
    }
    CHECK_INT(p.count, 300);
    CHECK_STR(p.items[0].name, "n0");
    CHECK_STR(p.items[299].name, "n299");
    arena_free(&a);
}

/* ---- cookies -------------------------------------------------------------- */

TEST(cookies_pairs_spaces_and_quotes)
{
    arena a;
    arena_init(&a);
    http_params p = {0};
    CHECK_INT(http_parse_cookies(&a, " a=1;b=2 ;  c = 3 ;\td=\"two words\";e=\"\"; f=\"", &p),
              PARSE_OK);
    CHECK_INT(p.count, 6);
    CHECK_STR(http_params_get(&p, "a"), "1");
    CHECK_STR(http_params_get(&p, "b"), "2");
    CHECK_STR(http_params_get(&p, "c"), "3");
    CHECK_STR(http_params_get(&p, "d"), "two words");
    CHECK_STR(http_params_get(&p, "e"), "");
    CHECK_STR(http_params_get(&p, "f"), "\""); /* a lone quote is not a quoted value */
    CHECK_INT(http_parse_cookies(&a, NULL, &p), PARSE_OK);
    CHECK_INT(p.count, 6);
    arena_free(&a);
}

TEST(cookies_values_are_not_percent_decoded)
{
    arena a;
    arena_init(&a);
    http_params p = {0};
    CHECK_INT(http_parse_cookies(&a, "s=a%20b+c; t=x=y", &p), PARSE_OK);
    CHECK_STR(http_params_get(&p, "s"), "a%20b+c");
    CHECK_STR(http_params_get(&p, "t"), "x=y");
    arena_free(&a);
}

TEST(cookies_bad_cookie_is_skipped_alone)
{
    arena a;
    arena_init(&a);
    http_params p = {0};
    CHECK_INT(http_parse_cookies(&a,
                                 "x=1; bad\x01=3; y=\"two\"; v=\x7f; w=\xff\xfe; noequals; "
                                 "=anon; z=\xe6\x97\xa5; ctl=a\x1b"
                                 "b; last=ok",
                                 &p),
              PARSE_OK);
    CHECK_STR(http_params_get(&p, "x"), "1");
    CHECK_STR(http_params_get(&p, "y"), "two");
    CHECK_STR(http_params_get(&p, "z"), "日");
    CHECK_STR(http_params_get(&p, "last"), "ok");
    CHECK(http_params_get(&p, "bad\x01") == NULL);
    CHECK(http_params_get(&p, "v") == NULL);
    CHECK(http_params_get(&p, "w") == NULL);
    CHECK(http_params_get(&p, "ctl") == NULL);
    CHECK(http_params_get(&p, "") == NULL);
    CHECK_INT(p.count, 4);
    arena_free(&a);
}

TEST(cookies_limits_count_and_value_length)
{
    arena a;
    arena_init(&a);
    http_params p = {0};
    buf h;
    buf_init(&h, 0);
    buf_puts(&h, "long=");
    for (size_t i = 0; i < LIMIT_COOKIE_VALUE + 1; i++)
        buf_putc(&h, 'v');
    buf_puts(&h, "; fits=");
    for (size_t i = 0; i < LIMIT_COOKIE_VALUE; i++)
        buf_putc(&h, 'v');
    CHECK_INT(http_parse_cookies(&a, h.data, &p), PARSE_OK);
    CHECK(http_params_get(&p, "long") == NULL);
    const char *fits = http_params_get(&p, "fits");
    CHECK(fits && strlen(fits) == LIMIT_COOKIE_VALUE);

    p = (http_params){0};
    buf_reset(&h);
    for (int i = 0; i < LIMIT_COOKIES + 10; i++)
        buf_printf(&h, "c%d=%d; ", i, i);
    CHECK_INT(http_parse_cookies(&a, h.data, &p), PARSE_OK);
    CHECK_INT(p.count, LIMIT_COOKIES);
    CHECK_STR(http_params_get(&p, "c0"), "0");
    CHECK(http_params_get(&p, "c50") == NULL);
    buf_free(&h);
    arena_free(&a);
}

TEST(cookies_duplicate_names_first_wins)
{
    arena a;
    arena_init(&a);
    http_params p = {0};
    CHECK_INT(http_parse_cookies(&a, "sid=path-specific; sid=general", &p), PARSE_OK);
    CHECK_STR(http_params_get(&p, "sid"), "path-specific");
    CHECK_INT(http_params_count(&p, "sid"), 2);
    arena_free(&a);
}

/* ---- paths ------------------------------------------------------------------ */

static parse_status norm(arena *a, const char *raw, char **out)
{
    return http_path_normalise(a, raw, out);
}

TEST(path_canonical_forms)
{
    static const struct {
        const char *raw, *want;
    } cases[] = {
        {"/", "/"},
        {"/a/b", "/a/b"},
        {"//a///b", "/a/b"},
        {"/a/b/", "/a/b/"},
        {"/a//", "/a/"},
        {"///", "/"},
        {"/%E6%97%A5%E6%9C%AC/%e5%9b%b3", "/日本/図"},
        {"/a%2Fb", "/a/b"},
        {"/a%2f%2fb", "/a/b"},
        {"/a+b", "/a+b"},
        {"/%252e%252e/x", "/%2e%2e/x"}, /* decoded once: a literal name, not ".." */
        {"/a/.../b", "/a/.../b"},
        {"/.well-known/x", "/.well-known/x"},
        {"/a/..b/c.", "/a/..b/c."},
        {"/static/css/tsunagu.css", "/static/css/tsunagu.css"},
    };
    arena a;
    arena_init(&a);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = NULL;
        CHECK_INT(norm(&a, cases[i].raw, &out), PARSE_OK);
        CHECK_STR(out, cases[i].want);
    }
    arena_free(&a);
}

TEST(path_refuses_every_traversal_form)
{
    static const char *bad[] = {
        "/..",
        "/../etc/passwd",
        "/a/../b",
        "/a/..",
        "/a/../",
        "/.",
        "/./a",
        "/a/./b",
        "/a/.",
        "/a/%2e%2e/b",
        "/a/%2E%2e/b",
        "/a/%2e%2E",
        "/a/.%2e/b",
        "/a/%2e./",
        "/a/%2e/b",
        "/a/..%2f/b",
        "/a/..%2F",
        "/a%2f..%2fb",
        "/%2e%2e%2f%2e%2e%2fetc",
        "/a\\b",
        "/a%5cb",
        "/a%5C..%5Cb",
        "/..\\x",
        "/a%00b",
        "/a%0Ab",
        "/a%0d%0ab",
        "/a%09",
        "/a%7f",
        "/%G1",
        "/a%",
        "/a%2",
        "a/b",
        "",
        "*",
        "../a",
    };
    arena a;
    arena_init(&a);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out = (char *)"unchanged";
        parse_status st = norm(&a, bad[i], &out);
        if (st != PARSE_BAD_ENCODING)
            printf("# %s -> %d\n", bad[i], (int)st);
        CHECK_INT(st, PARSE_BAD_ENCODING);
        CHECK(out == NULL);
    }
    arena_free(&a);
}

TEST(path_refuses_invalid_utf8_and_overlong_dots)
{
    static const char *bad[] = {
        "/%c0%ae%c0%ae/etc",   "/%C0%AE", "/a%c0%afb", "/%e0%80%ae%e0%80%ae", "/%FF", "/%ED%A0%80",
        "/\xc0\xae\xc0\xae/x", "/\xff",
    };
    arena a;
    arena_init(&a);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out = NULL;
        CHECK_INT(norm(&a, bad[i], &out), PARSE_BAD_UTF8);
        CHECK(out == NULL);
    }
    arena_free(&a);
}

TEST(path_limit_is_decoded_bytes)
{
    arena a;
    arena_init(&a);
    char *raw = malloc(3 * LIMIT_PATH + 8);
    char *out;
    raw[0] = '/';
    memset(raw + 1, 'a', LIMIT_PATH - 1);
    raw[LIMIT_PATH] = '\0';
    CHECK_INT(norm(&a, raw, &out), PARSE_OK);
    CHECK_INT(strlen(out), LIMIT_PATH);
    raw[LIMIT_PATH] = 'a';
    raw[LIMIT_PATH + 1] = '\0';
    CHECK_INT(norm(&a, raw, &out), PARSE_TOO_LONG);
    /* escapes count once decoded */
    raw[0] = '/';
    for (size_t i = 0; i < LIMIT_PATH - 1; i++)
        memcpy(raw + 1 + 3 * i, "%41", 3);
    raw[1 + 3 * (LIMIT_PATH - 1)] = '\0';
    CHECK_INT(norm(&a, raw, &out), PARSE_OK);
    CHECK_INT(strlen(out), LIMIT_PATH);
    strcat(raw, "%41");
    CHECK_INT(norm(&a, raw, &out), PARSE_TOO_LONG);
    free(raw);
    arena_free(&a);
}

/* ---- statuses and media types ---------------------------------------------- */

TEST(status_maps_to_http_and_japanese_message)
{
    CHECK_INT(parse_status_http(PARSE_OK), 200);
    CHECK_INT(parse_status_http(PARSE_BAD_ENCODING), 400);
    CHECK_INT(parse_status_http(PARSE_BAD_UTF8), 400);
    CHECK_INT(parse_status_http(PARSE_TOO_MANY), 413);
    CHECK_INT(parse_status_http(PARSE_TOO_LONG), 413);
    CHECK_INT(parse_status_http(PARSE_NOMEM), 503);
    CHECK_INT(parse_status_http(PARSE_IO), 500);
    CHECK_INT(parse_status_http(PARSE_UNSUPPORTED), 415);
    CHECK_INT(parse_status_http((parse_status)99), 500);
    for (int s = PARSE_OK; s <= PARSE_UNSUPPORTED; s++)
        CHECK(parse_status_message((parse_status)s)[0] != '\0');
    CHECK(strstr(parse_status_message(PARSE_BAD_UTF8), "UTF-8") != NULL);
    CHECK(strstr(parse_status_message(PARSE_BAD_UTF8), "文字コード") != NULL);
    CHECK(parse_status_message((parse_status)99) != NULL);
}

TEST(media_type_compare_ignores_case_params_and_spaces)
{
    CHECK(http_media_type_is("multipart/form-data; boundary=x", "multipart/form-data"));
    CHECK(http_media_type_is("Multipart/Form-Data;boundary=x", "multipart/form-data"));
    CHECK(http_media_type_is(" application/x-www-form-urlencoded ; charset=UTF-8",
                             "application/x-www-form-urlencoded"));
    CHECK(http_media_type_is("text/plain", "text/plain"));
    CHECK(!http_media_type_is("multipart/form-datax", "multipart/form-data"));
    CHECK(!http_media_type_is("multipart/form-data x", "multipart/form-data"));
    CHECK(!http_media_type_is("multipart/form", "multipart/form-data"));
    CHECK(!http_media_type_is("", "multipart/form-data"));
    CHECK(!http_media_type_is(NULL, "multipart/form-data"));
}

/* ---- allocation failures ------------------------------------------------------ */

/* Fails the 1st, 2nd, ... allocation of each parser until one run needs no
 * injected failure; each run must end in PARSE_OK or PARSE_NOMEM, never a
 * crash, and frees everything (ASan and valgrind runs check for leaks). */
TEST(every_parser_survives_allocation_failure)
{
    char *form = many_pairs(600); /* several arena blocks */
    buf cb;
    buf_init(&cb, 0);
    for (int i = 0; i < LIMIT_COOKIES; i++) {
        buf_printf(&cb, "c%d=", i);
        for (int k = 0; k < 4000; k++)
            buf_putc(&cb, 'v');
        buf_putc(&cb, ';');
    }
    char *cookies = buf_steal(&cb, NULL);
    for (int which = 0; which < 3; which++) {
        int oom_runs = 0;
        for (long nth = 1; nth < 10000; nth++) {
            arena a;
            arena_init(&a);
            http_params p = {0};
            char *path = NULL;
            fault_fail_nth(nth);
            parse_status st = which == 0   ? http_parse_urlencoded(&a, form, strlen(form), &p)
                              : which == 1 ? http_parse_cookies(&a, cookies, &p)
                                           : http_path_normalise(&a, "/a//b/%E6%97%A5", &path);
            int fired = fault_fired();
            fault_fail_nth(0);
            CHECK(st == PARSE_OK || (fired && st == PARSE_NOMEM));
            arena_free(&a);
            if (!fired)
                break;
            oom_runs++;
        }
        CHECK(oom_runs >= 1);
    }
    free(form);
    free(cookies);
}

int main(void)
{
    return tap_run();
}
