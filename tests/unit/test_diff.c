/*
 * test_diff.c - content/diff.h: the line diff of the revision screen.
 */
#include <stdlib.h>
#include <string.h>

#include "content/diff.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/fault.h"
#include "tap.h"

/* The diff as one string: each line "=x", "-x" or "+x", joined by '|'. */
static const char *show(arena *a, const char *before, const char *after, diff_result *r)
{
    if (!diff_lines(a, before, before ? strlen(before) : 0, after, after ? strlen(after) : 0, r))
        return NULL;
    buf b = BUF_INIT;
    buf_init(&b, 0);
    for (size_t i = 0; i < r->n; i++) {
        if (i)
            buf_putc(&b, '|');
        buf_putc(&b, r->lines[i].op == DIFF_SAME ? '=' : r->lines[i].op == DIFF_DEL ? '-' : '+');
        buf_append(&b, r->lines[i].s, r->lines[i].len);
    }
    buf_putc(&b, '\0');
    const char *s = buf_ok(&b) ? arena_strdup(a, b.data ? b.data : "") : NULL;
    buf_free(&b);
    return s;
}

TEST(equal_texts_are_all_same)
{
    arena a;
    arena_init(&a);
    diff_result r;
    CHECK_STR(show(&a, "a\nb\nc", "a\nb\nc", &r), "=a|=b|=c");
    CHECK_INT(r.ndel + r.nadd, 0);
    CHECK(!r.whole);
    arena_free(&a);
}

TEST(empty_and_null_texts_have_no_lines)
{
    arena a;
    arena_init(&a);
    diff_result r;
    CHECK_STR(show(&a, NULL, "", &r), "");
    CHECK_INT(r.n, 0);
    CHECK_STR(show(&a, "", "x\ny", &r), "+x|+y");
    CHECK_STR(show(&a, "x\ny\n", NULL, &r), "-x|-y");
    arena_free(&a);
}

TEST(a_final_line_end_does_not_start_a_line_and_crlf_equals_lf)
{
    arena a;
    arena_init(&a);
    diff_result r;
    CHECK_STR(show(&a, "a\r\nb\r\n", "a\nb", &r), "=a|=b");
    CHECK_STR(show(&a, "a\n\nb", "a\nb", &r), "=a|-|=b"); /* an empty line is a line */
    arena_free(&a);
}

TEST(insert_delete_and_replace_in_the_middle)
{
    arena a;
    arena_init(&a);
    diff_result r;
    CHECK_STR(show(&a, "a\nb\nc", "a\nx\nb\nc", &r), "=a|+x|=b|=c");
    CHECK_STR(show(&a, "a\nb\nc", "a\nc", &r), "=a|-b|=c");
    CHECK_STR(show(&a, "a\nb\nc", "a\nB\nc", &r), "=a|-b|+B|=c");
    CHECK_INT(r.ndel, 1);
    CHECK_INT(r.nadd, 1);
    arena_free(&a);
}

TEST(the_kept_lines_are_a_longest_common_subsequence)
{
    arena a;
    arena_init(&a);
    diff_result r;
    /* LCS of ABCBDAB and BDCABA has 4 lines. */
    CHECK(show(&a, "A\nB\nC\nB\nD\nA\nB", "B\nD\nC\nA\nB\nA", &r) != NULL);
    size_t same = 0;
    for (size_t i = 0; i < r.n; i++)
        same += r.lines[i].op == DIFF_SAME;
    CHECK_INT(same, 4);
    CHECK_INT(r.ndel, 3);
    CHECK_INT(r.nadd, 2);
    /* Reading the DEL/SAME lines gives the first text, ADD/SAME the second. */
    buf b1 = BUF_INIT, b2 = BUF_INIT;
    buf_init(&b1, 0);
    buf_init(&b2, 0);
    for (size_t i = 0; i < r.n; i++) {
        if (r.lines[i].op != DIFF_ADD) {
            buf_append(&b1, r.lines[i].s, r.lines[i].len);
            buf_putc(&b1, ';');
        }
        if (r.lines[i].op != DIFF_DEL) {
            buf_append(&b2, r.lines[i].s, r.lines[i].len);
            buf_putc(&b2, ';');
        }
    }
    CHECK_STR(b1.data, "A;B;C;B;D;A;B;");
    CHECK_STR(b2.data, "B;D;C;A;B;A;");
    buf_free(&b1);
    buf_free(&b2);
    arena_free(&a);
}

TEST(japanese_lines_compare_as_bytes)
{
    arena a;
    arena_init(&a);
    diff_result r;
    CHECK_STR(show(&a, "開催日：3月1日\n会場：県庁", "開催日：3月8日\n会場：県庁", &r),
              "-開催日：3月1日|+開催日：3月8日|=会場：県庁");
    arena_free(&a);
}

/* n lines "P<i>" then middle lines "<tag><i>" then "S<i>". */
static char *lines_text(int head, int mid, const char *tag, int tailn)
{
    buf b = BUF_INIT;
    buf_init(&b, 0);
    for (int i = 0; i < head; i++)
        buf_printf(&b, "P%d\n", i);
    for (int i = 0; i < mid; i++)
        buf_printf(&b, "%s%d\n", tag, i);
    for (int i = 0; i < tailn; i++)
        buf_printf(&b, "S%d\n", i);
    size_t len;
    return buf_steal(&b, &len);
}

TEST(the_common_head_and_tail_do_not_count_towards_the_cap)
{
    arena a;
    arena_init(&a);
    char *x = lines_text(5000, 10, "x", 5000), *y = lines_text(5000, 10, "y", 5000);
    diff_result r;
    CHECK(x && y && diff_lines(&a, x, strlen(x), y, strlen(y), &r));
    CHECK(!r.whole);
    CHECK_INT(r.ndel, 10);
    CHECK_INT(r.nadd, 10);
    CHECK_INT(r.n, 10020);
    free(x);
    free(y);
    arena_free(&a);
}

TEST(over_the_cap_both_texts_are_shown_whole)
{
    arena a;
    arena_init(&a);
    char *x = lines_text(1, DIFF_MAX_LINES + 1, "x", 1), *y = lines_text(1, 3, "y", 1);
    diff_result r;
    CHECK(x && y && diff_lines(&a, x, strlen(x), y, strlen(y), &r));
    CHECK(r.whole);
    CHECK_INT(r.ndel, DIFF_MAX_LINES + 3);
    CHECK_INT(r.nadd, 5);
    CHECK(r.lines[0].op == DIFF_DEL && r.lines[r.n - 1].op == DIFF_ADD);
    free(x);
    free(y);
    /* At the cap itself the lines are still compared. */
    x = lines_text(0, DIFF_MAX_LINES, "x", 0);
    y = lines_text(0, DIFF_MAX_LINES, "x", 1);
    CHECK(x && y && diff_lines(&a, x, strlen(x), y, strlen(y), &r));
    CHECK(!r.whole);
    CHECK_INT(r.nadd, 1);
    CHECK_INT(r.ndel, 0);
    free(x);
    free(y);
    arena_free(&a);
}

TEST(out_of_memory_is_reported_not_a_crash)
{
    const char *x = "a\nb\nc\nd", *y = "a\nc\nx\nd";
    for (long nth = 1; nth < 20; nth++) {
        arena a;
        arena_init(&a);
        diff_result r;
        fault_fail_nth(nth);
        bool ok = diff_lines(&a, x, strlen(x), y, strlen(y), &r);
        int fired = fault_fired();
        fault_fail_nth(0);
        if (fired)
            CHECK(!ok && r.n == 0);
        else
            CHECK(ok && r.n == 5);
        arena_free(&a);
        if (!fired)
            break;
    }
}

int main(void)
{
    return tap_run();
}
