/*
 * libFuzzer target: the stored text of a record (content/record.h) on
 * arbitrary bytes.  What must hold:
 *   - record_decode() never crashes or leaks; on failure the record is empty;
 *   - what it accepts has valid keys, valid UTF-8 values without NUL, no
 *     empty value, no repeated key, at most RECORD_MAX_PAIRS pairs;
 *   - the format is canonical: encoding what was decoded gives the input
 *     back byte for byte, and decoding that gives the same pairs;
 *   - record_copy() gives the same pairs; record_set() of every pair again
 *     changes nothing;
 *   - with one allocation failing (the input's first byte picks which) the
 *     decoder reports false and leaves the record empty, or succeeds with
 *     the same result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/record.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/fault.h"
#include "core/utf8.h"

static bool same(const record *a, const record *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->kv[i].key, b->kv[i].key) != 0 || strcmp(a->kv[i].value, b->kv[i].value) != 0)
            return false;
    return true;
}

static void check_pairs(const record *r)
{
    if (r->n > RECORD_MAX_PAIRS)
        abort();
    for (size_t i = 0; i < r->n; i++) {
        const char *k = r->kv[i].key, *v = r->kv[i].value;
        if (!record_key_valid(k, strlen(k)) || !*v || !utf8_valid(v, strlen(v)))
            abort();
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->kv[j].key, k) == 0)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    arena a;
    arena_init(&a);
    record r;
    record_init(&r, &a);
    bool ok = record_decode(&r, text, size);
    if (!ok) {
        if (r.n != 0)
            abort();
        arena_free(&a);
        return 0;
    }
    check_pairs(&r);

    buf out = BUF_INIT;
    if (!record_encode(&r, &out) || out.len != size || (size && memcmp(out.data, data, size) != 0))
        abort();
    record back, copy;
    record_init(&back, &a);
    record_init(&copy, &a);
    if (!record_decode(&back, out.data ? out.data : "", out.len) || !same(&r, &back))
        abort();
    if (!record_copy(&copy, &r) || !same(&r, &copy))
        abort();
    for (size_t i = 0; i < r.n; i++)
        if (!record_set(&copy, r.kv[i].key, r.kv[i].value))
            abort();
    if (!same(&r, &copy))
        abort();
    buf_free(&out);

    /* One allocation failing somewhere in the decoder. */
    arena fa;
    arena_init(&fa);
    record f;
    record_init(&f, &fa);
    fault_fail_nth(size ? 1 + data[0] % 8 : 1);
    bool fok = record_decode(&f, text, size);
    bool fired = fault_fired();
    fault_fail_nth(0);
    if (fok ? !same(&r, &f) : (!fired || f.n != 0))
        abort();
    arena_free(&fa);
    arena_free(&a);
    return 0;
}
