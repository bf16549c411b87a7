/*
 * field.c - the field engine's descriptor rules, privacy filter, CSV columns
 * and the helpers its other files share (field_internal.h).  Reading forms
 * is in field_read.c, validation in field_validate.c, the views in
 * field_view.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/field.h"
#include "content/field_internal.h"
#include "core/fault.h"
#include "core/utf8.h"

/* ---- descriptors ---- */

static int variant_count(const content_type *t)
{
    int n = 0;
    while (t->variants && t->variants[n])
        n++;
    return n;
}

int content_variant(const content_type *t, const char *name)
{
    if (!t)
        return -1;
    if (!t->variants)
        return 0;
    for (int i = 0; name && t->variants[i]; i++)
        if (strcmp(t->variants[i], name) == 0)
            return i;
    return -1;
}

const field_desc *content_field(const content_type *t, const char *name)
{
    for (size_t i = 0; t && name && i < t->nfields; i++)
        if (strcmp(t->fields[i].name, name) == 0)
            return &t->fields[i];
    return NULL;
}

/* The character for variant v of a per-variant string s (one character
 * applies to all), or 0. */
static char variant_char(const char *s, int v)
{
    if (v < 0 || v >= FIELD_MAX_VARIANTS)
        return 0;
    size_t n = strlen(s);
    if (n == 1)
        return s[0];
    return (size_t)v < n ? s[v] : 0;
}

char field_use_char(const field_desc *f, int v)
{
    char c = variant_char(f->use ? f->use : "O", v);
    return c == 'R' || c == 'O' ? c : '-';
}

char field_vis_char(const field_desc *f, int v)
{
    char c = variant_char(f->vis ? f->vis : "P", v);
    return c == 'P' || c == 'M' ? c : 'S';
}

bool field_in_variant(const field_desc *f, int v)
{
    return f && field_use_char(f, v) != '-';
}

bool field_required(const field_desc *f, int v)
{
    return f && field_use_char(f, v) == 'R';
}

bool field_visible(const field_desc *f, int v, content_audience who)
{
    if (!field_in_variant(f, v))
        return false;
    switch (field_vis_char(f, v)) {
    case 'P': return true;
    case 'M': return who == AUDIENCE_MEMBER || who == AUDIENCE_STAFF;
    default: return who == AUDIENCE_STAFF;
    }
}

/* The vth part of "A|B|C" as a pointer and length, or false. */
static bool label_part(const char *labels, int v, const char **p, size_t *n)
{
    if (!labels || v < 0)
        return false;
    const char *s = labels;
    for (int i = 0; i < v; i++) {
        s = strchr(s, '|');
        if (!s)
            return false;
        s++;
    }
    const char *end = strchr(s, '|');
    *p = s;
    *n = end ? (size_t)(end - s) : strlen(s);
    return *n > 0;
}

const char *field_label_a(arena *a, const field_desc *f, int v)
{
    const char *p;
    size_t n;
    if (!label_part(f->labels, v, &p, &n))
        return f->label;
    return arena_strndup(a, p, n);
}

/* field_label() keeps each split label once: the tables are static, so the
 * set of strings is small and fixed.  A lock guards the list because every
 * request thread may ask. */
typedef struct label_entry {
    struct label_entry *next;
    const char *labels;
    int v;
    char s[];
} label_entry;

static pthread_mutex_t label_lock = PTHREAD_MUTEX_INITIALIZER;
static label_entry *label_cache;

const char *field_label(const field_desc *f, int v)
{
    if (!f)
        return NULL;
    const char *p;
    size_t n;
    if (!label_part(f->labels, v, &p, &n))
        return f->label;
    const char *found = NULL;
    pthread_mutex_lock(&label_lock);
    for (label_entry *e = label_cache; e && !found; e = e->next)
        if (e->labels == f->labels && e->v == v)
            found = e->s;
    if (!found) {
        label_entry *e = fault_malloc(sizeof *e + n + 1);
        if (e) {
            e->labels = f->labels;
            e->v = v;
            memcpy(e->s, p, n);
            e->s[n] = '\0';
            e->next = label_cache;
            label_cache = e;
            found = e->s;
        }
    }
    pthread_mutex_unlock(&label_lock);
    return found ? found : f->label;
}

/* Frees the kept labels at exit so leak checkers see a clean process. */
__attribute__((destructor)) static void label_cache_free(void)
{
    while (label_cache) {
        label_entry *next = label_cache->next;
        free(label_cache);
        label_cache = next;
    }
}

const char *const *field_choices(const field_desc *f, int v)
{
    if (v >= 0 && v < FIELD_MAX_VARIANTS && f->variant_choices[v])
        return f->variant_choices[v];
    return f->choices;
}

const char *const *field_slot_labels(const field_desc *f, int v)
{
    if (v >= 0 && v < FIELD_MAX_VARIANTS && f->variant_slot_labels[v])
        return f->variant_slot_labels[v];
    return f->slot_labels;
}

const char *field_master_kind(const field_desc *f)
{
    if (f->master)
        return f->master;
    if (f->type == FIELD_MUNICIPALITY)
        return "municipality";
    if (f->type == FIELD_PREFECTURE)
        return "prefecture";
    return NULL;
}

int field_slots(const field_desc *f)
{
    if (f->count < 1)
        return 1;
    return f->count > FIELD_MAX_SLOTS ? FIELD_MAX_SLOTS : f->count;
}

int field_type_max(field_type t)
{
    switch (t) {
    case FIELD_TEXT: return FIELD_TEXT_MAX;
    case FIELD_TEXTAREA: return FIELD_TEXTAREA_MAX;
    case FIELD_URL:
    case FIELD_URLS: return FIELD_URL_MAX;
    case FIELD_EMAIL: return FIELD_EMAIL_MAX;
    default: return 0; /* RICH: markdown_check's limit; the rest: their format */
    }
}

const char *field_type_word(field_type t)
{
    static const char *const words[] = {
        [FIELD_TEXT] = "text",
        [FIELD_TEXTAREA] = "textarea",
        [FIELD_RICH] = "rich",
        [FIELD_INT] = "int",
        [FIELD_DATE] = "date",
        [FIELD_DATE_RANGE] = "date_range",
        [FIELD_TIME] = "time",
        [FIELD_DATETIME] = "datetime",
        [FIELD_SELECT] = "select",
        [FIELD_CHECKS] = "checks",
        [FIELD_MUNICIPALITY] = "municipality",
        [FIELD_PREFECTURE] = "prefecture",
        [FIELD_POSTAL] = "postal",
        [FIELD_PHONE] = "phone",
        [FIELD_EMAIL] = "email",
        [FIELD_URL] = "url",
        [FIELD_URLS] = "urls",
        [FIELD_FILES] = "files",
        [FIELD_IMAGE] = "image",
        [FIELD_AGREE] = "agree",
    };
    if ((unsigned)t < sizeof words / sizeof words[0] && words[t])
        return words[t];
    return "text";
}

bool field_one_line(field_type t)
{
    return t != FIELD_TEXTAREA && t != FIELD_RICH;
}

/* ---- record keys ---- */

static bool put_key(field_key *k, const char *name, const char *suffix, field_part part, int slot)
{
    int n = snprintf(k->key, sizeof k->key, "%s%s", name, suffix);
    k->part = part;
    k->slot = slot;
    return n > 0 && (size_t)n < sizeof k->key && record_key_valid(k->key, (size_t)n);
}

size_t field_keys(const field_desc *f, field_key out[FIELD_MAX_KEYS])
{
    size_t n = 0;
    bool ok = true;
    char suffix[32];
    switch (f->type) {
    case FIELD_DATE_RANGE:
        ok = put_key(&out[n++], f->name, ".from", FIELD_PART_FROM, 0);
        ok = put_key(&out[n++], f->name, ".to", FIELD_PART_TO, 0) && ok;
        break;
    case FIELD_URLS:
        for (int s = 1; s <= field_slots(f); s++) {
            snprintf(suffix, sizeof suffix, ".%d.url", s);
            ok = put_key(&out[n++], f->name, suffix, FIELD_PART_URL, s) && ok;
            snprintf(suffix, sizeof suffix, ".%d.label", s);
            ok = put_key(&out[n++], f->name, suffix, FIELD_PART_LABEL, s) && ok;
        }
        break;
    case FIELD_FILES:
        for (int s = 1; s <= field_slots(f); s++) {
            snprintf(suffix, sizeof suffix, ".%d", s);
            ok = put_key(&out[n++], f->name, suffix, FIELD_PART_FILE, s) && ok;
        }
        break;
    case FIELD_IMAGE:
        ok = put_key(&out[n++], f->name, "", FIELD_PART_VALUE, 0);
        ok = put_key(&out[n++], f->name, ".alt", FIELD_PART_ALT, 0) && ok;
        break;
    default: ok = put_key(&out[n++], f->name, "", FIELD_PART_VALUE, 0); break;
    }
    return ok ? n : 0;
}

char *field_html_id(arena *a, const char *key, const char *suffix)
{
    char *id = arena_printf(a, "f-%s%s", key, suffix ? suffix : "");
    if (!id)
        return NULL;
    for (char *p = id + 2; *p; p++)
        if (*p == '.' || *p == '_')
            *p = '-';
    return id;
}

/* ---- options ---- */

void field_options_of(const field_env *env, const field_desc *f, int v, field_options *o)
{
    o->master = NULL;
    o->nmaster = 0;
    o->choices = field_choices(f, v);
    const char *kind = field_master_kind(f);
    if (kind && env && env->master) {
        size_t n = 0;
        const char *const *m = env->master(env->ctx, kind, &n);
        if (m) {
            o->master = m;
            o->nmaster = n;
        }
    }
}

size_t field_options_count(const field_options *o)
{
    size_t n = o->nmaster;
    for (size_t i = 0; o->choices && o->choices[i]; i++)
        n++;
    return n;
}

const char *field_option_at(const field_options *o, size_t i)
{
    return i < o->nmaster ? o->master[i] : o->choices[i - o->nmaster];
}

long field_option_index(const field_options *o, const char *value, size_t n)
{
    size_t count = field_options_count(o);
    for (size_t i = 0; i < count; i++) {
        const char *s = field_option_at(o, i);
        if (s && strlen(s) == n && memcmp(s, value, n) == 0)
            return (long)i;
    }
    return -1;
}

/* ---- text ---- */

size_t field_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    uint32_t v;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    v = (v << 6) | (s[1] & 0x3F);
    for (size_t k = 2; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[k] & 0x3F);
    }
    *cp = v;
    return len;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

static bool valid_date(int y, int m, int d)
{
    return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

bool field_parse_date(const char *s, int *y, int *m, int *d)
{
    return s && strlen(s) == 10 && s[4] == '-' && s[7] == '-' && digits(s, 4, y) &&
           digits(s + 5, 2, m) && digits(s + 8, 2, d) && valid_date(*y, *m, *d);
}

bool field_parse_time(const char *s, int *h, int *mi)
{
    return s && strlen(s) == 5 && s[2] == ':' && digits(s, 2, h) && digits(s + 3, 2, mi) &&
           *h <= 23 && *mi <= 59;
}

bool field_parse_datetime(const char *s, int *y, int *m, int *d, int *h, int *mi)
{
    char date[11];
    if (!s || strlen(s) != 16 || s[10] != 'T')
        return false;
    memcpy(date, s, 10);
    date[10] = '\0';
    return field_parse_date(date, y, m, d) && field_parse_time(s + 11, h, mi);
}

/* Day of the week (0 = Sunday) of a proleptic Gregorian date. */
static int weekday(int y, int m, int d)
{
    static const int t[12] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    if (m < 3)
        y--;
    return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
}

char *field_date_ja(arena *a, const char *s)
{
    static const char *const wday[7] = {"日", "月", "火", "水", "木", "金", "土"};
    int y, m, d;
    if (!field_parse_date(s, &y, &m, &d))
        return NULL;
    return arena_printf(a, "%d年%d月%d日（%s）", y, m, d, wday[weekday(y, m, d)]);
}

char *field_msg(arena *a, const char *label, const char *rest)
{
    return arena_printf(a, "%s%s", label, rest);
}

/* ---- required_if ---- */

bool field_required_if_parts(arena *a, const field_desc *f, const char **other, const char **value)
{
    *other = *value = NULL;
    const char *eq = f->required_if ? strchr(f->required_if, '=') : NULL;
    if (!eq)
        return false;
    *other = arena_strndup(a, f->required_if, (size_t)(eq - f->required_if));
    *value = eq + 1;
    return *other != NULL;
}

bool field_required_if_met(const field_desc *f, const record *rec)
{
    const char *eq = f->required_if ? strchr(f->required_if, '=') : NULL;
    if (!eq)
        return false;
    size_t klen = (size_t)(eq - f->required_if);
    const char *want = eq + 1;
    size_t wlen = strlen(want);
    for (size_t i = 0; i < rec->n; i++) {
        if (strncmp(rec->kv[i].key, f->required_if, klen) != 0 || rec->kv[i].key[klen])
            continue;
        /* Any line of a multi-valued value counts. */
        for (const char *p = rec->kv[i].value; p && *p;) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            if (n == wlen && memcmp(p, want, n) == 0)
                return true;
            p = nl ? nl + 1 : p + n;
        }
    }
    return false;
}

/* ---- errors and inputs ---- */

bool field_error_add(arena *a, field_errors *errs, const char *key, const char *message)
{
    if (!errs || !key || !message)
        return false;
    if (errs->n == errs->cap) {
        size_t cap = errs->cap ? errs->cap * 2 : 8;
        field_error *e = arena_alloc(a, cap * sizeof *e);
        if (!e)
            return false;
        if (errs->n)
            memcpy(e, errs->e, errs->n * sizeof *e);
        errs->e = e;
        errs->cap = cap;
    }
    field_error err = {
        .key = arena_strdup(a, key),
        .id = field_html_id(a, key, NULL),
        .message = arena_strdup(a, message),
    };
    if (!err.key || !err.id || !err.message)
        return false;
    errs->e[errs->n++] = err;
    return true;
}

static const char *record_input_get(void *ctx, const char *name, size_t nth)
{
    return nth == 0 ? record_get(ctx, name) : NULL;
}

void field_input_record(field_input *in, const record *rec)
{
    in->get = record_input_get;
    in->ctx = (void *)rec; /* only read: field_input's ctx is not const */
}

/* ---- privacy filter ---- */

bool content_filter(const content_type *t, int v, content_audience who, const record *rec,
                    record *out)
{
    out->n = 0;
    field_key keys[FIELD_MAX_KEYS];
    for (size_t i = 0; i < t->nfields; i++) {
        const field_desc *f = &t->fields[i];
        if (!field_visible(f, v, who))
            continue;
        size_t nk = field_keys(f, keys);
        for (size_t k = 0; k < nk; k++) {
            const char *val = record_get(rec, keys[k].key);
            if (val && *val && !record_set(out, keys[k].key, val)) {
                out->n = 0;
                return false;
            }
        }
    }
    return true;
}

/* ---- CSV ---- */

static const char *csv_label(arena *a, const field_desc *f, const field_key *k)
{
    switch (k->part) {
    case FIELD_PART_FROM: return arena_printf(a, "%s（開始日）", f->label);
    case FIELD_PART_TO: return arena_printf(a, "%s（終了日）", f->label);
    case FIELD_PART_URL:
    case FIELD_PART_FILE: return arena_printf(a, "%s %d", f->label, k->slot);
    case FIELD_PART_LABEL: return arena_printf(a, "%s %d 説明", f->label, k->slot);
    case FIELD_PART_ALT: return arena_printf(a, "%s 代替テキスト", f->label);
    default: return f->label;
    }
}

const char *const *content_csv_keys(arena *a, const content_type *t, size_t *n,
                                    const char *const **labels)
{
    *n = 0;
    if (labels)
        *labels = NULL;
    size_t cap = 0;
    field_key keys[FIELD_MAX_KEYS];
    for (size_t i = 0; i < t->nfields; i++)
        if (!(t->fields[i].flags & FIELD_NO_EXPORT))
            cap += field_keys(&t->fields[i], keys);
    const char **out = arena_calloc(a, cap + 1, sizeof *out);
    const char **lab = arena_calloc(a, cap + 1, sizeof *lab);
    if (!out || !lab)
        return NULL;
    size_t m = 0;
    for (size_t i = 0; i < t->nfields; i++) {
        const field_desc *f = &t->fields[i];
        if (f->flags & FIELD_NO_EXPORT)
            continue;
        size_t nk = field_keys(f, keys);
        for (size_t k = 0; k < nk && m < cap; k++, m++) {
            out[m] = arena_strdup(a, keys[k].key);
            lab[m] = csv_label(a, f, &keys[k]);
            if (!out[m] || !lab[m])
                return NULL;
        }
    }
    *n = m;
    if (labels)
        *labels = lab;
    return out;
}

const char **content_csv_values(arena *a, const record *rec, const char *const *keys, size_t n)
{
    const char **vals = arena_calloc(a, n + 1, sizeof *vals);
    for (size_t i = 0; vals && i < n; i++)
        vals[i] = record_get(rec, keys[i]);
    return vals;
}

bool content_type_without(arena *a, const content_type *t, unsigned flags, content_type *out)
{
    field_desc *fields = arena_alloc(a, (t->nfields + 1) * sizeof *fields);
    if (!fields)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < t->nfields; i++)
        if (!(t->fields[i].flags & flags))
            fields[n++] = t->fields[i];
    *out = *t;
    out->fields = fields;
    out->nfields = n;
    return true;
}

/* ---- the table check ---- */

typedef struct id_set {
    char **ids;
    size_t n, cap;
} id_set;

/* Adds id (malloc'd copy) unless present; false (with a message) on a
 * duplicate or OOM. */
static bool id_add(id_set *s, const char *id, char *err, size_t errlen)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->ids[i], id) == 0) {
            utf8_format(err, errlen, "HTML の id「%s」が二つの入力で重なります", id);
            return false;
        }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char **p = fault_realloc(s->ids, cap * sizeof *p);
        if (!p)
            goto oom;
        s->ids = p;
        s->cap = cap;
    }
    size_t len = strlen(id);
    char *copy = fault_malloc(len + 1);
    if (!copy)
        goto oom;
    memcpy(copy, id, len + 1);
    s->ids[s->n++] = copy;
    return true;
oom:
    utf8_format(err, errlen, "メモリが足りません");
    return false;
}

/* Options a choice field may show: its literal choices plus up to this many
 * master items (the prefectures are 47). */
#define CHECK_MASTER_OPTIONS 64

static bool check_field_ids(const field_desc *f, id_set *ids, char *err, size_t errlen)
{
    field_key keys[FIELD_MAX_KEYS];
    size_t nk = field_keys(f, keys);
    char id[RECORD_KEY_MAX + 64];
    bool choice = f->type == FIELD_SELECT || f->type == FIELD_CHECKS ||
                  f->type == FIELD_MUNICIPALITY || f->type == FIELD_PREFECTURE;
    for (size_t k = 0; k < nk; k++) {
        snprintf(id, sizeof id, "f-%.64s", keys[k].key);
        for (char *p = id + 2; *p; p++)
            if (*p == '.' || *p == '_')
                *p = '-';
        if (!id_add(ids, id, err, errlen))
            return false;
    }
    /* The ids of its hint, its error and its options (a composite field has
     * no id of its own: its inputs have). */
    char base[RECORD_KEY_MAX + 8];
    snprintf(base, sizeof base, "f-%.64s", f->name);
    for (char *p = base + 2; *p; p++)
        if (*p == '_')
            *p = '-';
    static const char *const suffixes[] = {"-hint", "-error"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(id, sizeof id, "%.72s%s", base, suffixes[i]);
        if (!id_add(ids, id, err, errlen))
            return false;
    }
    if (choice) {
        size_t n = CHECK_MASTER_OPTIONS + 1; /* + a kept value the list lacks */
        for (size_t v = 0; v < FIELD_MAX_VARIANTS; v++) {
            const char *const *c = field_choices(f, (int)v);
            size_t m = CHECK_MASTER_OPTIONS + 1;
            while (c && *c++)
                m++;
            if (m > n)
                n = m;
        }
        for (size_t i = 1; i <= n; i++) {
            snprintf(id, sizeof id, "%.72s-%zu", base, i);
            if (!id_add(ids, id, err, errlen))
                return false;
        }
    }
    return true;
}

static bool check_variant_string(const char *s, const char *allowed, int nv)
{
    size_t n = strlen(s);
    if (n != 1 && n != (size_t)nv)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr(allowed, s[i]))
            return false;
    return true;
}

static bool check_field(const content_type *t, const field_desc *f, int nv, char *err,
                        size_t errlen)
{
    const char *name = f->name ? f->name : "";
    /* "fields" is the display view's list (field_display_view). */
    if (!record_key_valid(name, strlen(name)) || strchr(name, '.') || strcmp(name, "fields") == 0) {
        utf8_format(err, errlen, "項目名「%s」が正しくありません", name);
        return false;
    }
    field_key keys[FIELD_MAX_KEYS];
    if (!f->label || !*f->label || field_keys(f, keys) == 0) {
        utf8_format(err, errlen, "%s: ラベルがないか、名前が長すぎます", name);
        return false;
    }
    if ((f->use && !check_variant_string(f->use, "RO-", nv)) ||
        (f->vis && !check_variant_string(f->vis, "PMS", nv))) {
        utf8_format(err, errlen, "%s: use / vis が区分の数と合いません", name);
        return false;
    }
    if (f->labels) {
        int parts = 1;
        for (const char *p = f->labels; *p; p++)
            parts += *p == '|';
        const char *p;
        size_t n;
        for (int v = 0; v < parts; v++)
            if (!label_part(f->labels, v, &p, &n))
                parts = -1;
        if (parts != nv) {
            utf8_format(err, errlen, "%s: labels の数が区分の数と合いません", name);
            return false;
        }
    }
    for (int v = nv; v < FIELD_MAX_VARIANTS; v++)
        if (f->variant_choices[v] || f->variant_slot_labels[v]) {
            utf8_format(err, errlen, "%s: ない区分の選択肢があります", name);
            return false;
        }
    if (f->count < 0 || f->count > FIELD_MAX_SLOTS) {
        utf8_format(err, errlen, "%s: count は %d まで", name, FIELD_MAX_SLOTS);
        return false;
    }
    if (f->required_if) {
        const char *eq = strchr(f->required_if, '=');
        char other[RECORD_KEY_MAX + 1];
        size_t n = eq ? (size_t)(eq - f->required_if) : 0;
        if (n == 0 || n > RECORD_KEY_MAX || !eq[1]) {
            utf8_format(err, errlen, "%s: required_if は「項目=値」の形で書きます", name);
            return false;
        }
        memcpy(other, f->required_if, n);
        other[n] = '\0';
        const field_desc *o = content_field(t, other);
        if (!o || o == f) {
            utf8_format(err, errlen, "%s: required_if の項目「%s」がありません", name, other);
            return false;
        }
    }
    bool choice = f->type == FIELD_SELECT || f->type == FIELD_CHECKS ||
                  f->type == FIELD_MUNICIPALITY || f->type == FIELD_PREFECTURE;
    if (f->type == FIELD_SELECT || f->type == FIELD_CHECKS) {
        for (int v = 0; v < nv; v++)
            if (field_in_variant(f, v) && !f->master && !field_choices(f, v)) {
                utf8_format(err, errlen, "%s: 選択肢がありません", name);
                return false;
            }
    } else if (!choice && (f->choices || f->master)) {
        utf8_format(err, errlen, "%s: この種類に選択肢は使えません", name);
        return false;
    }
    if ((f->flags & FIELD_ALL) && f->type != FIELD_CHECKS) {
        utf8_format(err, errlen, "%s: FIELD_ALL はチェックボックスだけに使えます", name);
        return false;
    }
    return true;
}

bool content_type_check(const content_type *t, char *err, size_t errlen)
{
    utf8_format(err, errlen, "%s", "");
    if (!t || !t->name || !t->label || !t->fields || t->nfields == 0) {
        utf8_format(err, errlen, "種類の名前・ラベル・項目がありません");
        return false;
    }
    int nv = variant_count(t);
    if (nv > FIELD_MAX_VARIANTS) {
        utf8_format(err, errlen, "%s: 区分は %d まで", t->name, FIELD_MAX_VARIANTS);
        return false;
    }
    if (nv == 0)
        nv = 1;
    else
        for (int v = 0; v < nv; v++)
            if (!t->variant_labels || !t->variant_labels[v]) {
                utf8_format(err, errlen, "%s: 区分のラベルが足りません", t->name);
                return false;
            }
    const field_desc *title = content_field(t, t->title_field);
    if (!title || title->type != FIELD_TEXT) {
        utf8_format(err, errlen, "%s: title_field は文字の項目にします", t->name);
        return false;
    }
    id_set ids = {0};
    bool ok = true;
    for (size_t i = 0; ok && i < t->nfields; i++) {
        const field_desc *f = &t->fields[i];
        ok = check_field(t, f, nv, err, errlen);
        for (size_t j = 0; ok && j < i; j++)
            if (strcmp(t->fields[j].name, f->name) == 0) {
                utf8_format(err, errlen, "%s: 項目名が重なります", f->name);
                ok = false;
            }
        ok = ok && check_field_ids(f, &ids, err, errlen);
    }
    for (size_t i = 0; i < ids.n; i++)
        free(ids.ids[i]);
    free(ids.ids);
    return ok;
}
