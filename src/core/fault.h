/*
 * fault.h - allocation with fault injection for tests.
 *
 * Every allocation in Tsunagu's own code goes through fault_malloc() /
 * fault_realloc().  In normal builds they are malloc/realloc.  Tests set
 * TSUNAGU_FAIL_ALLOC=N (or call fault_fail_nth(N)) to make the Nth allocation
 * fail, as SQLite's test suite does, and check that nothing leaks or crashes.
 */
#ifndef TSUNAGU_CORE_FAULT_H
#define TSUNAGU_CORE_FAULT_H

#include <stddef.h>

void *fault_malloc(size_t n);
void *fault_realloc(void *p, size_t n);

/* Makes the nth allocation from now fail (1 = the next one); 0 disables. */
void fault_fail_nth(long nth);

/* True once an injected failure has happened since the last fault_fail_nth(). */
int fault_fired(void);

#endif
