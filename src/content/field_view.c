/*
 * field_view.c - the form view (templates/partials/field.html renders each
 * item) and the display view (templates/partials/field_display.html) of a
 * record (content/field.h).
 *
 * The form view carries everything the template needs so the template has
 * no logic beyond choosing a widget: ids, the text of the 必須/任意 mark,
 * aria-describedby lists, which input of a composite field is in error.
 * The keys of each item are listed in the header comment of
 * partials/field.html.
 *
 * The display view is built from a record that content_filter() has
 * already cut down to what the audience may see; it shows what is there.
 * Markup comes only from markdown_render() (rich text) and from
 * text_html() below, which escapes every byte of the text it is given and
 * adds nothing but <p> and <br>: the two sanitisers tv_html_sanitised()
 * demands.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/field.h"
#include "content/field_internal.h"
#include "content/markdown.h"
#include "core/buf.h"
#include "core/utf8.h"
#include "mail/addr.h"
#include "tmpl/escape.h"

/* A view under construction: every setter's failure lands in ok. */
typedef struct vb {
    arena *a;
    bool ok;
} vb;

static tv *map(vb *b)
{
    tv *m = tv_map(b->a);
    b->ok = b->ok && m;
    return m;
}

static tv *list(vb *b)
{
    tv *l = tv_list(b->a);
    b->ok = b->ok && l;
    return l;
}

static void set_str(vb *b, tv *m, const char *key, const char *s)
{
    b->ok = b->ok && s && tv_set_str(b->a, m, key, s);
}

static void set_bool(vb *b, tv *m, const char *key, bool v)
{
    b->ok = b->ok && tv_set_bool(b->a, m, key, v);
}

static void set_int(vb *b, tv *m, const char *key, long long v)
{
    b->ok = b->ok && tv_set_int(b->a, m, key, v);
}

static void set(vb *b, tv *m, const char *key, tv *v)
{
    b->ok = b->ok && v && tv_set(b->a, m, key, v);
}

static void push(vb *b, tv *l, tv *item)
{
    b->ok = b->ok && item && tv_push(b->a, l, item);
}

static const char *printf_a(vb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *printf_a(vb *b, const char *fmt, ...)
{
    if (!b->ok)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    char *s = NULL;
    if (n >= 0 && (size_t)n < sizeof small) {
        s = arena_strdup(b->a, small);
    } else if (n >= 0) {
        s = arena_alloc(b->a, (size_t)n + 1);
        if (s) {
            va_start(ap, fmt);
            vsnprintf(s, (size_t)n + 1, fmt, ap);
            va_end(ap);
        }
    }
    b->ok = s != NULL;
    return s;
}

static const char *id_of(vb *b, const char *key, const char *suffix)
{
    if (!b->ok)
        return NULL;
    const char *id = field_html_id(b->a, key, suffix);
    b->ok = id != NULL;
    return id;
}

static tv *text_html(arena *a, const char *s);

/* ---- form view ---- */

/* The error of field f: the first error on any of its keys. */
static const field_error *field_error_of(const field_desc *f, const field_errors *errs)
{
    field_key keys[FIELD_MAX_KEYS];
    size_t nk = field_keys(f, keys);
    for (size_t i = 0; errs && i < errs->n; i++)
        for (size_t k = 0; k < nk; k++)
            if (errs->e[i].key && strcmp(errs->e[i].key, keys[k].key) == 0)
                return &errs->e[i];
    return NULL;
}

/* How the template shows a type: the widget and, for <input>, its type,
 * autocomplete token and width class. */
typedef struct widget {
    const char *widget, *input_type, *autocomplete, *css, *inputmode;
} widget;

static widget widget_of(field_type t)
{
    switch (t) {
    case FIELD_TEXTAREA:
    case FIELD_RICH: return (widget){"textarea", NULL, NULL, "textarea", NULL};
    /* Not type="number": browsers drop what it cannot parse ("１２０",
     * "1,200") without a word, and the engine reads both. */
    case FIELD_INT: return (widget){"input", "text", NULL, "input input-short", "numeric"};
    case FIELD_DATE: return (widget){"input", "date", NULL, "input input-medium", NULL};
    case FIELD_DATE_RANGE: return (widget){"date_range", "date", NULL, "input input-medium", NULL};
    case FIELD_TIME: return (widget){"input", "time", NULL, "input input-short", NULL};
    case FIELD_DATETIME:
        return (widget){"input", "datetime-local", NULL, "input input-medium", NULL};
    case FIELD_SELECT:
    case FIELD_MUNICIPALITY:
    case FIELD_PREFECTURE: return (widget){"select", NULL, NULL, "select input-medium", NULL};
    case FIELD_CHECKS: return (widget){"checks", NULL, NULL, NULL, NULL};
    case FIELD_POSTAL:
        return (widget){"input", "text", "postal-code", "input input-short", "numeric"};
    case FIELD_PHONE: return (widget){"input", "tel", "tel", "input input-medium", NULL};
    case FIELD_EMAIL: return (widget){"input", "email", "email", "input", NULL};
    case FIELD_URL: return (widget){"input", "url", "url", "input", NULL};
    case FIELD_URLS: return (widget){"urls", "url", NULL, "input", NULL};
    case FIELD_FILES: return (widget){"files", NULL, NULL, "select", NULL};
    case FIELD_IMAGE: return (widget){"image", NULL, NULL, "select", NULL};
    case FIELD_AGREE: return (widget){"agree", NULL, NULL, NULL, NULL};
    default: return (widget){"input", "text", NULL, "input", NULL};
    }
}

/* The <input> type for value: t, or "text" when value is not empty and is
 * not valid for t, so an invalid value (a crafted form, an imported line)
 * is shown as typed and the page stays valid HTML (the Nu checker refuses
 * a type="date" whose value is no date). */
static const char *input_type_for(const char *t, const char *value)
{
    int y, m, d, h, mi;
    if (!t || !*value)
        return t;
    bool ok = true;
    if (strcmp(t, "date") == 0)
        ok = field_parse_date(value, &y, &m, &d);
    else if (strcmp(t, "time") == 0)
        ok = field_parse_time(value, &h, &mi);
    else if (strcmp(t, "datetime-local") == 0)
        ok = field_parse_datetime(value, &y, &m, &d, &h, &mi);
    else if (strcmp(t, "email") == 0)
        ok = mail_addr_valid(value);
    else if (strcmp(t, "url") == 0)
        ok = field_url_ok(value);
    else if (strcmp(t, "number") == 0)
        ok = strspn(value, "0123456789") == strlen(value) && strlen(value) <= 15 && value[0] != '0';
    return ok ? t : "text";
}

/* Options of a choice field, with the checked ones; a value the list lacks
 * (an old value, a master list that changed) is kept as one more ticked
 * option so saving the form does not silently drop it. */
static tv *options_view(vb *b, const field_env *env, const field_desc *f, int v, const char *id,
                        const char *value, bool *short_labels)
{
    field_options o;
    field_options_of(env, f, v, &o);
    size_t nopt = field_options_count(&o);
    tv *l = list(b);
    *short_labels = true;
    /* Mark the ticked options: each line of value. */
    bool *ticked = arena_calloc(b->a, nopt + 1, sizeof *ticked);
    b->ok = b->ok && ticked;
    if (!b->ok)
        return NULL;
    size_t n = 0;
    for (const char *p = value; p && *p;) {
        const char *nl = f->type == FIELD_CHECKS ? strchr(p, '\n') : NULL;
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        long i = field_option_index(&o, p, len);
        if (i >= 0) {
            ticked[i] = true;
        } else if (len) {
            char *s = arena_strndup(b->a, p, len);
            tv *opt = map(b);
            set_str(b, opt, "value", s);
            set_str(b, opt, "label", printf_a(b, "%s（一覧にない値）", s ? s : ""));
            set_bool(b, opt, "checked", true);
            set_bool(b, opt, "selected", true);
            set_str(b, opt, "id", printf_a(b, "%s-%zu", id, nopt + ++n));
            push(b, l, opt); /* appended after the list below */
        }
        p = nl ? nl + 1 : p + len;
    }
    tv *all = list(b);
    for (size_t i = 0; b->ok && i < nopt; i++) {
        const char *s = field_option_at(&o, i);
        tv *opt = map(b);
        set_str(b, opt, "value", s);
        set_str(b, opt, "label", s);
        set_bool(b, opt, "checked", ticked[i]);
        set_bool(b, opt, "selected", ticked[i]);
        set_str(b, opt, "id", printf_a(b, "%s-%zu", id, i + 1));
        push(b, all, opt);
        if (s && utf8_count(s, strlen(s)) > 6)
            *short_labels = false;
    }
    for (size_t i = 0; b->ok && i < tv_len(l); i++)
        push(b, all, (tv *)tv_at(l, i));
    return b->ok ? all : NULL;
}

static const char *value_of(const record *rec, const char *key)
{
    const char *s = record_get(rec, key);
    return s ? s : "";
}

/* The media name for a slot's value (empty when there is none). */
static const char *media_name(const field_env *env, const char *value)
{
    if (!*value || !env->media)
        return "";
    char *end;
    long long id = strtoll(value, &end, 10);
    bool is_image;
    const char *name = *end || id <= 0 ? NULL : env->media(env->ctx, id, &is_image);
    return name ? name : "";
}

static tv *slots_view(vb *b, const field_env *env, const field_desc *f, int v, const record *rec,
                      const char *label, const field_error *err)
{
    tv *l = list(b);
    field_key keys[FIELD_MAX_KEYS];
    size_t nk = field_keys(f, keys);
    const char *const *slot_labels = field_slot_labels(f, v);
    const char *ekey = err ? err->key : "";
    tv *slot = NULL;
    for (size_t k = 0; k < nk && b->ok; k++) {
        const field_key *key = &keys[k];
        const char *val = value_of(rec, key->key);
        const char *id = id_of(b, key->key, NULL);
        bool bad = strcmp(ekey, key->key) == 0;
        switch (key->part) {
        case FIELD_PART_URL: {
            bool plain = strcmp(label, "URL") == 0; /* not "URL 1 の URL" */
            slot = map(b);
            set_int(b, slot, "n", key->slot);
            set_str(b, slot, "slot_label", printf_a(b, "%s %d", label, key->slot));
            set_str(b, slot, "url_key", key->key);
            set_str(b, slot, "url_id", id);
            set_str(b, slot, "url_value", val);
            set_str(b, slot, "url_type", input_type_for("url", val));
            set_str(b, slot, "url_label",
                    plain ? printf_a(b, "URL %d", key->slot)
                          : printf_a(b, "%s %d の URL", label, key->slot));
            set_bool(b, slot, "url_invalid", bad);
            push(b, l, slot);
            break;
        }
        case FIELD_PART_LABEL:
            set_str(b, slot, "label_key", key->key);
            set_str(b, slot, "label_id", id);
            set_str(b, slot, "label_value", val);
            set_str(b, slot, "label_label", printf_a(b, "%s %d の説明", label, key->slot));
            set_bool(b, slot, "label_invalid", bad);
            break;
        case FIELD_PART_FILE:
        case FIELD_PART_VALUE: /* FIELD_IMAGE */
            slot = map(b);
            set_int(b, slot, "n", key->slot ? key->slot : 1);
            if (f->type == FIELD_IMAGE) {
                set_str(b, slot, "slot_label", label);
            } else {
                const char *sl = NULL;
                for (int i = 0; slot_labels && slot_labels[i]; i++)
                    if (i + 1 == key->slot)
                        sl = slot_labels[i];
                set_str(b, slot, "slot_label",
                        sl ? printf_a(b, "%s：%s", label, sl)
                           : printf_a(b, "%s %d", label, key->slot));
            }
            set_str(b, slot, "media_key", key->key);
            set_str(b, slot, "media_id", id);
            set_str(b, slot, "media_value", val);
            set_str(b, slot, "media_type", input_type_for("number", val));
            set_str(b, slot, "media_name", media_name(env, val));
            set_bool(b, slot, "media_invalid", bad);
            set_bool(b, slot, "media_missing", false);
            push(b, l, slot);
            break;
        case FIELD_PART_ALT:
            set_str(b, slot, "alt_key", key->key);
            set_str(b, slot, "alt_id", id);
            set_str(b, slot, "alt_value", val);
            set_str(b, slot, "alt_label", printf_a(b, "%sの代替テキスト", label));
            set_bool(b, slot, "alt_invalid", bad);
            break;
        default: break;
        }
    }
    return b->ok ? l : NULL;
}

static tv *date_part(vb *b, const record *rec, const field_key *key, const char *label,
                     const field_error *err)
{
    tv *m = map(b);
    set_str(b, m, "key", key->key);
    set_str(b, m, "id", id_of(b, key->key, NULL));
    set_str(b, m, "value", value_of(rec, key->key));
    set_str(b, m, "input_type", input_type_for("date", value_of(rec, key->key)));
    set_str(b, m, "label", label);
    set_bool(b, m, "invalid", err && strcmp(err->key, key->key) == 0);
    return m;
}

/* The group (index of the field that opened it, or -1) of every field in
 * table order, whether or not it is in the variant, so a group whose
 * opening field is absent does not swallow the fields after it. */
static long *groups_of(arena *a, const content_type *t)
{
    long *g = arena_alloc(a, (t->nfields + 1) * sizeof *g);
    if (!g)
        return NULL;
    long cur = -1;
    for (size_t i = 0; i < t->nfields; i++) {
        const char *grp = t->fields[i].group;
        if (grp)
            cur = *grp ? (long)i : -1;
        g[i] = cur;
    }
    return g;
}

static tv *form_item(vb *b, const field_env *env, const content_type *t, int v, size_t fi,
                     const record *rec, const field_errors *errs)
{
    const field_desc *f = &t->fields[fi];
    const char *label = field_label_a(b->a, f, v);
    b->ok = b->ok && label;
    widget w = widget_of(f->type);
    const field_error *err = field_error_of(f, errs);
    tv *m = map(b);
    const char *id = id_of(b, f->name, NULL);
    set_str(b, m, "key", f->name);
    set_str(b, m, "name", f->name);
    set_str(b, m, "id", id);
    set_str(b, m, "label", label);
    set_str(b, m, "type", field_type_word(f->type));
    set_str(b, m, "widget", w.widget);
    if (w.input_type)
        set_str(b, m, "input_type", input_type_for(w.input_type, value_of(rec, f->name)));
    if (w.autocomplete)
        set_str(b, m, "autocomplete", w.autocomplete);
    if (w.inputmode)
        set_str(b, m, "inputmode", w.inputmode);
    if (w.css)
        set_str(b, m, "css", w.css);
    bool required = field_required(f, v);
    set_bool(b, m, "required", required);

    /* The hint, with the condition of a required_if spelled out. */
    const char *hint = f->hint && f->type != FIELD_AGREE ? f->hint : NULL;
    if (!hint && f->type == FIELD_RICH)
        hint = "Markdown で書けます。見出しは「## 」、箇条書きは「- 」で始めます。";
    const char *other, *when;
    if (b->ok && field_required_if_parts(b->a, f, &other, &when)) {
        const field_desc *o = content_field(t, other);
        const char *olabel = o ? field_label_a(b->a, o, v) : other;
        const char *note =
            printf_a(b, "%sで「%s」を選んだときは必須です。", olabel ? olabel : "", when);
        hint = hint ? printf_a(b, "%s%s", note ? note : "", hint) : note;
    }
    const char *hint_id = id_of(b, f->name, "-hint");
    const char *error_id = id_of(b, f->name, "-error");
    if (hint) {
        set_str(b, m, "hint", hint);
        set_str(b, m, "hint_id", hint_id);
    }
    if (f->type == FIELD_AGREE) {
        /* The text agreed to, in a box before the checkbox (spec 5.4). */
        set_str(b, m, "notice", f->hint ? f->hint : "");
        if (f->hint)
            set(b, m, "notice_html", text_html(b->a, f->hint));
        set_str(b, m, "notice_id", hint_id);
        set_str(b, m, "agree_label", "上記に同意する");
    }
    set_str(b, m, "error_id", error_id);
    if (err) {
        set_str(b, m, "error", err->message);
        set_str(b, m, "error_key", err->key);
    }
    set_bool(b, m, "invalid", err && strcmp(err->key, f->name) == 0);
    const char *described = NULL;
    const char *first =
        f->type == FIELD_AGREE ? (f->hint ? hint_id : NULL) : (hint ? hint_id : NULL);
    if (first && err)
        described = printf_a(b, "%s %s", first, error_id);
    else if (first)
        described = first;
    else if (err)
        described = error_id;
    if (described)
        set_str(b, m, "describedby", described);
    set_str(b, m, "value", value_of(rec, f->name));
    if (f->type == FIELD_TEXTAREA || f->type == FIELD_RICH)
        set_int(b, m, "rows", f->type == FIELD_RICH ? 15 : 5);

    field_key keys[FIELD_MAX_KEYS];
    switch (f->type) {
    case FIELD_SELECT:
    case FIELD_MUNICIPALITY:
    case FIELD_PREFECTURE:
    case FIELD_CHECKS: {
        bool inline_ok = false;
        set(b, m, "options",
            options_view(b, env, f, v, id ? id : "", record_get(rec, f->name), &inline_ok));
        set_bool(b, m, "inline", inline_ok);
        break;
    }
    case FIELD_DATE_RANGE:
        if (field_keys(f, keys) == 2) {
            set(b, m, "from", date_part(b, rec, &keys[0], "開始日", err));
            set(b, m, "to", date_part(b, rec, &keys[1], "終了日", err));
        }
        break;
    case FIELD_URLS:
    case FIELD_FILES:
    case FIELD_IMAGE: set(b, m, "slots", slots_view(b, env, f, v, rec, label, err)); break;
    case FIELD_AGREE: set_bool(b, m, "checked", record_get(rec, f->name) != NULL); break;
    default: break;
    }
    return m;
}

tv *field_form_view(const field_env *env, const content_type *t, int v, const record *rec,
                    const field_errors *errs)
{
    vb b = {.a = env->a, .ok = true};
    long *groups = groups_of(b.a, t);
    tv *l = list(&b);
    if (!groups || !l)
        return NULL;
    long open = -1;  /* the group whose fieldset is open */
    tv *last = NULL; /* the last item, to close its group */
    for (size_t i = 0; i < t->nfields && b.ok; i++) {
        if (!field_in_variant(&t->fields[i], v))
            continue;
        tv *item = form_item(&b, env, t, v, i, rec, errs);
        if (!b.ok)
            break;
        if (groups[i] != open) {
            if (open >= 0 && last)
                set_bool(&b, last, "group_end", true);
            open = groups[i];
            if (open >= 0) {
                set_bool(&b, item, "group_start", true);
                set_str(&b, item, "group_legend", t->fields[open].group);
            }
        }
        push(&b, l, item);
        last = item;
    }
    if (open >= 0 && last)
        set_bool(&b, last, "group_end", true);
    return b.ok ? l : NULL;
}

/* The printed text of a scalar (as the template's == compares). */
static const char *scalar_text(arena *a, const tv *v)
{
    if (tv_kind(v) == TV_INT)
        return arena_printf(a, "%lld", tv_int_value(v));
    size_t n;
    const char *s = tv_text(v, &n);
    return s ? arena_strndup(a, s, n) : "";
}

bool field_form_view_set_media(arena *a, tv *view, tv *media, tv *images)
{
    if (!view || !media)
        return false;
    for (size_t i = 0; i < tv_len(view); i++) {
        /* The view is this module's own tree: its items may be changed. */
        tv *item = (tv *)tv_at(view, i);
        size_t n;
        const char *w = tv_text(tv_get(item, "widget"), &n);
        if (!w || (strcmp(w, "files") != 0 && strcmp(w, "image") != 0))
            continue;
        tv *list = strcmp(w, "image") == 0 && images ? images : media;
        if (!tv_set(a, item, "media", list))
            return false;
        const tv *slots = tv_get(item, "slots");
        for (size_t s = 0; s < tv_len(slots); s++) {
            tv *slot = (tv *)tv_at(slots, s);
            const char *val = tv_text(tv_get(slot, "media_value"), &n);
            bool listed = false;
            for (size_t k = 0; val && *val && k < tv_len(list) && !listed; k++) {
                const char *id = scalar_text(a, tv_get(tv_at(list, k), "id"));
                if (!id)
                    return false;
                listed = strcmp(id, val) == 0;
            }
            if (!tv_set_bool(a, slot, "media_missing", val && *val && !listed))
                return false;
        }
    }
    return true;
}

/* ---- display view ---- */

/* Appends s[0..n) escaped, any character HTML forbids (controls but for
 * newline and tab, noncharacters, bytes that are not UTF-8) as U+FFFD. */
static void esc_clean(buf *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0, i = 0;
    while (i < n) {
        uint32_t c;
        size_t len = field_utf8_next(p + i, n - i, &c);
        bool bad = len == 0 || (c < 0x20 && c != '\t' && c != '\n') || (c >= 0x7F && c <= 0x9F) ||
                   (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE;
        if (bad) {
            esc_html(out, s + run, i - run);
            buf_puts(out, "\xEF\xBF\xBD");
            i += len ? len : 1;
            run = i;
        } else {
            i += len;
        }
    }
    esc_html(out, s + run, n - run);
}

/* Plain text as HTML: paragraphs (split at blank lines) in <p>, line
 * breaks as <br>, every character of the text escaped.  A sanitiser in
 * the sense of tv_html_sanitised(): the only tags are the ones written
 * here, balanced. */
static tv *text_html(arena *a, const char *s)
{
    if (strchr(s, '\r')) {
        /* Text saved before the reader's normalising: CR LF and CR end lines. */
        char *t = arena_strdup(a, s);
        if (!t)
            return NULL;
        size_t k = 0;
        for (size_t i = 0; t[i]; i++)
            if (t[i] != '\r')
                t[k++] = t[i];
            else if (t[i + 1] != '\n')
                t[k++] = '\n';
        t[k] = '\0';
        s = t;
    }
    buf out = BUF_INIT;
    const char *p = s;
    while (*p) {
        while (*p == '\n')
            p++;
        if (!*p)
            break;
        buf_puts(&out, "<p>");
        for (bool first = true; *p && *p != '\n'; first = false) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            if (!first)
                buf_puts(&out, "<br>\n");
            esc_clean(&out, p, len);
            p += len;
            if (*p == '\n')
                p++; /* a second '\n' right after ends the paragraph */
        }
        buf_puts(&out, "</p>\n");
    }
    tv *v = buf_ok(&out) ? tv_html_sanitised(a, out.data ? out.data : "", out.len) : NULL;
    buf_free(&out);
    return v;
}

/* Rich text rendered, its headings under the page's <h1>; a text the
 * Markdown limits refuse (saved before a limit changed) shows as plain
 * text.  NULL only on OOM. */
static tv *rich_html(arena *a, const char *s)
{
    buf out = BUF_INIT;
    markdown_opts o = {.heading_offset = 1};
    tv *v = NULL;
    if (markdown_render(s, strlen(s), &o, &out)) {
        v = tv_html_sanitised(a, out.data ? out.data : "", out.len);
    } else {
        markdown_status st = markdown_check(s, strlen(s), NULL);
        if (st != MARKDOWN_OK && st != MARKDOWN_NOMEM)
            v = text_html(a, s);
        /* OK: the check passed but the render did not, so memory ran out. */
    }
    buf_free(&out);
    return v;
}

static const char *time_text(vb *b, const char *s)
{
    int h, mi;
    if (!field_parse_time(s, &h, &mi))
        return s;
    return printf_a(b, "%d:%02d", h, mi);
}

static const char *date_text(vb *b, const char *s)
{
    if (!b->ok)
        return NULL;
    int y, m, d;
    if (!field_parse_date(s, &y, &m, &d))
        return s; /* shown as stored */
    const char *j = field_date_ja(b->a, s);
    b->ok = j != NULL;
    return j;
}

/* The digits of a phone number for a tel: link. */
static const char *tel_href(vb *b, const char *s)
{
    char *o = arena_alloc(b->a, strlen(s) + 5);
    b->ok = b->ok && o;
    if (!o)
        return NULL;
    size_t k = 0;
    memcpy(o, "tel:", 4);
    k = 4;
    for (; *s; s++)
        if (*s >= '0' && *s <= '9')
            o[k++] = *s;
    o[k] = '\0';
    return o;
}

/* Lines of a multi-valued value as a list of strings; *joined gets them
 * joined by "、". */
static tv *lines_list(vb *b, const char *s, const char **joined)
{
    tv *l = list(b);
    buf j = BUF_INIT;
    for (const char *p = s; b->ok && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len) {
            push(b, l, tv_strn(b->a, p, len));
            if (j.len)
                buf_puts(&j, "、");
            buf_append(&j, p, len);
        }
        p = nl ? nl + 1 : p + len;
    }
    *joined = buf_ok(&j) && b->ok ? arena_strdup(b->a, j.data ? j.data : "") : NULL;
    b->ok = b->ok && *joined;
    buf_free(&j);
    return l;
}

/* Fills m for field f; false when f holds nothing to show. */
static bool display_item(vb *b, const field_env *env, const field_desc *f, int v, const record *rec,
                         tv *m)
{
    const char *s = record_get(rec, f->name);
    switch (f->type) {
    case FIELD_DATE_RANGE: {
        char kf[RECORD_KEY_MAX + 32], kt[RECORD_KEY_MAX + 32];
        snprintf(kf, sizeof kf, "%.64s.from", f->name);
        snprintf(kt, sizeof kt, "%.64s.to", f->name);
        const char *from = record_get(rec, kf), *to = record_get(rec, kt);
        if (!from && !to)
            return false;
        const char *ft = from ? date_text(b, from) : "", *tt = to ? date_text(b, to) : "";
        set_str(b, m, "value", printf_a(b, "%s～%s", ft ? ft : "", tt ? tt : ""));
        tv *fm = map(b), *tm = map(b);
        int y, mo, d;
        set_str(b, fm, "text", ft);
        set_str(b, fm, "iso", from && field_parse_date(from, &y, &mo, &d) ? from : "");
        set_str(b, tm, "text", tt);
        set_str(b, tm, "iso", to && field_parse_date(to, &y, &mo, &d) ? to : "");
        set(b, m, "from", fm);
        set(b, m, "to", tm);
        return true;
    }
    case FIELD_URLS: {
        tv *links = list(b);
        buf j = BUF_INIT;
        for (int n = 1; n <= field_slots(f) && b->ok; n++) {
            char ku[RECORD_KEY_MAX + 32], kl[RECORD_KEY_MAX + 32];
            snprintf(ku, sizeof ku, "%.64s.%d.url", f->name, n);
            snprintf(kl, sizeof kl, "%.64s.%d.label", f->name, n);
            const char *url = record_get(rec, ku), *desc = record_get(rec, kl);
            if (!url || !field_url_ok(url))
                continue; /* never saved so; no link to something else */
            tv *lk = map(b);
            set_str(b, lk, "url", url);
            set_str(b, lk, "label", desc ? desc : url);
            push(b, links, lk);
            if (j.len)
                buf_puts(&j, " ");
            buf_puts(&j, url);
        }
        bool any = tv_len(links) > 0;
        set(b, m, "links", links);
        set_str(b, m, "value", buf_ok(&j) ? (j.data ? j.data : "") : NULL);
        buf_free(&j);
        return any;
    }
    case FIELD_FILES: {
        tv *files = list(b);
        const char *const *slot_labels = field_slot_labels(f, v);
        for (int n = 1; n <= field_slots(f) && b->ok; n++) {
            char k[RECORD_KEY_MAX + 32];
            snprintf(k, sizeof k, "%.64s.%d", f->name, n);
            const char *val = record_get(rec, k);
            if (!val)
                continue;
            const char *name = env->media ? media_name(env, val) : val;
            if (!*name)
                continue; /* gone from the media library */
            const char *sl = NULL;
            for (int i = 0; slot_labels && slot_labels[i]; i++)
                if (i + 1 == n)
                    sl = slot_labels[i];
            tv *fm = map(b);
            set_str(b, fm, "id", val);
            set_str(b, fm, "name", name);
            set_str(b, fm, "label", sl ? sl : "");
            push(b, files, fm);
        }
        bool any = tv_len(files) > 0;
        set(b, m, "files", files);
        set_str(b, m, "value", "");
        return any;
    }
    case FIELD_IMAGE: {
        if (!s)
            return false;
        const char *name = env->media ? media_name(env, s) : s;
        if (!*name)
            return false;
        char k[RECORD_KEY_MAX + 32];
        snprintf(k, sizeof k, "%.64s.alt", f->name);
        const char *alt = record_get(rec, k);
        tv *im = map(b);
        set_str(b, im, "id", s);
        set_str(b, im, "name", name);
        set_str(b, im, "alt", alt ? alt : "");
        set(b, m, "image", im);
        set_str(b, m, "value", alt ? alt : "");
        return true;
    }
    default: break;
    }
    if (!s)
        return false;
    switch (f->type) {
    case FIELD_RICH: set(b, m, "html", rich_html(b->a, s)); break;
    case FIELD_TEXTAREA: set(b, m, "html", text_html(b->a, s)); break;
    case FIELD_DATE: {
        int y, mo, d;
        if (field_parse_date(s, &y, &mo, &d))
            set_str(b, m, "iso", s); /* <time datetime>: only a real date */
        s = date_text(b, s);
        break;
    }
    case FIELD_TIME: {
        int h, mi;
        if (field_parse_time(s, &h, &mi))
            set_str(b, m, "iso", s);
        s = time_text(b, s);
        break;
    }
    case FIELD_DATETIME: {
        int y, mo, d, h, mi;
        if (field_parse_datetime(s, &y, &mo, &d, &h, &mi)) {
            set_str(b, m, "iso", s);
            char date[11];
            memcpy(date, s, 10);
            date[10] = '\0';
            const char *dt = date_text(b, date);
            s = printf_a(b, "%s%d:%02d", dt ? dt : "", h, mi);
        }
        break;
    }
    case FIELD_CHECKS: set(b, m, "items", lines_list(b, s, &s)); break;
    /* Links only for values that are what they claim (old data may not be). */
    case FIELD_EMAIL:
        if (mail_addr_valid(s))
            set_str(b, m, "href", printf_a(b, "mailto:%s", s));
        break;
    case FIELD_URL:
        if (field_url_ok(s))
            set_str(b, m, "href", s);
        break;
    case FIELD_PHONE:
        if (strspn(s, "0123456789-") == strlen(s))
            set_str(b, m, "href", tel_href(b, s));
        break;
    case FIELD_AGREE: s = "同意済み"; break;
    default: break;
    }
    set_str(b, m, "value", s);
    return true;
}

tv *field_display_view(const field_env *env, const content_type *t, int v, const record *rec)
{
    vb b = {.a = env->a, .ok = true};
    tv *root = map(&b), *fields = list(&b);
    set(&b, root, "fields", fields);
    for (size_t i = 0; i < t->nfields && b.ok; i++) {
        const field_desc *f = &t->fields[i];
        if (!field_in_variant(f, v))
            continue;
        tv *m = map(&b);
        set_str(&b, m, "name", f->name);
        set_str(&b, m, "label", field_label_a(b.a, f, v));
        set_str(&b, m, "type", field_type_word(f->type));
        if (b.ok && display_item(&b, env, f, v, rec, m)) {
            push(&b, fields, m);
            set(&b, root, f->name, m);
        }
    }
    return b.ok ? root : NULL;
}
