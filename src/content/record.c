/* record.c - see record.h. */
#include "content/record.h"

#include <string.h>

#include "core/utf8.h"

void record_init(record *r, arena *a)
{
    r->a = a;
    r->kv = NULL;
    r->n = 0;
    r->cap = 0;
}

bool record_key_valid(const char *s, size_t n)
{
    if (!s || n == 0 || n > RECORD_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'))
            return false;
    }
    return true;
}

static size_t find(const record *r, const char *key, size_t klen)
{
    for (size_t i = 0; i < r->n; i++)
        if (strncmp(r->kv[i].key, key, klen) == 0 && r->kv[i].key[klen] == '\0')
            return i;
    return (size_t)-1;
}

const char *record_get(const record *r, const char *key)
{
    if (!r || !key)
        return NULL;
    size_t i = find(r, key, strlen(key));
    return i == (size_t)-1 ? NULL : r->kv[i].value;
}

static void remove_at(record *r, size_t i)
{
    memmove(&r->kv[i], &r->kv[i + 1], (r->n - i - 1) * sizeof *r->kv);
    r->n--;
}

/* Sets key[0..klen) (already checked) to value[0..vlen), copied into the
 * arena unless copy is false (value already lives there).
 * The record's array grows in the arena: the old one is left behind, which
 * costs at most as much again as the final array. */
static bool set_n(record *r, const char *key, size_t klen, const char *value, size_t vlen,
                  bool copy)
{
    size_t i = find(r, key, klen);
    if (vlen == 0) {
        if (i != (size_t)-1)
            remove_at(r, i);
        return true;
    }
    const char *v = copy ? arena_strndup(r->a, value, vlen) : value;
    if (!v)
        return false;
    if (i != (size_t)-1) {
        r->kv[i].value = v; /* keeps its place */
        return true;
    }
    if (r->n == RECORD_MAX_PAIRS)
        return false; /* could not be decoded again */
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        record_kv *kv = arena_alloc(r->a, cap * sizeof *kv);
        if (!kv)
            return false;
        if (r->n)
            memcpy(kv, r->kv, r->n * sizeof *kv);
        r->kv = kv;
        r->cap = cap;
    }
    char *k = arena_strndup(r->a, key, klen);
    if (!k)
        return false;
    r->kv[r->n++] = (record_kv){k, v};
    return true;
}

bool record_set(record *r, const char *key, const char *value)
{
    if (!r || !key || !record_key_valid(key, strlen(key)))
        return false;
    size_t vlen = value ? strlen(value) : 0;
    if (!utf8_valid(value ? value : "", vlen))
        return false;
    return set_n(r, key, strlen(key), value, vlen, true);
}

bool record_encode(const record *r, buf *out)
{
    for (size_t i = 0; i < r->n; i++) {
        const char *v = r->kv[i].value;
        if (!v || !*v)
            continue;
        buf_puts(out, r->kv[i].key);
        buf_putc(out, '\t');
        /* Copy runs of plain bytes at once; escape the four special ones. */
        const char *run = v;
        for (const char *p = v;; p++) {
            const char *esc = NULL;
            switch (*p) {
            case '\\': esc = "\\\\"; break;
            case '\t': esc = "\\t"; break;
            case '\n': esc = "\\n"; break;
            case '\r': esc = "\\r"; break;
            default: break;
            }
            if (esc || *p == '\0') {
                buf_append(out, run, (size_t)(p - run));
                if (!esc)
                    break;
                buf_puts(out, esc);
                run = p + 1;
            }
        }
        buf_putc(out, '\n');
    }
    return buf_ok(out);
}

/* Unescapes s[0..n) into the arena; NULL on a bad escape, a raw tab or CR,
 * or OOM (record_decode() reports both as false). */
static char *unescape(arena *a, const char *s, size_t n, size_t *outlen)
{
    char *o = arena_alloc(a, n + 1);
    if (!o)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\t' || c == '\r')
            return NULL;
        if (c != '\\') {
            o[k++] = c;
            continue;
        }
        if (++i == n)
            return NULL;
        switch (s[i]) {
        case '\\': o[k++] = '\\'; break;
        case 't': o[k++] = '\t'; break;
        case 'n': o[k++] = '\n'; break;
        case 'r': o[k++] = '\r'; break;
        default: return NULL;
        }
    }
    o[k] = '\0';
    *outlen = k;
    return o;
}

bool record_decode(record *r, const char *text, size_t n)
{
    r->n = 0;
    if (n && !text)
        return false;
    /* Validating the whole text first covers every value: the escapes only
     * produce ASCII, so unescaped values stay valid UTF-8. */
    if (!utf8_valid(text ? text : "", n))
        return false;
    size_t pos = 0;
    while (pos < n) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', n - pos);
        if (!nl)
            goto fail; /* no final newline */
        size_t len = (size_t)(nl - line);
        const char *tab = memchr(line, '\t', len);
        if (!tab)
            goto fail;
        size_t klen = (size_t)(tab - line);
        if (!record_key_valid(line, klen) || find(r, line, klen) != (size_t)-1)
            goto fail;
        size_t vlen = 0;
        char *v = unescape(r->a, tab + 1, len - klen - 1, &vlen);
        if (!v || vlen == 0)
            goto fail; /* bad escape, OOM, or an empty value, which is never written */
        if (r->n == RECORD_MAX_PAIRS || !set_n(r, line, klen, v, vlen, false))
            goto fail;
        pos += len + 1;
    }
    return true;
fail:
    r->n = 0;
    return false;
}

bool record_copy(record *dst, const record *src)
{
    dst->n = 0;
    for (size_t i = 0; i < src->n; i++) {
        const char *v = src->kv[i].value;
        if (v && *v && !set_n(dst, src->kv[i].key, strlen(src->kv[i].key), v, strlen(v), true)) {
            dst->n = 0;
            return false;
        }
    }
    return true;
}
