/* Unit tests of src/core: arena, buf, utf8, fault injection. */
#include <stdint.h>
#include <stdlib.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/fault.h"
#include "core/utf8.h"
#include "tap.h"

TEST(arena_allocations_are_aligned_and_freed_together)
{
    arena a;
    arena_init(&a);
    for (int i = 0; i < 10000; i++) {
        void *p = arena_alloc(&a, (size_t)(i % 97) + 1);
        CHECK(p != NULL);
        CHECK(((uintptr_t)p % _Alignof(max_align_t)) == 0);
    }
    char *s = arena_printf(&a, "%s-%d", "x", 42);
    CHECK_STR(s, "x-42");
    CHECK_STR(arena_strndup(&a, "abcdef", 3), "abc");
    arena_free(&a);
    CHECK(a.head == NULL);
}

TEST(arena_refuses_absurd_sizes_and_overflow)
{
    arena a;
    arena_init(&a);
    CHECK(arena_alloc(&a, (size_t)1 << 40) == NULL);
    CHECK(arena_calloc(&a, SIZE_MAX / 2, 4) == NULL);
    arena_free(&a);
}

TEST(arena_survives_injected_allocation_failure)
{
    arena a;
    arena_init(&a);
    fault_fail_nth(1);
    CHECK(arena_alloc(&a, 10) == NULL);
    CHECK(fault_fired());
    CHECK(arena_alloc(&a, 10) != NULL);
    arena_free(&a);
}

TEST(buf_grows_and_fails_sticky_past_max)
{
    buf b;
    buf_init(&b, 8);
    buf_puts(&b, "1234");
    buf_printf(&b, "%d", 567);
    CHECK(buf_ok(&b));
    CHECK_STR(b.data, "1234567");
    buf_puts(&b, "89");
    CHECK(!buf_ok(&b));
    buf_puts(&b, "x");
    CHECK_INT(b.len, 7);
    CHECK(buf_steal(&b, NULL) == NULL);
    buf_free(&b);
}

TEST(buf_steal_hands_over_malloc_memory)
{
    buf b = BUF_INIT;
    buf_puts(&b, "日本語");
    size_t n = 0;
    char *p = buf_steal(&b, &n);
    CHECK(p != NULL);
    CHECK_INT(n, 9);
    CHECK_STR(p, "日本語");
    CHECK(b.data == NULL);
    free(p);
}

TEST(buf_reports_oom_from_fault_injection)
{
    buf b = BUF_INIT;
    fault_fail_nth(1);
    buf_puts(&b, "x");
    CHECK(!buf_ok(&b));
    buf_free(&b);
}

TEST(utf8_accepts_japanese_and_ascii)
{
    CHECK(utf8_valid("abc", 3));
    CHECK(utf8_valid("県民活動スーパーネット", strlen("県民活動スーパーネット")));
    CHECK(utf8_valid("\xF0\x9F\x98\x80", 4));  /* U+1F600 */
    CHECK(utf8_valid("", 0));
    CHECK_INT(utf8_count("あいう", 9), 3);
}

TEST(utf8_refuses_overlong_surrogates_nul_and_truncation)
{
    CHECK(!utf8_valid("\xC0\xAF", 2));          /* overlong '/' */
    CHECK(!utf8_valid("\xE0\x80\xAF", 3));      /* overlong '/' */
    CHECK(!utf8_valid("\xF0\x80\x80\xAF", 4));  /* overlong '/' */
    CHECK(!utf8_valid("\xED\xA0\x80", 3));      /* U+D800 */
    CHECK(!utf8_valid("\xF4\x90\x80\x80", 4));  /* above U+10FFFF */
    CHECK(!utf8_valid("a\0b", 3));
    CHECK(!utf8_valid("\xE3\x81", 2));          /* truncated */
    CHECK(!utf8_valid("\x80", 1));
    CHECK(!utf8_valid("\xFF", 1));
}

TEST(utf8_trim_partial_drops_a_cut_sequence_only)
{
    char a[] = "日本\xE8\xAA";   /* "日本" + the first 2 bytes of "語" */
    utf8_trim_partial(a);
    CHECK_STR(a, "日本");
    char b[] = "日本語";
    utf8_trim_partial(b);
    CHECK_STR(b, "日本語");
    char c[] = "ab";
    utf8_trim_partial(c);
    CHECK_STR(c, "ab");
}

int main(void)
{
    return tap_run();
}
