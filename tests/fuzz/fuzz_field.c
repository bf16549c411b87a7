/*
 * libFuzzer target: the field engine (content/field.h) on the test type
 * (content/types_test.c), every field type at once.
 *
 * Input: form inputs as lines "name=value" (a value's "\n" written as the
 * two characters \n, so a value may hold line breaks); the first byte picks
 * an allocation to fail on a second run.  The inputs go through
 * field_read_form -> field_validate -> field_form_view -> content_filter for
 * each audience -> field_display_view, and the views are rendered with the
 * real partials.  What must hold:
 *   - nothing crashes or leaks, whatever the bytes (not UTF-8, controls,
 *     huge numbers, half dates, stray keys);
 *   - the record read holds only keys of the type, valid UTF-8; reading it
 *     again through field_input_record() gives the same record (the reader
 *     is idempotent);
 *   - validation gives at most one error per field plus one per stray key,
 *     each with a key, an id "f-..." and a non-empty UTF-8 message; it
 *     succeeds exactly when there are none;
 *   - a filtered record holds only keys the audience may see;
 *   - the rendered form and display never hold markup from the input: no
 *     "<script", no "javascript:" in an href or src, no tag but those the
 *     partials and the Markdown writer spell;
 *   - with one allocation failing each call reports it (NULL / false) and
 *     leaks nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "content/field.h"
#include "content/record.h"
#include "content/types.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/fault.h"
#include "core/utf8.h"
#include "tmpl/tmpl.h"

#ifndef TSUNAGU_SHARE_DIR
#define TSUNAGU_SHARE_DIR "."
#endif

static const char *const municipalities[] = {"下関市", "宇部市", "山口市", "萩市", "山陽小野田市"};
static const char *const prefectures[] = {"山口県", "広島県", "福岡県"};

static const char *const *fz_master(void *ctx, const char *kind, size_t *n)
{
    (void)ctx;
    if (strcmp(kind, "municipality") == 0) {
        *n = sizeof municipalities / sizeof municipalities[0];
        return municipalities;
    }
    if (strcmp(kind, "prefecture") == 0) {
        *n = sizeof prefectures / sizeof prefectures[0];
        return prefectures;
    }
    *n = 0;
    return NULL;
}

static const char *fz_media(void *ctx, long long id, bool *is_image)
{
    (void)ctx;
    if (id < 1 || id > 3)
        return NULL;
    *is_image = id != 3;
    return id == 1 ? "a.jpg" : id == 2 ? "地図 <b>.png" : "x\".pdf";
}

typedef struct inputs {
    char **names, **values;
    size_t n;
} inputs;

static const char *fz_get(void *ctx, const char *name, size_t nth)
{
    const inputs *in = ctx;
    for (size_t i = 0; i < in->n; i++)
        if (strcmp(in->names[i], name) == 0 && nth-- == 0)
            return in->values[i];
    return NULL;
}

/* Splits data into lines "name=value"; values unescape "\n". */
static void split(const char *data, size_t size, inputs *in)
{
    in->n = 0;
    in->names = calloc(size / 2 + 2, sizeof *in->names);
    in->values = calloc(size / 2 + 2, sizeof *in->values);
    if (!in->names || !in->values)
        abort();
    size_t pos = 0;
    while (pos < size) {
        const char *line = data + pos;
        const char *nl = memchr(line, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - line) : size - pos;
        pos += len + 1;
        const char *eq = memchr(line, '=', len);
        if (!eq || memchr(line, '\0', len))
            continue;
        size_t klen = (size_t)(eq - line), vlen = len - klen - 1;
        char *name = strndup(line, klen), *value = malloc(vlen + 1);
        if (!name || !value)
            abort();
        size_t k = 0;
        for (size_t i = 0; i < vlen; i++) {
            if (eq[1 + i] == '\\' && i + 1 < vlen && eq[2 + i] == 'n') {
                value[k++] = '\n';
                i++;
            } else {
                value[k++] = eq[1 + i];
            }
        }
        value[k] = '\0';
        in->names[in->n] = name;
        in->values[in->n++] = value;
    }
}

static void inputs_free(inputs *in)
{
    for (size_t i = 0; i < in->n; i++) {
        free(in->names[i]);
        free(in->values[i]);
    }
    free(in->names);
    free(in->values);
}

static tmpl_set *templates(void)
{
    static tmpl_set *set;
    static bool tried;
    if (tried)
        return set;
    tried = true;
    static const char *const files[] = {"partials/field.html", "partials/field_display.html"};
    char *src[2] = {0};
    for (int i = 0; i < 2; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/templates/%s", TSUNAGU_SHARE_DIR, files[i]);
        FILE *f = fopen(path, "rb");
        buf b = BUF_INIT;
        char chunk[4096];
        size_t n;
        while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
            buf_append(&b, chunk, n);
        if (f)
            fclose(f);
        src[i] = buf_steal(&b, NULL);
    }
    const char *names[] = {files[0], files[1], "form.html", "show.html"};
    const char *sources[] = {
        src[0] ? src[0] : "",
        src[1] ? src[1] : "",
        "{% for f in fields %}{% include \"partials/field.html\" %}{% endfor %}",
        "<dl>{% for d in view.fields %}{% include \"partials/field_display.html\" %}{% endfor "
        "%}</dl>",
    };
    char err[256];
    set = tmpl_set_from_strings(names, sources, 4, err, sizeof err);
    if (!set) {
        fprintf(stderr, "templates: %s\n", err);
        abort();
    }
    free(src[0]);
    free(src[1]);
    return set;
}

/* The partials and markdown.h spell every tag and attribute the pages may
 * hold. */
static const char *const tags[] = {
    "div",      "label",  "span",       "p",     "input", "textarea", "select", "option",
    "fieldset", "legend", "dl",         "dt",    "dd",    "ul",       "ol",     "li",
    "a",        "img",    "time",       "br",    "h1",    "h2",       "h3",     "h4",
    "h5",       "h6",     "blockquote", "pre",   "code",  "em",       "strong", "del",
    "hr",       "table",  "thead",      "tbody", "tr",    "th",       "td",
};
static const char *const attrs[] = {
    "class",        "id",           "name",
    "type",         "value",        "for",
    "rows",         "required",     "aria-describedby",
    "aria-invalid", "autocomplete", "inputmode",
    "checked",      "selected",     "href",
    "src",          "alt",          "datetime",
    "min",          "step",         "spellcheck",
    "rel",          "title",        "loading",
    "start",        "scope",        "role",
    "tabindex",     "aria-label",
};

static bool listed(const char *const *list, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && strncmp(list[i], s, len) == 0)
            return true;
    return false;
}

/* Every tag known, every attribute known and quoted, no URL that runs
 * script; text holds no '<' (it was escaped). */
static void check_html(const char *html, size_t n)
{
    if (!utf8_valid(html, n))
        abort();
    for (const char *p = html; (p = strchr(p, '<'));) {
        const char *q = p + 1 + (p[1] == '/');
        size_t len = strspn(q, "abcdefghijklmnopqrstuvwxyz0123456789");
        if (!listed(tags, sizeof tags / sizeof tags[0], q, len))
            abort();
        q += len;
        for (;;) {
            q += strspn(q, " \n");
            if (*q == '>')
                break;
            size_t alen = strspn(q, "abcdefghijklmnopqrstuvwxyz-");
            if (!alen || !listed(attrs, sizeof attrs / sizeof attrs[0], q, alen))
                abort();
            const char *name = q;
            q += alen;
            if (*q != '=')
                continue;
            if (q[1] != '"')
                abort();
            const char *end = strchr(q + 2, '"');
            if (!end)
                abort();
            if ((strncmp(name, "href", 4) == 0 || strncmp(name, "src", 3) == 0) &&
                (strncasecmp(q + 2, "javascript", 10) == 0 || strncasecmp(q + 2, "data:", 5) == 0))
                abort();
            q = end + 1;
        }
        p = q + 1;
    }
}

static void render(arena *a, const char *name, const char *key, tv *v)
{
    tv *root = tv_map(a);
    if (!root || !v || !tv_set(a, root, key, v))
        return;
    buf out = BUF_INIT;
    char err[256];
    if (tmpl_render(templates(), name, root, &out, err, sizeof err))
        check_html(out.data ? out.data : "", out.len);
    buf_free(&out);
}

/* One pass; returns false when any call reported out of memory. */
static bool run(const inputs *in, bool check)
{
    const content_type *t = &content_type_test;
    arena a;
    arena_init(&a);
    field_env env = {.a = &a, .master = fz_master, .media = fz_media};
    field_input fin = {fz_get, (void *)in};
    record rec, again;
    record_init(&rec, &a);
    record_init(&again, &a);
    bool ok = field_read_form(&env, t, 0, &fin, &rec);
    if (ok && check) {
        for (size_t i = 0; i < rec.n; i++) {
            const char *v = rec.kv[i].value;
            if (!utf8_valid(v, strlen(v)) || !*v)
                abort();
        }
        field_input rin;
        field_input_record(&rin, &rec);
        if (!field_read_form(&env, t, 0, &rin, &again))
            abort();
        buf x = BUF_INIT, y = BUF_INIT;
        if (!record_encode(&rec, &x) || !record_encode(&again, &y) || x.len != y.len ||
            (x.len && memcmp(x.data, y.data, x.len) != 0))
            abort();
        buf_free(&x);
        buf_free(&y);
    }
    /* Stray keys too: a record from elsewhere is validated as well. */
    for (size_t i = 0; ok && i < in->n && i < 4; i++)
        if (record_key_valid(in->names[i], strlen(in->names[i])) &&
            utf8_valid(in->values[i], strlen(in->values[i])))
            ok = record_set(&rec, in->names[i], in->values[i]) || !check;
    field_errors errs = {0};
    if (ok) {
        bool valid = field_validate(&env, t, 0, &rec, &errs);
        if (!valid && errs.n == 0)
            ok = false; /* out of memory */
        if (check && valid != (errs.n == 0))
            abort();
        if (check && errs.n > t->nfields + rec.n)
            abort();
        for (size_t i = 0; check && i < errs.n; i++) {
            const field_error *e = &errs.e[i];
            if (!e->key || strncmp(e->id, "f-", 2) != 0 || !*e->message ||
                !utf8_valid(e->message, strlen(e->message)))
                abort();
        }
    }
    if (ok) {
        tv *view = field_form_view(&env, t, 0, &rec, &errs);
        ok = view != NULL;
        if (view && check)
            render(&a, "form.html", "fields", view);
    }
    for (int who = AUDIENCE_PUBLIC; ok && who <= AUDIENCE_STAFF; who++) {
        record f;
        record_init(&f, &a);
        ok = content_filter(t, 0, (content_audience)who, &rec, &f);
        for (size_t i = 0; ok && check && i < f.n; i++) {
            char name[RECORD_KEY_MAX + 1];
            snprintf(name, sizeof name, "%.*s", (int)strcspn(f.kv[i].key, "."), f.kv[i].key);
            if (!field_visible(content_field(t, name), 0, (content_audience)who))
                abort();
        }
        if (ok) {
            tv *view = field_display_view(&env, t, 0, &f);
            ok = view != NULL;
            if (view && check)
                render(&a, "show.html", "view", view);
        }
    }
    arena_free(&a);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    inputs in;
    split((const char *)data, size, &in);
    if (!run(&in, true))
        abort(); /* no allocation fails here */
    fault_fail_nth(size ? 1 + data[0] % 32 : 1);
    bool ok = run(&in, false);
    bool fired = fault_fired();
    fault_fail_nth(0);
    if (!ok && !fired)
        abort();
    inputs_free(&in);
    return 0;
}
