/*
 * field_validate.c - a record checked against its type's descriptors
 * (field_validate in content/field.h).
 *
 * One message per field in error, the first problem found, in Japanese and
 * naming the field by its label, saying what to do (spec 7.11: JIS X
 * 8341-3 3.3.1 error identification, 3.3.3 error suggestion).  The order of
 * the checks: required (or required_if), characters, length, format,
 * membership.  Keys that belong to no field of the variant are refused,
 * so a crafted form or a CSV column cannot smuggle data past the table.
 *
 * Validation does not trust field_read_form() to have run: a record from a
 * CSV line or an old revision is checked the same way.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "content/field.h"
#include "content/field_internal.h"
#include "content/markdown.h"
#include "core/utf8.h"
#include "mail/addr.h"

typedef struct vctx {
    const field_env *env;
    arena *a;
    const record *rec;
    int v;
    bool oom;
    const char *key; /* the key in error */
    const char *msg; /* its message, or NULL when the field is valid */
} vctx;

/* Records the error of the field being checked: the key of the input in
 * error and "<label><rest>" formatted. */
__attribute__((format(printf, 4, 5))) static bool fail(vctx *c, const char *key, const char *label,
                                                       const char *fmt, ...)
{
    char rest[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rest, sizeof rest, fmt, ap);
    va_end(ap);
    utf8_trim_partial(rest);
    c->key = key;
    c->msg = arena_printf(c->a, "%s%s", label, rest);
    if (!c->msg)
        c->oom = true;
    return false;
}

/* Characters a stored value may not hold: control characters (but for line
 * breaks and tabs in several lines), and the code points HTML forbids in a
 * page (C1 controls, noncharacters), which the Nu checker refuses. */
static bool clean_text(const char *s, bool multiline)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t len = field_utf8_next(p + i, n - i, &c);
        if (len == 0)
            return false;
        i += len;
        if (c < 0x20) {
            if (!multiline || (c != '\n' && c != '\t'))
                return false;
        } else if ((c >= 0x7F && c <= 0x9F) || (c >= 0xFDD0 && c <= 0xFDEF) ||
                   (c & 0xFFFE) == 0xFFFE) {
            return false;
        }
    }
    return true;
}

static size_t chars(const char *s)
{
    return utf8_count(s, strlen(s));
}

/* Characters and length of a text value; true when fine. */
static bool check_text(vctx *c, const char *key, const char *label, const char *s, bool multiline,
                       size_t max)
{
    if (!clean_text(s, multiline))
        return fail(c, key, label, "に使えない文字（%s制御文字など）が含まれています。",
                    multiline ? "" : "改行や");
    size_t n = chars(s);
    if (max && n > max)
        return fail(c, key, label, "は %zu 文字以内で入力してください（いま %zu 文字です）。", max,
                    n);
    return true;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* http or https, a host (ASCII letters, digits, '-' and '.', or an
 * internationalised name), an optional port, nothing a browser would read
 * differently (spaces, controls, backslashes, quotes, angle brackets), and
 * no user:password@ that could disguise the host. */
bool field_url_ok(const char *s)
{
    size_t skip;
    if (strncasecmp(s, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(s, "https://", 8) == 0)
        skip = 8;
    else
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p == 0x7F || *p == '\\' || *p == '"' || *p == '<' || *p == '>' ||
            *p == '`')
            return false;
    const char *host = s + skip;
    size_t alen = strcspn(host, "/?#");
    const char *colon = memchr(host, ':', alen);
    size_t hlen = colon ? (size_t)(colon - host) : alen;
    if (hlen == 0 || host[0] == '.' || host[0] == '-')
        return false;
    for (size_t i = 0; i < hlen; i++) {
        unsigned char ch = (unsigned char)host[i];
        if (!(ch >= 0x80 || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              is_digit((char)ch) || ch == '-' || ch == '.'))
            return false; /* '@', '[', '%' ... */
    }
    if (colon) {
        size_t plen = alen - hlen - 1;
        if (plen == 0 || plen > 5)
            return false;
        long port = 0;
        for (size_t i = 0; i < plen; i++) {
            if (!is_digit(colon[1 + i]))
                return false;
            port = port * 10 + (colon[1 + i] - '0');
        }
        if (port < 1 || port > 65535)
            return false;
    }
    return true;
}

/* A media id: 1 .. 10^15. */
static bool media_id(const char *s, long long *id)
{
    size_t n = strlen(s);
    if (n == 0 || n > 15 || s[0] == '0')
        return false;
    long long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *id = v;
    return true;
}

/* Whether media id exists, and in *is_image whether it is an image;
 * without a media callback every id is taken as an existing image. */
static bool media_ok(vctx *c, long long id, bool *is_image)
{
    *is_image = true;
    if (!c->env->media)
        return true;
    *is_image = false;
    return c->env->media(c->env->ctx, id, is_image) != NULL;
}

static bool check_int(vctx *c, const field_desc *f, const char *key, const char *label,
                      const char *s)
{
    const char *p = s + (s[0] == '-');
    size_t n = strlen(p);
    bool ok = n > 0 && n <= 18 && !(p[0] == '0' && n > 1) && !(s[0] == '-' && p[0] == '0');
    long long v = 0;
    for (size_t i = 0; ok && i < n; i++) {
        ok = is_digit(p[i]);
        v = v * 10 + (p[i] - '0');
    }
    if (!ok)
        return fail(c, key, label, "は半角の数字で入力してください（例：120）。");
    if (s[0] == '-')
        v = -v;
    if (f->min == 0 && f->max == 0) {
        if (v < 0)
            return fail(c, key, label, "は 0 以上の整数で入力してください。");
    } else if (v < f->min || v > f->max) {
        return fail(c, key, label, "は %lld から %lld までの整数で入力してください。", f->min,
                    f->max);
    }
    return true;
}

static bool check_postal(const char *s)
{
    if (strlen(s) != 8 || s[3] != '-')
        return false;
    for (int i = 0; i < 8; i++)
        if (i != 3 && !is_digit(s[i]))
            return false;
    return true;
}

/* Digits and single hyphens, not first or last; 10 or 11 digits starting
 * with 0 (a Japanese number as dialled at home). */
static bool check_phone(const char *s)
{
    size_t n = strlen(s), ndigits = 0;
    if (n == 0 || s[0] != '0' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (is_digit(s[i]))
            ndigits++;
        else if (s[i] != '-' || s[i + 1] == '-')
            return false;
    }
    return ndigits == 10 || ndigits == 11;
}

/* Checks the value of a choice field (select, municipality, prefecture). */
static bool check_choice(vctx *c, const field_desc *f, const char *key, const char *label,
                         const char *s)
{
    field_options o;
    field_options_of(c->env, f, c->v, &o);
    if (field_option_index(&o, s, strlen(s)) < 0)
        return fail(c, key, label, "は一覧から選んでください。");
    return true;
}

static bool check_checks(vctx *c, const field_desc *f, const char *label, const char *s,
                         bool required)
{
    field_options o;
    field_options_of(c->env, f, c->v, &o);
    size_t nopt = field_options_count(&o);
    bool *ticked = arena_calloc(c->a, nopt + 1, sizeof *ticked);
    if (!ticked) {
        c->oom = true;
        return false;
    }
    size_t count = 0;
    for (const char *p = s; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        long i = field_option_index(&o, p, len);
        if (i < 0)
            return fail(c, f->name, label, "は一覧から選んでください。");
        if (!ticked[i])
            count++;
        ticked[i] = true;
        p = nl ? nl + 1 : p + len;
    }
    if ((f->flags & FIELD_ALL) && (count > 0 || required) && (count < nopt || nopt == 0))
        return fail(c, f->name, label, "はすべての項目にチェックが必要です。");
    if (count == 0 && required)
        return fail(c, f->name, label, "を選んでください。");
    return true;
}

static bool check_date_range(vctx *c, const field_desc *f, const char *label, bool required)
{
    const char *from_key = arena_printf(c->a, "%s.from", f->name);
    const char *to_key = arena_printf(c->a, "%s.to", f->name);
    if (!from_key || !to_key) {
        c->oom = true;
        return false;
    }
    const char *from = record_get(c->rec, from_key), *to = record_get(c->rec, to_key);
    int y, m, d;
    if (!from && !to)
        return required ? fail(c, from_key, label, "の開始日と終了日を入力してください。") : true;
    if (!from)
        return fail(c, from_key, label, "の開始日を入力してください。");
    if (!field_parse_date(from, &y, &m, &d))
        return fail(c, from_key, label,
                    "の開始日は 2025-03-01 の形で正しい日付を入力してください。");
    if (!to)
        return fail(c, to_key, label, "の終了日を入力してください。");
    if (!field_parse_date(to, &y, &m, &d))
        return fail(c, to_key, label, "の終了日は 2025-03-01 の形で正しい日付を入力してください。");
    if (strcmp(from, to) > 0)
        return fail(c, from_key, label,
                    "の開始日は終了日より前の日付にしてください（同じ日は使えます）。");
    return true;
}

static bool check_urls(vctx *c, const field_desc *f, const char *label, bool required)
{
    bool any = false;
    for (int s = 1; s <= field_slots(f); s++) {
        const char *ukey = arena_printf(c->a, "%s.%d.url", f->name, s);
        const char *lkey = arena_printf(c->a, "%s.%d.label", f->name, s);
        if (!ukey || !lkey) {
            c->oom = true;
            return false;
        }
        const char *url = record_get(c->rec, ukey), *desc = record_get(c->rec, lkey);
        size_t max = f->max_len > 0 ? (size_t)f->max_len : FIELD_URL_MAX;
        char *slot = arena_printf(c->a, "%s %d ", label, s);
        if (!slot) {
            c->oom = true;
            return false;
        }
        if (url) {
            any = true;
            if (!check_text(c, ukey, slot, url, false, max))
                return false;
            if (!field_url_ok(url))
                return fail(c, ukey, slot,
                            "は http:// か https:// で始まる URL を入力してください。");
        }
        if (desc) {
            if (!url)
                return fail(c, ukey, slot, "の URL を入力してください（説明だけが入っています）。");
            char *dl = arena_printf(c->a, "%s %d の説明", label, s);
            if (!dl) {
                c->oom = true;
                return false;
            }
            if (!check_text(c, lkey, dl, desc, false, FIELD_URL_LABEL_MAX))
                return false;
        }
    }
    if (!any && required) {
        char *k = arena_printf(c->a, "%s.1.url", f->name);
        if (!k) {
            c->oom = true;
            return false;
        }
        return fail(c, k, label, "を入力してください。");
    }
    return true;
}

static bool check_files(vctx *c, const field_desc *f, const char *label, bool required)
{
    bool any = false;
    for (int s = 1; s <= field_slots(f); s++) {
        const char *key = arena_printf(c->a, "%s.%d", f->name, s);
        if (!key) {
            c->oom = true;
            return false;
        }
        const char *val = record_get(c->rec, key);
        if (!val)
            continue;
        any = true;
        long long id;
        bool is_image;
        if (!media_id(val, &id) || !media_ok(c, id, &is_image))
            return fail(c, key, label, " %d のファイルが見つかりません。選び直してください。", s);
    }
    if (!any && required) {
        char *k = arena_printf(c->a, "%s.1", f->name);
        if (!k) {
            c->oom = true;
            return false;
        }
        return fail(c, k, label, "を選んでください。");
    }
    return true;
}

static bool check_image(vctx *c, const field_desc *f, const char *label, bool required)
{
    const char *alt_key = arena_printf(c->a, "%s.alt", f->name);
    if (!alt_key) {
        c->oom = true;
        return false;
    }
    const char *val = record_get(c->rec, f->name), *alt = record_get(c->rec, alt_key);
    if (!val) {
        if (required)
            return fail(c, f->name, label, "を選んでください。");
        return !alt || check_text(c, alt_key, label, alt, false, FIELD_ALT_MAX);
    }
    long long id;
    bool is_image;
    if (!media_id(val, &id) || !media_ok(c, id, &is_image))
        return fail(c, f->name, label, "の画像が見つかりません。選び直してください。");
    if (!is_image)
        return fail(c, f->name, label, "には画像のファイルを選んでください。");
    /* spec 7.11 (1.1.1 non-text content): an image says what it shows. */
    if (!alt)
        return fail(c, alt_key, label, "の代替テキスト（画像の内容を表す文）を入力してください。");
    char *al = arena_printf(c->a, "%sの代替テキスト", label);
    if (!al) {
        c->oom = true;
        return false;
    }
    return check_text(c, alt_key, al, alt, false, FIELD_ALT_MAX);
}

static bool check_rich(vctx *c, const field_desc *f, const char *label, const char *s)
{
    if (!check_text(c, f->name, label, s, true, f->max_len > 0 ? (size_t)f->max_len : 0))
        return false;
    size_t line = 0;
    markdown_status st = markdown_check(s, strlen(s), &line);
    if (st == MARKDOWN_OK)
        return true;
    if (st == MARKDOWN_NOMEM) {
        c->oom = true;
        return false;
    }
    char msg[300];
    markdown_message(st, line, msg, sizeof msg);
    return fail(c, f->name, label, "：%s", msg);
}

/* Checks one field of the variant: true when valid; else c->key / c->msg
 * hold its error (or c->oom is set). */
static bool check_field(vctx *c, const field_desc *f)
{
    const char *label = field_label_a(c->a, f, c->v);
    if (!label) {
        c->oom = true;
        return false;
    }
    bool required = field_required(f, c->v) || field_required_if_met(f, c->rec);
    switch (f->type) {
    case FIELD_DATE_RANGE: return check_date_range(c, f, label, required);
    case FIELD_URLS: return check_urls(c, f, label, required);
    case FIELD_FILES: return check_files(c, f, label, required);
    case FIELD_IMAGE: return check_image(c, f, label, required);
    default: break;
    }
    const char *s = record_get(c->rec, f->name);
    bool choose = f->type == FIELD_SELECT || f->type == FIELD_CHECKS ||
                  f->type == FIELD_MUNICIPALITY || f->type == FIELD_PREFECTURE;
    if (!s) {
        if (!required)
            return true;
        if (f->type == FIELD_AGREE)
            return fail(c, f->name, label, "に同意してください。");
        if (f->flags & FIELD_ALL)
            return fail(c, f->name, label, "はすべての項目にチェックが必要です。");
        return fail(c, f->name, label, choose ? "を選んでください。" : "を入力してください。");
    }
    size_t max = f->max_len > 0 ? (size_t)f->max_len : (size_t)field_type_max(f->type);
    switch (f->type) {
    case FIELD_TEXT: return check_text(c, f->name, label, s, false, max);
    case FIELD_TEXTAREA: return check_text(c, f->name, label, s, true, max);
    case FIELD_RICH: return check_rich(c, f, label, s);
    case FIELD_INT: return check_int(c, f, f->name, label, s);
    case FIELD_DATE: {
        int y, m, d;
        return field_parse_date(s, &y, &m, &d) ||
               fail(c, f->name, label, "は 2025-03-01 の形で正しい日付を入力してください。");
    }
    case FIELD_TIME: {
        int h, mi;
        return field_parse_time(s, &h, &mi) ||
               fail(c, f->name, label, "は 09:30 の形で入力してください（0:00～23:59）。");
    }
    case FIELD_DATETIME: {
        int y, m, d, h, mi;
        return field_parse_datetime(s, &y, &m, &d, &h, &mi) ||
               fail(c, f->name, label, "は 2025-03-01 09:30 の形で正しい日時を入力してください。");
    }
    case FIELD_SELECT:
    case FIELD_MUNICIPALITY:
    case FIELD_PREFECTURE: return check_choice(c, f, f->name, label, s);
    case FIELD_CHECKS: return check_checks(c, f, label, s, required);
    case FIELD_POSTAL:
        return check_postal(s) || fail(c, f->name, label, "は 123-4567 の形で入力してください。");
    case FIELD_PHONE:
        return check_phone(s) ||
               fail(c, f->name, label,
                    "は 083-922-1234 のように、0 で始まる 10 桁か 11 桁の番号を入力してください。");
    case FIELD_EMAIL:
        if (!check_text(c, f->name, label, s, false, max))
            return false;
        return mail_addr_valid(s) ||
               fail(c, f->name, label, "は name@example.jp の形で入力してください。");
    case FIELD_URL:
        if (!check_text(c, f->name, label, s, false, max))
            return false;
        return field_url_ok(s) ||
               fail(c, f->name, label, "は http:// か https:// で始まる URL を入力してください。");
    case FIELD_AGREE:
        return strcmp(s, FIELD_AGREED) == 0 || fail(c, f->name, label, "に同意してください。");
    default: return true;
    }
}

/* Whether key is one of the keys of f. */
static bool key_of(const field_desc *f, const char *key)
{
    field_key keys[FIELD_MAX_KEYS];
    size_t nk = field_keys(f, keys);
    for (size_t k = 0; k < nk; k++)
        if (strcmp(keys[k].key, key) == 0)
            return true;
    return false;
}

/* The error for a key no field of variant v owns, or NULL (OOM sets it). */
static const char *stray_key(vctx *c, const content_type *t, const char *key)
{
    size_t n = strcspn(key, ".");
    char name[RECORD_KEY_MAX + 1];
    memcpy(name, key, n);
    name[n] = '\0';
    const field_desc *f = content_field(t, name);
    if (f && key_of(f, key)) {
        if (field_in_variant(f, c->v))
            return NULL;
        const char *msg = arena_printf(c->a, "%sはこの区分では入力できません。", f->label);
        c->oom = !msg;
        return msg;
    }
    const char *msg = arena_printf(c->a, "「%s」という項目はありません。", key);
    c->oom = !msg;
    return msg;
}

bool field_validate(const field_env *env, const content_type *t, int v, const record *rec,
                    field_errors *errs)
{
    size_t n0 = errs->n;
    vctx c = {.env = env, .a = env->a, .rec = rec, .v = v};
    for (size_t i = 0; i < t->nfields && !c.oom; i++) {
        const field_desc *f = &t->fields[i];
        if (!field_in_variant(f, v))
            continue;
        c.key = c.msg = NULL;
        if (check_field(&c, f) || c.oom)
            continue;
        if (!field_error_add(c.a, errs, c.key, c.msg)) {
            c.oom = true;
        } else if (f->type == FIELD_CHECKS) {
            /* The summary's link goes to the first checkbox (field_view.c
             * gives options the ids "f-NAME-1" ...). */
            const char *id = field_html_id(c.a, c.key, "-1");
            if (id)
                errs->e[errs->n - 1].id = id;
            c.oom = !id;
        }
    }
    for (size_t i = 0; i < rec->n && !c.oom; i++) {
        const char *msg = stray_key(&c, t, rec->kv[i].key);
        if (msg && !field_error_add(c.a, errs, rec->kv[i].key, msg))
            c.oom = true;
    }
    if (c.oom) {
        errs->n = n0;
        return false;
    }
    return errs->n == n0;
}
