/*
 * tap.h - the unit-test framework: TAP output, one closing summary line.
 *
 *   TEST(name) { CHECK(x == 1); CHECK_STR(a, "b"); }
 *   int main(void) { return tap_run(); }
 *
 * Each TEST prints "ok N - name" or "not ok N - name" with the failed checks
 * as diagnostics; the run closes with "N passed, N failed" and exits non-zero
 * on any failure.  Tests run in declaration order in one process.
 */
#ifndef TSUNAGU_TESTS_TAP_H
#define TSUNAGU_TESTS_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*tap_fn)(void);
struct tap_test { const char *name; tap_fn fn; };

#define TAP_MAX 512
static struct tap_test tap_tests[TAP_MAX];
static int tap_ntests;
static int tap_failed_checks;

static inline void tap_register(const char *name, tap_fn fn)
{
    if (tap_ntests < TAP_MAX)
        tap_tests[tap_ntests++] = (struct tap_test){name, fn};
}

#define TEST(name)                                                                 \
    static void test_##name(void);                                                 \
    __attribute__((constructor)) static void register_##name(void)                \
    {                                                                              \
        tap_register(#name, test_##name);                                          \
    }                                                                              \
    static void test_##name(void)

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (!(cond)) {                                                             \
            printf("# %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);      \
            tap_failed_checks++;                                                   \
        }                                                                          \
    } while (0)

#define CHECK_INT(a, b)                                                            \
    do {                                                                           \
        long long tap_a = (long long)(a), tap_b = (long long)(b);                  \
        if (tap_a != tap_b) {                                                      \
            printf("# %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, \
                   tap_a, tap_b);                                                  \
            tap_failed_checks++;                                                   \
        }                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                            \
    do {                                                                           \
        const char *tap_a = (a), *tap_b = (b);                                     \
        if (!tap_a || !tap_b || strcmp(tap_a, tap_b) != 0) {                       \
            printf("# %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
                   #a, tap_a ? tap_a : "(null)", tap_b ? tap_b : "(null)");        \
            tap_failed_checks++;                                                   \
        }                                                                          \
    } while (0)

/* The step between the allocation failures an exhaustive fault-injection
 * loop tries: 1 (every allocation) unless TSUNAGU_FAULT_STRIDE says more.
 * tests/run sets it for the second, much slower pass under valgrind; the
 * sanitizer pass always tries every allocation. */
static inline long tap_fault_stride(void)
{
    const char *s = getenv("TSUNAGU_FAULT_STRIDE");
    long v = s ? atol(s) : 1;
    return v >= 1 && v <= 1000 ? v : 1;
}

static inline int tap_run(void)
{
    int passed = 0, failed = 0;
    printf("1..%d\n", tap_ntests);
    for (int i = 0; i < tap_ntests; i++) {
        int before = tap_failed_checks;
        tap_tests[i].fn();
        fflush(stdout);
        if (tap_failed_checks == before) {
            printf("ok %d - %s\n", i + 1, tap_tests[i].name);
            passed++;
        } else {
            printf("not ok %d - %s\n", i + 1, tap_tests[i].name);
            failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#endif
