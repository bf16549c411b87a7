/*
 * test_record.c - content/record.h: keys, values, the stored text form and
 * its strict parser, and allocation failure at every step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/record.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/fault.h"
#include "tap.h"

static arena A;

static record fresh(void)
{
    arena_free(&A);
    arena_init(&A);
    record r;
    record_init(&r, &A);
    return r;
}

static bool decode(record *r, const char *text)
{
    return record_decode(r, text, strlen(text));
}

static buf enc_out;

/* The stored text of r, in a buffer the next call replaces. */
static const char *encode(const record *r)
{
    buf_free(&enc_out);
    buf_init(&enc_out, 0);
    if (!record_encode(r, &enc_out))
        return NULL;
    return enc_out.data ? enc_out.data : "";
}

TEST(set_get_replace_and_remove)
{
    record r = fresh();
    CHECK(record_get(&r, "title") == NULL);
    CHECK(record_set(&r, "title", "お知らせ"));
    CHECK(record_set(&r, "body", "本文"));
    CHECK_STR(record_get(&r, "title"), "お知らせ");
    CHECK(record_set(&r, "title", "新しい題")); /* keeps its place */
    CHECK_INT(r.n, 2);
    CHECK_STR(r.kv[0].key, "title");
    CHECK_STR(r.kv[0].value, "新しい題");
    CHECK(record_set(&r, "title", ""));
    CHECK(record_get(&r, "title") == NULL);
    CHECK_INT(r.n, 1);
    CHECK(record_set(&r, "body", NULL));
    CHECK_INT(r.n, 0);
    CHECK(record_set(&r, "absent", NULL)); /* removing nothing is fine */
    CHECK(record_get(NULL, "x") == NULL);
    CHECK(record_get(&r, NULL) == NULL);
}

TEST(keys_are_1_to_64_bytes_of_lowercase_digits_underscore_dot)
{
    record r = fresh();
    CHECK(record_key_valid("links.1.url", 11));
    CHECK(record_key_valid("a_b9", 4));
    CHECK(!record_key_valid("", 0));
    CHECK(!record_key_valid("Title", 5));
    CHECK(!record_key_valid("a-b", 3));
    CHECK(!record_key_valid("a b", 3));
    CHECK(!record_key_valid("題", strlen("題")));
    char key[66];
    memset(key, 'k', 65);
    key[65] = '\0';
    CHECK(record_key_valid(key, 64));
    CHECK(!record_key_valid(key, 65));
    CHECK(!record_set(&r, key, "x"));
    key[64] = '\0';
    CHECK(record_set(&r, key, "x"));
    CHECK(!record_set(&r, "Bad", "x"));
    CHECK(!record_set(&r, NULL, "x"));
}

TEST(values_must_be_utf8)
{
    record r = fresh();
    CHECK(!record_set(&r, "a", "\xff"));
    CHECK(!record_set(&r, "a", "\xe3\x81"));     /* cut in half */
    CHECK(!record_set(&r, "a", "\xed\xa0\x80")); /* a surrogate */
    CHECK(record_set(&r, "a", "あ\t\n\r\\"));
}

TEST(encode_escapes_and_keeps_order)
{
    record r = fresh();
    CHECK(record_set(&r, "b", "two\nlines"));
    CHECK(record_set(&r, "a", "tab\there\\back\rcr"));
    CHECK(record_set(&r, "c", "日本語"));
    CHECK_STR(encode(&r), "b\ttwo\\nlines\na\ttab\\there\\\\back\\rcr\nc\t日本語\n");
    record empty = fresh();
    CHECK_STR(encode(&empty), "");
}

TEST(decode_reads_what_encode_writes)
{
    record r = fresh();
    const char *values[] = {"x", "\\", "\\\\n", "\t\t", "\r\n", "a\\tb", "末尾\\"};
    char key[8];
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        snprintf(key, sizeof key, "k%zu", i);
        CHECK(record_set(&r, key, values[i]));
    }
    const char *text = encode(&r);
    char *copy = strdup(text);
    record back;
    record_init(&back, &A);
    CHECK(decode(&back, copy));
    CHECK_INT(back.n, r.n);
    for (size_t i = 0; i < r.n && i < back.n; i++) {
        CHECK_STR(back.kv[i].key, r.kv[i].key);
        CHECK_STR(back.kv[i].value, r.kv[i].value);
    }
    CHECK_STR(encode(&back), copy);
    free(copy);
}

TEST(decode_is_strict)
{
    record r = fresh();
    CHECK(decode(&r, ""));
    CHECK_INT(r.n, 0);
    CHECK(decode(&r, "a\t1\nb\t2\n"));
    CHECK_INT(r.n, 2);
    CHECK(record_decode(&r, "a\t1\nb\t2\nc", 8)); /* n bytes, not NUL-terminated */
    CHECK_INT(r.n, 2);

    static const char *const bad[] = {
        "a\t1",         /* no final newline */
        "a1\n",         /* no tab */
        "\t1\n",        /* empty key */
        "A\t1\n",       /* bad key */
        "a b\t1\n",     /* bad key */
        "a\t1\na\t2\n", /* repeated key */
        "a\t\n",        /* empty value: never written */
        "a\tx\\q\n",    /* unknown escape */
        "a\tx\\\n",     /* escape cut off */
        "a\tx\ry\n",    /* raw CR */
        "a\tx\ty\n",    /* raw tab in the value */
        "a\t\xff\n",    /* not UTF-8 */
        "a\t1\r\n",     /* a CRLF file */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(decode(&r, "ok\t1\n"));
        CHECK(!decode(&r, bad[i]));
        CHECK_INT(r.n, 0); /* reset, never half-read */
    }
    CHECK(!record_decode(&r, "a\t1\0\n", 5)); /* NUL */
    CHECK(!record_decode(&r, NULL, 3));
}

TEST(at_most_record_max_pairs)
{
    record r = fresh();
    buf text = BUF_INIT;
    for (int i = 0; i < RECORD_MAX_PAIRS; i++)
        buf_printf(&text, "k%d\tv\n", i);
    CHECK(record_decode(&r, text.data, text.len));
    CHECK_INT(r.n, RECORD_MAX_PAIRS);
    CHECK(!record_set(&r, "one_more", "v")); /* could not be read back */
    CHECK(record_set(&r, "k0", "replaced")); /* an existing key still changes */
    buf_puts(&text, "k_last\tv\n");
    CHECK(!record_decode(&r, text.data, text.len));
    buf_free(&text);
}

TEST(copy_is_deep_and_resets)
{
    record r = fresh();
    CHECK(record_set(&r, "a", "1"));
    CHECK(record_set(&r, "b", "2"));
    arena other;
    arena_init(&other);
    record c;
    record_init(&c, &other);
    CHECK(record_set(&c, "old", "gone"));
    CHECK(record_copy(&c, &r));
    CHECK_INT(c.n, 2);
    CHECK(record_get(&c, "old") == NULL);
    CHECK(record_set(&r, "a", "changed"));
    CHECK_STR(record_get(&c, "a"), "1");
    CHECK(c.kv[0].value != r.kv[0].value);
    arena_free(&other);
}

/* Fails the 1st, 2nd ... allocation until the call succeeds: each failure
 * is reported, and ASan / valgrind see no leak. */
TEST(allocation_failures_are_reported)
{
    buf big = BUF_INIT;
    for (int i = 0; i < 300; i++)
        buf_printf(&big, "key_%d\tvalue \\n %d 日本語\n", i, i);
    int failures = 0;
    for (long nth = 1; nth < 10000; nth++) {
        arena a;
        arena_init(&a);
        record r;
        record_init(&r, &a);
        fault_fail_nth(nth);
        bool ok = record_decode(&r, big.data, big.len);
        bool copied = false;
        if (ok) {
            record c;
            record_init(&c, &a);
            copied = record_copy(&c, &r);
        }
        bool fired = fault_fired();
        fault_fail_nth(0);
        if (!fired) {
            CHECK(ok && copied);
            CHECK_INT(r.n, 300);
            arena_free(&a);
            break;
        }
        failures++;
        CHECK(!ok || !copied);
        if (!ok)
            CHECK_INT(r.n, 0);
        arena_free(&a);
    }
    CHECK(failures > 2);
    for (long nth = 1; nth < 100; nth++) {
        arena a;
        arena_init(&a);
        record r;
        record_init(&r, &a);
        CHECK(record_decode(&r, big.data, big.len));
        buf out = BUF_INIT;
        fault_fail_nth(nth);
        bool ok = record_encode(&r, &out);
        bool fired = fault_fired();
        fault_fail_nth(0);
        CHECK(ok != fired);
        if (ok)
            CHECK(out.len == big.len && memcmp(out.data, big.data, big.len) == 0);
        buf_free(&out);
        arena_free(&a);
        if (!fired)
            break;
    }
    buf_free(&big);
}

int main(void)
{
    arena_init(&A);
    int rc = tap_run();
    arena_free(&A);
    buf_free(&enc_out);
    return rc;
}
