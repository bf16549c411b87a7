/* diff.c - a line diff by longest common subsequence.  See diff.h. */
#include "content/diff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/fault.h"
#include "core/hash.h"

typedef struct line {
    const char *s;
    size_t len;
    uint32_t hash; /* FNV-1a of the bytes (core/hash.h): most unequal lines differ here */
} line;

static size_t count_lines(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == '\n';
    return k + (n > 0 && s[n - 1] != '\n');
}

/* Splits s[0..n) into lines (see diff.h); *out in a.  False on OOM. */
static bool split(arena *a, const char *s, size_t n, line **out, size_t *count)
{
    *out = NULL;
    *count = count_lines(s, n);
    if (*count == 0)
        return true;
    line *l = arena_alloc(a, *count * sizeof *l);
    if (!l)
        return false;
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= n && k < *count; i++) {
        if (i < n && s[i] != '\n')
            continue;
        size_t len = i - start;
        if (len > 0 && s[start + len - 1] == '\r')
            len--;
        l[k].s = s + start;
        l[k].len = len;
        l[k].hash = (uint32_t)hash_fnv1a(s + start, len);
        k++;
        start = i + 1;
    }
    *out = l;
    return true;
}

static bool same(const line *x, const line *y)
{
    return x->hash == y->hash && x->len == y->len && memcmp(x->s, y->s, x->len) == 0;
}

static void put(diff_result *r, diff_op op, const line *l)
{
    r->lines[r->n].op = op;
    r->lines[r->n].s = l->s;
    r->lines[r->n].len = l->len;
    r->n++;
    r->ndel += op == DIFF_DEL;
    r->nadd += op == DIFF_ADD;
}

bool diff_lines(arena *a, const char *before, size_t blen, const char *after, size_t alen,
                diff_result *out)
{
    memset(out, 0, sizeof *out);
    line *x, *y;
    size_t nx, ny;
    if (!split(a, before, blen, &x, &nx) || !split(a, after, alen, &y, &ny))
        return false;
    if (nx + ny == 0)
        return true;
    diff_line *res = arena_alloc(a, (nx + ny) * sizeof *res);
    if (!res)
        return false;
    out->lines = res;

    /* The common head and tail need no table. */
    size_t head = 0;
    while (head < nx && head < ny && same(&x[head], &y[head]))
        head++;
    size_t tail = 0;
    while (tail < nx - head && tail < ny - head && same(&x[nx - 1 - tail], &y[ny - 1 - tail]))
        tail++;
    size_t n = nx - head - tail, m = ny - head - tail;
    const line *bx = x + head, *by = y + head;

    if (n > DIFF_MAX_LINES || m > DIFF_MAX_LINES) {
        out->whole = true;
        for (size_t i = 0; i < nx; i++)
            put(out, DIFF_DEL, &x[i]);
        for (size_t j = 0; j < ny; j++)
            put(out, DIFF_ADD, &y[j]);
        return true;
    }

    for (size_t i = 0; i < head; i++)
        put(out, DIFF_SAME, &x[i]);
    if (n == 0 || m == 0) {
        for (size_t i = 0; i < n; i++)
            put(out, DIFF_DEL, &bx[i]);
        for (size_t j = 0; j < m; j++)
            put(out, DIFF_ADD, &by[j]);
    } else {
        /* L[i][j] = length of an LCS of bx[i..n) and by[j..m); fits 16 bits
         * since n, m <= DIFF_MAX_LINES. */
        size_t w = m + 1;
        uint16_t *L = fault_malloc((n + 1) * w * sizeof *L);
        if (!L) {
            memset(out, 0, sizeof *out);
            return false;
        }
        for (size_t j = 0; j <= m; j++)
            L[n * w + j] = 0;
        for (size_t i = n; i-- > 0;) {
            L[i * w + m] = 0;
            for (size_t j = m; j-- > 0;) {
                uint16_t down = L[(i + 1) * w + j], right = L[i * w + j + 1];
                L[i * w + j] = same(&bx[i], &by[j]) ? (uint16_t)(L[(i + 1) * w + j + 1] + 1)
                               : down >= right      ? down
                                                    : right;
            }
        }
        size_t i = 0, j = 0;
        while (i < n && j < m) {
            if (same(&bx[i], &by[j])) {
                put(out, DIFF_SAME, &bx[i]);
                i++;
                j++;
            } else if (L[(i + 1) * w + j] >= L[i * w + j + 1]) {
                put(out, DIFF_DEL, &bx[i++]);
            } else {
                put(out, DIFF_ADD, &by[j++]);
            }
        }
        while (i < n)
            put(out, DIFF_DEL, &bx[i++]);
        while (j < m)
            put(out, DIFF_ADD, &by[j++]);
        free(L);
    }
    for (size_t i = nx - tail; i < nx; i++)
        put(out, DIFF_SAME, &x[i]);
    return true;
}
