/* fault.c - see fault.h. */
#include "core/fault.h"

#include <stdatomic.h>
#include <stdlib.h>

static atomic_long countdown;  /* 0 = no injection */
static atomic_int fired;

void fault_fail_nth(long nth)
{
    atomic_store(&countdown, nth);
    atomic_store(&fired, 0);
}

int fault_fired(void)
{
    return atomic_load(&fired);
}

static int should_fail(void)
{
    if (atomic_load_explicit(&countdown, memory_order_relaxed) == 0)
        return 0;
    if (atomic_fetch_sub(&countdown, 1) == 1) {
        atomic_store(&fired, 1);
        return 1;
    }
    return 0;
}

void *fault_malloc(size_t n)
{
    return should_fail() ? NULL : malloc(n);
}

void *fault_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n);
}
