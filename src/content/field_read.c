/*
 * field_read.c - form inputs into a record, normalised the way people type
 * (field_read_form in content/field.h).
 *
 * What is changed, and why (a value is never refused here; field_validate()
 * says what is wrong with what is left):
 *   - bytes that are not UTF-8 become U+FFFD (the HTTP layer refuses them
 *     already; CSV files and tests may not), so a record is always text;
 *   - one-line inputs: line breaks and tabs become spaces, ASCII and
 *     ideographic spaces (U+3000) are cut at both ends;
 *   - several lines (textarea, rich text): CR LF and CR become LF; trailing
 *     spaces and blank lines at the end and blank lines at the start go
 *     (the first line's indent stays: Japanese paragraphs open with U+3000);
 *   - numbers, codes and addresses typed with a Japanese keyboard:
 *     full-width ASCII (U+FF01..U+FF5E) becomes ASCII in postal codes, phone
 *     numbers, numbers, dates, times, mail addresses, URLs and media ids,
 *     and in postal codes and phone numbers the hyphen-like characters
 *     (‐ ‑ ‒ – — ― − ー ｰ ﹣) next to a digit become '-';
 *   - postal codes lose a leading 〒 and are stored NNN-NNNN; phone numbers
 *     written 083(922)1234 or with spaces get hyphens; numbers lose the
 *     thousands commas; dates written 2025/3/1 or 2025年3月1日 become
 *     2025-03-01, times 9:30 become 09:30;
 *   - checkboxes keep each value once, in the order of the choices;
 *   - a ticked FIELD_AGREE is stored as "1".
 */
#include <stdio.h>
#include <string.h>

#include "content/field.h"
#include "content/field_internal.h"
#include "core/limits.h"

enum {
    NORM_ASCII = 1 << 0,   /* full-width ASCII to ASCII */
    NORM_LINE = 1 << 1,    /* CR, LF, TAB to spaces */
    NORM_LINES = 1 << 2,   /* CR LF and CR to LF */
    NORM_HYPHENS = 1 << 3, /* hyphen-likes next to a digit to '-' */
};

static bool hyphen_like(uint32_t c)
{
    return (c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0x30FC || c == 0xFF70 ||
           c == 0xFE63 || c == 0xFF0D;
}

static bool is_digit_cp(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19);
}

/* The code point at s (valid UTF-8 or not: an invalid byte reads as
 * U+FFFD of length 1). */
static size_t next_cp(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len = field_utf8_next(s, n, cp);
    if (len == 0) {
        *cp = 0xFFFD;
        return 1;
    }
    return len;
}

static size_t put_cp(char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* One pass over raw with the modes of mode; the result in a.  Every input
 * byte yields at most 3 output bytes (an invalid byte becomes U+FFFD). */
static char *normalise(arena *a, const char *raw, unsigned mode)
{
    size_t n = strlen(raw);
    if (n > (((size_t)1 << 30) - 1) / 3)
        return NULL;
    char *out = arena_alloc(a, 3 * n + 1);
    if (!out)
        return NULL;
    const unsigned char *s = (const unsigned char *)raw;
    size_t k = 0;
    uint32_t prev = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        i += next_cp(s + i, n - i, &c);
        if ((mode & NORM_LINES) && c == '\r') {
            if (i < n && s[i] == '\n')
                i++;
            c = '\n';
        } else if ((mode & NORM_LINE) && (c == '\r' || c == '\n' || c == '\t')) {
            if (c == '\r' && i < n && s[i] == '\n')
                i++;
            c = ' ';
        }
        if ((mode & NORM_HYPHENS) && hyphen_like(c)) {
            uint32_t next = 0;
            if (i < n)
                next_cp(s + i, n - i, &next);
            if (is_digit_cp(prev) || is_digit_cp(next))
                c = '-';
        }
        if ((mode & NORM_ASCII) && c >= 0xFF01 && c <= 0xFF5E)
            c = c - 0xFF01 + 0x21;
        k += put_cp(out + k, c);
        prev = c;
    }
    out[k] = '\0';
    return out;
}

static bool space_at(const char *s, size_t *len)
{
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v') {
        *len = 1;
        return true;
    }
    if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80) {
        *len = 3; /* U+3000 IDEOGRAPHIC SPACE */
        return true;
    }
    return false;
}

/* s without spaces at both ends (in place: s is the engine's own copy). */
static char *trim(char *s)
{
    size_t len;
    while (*s && space_at(s, &len))
        s += len;
    char *end = s + strlen(s);
    for (;;) {
        if (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r' ||
                        end[-1] == '\f' || end[-1] == '\v')) {
            end--;
        } else if (end - s >= 3 && (unsigned char)end[-3] == 0xE3 &&
                   (unsigned char)end[-2] == 0x80 && (unsigned char)end[-1] == 0x80) {
            end -= 3;
        } else {
            break;
        }
    }
    *end = '\0';
    return s;
}

static char *one_line(arena *a, const char *raw, unsigned extra)
{
    char *s = normalise(a, raw, NORM_LINE | extra);
    return s ? trim(s) : NULL;
}

/* Several lines: trailing space and blank lines at the end, blank lines at
 * the start removed; "" when there is nothing but space. */
static char *lines(arena *a, const char *raw)
{
    char *s = normalise(a, raw, NORM_LINES);
    if (!s)
        return NULL;
    char *t = trim(s);
    if (!*t)
        return t;
    /* Back up from the first visible character to the start of its line. */
    while (t > s && t[-1] != '\n')
        t--;
    return t;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char *postal(arena *a, const char *raw)
{
    char *s = one_line(a, raw, NORM_ASCII | NORM_HYPHENS);
    if (!s)
        return NULL;
    if (strncmp(s, "〒", strlen("〒")) == 0)
        s = trim(s + strlen("〒"));
    if (strlen(s) == 7) {
        for (int i = 0; i < 7; i++)
            if (!is_digit(s[i]))
                return s;
        char *o = arena_alloc(a, 9);
        if (!o)
            return NULL;
        memcpy(o, s, 3);
        o[3] = '-';
        memcpy(o + 4, s + 3, 5); /* 4 digits and the NUL */
        return o;
    }
    return s;
}

static char *phone(arena *a, const char *raw)
{
    char *s = one_line(a, raw, NORM_ASCII | NORM_HYPHENS);
    if (!s)
        return NULL;
    if (s[0] == '(' && is_digit(s[1]))
        s++;
    /* Spaces and brackets between digits separate groups, as hyphens do. */
    size_t k = 0;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        if ((c == ' ' || c == '(' || c == ')') && k > 0 && is_digit(s[k - 1]) &&
            (is_digit(s[i + 1]) || (s[i + 1] == ' ' && is_digit(s[i + 2])))) {
            if (s[i + 1] == ' ')
                i++;
            c = '-';
        }
        s[k++] = c;
    }
    s[k] = '\0';
    return s;
}

/* "1,200" -> "1200", "+5" -> "5", "007" -> "7", "−3" -> "-3"; anything else
 * as typed. */
static char *integer(arena *a, const char *raw)
{
    char *s = one_line(a, raw, NORM_ASCII);
    if (!s)
        return NULL;
    if (strncmp(s, "−", strlen("−")) == 0) { /* U+2212 MINUS SIGN */
        s += strlen("−") - 1;
        s[0] = '-';
    }
    char *p = s;
    bool neg = false;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (!is_digit(*p))
        return s;
    for (char *q = p; *q; q++)
        if (!is_digit(*q) && !(*q == ',' && q > p && is_digit(q[-1]) && is_digit(q[1])))
            return s;
    /* Written over s, which it never outgrows: the sign, then the digits
     * without commas and leading zeros. */
    size_t k = 0;
    char *o = s;
    if (neg)
        o[k++] = '-';
    size_t first = k;
    for (; *p; p++) {
        if (*p == ',' || (*p == '0' && k == first && is_digit(p[1])) ||
            (*p == '0' && k == first && p[1] == ','))
            continue;
        o[k++] = *p;
    }
    o[k] = '\0';
    if (strcmp(o, "-0") == 0)
        o[0] = '0', o[1] = '\0';
    return o;
}

/* Reads up to max digits at *p (at least one); false if none. */
static bool take_num(const char **p, int max, int *out, int *count)
{
    int v = 0, n = 0;
    while (n < max && is_digit(**p)) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    *out = v;
    *count = n;
    return n > 0 && !is_digit(**p);
}

static bool take_sep(const char **p, const char *const *seps)
{
    for (; *seps; seps++) {
        size_t n = strlen(*seps);
        if (strncmp(*p, *seps, n) == 0) {
            *p += n;
            return true;
        }
    }
    return false;
}

/* A date written Y-M-D, Y/M/D, Y.M.D or Y年M月D日 (4-digit year) at s[0..n);
 * written YYYY-MM-DD into out[11]. */
static bool date_flex(const char *s, size_t n, char out[11])
{
    static const char *const sep1[] = {"-", "/", ".", "年", NULL};
    static const char *const sep2[] = {"-", "/", ".", "月", NULL};
    char tmp[64];
    if (n >= sizeof tmp)
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    const char *p = tmp;
    int y, m, d, c;
    if (!take_num(&p, 4, &y, &c) || c != 4 || !take_sep(&p, sep1) || !take_num(&p, 2, &m, &c) ||
        !take_sep(&p, sep2) || !take_num(&p, 2, &d, &c))
        return false;
    if (strcmp(p, "日") == 0)
        p += strlen("日");
    if (*p || m > 12 || d > 31)
        return false;
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000, (unsigned)m % 100, (unsigned)d % 100);
    return true;
}

/* H:MM or HH:MM, with ":00" seconds allowed, into out[6]. */
static bool time_flex(const char *s, size_t n, char out[6])
{
    char tmp[16];
    if (n >= sizeof tmp)
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    const char *p = tmp;
    int h, m, c;
    if (!take_num(&p, 2, &h, &c) || *p++ != ':' || !take_num(&p, 2, &m, &c) || c != 2)
        return false;
    if (strcmp(p, ":00") == 0)
        p += 3;
    if (*p || h > 23 || m > 59)
        return false;
    snprintf(out, 6, "%02u:%02u", (unsigned)h % 100, (unsigned)m % 100);
    return true;
}

static char *date_value(arena *a, const char *raw)
{
    char *s = one_line(a, raw, NORM_ASCII);
    char out[11];
    if (s && date_flex(s, strlen(s), out))
        return arena_strdup(a, out);
    return s;
}

static char *time_value(arena *a, const char *raw)
{
    char *s = one_line(a, raw, NORM_ASCII);
    char out[6];
    if (s && time_flex(s, strlen(s), out))
        return arena_strdup(a, out);
    return s;
}

static char *datetime_value(arena *a, const char *raw)
{
    char *s = one_line(a, raw, NORM_ASCII);
    if (!s)
        return NULL;
    char *sep = strchr(s, 'T');
    if (!sep)
        sep = strchr(s, ' ');
    char date[11], tm[6];
    if (sep) {
        char *t = sep + 1;
        while (*t == ' ')
            t++;
        if (date_flex(s, (size_t)(sep - s), date) && time_flex(t, strlen(t), tm))
            return arena_printf(a, "%sT%s", date, tm);
    }
    return s;
}

static bool set(record *rec, const char *key, const char *value)
{
    return value && record_set(rec, key, value);
}

/* Checkbox values: every submitted value (a value holding '\n' counts as
 * several, as a record gives them), each once, known ones in the order of
 * the options, then unknown ones as sent.  Bounded by the form's limit. */
static bool read_checks(const field_env *env, const field_desc *f, int v, const field_input *in,
                        record *rec)
{
    arena *a = env->a;
    field_options o;
    field_options_of(env, f, v, &o);
    size_t nopt = field_options_count(&o);
    bool *ticked = arena_calloc(a, nopt + 1, sizeof *ticked);
    if (!ticked)
        return false;
    const char **extra = NULL;
    size_t nextra = 0, cap = 0;
    for (size_t nth = 0; nth < LIMIT_FORM_FIELDS; nth++) {
        const char *raw = in->get(in->ctx, f->name, nth);
        if (!raw)
            break;
        for (const char *p = raw; *p;) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            char *part = arena_strndup(a, p, len);
            char *val = part ? one_line(a, part, 0) : NULL;
            if (!val)
                return false;
            p += len + (nl != NULL);
            if (!*val)
                continue;
            long i = field_option_index(&o, val, strlen(val));
            if (i >= 0) {
                ticked[i] = true;
                continue;
            }
            bool seen = false;
            for (size_t k = 0; k < nextra && !seen; k++)
                seen = strcmp(extra[k], val) == 0;
            if (seen)
                continue;
            if (nextra == cap) {
                cap = cap ? cap * 2 : 8;
                const char **e = arena_alloc(a, cap * sizeof *e);
                if (!e)
                    return false;
                if (nextra)
                    memcpy(e, extra, nextra * sizeof *e);
                extra = e;
            }
            extra[nextra++] = val;
        }
    }
    size_t total = 0;
    for (size_t i = 0; i < nopt; i++)
        if (ticked[i])
            total += strlen(field_option_at(&o, i)) + 1;
    for (size_t k = 0; k < nextra; k++)
        total += strlen(extra[k]) + 1;
    if (total == 0)
        return true;
    char *joined = arena_alloc(a, total);
    if (!joined)
        return false;
    size_t pos = 0;
    for (size_t i = 0; i <= nopt + nextra; i++) {
        const char *s = i < nopt            ? (ticked[i] ? field_option_at(&o, i) : NULL)
                        : i - nopt < nextra ? extra[i - nopt]
                                            : NULL;
        if (!s)
            continue;
        size_t len = strlen(s);
        memcpy(joined + pos, s, len);
        pos += len;
        joined[pos++] = '\n';
    }
    joined[pos - 1] = '\0';
    return record_set(rec, f->name, joined);
}

static const char *get(const field_input *in, const char *key)
{
    return in->get(in->ctx, key, 0);
}

/* The normalised value of one input of f, by the part it is. */
static char *read_part(arena *a, const field_desc *f, const field_key *k, const char *raw)
{
    switch (k->part) {
    case FIELD_PART_FROM:
    case FIELD_PART_TO: return date_value(a, raw);
    case FIELD_PART_URL: return one_line(a, raw, NORM_ASCII);
    case FIELD_PART_LABEL:
    case FIELD_PART_ALT: return one_line(a, raw, 0);
    case FIELD_PART_FILE: return one_line(a, raw, NORM_ASCII);
    default: break;
    }
    switch (f->type) {
    case FIELD_TEXTAREA:
    case FIELD_RICH: return lines(a, raw);
    case FIELD_INT: return integer(a, raw);
    case FIELD_DATE: return date_value(a, raw);
    case FIELD_TIME: return time_value(a, raw);
    case FIELD_DATETIME: return datetime_value(a, raw);
    case FIELD_POSTAL: return postal(a, raw);
    case FIELD_PHONE: return phone(a, raw);
    case FIELD_EMAIL:
    case FIELD_URL:
    case FIELD_IMAGE: return one_line(a, raw, NORM_ASCII);
    case FIELD_AGREE: {
        char *s = one_line(a, raw, 0);
        return s && *s ? arena_strdup(a, FIELD_AGREED) : s;
    }
    default: return one_line(a, raw, 0);
    }
}

bool field_read_form(const field_env *env, const content_type *t, int v, const field_input *in,
                     record *rec)
{
    rec->n = 0;
    field_key keys[FIELD_MAX_KEYS];
    for (size_t i = 0; i < t->nfields; i++) {
        const field_desc *f = &t->fields[i];
        if (!field_in_variant(f, v))
            continue;
        if (f->type == FIELD_CHECKS) {
            if (!read_checks(env, f, v, in, rec))
                goto oom;
            continue;
        }
        size_t nk = field_keys(f, keys);
        for (size_t k = 0; k < nk; k++) {
            const char *raw = get(in, keys[k].key);
            if (!raw || !*raw)
                continue;
            /* Alt text stays only with its image: clearing the image leaves
             * the text in the form, which is not worth an error. */
            if (keys[k].part == FIELD_PART_ALT && !record_get(rec, f->name))
                continue;
            if (!set(rec, keys[k].key, read_part(env->a, f, &keys[k], raw)))
                goto oom;
        }
    }
    return true;
oom:
    rec->n = 0;
    return false;
}
