/*
 * filter.c - the filters of {{ value | name }}.
 *
 * None is needed yet.  To add one, write
 *     static const tv *filter_NAME(arena *a, const tv *in)
 * that returns a value allocated in a (the render's scratch arena), or NULL
 * only when out of memory; in is never NULL (a missing value arrives as
 * null).  The result is escaped for its context like any value, so a filter
 * need not escape; one that returns TV_HTML takes on what
 * tv_html_sanitised() demands.  Then list it in the table below.  An
 * unknown filter name is a compile error.
 */
#include <string.h>

#include "tmpl/internal.h"

const tmpl_filter tmpl_filters[] = {
    {NULL, NULL},
};

int tmpl_filter_find(const char *name, size_t n)
{
    for (int i = 0; tmpl_filters[i].name; i++)
        if (strlen(tmpl_filters[i].name) == n && memcmp(tmpl_filters[i].name, name, n) == 0)
            return i;
    return -1;
}
