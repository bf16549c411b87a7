/*
 * test_field.c - the field-descriptor engine (content/field.h) on the test
 * type (content/types_test.c): every field type read, normalised, checked
 * valid and invalid; required_if, FIELD_ALL, stray keys; the privacy filter
 * per audience; the form view and the display view, rendered with the real
 * partials and checked for what the Nu checker and axe would refuse (unique
 * ids, a label for every control, aria references that resolve); CSV
 * columns; allocation failure at every step.
 *
 * test_types_spec.c includes this file with FIELD_SUPPORT_ONLY defined to
 * share the helpers (the environment, form inputs, rendering, HTML checks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/field.h"
#include "content/record.h"
#include "content/types.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/fault.h"
#include "tap.h"
#include "tmpl/tmpl.h"

#ifndef TEST_SOURCE_ROOT
#define TEST_SOURCE_ROOT "."
#endif

/* ---- the environment: master lists from data/master, a small media library ---- */

typedef struct master_list {
    char kind[64];
    char **labels;
    size_t n;
} master_list;

static master_list masters[16];
static size_t nmasters;

/* Reads data/master/KIND.tsv once (the labels, in file order). */
static const master_list *master_load(const char *kind)
{
    for (size_t i = 0; i < nmasters; i++)
        if (strcmp(masters[i].kind, kind) == 0)
            return &masters[i];
    if (nmasters == sizeof masters / sizeof masters[0])
        return NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/data/master/%s.tsv", TEST_SOURCE_ROOT, kind);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    master_list *m = &masters[nmasters++];
    snprintf(m->kind, sizeof m->kind, "%s", kind);
    char line[2048];
    for (int lineno = 0; fgets(line, sizeof line, f); lineno++) {
        char *tab = strchr(line, '\t');
        if (lineno == 0 || !tab)
            continue;
        char *label = tab + 1, *end = label + strcspn(label, "\t\r\n");
        *end = '\0';
        char **p = realloc(m->labels, (m->n + 1) * sizeof *p);
        if (!p)
            break;
        m->labels = p;
        m->labels[m->n++] = strdup(label);
    }
    fclose(f);
    return m;
}

static void masters_free(void)
{
    for (size_t i = 0; i < nmasters; i++) {
        for (size_t k = 0; k < masters[i].n; k++)
            free(masters[i].labels[k]);
        free(masters[i].labels);
    }
    nmasters = 0;
}

static const char *const *test_master(void *ctx, const char *kind, size_t *n)
{
    (void)ctx;
    const master_list *m = master_load(kind);
    *n = m ? m->n : 0;
    return m && m->n ? (const char *const *)m->labels : NULL;
}

/* Media 1 and 2 are images, 3 a PDF; nothing else exists. */
static const char *test_media(void *ctx, long long id, bool *is_image)
{
    (void)ctx;
    static const char *const names[] = {NULL, "photo.jpg", "地図 map.png", "leaflet.pdf"};
    if (id < 1 || id > 3)
        return NULL;
    *is_image = id != 3;
    return names[id];
}

static arena A;

static field_env env_of(arena *a)
{
    return (field_env){.a = a, .master = test_master, .media = test_media};
}

/* ---- form inputs: name/value pairs as a browser sends them ---- */

typedef struct form {
    const char *const *pairs; /* name, value, name, value, ..., NULL */
} form;

static const char *form_get(void *ctx, const char *name, size_t nth)
{
    const form *fm = ctx;
    for (size_t i = 0; fm->pairs[i]; i += 2)
        if (strcmp(fm->pairs[i], name) == 0 && nth-- == 0)
            return fm->pairs[i + 1];
    return NULL;
}

static bool read_pairs(const content_type *t, int v, const char *const *pairs, record *rec)
{
    field_env env = env_of(rec->a);
    form fm = {pairs};
    field_input in = {form_get, &fm};
    return field_read_form(&env, t, v, &in, rec);
}

/* The message for key in errs, or NULL. */
static const char *error_of(const field_errors *errs, const char *key)
{
    for (size_t i = 0; i < errs->n; i++)
        if (strcmp(errs->e[i].key, key) == 0)
            return errs->e[i].message;
    return NULL;
}

static bool contains(const char *hay, const char *needle)
{
    return hay && needle && strstr(hay, needle) != NULL;
}

/* ---- rendering with the real partials ---- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    return buf_steal(&b, NULL);
}

static tmpl_set *templates(void)
{
    static tmpl_set *set;
    if (set)
        return set;
    char *field = slurp(TEST_SOURCE_ROOT "/templates/partials/field.html");
    char *display = slurp(TEST_SOURCE_ROOT "/templates/partials/field_display.html");
    const char *names[] = {"partials/field.html", "partials/field_display.html", "form.html",
                           "show.html"};
    const char *sources[] = {
        field ? field : "",
        display ? display : "",
        "<form class=\"form\" method=\"post\" action=\"/x\">\n"
        "{% for f in fields %}{% include \"partials/field.html\" %}{% endfor %}</form>\n",
        "<dl class=\"summary-list\">\n"
        "{% for d in view.fields %}{% include \"partials/field_display.html\" %}{% endfor %}"
        "</dl>\n",
    };
    char err[512];
    set = tmpl_set_from_strings(names, sources, 4, err, sizeof err);
    if (!set)
        printf("# templates: %s\n", err);
    free(field);
    free(display);
    return set;
}

static void templates_free(void)
{
    tmpl_set_free(templates());
}

/* Renders name with root {key: v}; the HTML lives in a until it is freed. */
static const char *render(arena *a, const char *name, const char *key, tv *v)
{
    tmpl_set *set = templates();
    tv *root = tv_map(a);
    if (!set || !v || !tv_set(a, root, key, v))
        return NULL;
    buf out = BUF_INIT;
    char err[256];
    const char *html = NULL;
    if (tmpl_render(set, name, root, &out, err, sizeof err))
        html = arena_strndup(a, out.data ? out.data : "", out.len);
    else
        printf("# render %s: %s\n", name, err);
    buf_free(&out);
    return html;
}

/* ---- HTML checks: what the Nu checker and axe would refuse ---- */

/* The value of attribute name in the tag starting at tag (up to its '>'),
 * copied into out; false when the tag has none. */
static bool attr_of(const char *tag, const char *name, char *out, size_t outlen)
{
    const char *end = strchr(tag, '>');
    char pat[64];
    snprintf(pat, sizeof pat, " %s=\"", name);
    const char *p = strstr(tag, pat);
    if (!p || (end && p > end))
        return false;
    p += strlen(pat);
    const char *q = strchr(p, '"');
    if (!q)
        return false;
    snprintf(out, outlen, "%.*s", (int)(q - p), p);
    return true;
}

static bool has_label_for(const char *html, const char *id)
{
    char pat[256];
    snprintf(pat, sizeof pat, "<label class=\"field-label\" for=\"%s\">", id);
    if (strstr(html, pat))
        return true;
    snprintf(pat, sizeof pat, "<label class=\"field-sublabel\" for=\"%s\">", id);
    if (strstr(html, pat))
        return true;
    snprintf(pat, sizeof pat, "<label for=\"%s\">", id);
    return strstr(html, pat) != NULL;
}

static bool id_exists(const char *html, const char *id)
{
    char pat[256];
    snprintf(pat, sizeof pat, " id=\"%s\"", id);
    return strstr(html, pat) != NULL;
}

/* Every id unique; every input, select and textarea labelled; every id in
 * aria-describedby present; no empty legend; fieldsets balanced.  Prints
 * what is wrong and returns the number of problems. */
static int html_problems(const char *html)
{
    int problems = 0;
    char ids[512][128];
    size_t nids = 0;
    for (const char *p = strstr(html, " id=\""); p; p = strstr(p + 1, " id=\"")) {
        char id[128];
        if (!attr_of(p, "id", id, sizeof id))
            continue;
        for (size_t i = 0; i < nids; i++)
            if (strcmp(ids[i], id) == 0) {
                printf("# duplicate id %s\n", id);
                problems++;
            }
        if (nids < 512)
            snprintf(ids[nids++], sizeof ids[0], "%s", id);
    }
    static const char *const controls[] = {"<input ", "<select ", "<textarea "};
    for (size_t c = 0; c < 3; c++)
        for (const char *p = strstr(html, controls[c]); p; p = strstr(p + 1, controls[c])) {
            char id[128], type[32];
            if (attr_of(p, "type", type, sizeof type) && strcmp(type, "hidden") == 0)
                continue;
            if (!attr_of(p, "id", id, sizeof id) || !has_label_for(html, id)) {
                printf("# control without a label: %.60s\n", p);
                problems++;
            }
        }
    for (const char *p = strstr(html, "aria-describedby=\""); p;
         p = strstr(p + 1, "aria-describedby=\"")) {
        char list[256];
        if (!attr_of(p - 1, "aria-describedby", list, sizeof list))
            continue;
        for (char *save = NULL, *id = strtok_r(list, " ", &save); id;
             id = strtok_r(NULL, " ", &save))
            if (!id_exists(html, id)) {
                printf("# aria-describedby names a missing id %s\n", id);
                problems++;
            }
    }
    for (const char *p = strstr(html, "<legend"); p; p = strstr(p + 1, "<legend")) {
        const char *gt = strchr(p, '>');
        if (gt && strncmp(gt + 1, "</legend>", 9) == 0) {
            printf("# empty legend\n");
            problems++;
        }
    }
    for (const char *p = strstr(html, "<select "); p; p = strstr(p + 1, "<select ")) {
        const char *end = strstr(p, "</select>");
        int selected = 0;
        for (const char *q = strstr(p, " selected>"); q && end && q < end;
             q = strstr(q + 1, " selected>"))
            selected++;
        if (selected > 1) {
            printf("# a select with %d selected options\n", selected);
            problems++;
        }
    }
    int open = 0;
    for (const char *p = html; (p = strstr(p, "fieldset")); p++)
        open += p[-1] == '<' ? 1 : p[-1] == '/' ? -1 : 0;
    if (open) {
        printf("# fieldsets not balanced (%d)\n", open);
        problems++;
    }
    return problems;
}

#ifndef FIELD_SUPPORT_ONLY

/* ---- the test type ---- */

static const content_type *T = &content_type_test;

/* A complete, valid submission of the test type (as typed, to be
 * normalised). */
/* clang-format off */
static const char *const complete[] = {
    "title", "　市民活動フェスタ2025 ",
    "summary", "一行目\r\n二行目\r\n\r\n次の段落\r\n\r\n",
    "body", "## 見出し\n\n本文です。[リンク](https://example.jp/)",
    "capacity", "１，０００",
    "held_on", "2025/3/1",
    "period.from", "2025-02-01",
    "period.to", "2025年2月28日",
    "starts_at", "9:30",
    "deadline", "2025-02-20 17:00",
    "category", "イベント",
    "area", "山口県内市町",
    "areas", "萩市",
    "areas", "下関市",
    "areas", "萩市",
    "requirements", "営利を目的としない",
    "requirements", "宗教活動を目的としない",
    "requirements", "政治活動を目的としない",
    "municipality", "山口県外",
    "prefecture", "山口県",
    "postal", "〒７５３ー０００１",
    "phone", "０８３－９２２－１２３４",
    "email", "ｉｎｆｏ＠ｅｘａｍｐｌｅ．ｊｐ",
    "url", "https://example.jp/festa",
    "links.1.url", "https://example.jp/a",
    "links.1.label", "案内ページ",
    "links.3.url", "http://例え.jp/パス",
    "files.1", "3",
    "files.2", "２",
    "image", "1",
    "image.alt", "会場の写真",
    "agree", "1",
    NULL,
};
/* clang-format on */

static record read_complete(void)
{
    arena_free(&A);
    arena_init(&A);
    record rec;
    record_init(&rec, &A);
    CHECK(read_pairs(T, 0, complete, &rec));
    return rec;
}

static field_errors validate(const content_type *t, int v, const record *rec)
{
    field_env env = env_of(rec->a);
    field_errors errs = {0};
    bool ok = field_validate(&env, t, v, rec, &errs);
    CHECK(ok == (errs.n == 0));
    for (size_t i = 0; i < errs.n && ok; i++)
        printf("# unexpected error %s: %s\n", errs.e[i].key, errs.e[i].message);
    return errs;
}

/* rec with key set to value, then validated: the message for errkey. */
static const char *message_after(const char *key, const char *value, const char *errkey)
{
    record rec = read_complete();
    CHECK(record_set(&rec, key, value));
    field_errors errs = validate(T, 0, &rec);
    const char *m = error_of(&errs, errkey ? errkey : key);
    if (!m)
        printf("# no error for %s = \"%s\"\n", key, value ? value : "(none)");
    return m;
}

TEST(every_type_table_passes_its_check)
{
    const content_type *all[] = {
        &content_type_notice, &content_type_centre_notice, &content_type_page,
        &content_type_link,   &content_type_emergency,     &content_type_home_frame,
        &content_type_test,   &content_type_organisation,  &content_type_member};
    char err[256];
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        bool ok = content_type_check(all[i], err, sizeof err);
        if (!ok)
            printf("# %s: %s\n", all[i]->name, err);
        CHECK(ok);
    }
    /* The test type has one field of every type. */
    bool seen[FIELD_AGREE + 1] = {0};
    for (size_t i = 0; i < T->nfields; i++)
        seen[T->fields[i].type] = true;
    for (int t = 0; t <= FIELD_AGREE; t++)
        CHECK(seen[t]);
}

TEST(the_check_refuses_table_mistakes)
{
    char err[256];
    static const field_desc dup[] = {
        {.name = "title", .label = "題", .type = FIELD_TEXT},
        {.name = "title", .label = "題", .type = FIELD_TEXT},
    };
    content_type t = {
        .name = "x", .label = "x", .fields = dup, .nfields = 2, .title_field = "title"};
    CHECK(!content_type_check(&t, err, sizeof err));
    static const field_desc ids[] = {
        {.name = "title", .label = "題", .type = FIELD_TEXT},
        {.name = "a_b", .label = "a", .type = FIELD_TEXT},
        {.name = "a", .label = "b", .type = FIELD_IMAGE},    /* a.alt: f-a-alt, fine */
        {.name = "a_alt", .label = "c", .type = FIELD_TEXT}, /* f-a-alt again */
    };
    t.fields = ids;
    t.nfields = 4;
    CHECK(!content_type_check(&t, err, sizeof err));
    CHECK(contains(err, "f-a-alt"));
    static const field_desc bad_if[] = {
        {.name = "title", .label = "題", .type = FIELD_TEXT, .required_if = "nothing=1"},
    };
    t.fields = bad_if;
    t.nfields = 1;
    CHECK(!content_type_check(&t, err, sizeof err));
    static const char *const variants[] = {"a", "b", NULL};
    static const field_desc bad_use[] = {
        {.name = "title", .label = "題", .type = FIELD_TEXT, .use = "RRR"},
    };
    content_type tv2 = {.name = "x",
                        .label = "x",
                        .fields = bad_use,
                        .nfields = 1,
                        .title_field = "title",
                        .variants = variants,
                        .variant_labels = variants};
    CHECK(!content_type_check(&tv2, err, sizeof err));
    static const field_desc fields_name[] = {
        {.name = "title", .label = "題", .type = FIELD_TEXT},
        {.name = "fields", .label = "項目", .type = FIELD_TEXT},
    };
    t.fields = fields_name;
    t.nfields = 2;
    CHECK(!content_type_check(&t, err, sizeof err));
}

TEST(variants_labels_and_visibility)
{
    const content_type *o = &content_type_organisation;
    CHECK_INT(content_variant(o, "group"), 0);
    CHECK_INT(content_variant(o, "company"), 1);
    CHECK_INT(content_variant(o, "person"), -1);
    CHECK_INT(content_variant(o, NULL), -1);
    CHECK_INT(content_variant(T, NULL), 0);
    const field_desc *name = content_field(o, "name");
    CHECK_STR(field_label(name, 0), "団体名");
    CHECK_STR(field_label(name, 1), "企業名");
    CHECK(field_label(name, 1) == field_label(name, 1)); /* kept once */
    CHECK_STR(field_label(content_field(o, "address"), 1), "住所");
    const field_desc *csr = content_field(o, "csr");
    CHECK(!field_in_variant(csr, 0));
    CHECK(field_required(csr, 1));
    CHECK(!field_in_variant(csr, 7));
    CHECK(content_field(T, "nothing") == NULL);
    const field_desc *deadline = content_field(T, "deadline"), *phone = content_field(T, "phone");
    CHECK(!field_visible(deadline, 0, AUDIENCE_PUBLIC));
    CHECK(field_visible(deadline, 0, AUDIENCE_MEMBER));
    CHECK(!field_visible(phone, 0, AUDIENCE_MEMBER));
    CHECK(field_visible(phone, 0, AUDIENCE_STAFF));
    CHECK(field_visible(content_field(T, "title"), 0, AUDIENCE_PUBLIC));
}

TEST(a_complete_form_reads_normalised_and_validates)
{
    record rec = read_complete();
    CHECK_STR(record_get(&rec, "title"), "市民活動フェスタ2025");
    CHECK_STR(record_get(&rec, "summary"), "一行目\n二行目\n\n次の段落");
    CHECK_STR(record_get(&rec, "capacity"), "1000");
    CHECK_STR(record_get(&rec, "held_on"), "2025-03-01");
    CHECK_STR(record_get(&rec, "period.to"), "2025-02-28");
    CHECK_STR(record_get(&rec, "starts_at"), "09:30");
    CHECK_STR(record_get(&rec, "deadline"), "2025-02-20T17:00");
    /* Checkboxes once each, in the list's order (the municipalities'). */
    CHECK_STR(record_get(&rec, "areas"), "下関市\n萩市");
    CHECK_STR(record_get(&rec, "postal"), "753-0001");
    CHECK_STR(record_get(&rec, "phone"), "083-922-1234");
    CHECK_STR(record_get(&rec, "email"), "info@example.jp");
    CHECK_STR(record_get(&rec, "files.2"), "2");
    CHECK_STR(record_get(&rec, "agree"), "1");
    CHECK(record_get(&rec, "links.2.url") == NULL);
    field_errors errs = validate(T, 0, &rec);
    CHECK_INT(errs.n, 0);
}

TEST(normalising_what_people_type)
{
    static const struct {
        const char *key, *typed, *stored;
    } cases[] = {
        {"phone", "０８３－９２２－１２３４", "083-922-1234"},
        {"phone", "083ー922ー1234", "083-922-1234"},
        {"phone", "083‐922―1234", "083-922-1234"},
        {"phone", "(083)922-1234", "083-922-1234"},
        {"phone", "083 922 1234", "083-922-1234"},
        {"phone", "0839221234", "0839221234"},
        {"postal", "7530001", "753-0001"},
        {"postal", "７５３－０００１", "753-0001"},
        {"postal", "〒 753-0001", "753-0001"},
        {"postal", "753", "753"},
        {"capacity", "００７", "7"},
        {"capacity", "1,000", "1000"},
        {"capacity", "−3", "-3"},
        {"capacity", "約50", "約50"},
        {"held_on", "２０２５年３月１日", "2025-03-01"},
        {"held_on", "2025.3.1", "2025-03-01"},
        {"held_on", "3/1", "3/1"},
        {"starts_at", "９：０５", "09:05"},
        {"starts_at", "09:05:00", "09:05"},
        {"deadline", "2025-03-01T09:30", "2025-03-01T09:30"},
        {"title", " \t題\u3000", "題"},
        {"title", "一\r\n行", "一 行"},
        {"title", "\xff題", "\xef\xbf\xbd題"},
        {"summary", "\n\n　字下げ\r一行\n\n\n", "　字下げ\n一行"},
        {"summary", " \n \n", ""},
        {"url", "ｈｔｔｐｓ：／／example.jp", "https://example.jp"},
        {"agree", "on", "1"},
        {"agree", "  ", ""},
        {"image", "1", "1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena_free(&A);
        arena_init(&A);
        record rec;
        record_init(&rec, &A);
        const char *pairs[] = {cases[i].key, cases[i].typed, NULL};
        CHECK(read_pairs(T, 0, pairs, &rec));
        const char *got = record_get(&rec, cases[i].key);
        if (!*cases[i].stored) {
            CHECK(got == NULL);
        } else {
            CHECK_STR(got, cases[i].stored);
        }
    }
}

TEST(alt_text_without_its_image_is_dropped)
{
    arena_free(&A);
    arena_init(&A);
    record rec;
    record_init(&rec, &A);
    const char *pairs[] = {"image", "", "image.alt", "説明", NULL};
    CHECK(read_pairs(T, 0, pairs, &rec));
    CHECK(record_get(&rec, "image.alt") == NULL);
}

TEST(required_fields_name_their_label)
{
    CHECK_STR(message_after("title", NULL, NULL), "タイトルを入力してください。");
    CHECK_STR(message_after("category", NULL, NULL), "分類を選んでください。");
    CHECK_STR(message_after("agree", NULL, NULL), "注意事項に同意してください。");
    CHECK_STR(message_after("agree", "yes", NULL), "注意事項に同意してください。");
    CHECK_STR(message_after("requirements", NULL, NULL),
              "登録要件はすべての項目にチェックが必要です。");
}

TEST(formats_are_checked_with_a_suggestion)
{
    CHECK_STR(message_after("postal", "753", NULL), "郵便番号は 123-4567 の形で入力してください。");
    CHECK_STR(message_after("postal", "7530001", NULL),
              "郵便番号は 123-4567 の形で入力してください。");
    CHECK(contains(message_after("phone", "083-922-123", NULL), "電話番号は 083-922-1234"));
    CHECK(message_after("phone", "1083-922-1234", NULL) != NULL);
    CHECK(message_after("phone", "083--922-1234", NULL) != NULL);
    CHECK(message_after("phone", "083-922-1234-", NULL) != NULL);
    CHECK_STR(message_after("email", "a..b@example.jp", NULL),
              "メールアドレスは name@example.jp の形で入力してください。");
    CHECK(message_after("email", "山田@example.jp", NULL) != NULL);
    CHECK(contains(message_after("held_on", "2025-02-30", NULL), "開催日は 2025-03-01 の形で"));
    CHECK(message_after("held_on", "2025-2-3", NULL) != NULL);
    CHECK(message_after("starts_at", "24:00", NULL) != NULL);
    CHECK(message_after("deadline", "2025-03-01", NULL) != NULL);
    CHECK_STR(message_after("capacity", "0", NULL),
              "定員は 1 から 1000 までの整数で入力してください。");
    CHECK(contains(message_after("capacity", "12a", NULL), "半角の数字"));
    CHECK(message_after("capacity", "1001", NULL) != NULL);
    CHECK(message_after("capacity", "99999999999999999999", NULL) != NULL);
    CHECK_STR(message_after("category", "ない分類", NULL), "分類は一覧から選んでください。");
    CHECK_STR(message_after("municipality", "東京都", NULL), "市町は一覧から選んでください。");
    CHECK(message_after("prefecture", "山口", NULL) != NULL);
    CHECK_STR(message_after("areas", "萩市\n千代田区", NULL), "対象市町は一覧から選んでください。");
}

TEST(lengths_count_characters)
{
    char title[121 * 3 + 1] = "";
    for (int i = 0; i < 120; i++)
        strcat(title, "あ");
    record rec = read_complete();
    CHECK(record_set(&rec, "title", title));
    field_errors errs = validate(T, 0, &rec);
    CHECK_INT(errs.n, 0); /* 120 characters, 360 bytes */
    strcat(title, "あ");
    CHECK_STR(message_after("title", title, NULL),
              "タイトルは 120 文字以内で入力してください（いま 121 文字です）。");
    CHECK(contains(message_after("title", "改\x01行", NULL), "使えない文字"));
    CHECK(contains(message_after("title", "a\nb", NULL), "使えない文字"));
    CHECK(contains(message_after("summary", "a\x7f", NULL), "使えない文字"));
    CHECK(contains(message_after("summary", "\xef\xb7\x90", NULL), "使えない文字"));
    record ok = read_complete();
    CHECK(record_set(&ok, "summary", "一\n\t二"));
    CHECK_INT(validate(T, 0, &ok).n, 0);
}

TEST(urls_only_http_and_https_with_a_host)
{
    static const char *const bad[] = {
        "javascript:alert(1)",
        "data:text/html,x",
        "ftp://example.jp",
        "https://",
        "https:///path",
        "http://a b.jp",
        "https://user@evil.example/",
        "https://[::1]/",
        "https://x.jp:0/",
        "https://x.jp:99999/",
        "http://x.jp\\evil",
        "//example.jp",
        "https://-x.jp/",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *m = message_after("url", bad[i], NULL);
        CHECK_STR(m, "ホームページは http:// か https:// で始まる URL を入力してください。");
    }
    static const char *const good[] = {
        "https://example.jp",  "HTTP://EXAMPLE.JP/A?b=c#d",      "https://x.jp:8443/",
        "http://例え.jp/パス", "https://a.example.jp/%E3%81%82",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        record rec = read_complete();
        CHECK(record_set(&rec, "url", good[i]));
        CHECK_INT(validate(T, 0, &rec).n, 0);
    }
    CHECK_STR(message_after("links.2.label", "説明だけ", "links.2.url"),
              "関連リンク 2 の URL を入力してください（説明だけが入っています）。");
    CHECK(contains(message_after("links.1.url", "mailto:a@b.jp", NULL), "関連リンク 1 は http://"));
    char desc[101 * 3 + 1] = "";
    for (int i = 0; i < 101; i++)
        strcat(desc, "説");
    CHECK_STR(message_after("links.1.label", desc, NULL),
              "関連リンク 1 の説明は 100 文字以内で入力してください（いま 101 文字です）。");
}

TEST(required_if_and_field_all)
{
    /* 対象エリア 山口県内市町 makes 対象市町 required (別紙3 #10). */
    CHECK_STR(message_after("areas", NULL, NULL), "対象市町を選んでください。");
    record rec = read_complete();
    CHECK(record_set(&rec, "area", "全国"));
    CHECK(record_set(&rec, "areas", NULL));
    CHECK_INT(validate(T, 0, &rec).n, 0);
    /* FIELD_ALL: every requirement ticked, or none accepted. */
    CHECK_STR(message_after("requirements", "営利を目的としない\n宗教活動を目的としない", NULL),
              "登録要件はすべての項目にチェックが必要です。");
    /* The error links to the first checkbox. */
    record r2 = read_complete();
    CHECK(record_set(&r2, "requirements", "営利を目的としない"));
    field_errors errs = validate(T, 0, &r2);
    CHECK_INT(errs.n, 1);
    if (errs.n)
        CHECK_STR(errs.e[0].id, "f-requirements-1");
}

TEST(media_must_exist_and_images_need_alt_text)
{
    CHECK_STR(message_after("files.1", "99", NULL),
              "参考ファイル 1 のファイルが見つかりません。選び直してください。");
    CHECK(message_after("files.2", "0", NULL) != NULL);
    CHECK(message_after("files.2", "abc", NULL) != NULL);
    CHECK_STR(message_after("image", "3", NULL), "画像には画像のファイルを選んでください。");
    CHECK_STR(message_after("image", "42", NULL),
              "画像の画像が見つかりません。選び直してください。");
    CHECK_STR(message_after("image.alt", NULL, NULL),
              "画像の代替テキスト（画像の内容を表す文）を入力してください。");
}

TEST(rich_text_is_checked_by_markdown_limits)
{
    buf wide = BUF_INIT;
    for (int i = 0; i < 70; i++)
        buf_puts(&wide, "|a");
    buf_puts(&wide, "|\n");
    const char *m = message_after("body", wide.data, NULL);
    CHECK(contains(m, "本文："));
    CHECK(contains(m, "表の列が多すぎます"));
    buf_free(&wide);
}

TEST(unknown_keys_are_refused)
{
    record rec = read_complete();
    CHECK(record_set(&rec, "bogus", "x"));
    CHECK(record_set(&rec, "links.4.url", "https://example.jp/"));
    CHECK(record_set(&rec, "title.extra", "x"));
    field_errors errs = validate(T, 0, &rec);
    CHECK_INT(errs.n, 3);
    CHECK_STR(error_of(&errs, "bogus"), "「bogus」という項目はありません。");
    CHECK(error_of(&errs, "links.4.url") != NULL);
    /* A field of another variant: named by its label. */
    arena_free(&A);
    arena_init(&A);
    record org;
    record_init(&org, &A);
    CHECK(record_set(&org, "csr", "社会貢献"));
    field_env env = env_of(&A);
    field_errors e2 = {0};
    CHECK(!field_validate(&env, &content_type_organisation, 0, &org, &e2));
    CHECK(contains(error_of(&e2, "csr"), "はこの区分では入力できません。"));
    /* And the reader never reads keys that are not fields. */
    record rd;
    record_init(&rd, &A);
    const char *pairs[] = {"bogus", "x", "title", "t", "links.9.url", "https://x.jp", NULL};
    CHECK(read_pairs(T, 0, pairs, &rd));
    CHECK_INT(rd.n, 1);
}

TEST(filter_per_audience)
{
    record rec = read_complete();
    record pub, mem, staff;
    record_init(&pub, &A);
    record_init(&mem, &A);
    record_init(&staff, &A);
    CHECK(record_set(&rec, "stray", "x"));
    CHECK(content_filter(T, 0, AUDIENCE_PUBLIC, &rec, &pub));
    CHECK(content_filter(T, 0, AUDIENCE_MEMBER, &rec, &mem));
    CHECK(content_filter(T, 0, AUDIENCE_STAFF, &rec, &staff));
    static const char *const member_only[] = {"deadline", "postal"};
    static const char *const staff_only[] = {"phone", "email", "requirements", "agree"};
    for (size_t i = 0; i < 2; i++) {
        CHECK(record_get(&pub, member_only[i]) == NULL);
        CHECK(record_get(&mem, member_only[i]) != NULL);
    }
    for (size_t i = 0; i < 4; i++) {
        CHECK(record_get(&pub, staff_only[i]) == NULL);
        CHECK(record_get(&mem, staff_only[i]) == NULL);
        CHECK(record_get(&staff, staff_only[i]) != NULL);
    }
    CHECK(record_get(&pub, "title") != NULL);
    CHECK(record_get(&pub, "links.1.url") != NULL);
    CHECK(record_get(&pub, "image.alt") != NULL);
    CHECK(record_get(&staff, "stray") == NULL); /* no field owns it */
    CHECK_INT(staff.n, rec.n - 1);
}

/* The form view's item for field name. */
static const tv *item_of(const tv *view, const char *name)
{
    for (size_t i = 0; i < tv_len(view); i++) {
        size_t n;
        const char *s = tv_text(tv_get(tv_at(view, i), "name"), &n);
        if (s && strcmp(s, name) == 0)
            return tv_at(view, i);
    }
    return NULL;
}

static const char *text_of(const tv *m, const char *key)
{
    size_t n;
    return tv_text(tv_get(m, key), &n);
}

TEST(form_view_keeps_values_and_errors)
{
    record rec = read_complete();
    CHECK(record_set(&rec, "title", NULL));
    CHECK(record_set(&rec, "postal", "75３"));
    CHECK(record_set(&rec, "category", "昔の分類"));
    CHECK(record_set(&rec, "period.to", "2025-01-01"));
    field_errors errs = validate(T, 0, &rec);
    CHECK_INT(errs.n, 4);
    field_env env = env_of(&A);
    tv *view = field_form_view(&env, T, 0, &rec, &errs);
    CHECK(view != NULL);
    CHECK_INT(tv_len(view), T->nfields);
    const tv *title = item_of(view, "title");
    CHECK_STR(text_of(title, "error"), "タイトルを入力してください。");
    CHECK_STR(text_of(title, "id"), "f-title");
    CHECK_STR(text_of(title, "describedby"), "f-title-hint f-title-error");
    CHECK(tv_bool_value(tv_get(title, "required")));
    CHECK(tv_bool_value(tv_get(title, "invalid")));
    const tv *postal = item_of(view, "postal");
    CHECK_STR(text_of(postal, "value"), "75３");
    CHECK_STR(text_of(postal, "autocomplete"), "postal-code");
    CHECK_STR(text_of(postal, "describedby"), "f-postal-error");
    CHECK(!tv_bool_value(tv_get(postal, "required")));
    /* A value the list lacks is kept, ticked, after the list. */
    const tv *cat = item_of(view, "category");
    const tv *opts = tv_get(cat, "options");
    CHECK_INT(tv_len(opts), 5);
    CHECK_STR(text_of(tv_at(opts, 4), "label"), "昔の分類（一覧にない値）");
    CHECK(tv_bool_value(tv_get(tv_at(opts, 4), "selected")));
    /* The error of a composite field marks the input in error. */
    const tv *period = item_of(view, "period");
    CHECK(tv_bool_value(tv_get(tv_get(period, "from"), "invalid")));
    CHECK(!tv_bool_value(tv_get(tv_get(period, "to"), "invalid")));
    CHECK_STR(text_of(tv_get(period, "to"), "id"), "f-period-to");
    /* required_if is spelled out in the hint. */
    CHECK(contains(text_of(item_of(view, "areas"), "hint"),
                   "対象エリアで「山口県内市町」を選んだとき"));
    /* Checked options of a master list. */
    const tv *areas = tv_get(item_of(view, "areas"), "options");
    CHECK_INT(tv_len(areas), 19);
    CHECK(tv_bool_value(tv_get(tv_at(areas, 0), "checked"))); /* 下関市 */
    CHECK(!tv_bool_value(tv_get(tv_at(areas, 1), "checked")));
    CHECK_STR(text_of(tv_at(areas, 1), "id"), "f-areas-2");
    /* Groups: 連絡先 from 市町 to ホームページ. */
    CHECK(tv_bool_value(tv_get(item_of(view, "municipality"), "group_start")));
    CHECK_STR(text_of(item_of(view, "municipality"), "group_legend"), "連絡先");
    CHECK(tv_bool_value(tv_get(item_of(view, "url"), "group_end")));
    CHECK(!tv_bool_value(tv_get(item_of(view, "links"), "group_start")));
    /* Slots. */
    const tv *links = tv_get(item_of(view, "links"), "slots");
    CHECK_INT(tv_len(links), 3);
    CHECK_STR(text_of(tv_at(links, 0), "url_value"), "https://example.jp/a");
    CHECK_STR(text_of(tv_at(links, 0), "label_value"), "案内ページ");
    CHECK_STR(text_of(tv_at(links, 2), "label_id"), "f-links-3-label");
    const tv *files = tv_get(item_of(view, "files"), "slots");
    CHECK_STR(text_of(tv_at(files, 0), "slot_label"), "参考ファイル：チラシ");
    CHECK_STR(text_of(tv_at(files, 0), "media_name"), "leaflet.pdf");
    const tv *image = tv_at(tv_get(item_of(view, "image"), "slots"), 0);
    CHECK_STR(text_of(image, "alt_value"), "会場の写真");
    CHECK_STR(text_of(image, "alt_id"), "f-image-alt");
    const tv *agree = item_of(view, "agree");
    CHECK(tv_bool_value(tv_get(agree, "checked")));
    CHECK(tv_kind(tv_get(agree, "notice_html")) == TV_HTML);
    CHECK(contains(text_of(agree, "notice_html"), "<p>（テスト用の注意事項）<br>"));
}

TEST(form_view_renders_valid_accessible_html)
{
    record rec = read_complete();
    CHECK(record_set(&rec, "title", NULL));
    CHECK(record_set(&rec, "links.2.label", "説明だけ"));
    CHECK(record_set(&rec, "held_on", "2025-02-30"));
    CHECK(record_set(&rec, "email", "<b>\"x\"</b>"));
    CHECK(record_set(&rec, "requirements", "営利を目的としない"));
    field_errors errs = validate(T, 0, &rec);
    CHECK(errs.n >= 4);
    field_env env = env_of(&A);
    tv *view = field_form_view(&env, T, 0, &rec, &errs);
    const char *html = render(&A, "form.html", "fields", view);
    CHECK(html != NULL);
    CHECK_INT(html_problems(html), 0);
    /* The pieces of spec 7: marks as text, errors beside the field. */
    CHECK(contains(html, "<label class=\"field-label\" for=\"f-title\">タイトル"
                         "<span class=\"field-required\">必須</span></label>"));
    CHECK(contains(html, "<span class=\"field-optional\">任意</span>"));
    CHECK(contains(html,
                   "<p class=\"field-error\" id=\"f-title-error\"><span "
                   "class=\"visually-hidden\">エラー：</span>タイトルを入力してください。</p>"));
    CHECK(contains(html, "aria-describedby=\"f-title-hint f-title-error\" aria-invalid=\"true\""));
    CHECK(contains(html, "<input class=\"input input-short\" id=\"f-postal\" name=\"postal\" "
                         "type=\"text\" value=\"753-0001\" autocomplete=\"postal-code\""));
    CHECK(contains(html, "type=\"tel\" value=\"083-922-1234\" autocomplete=\"tel\""));
    /* An invalid value stays as typed, in an input that accepts it. */
    CHECK(contains(html, "name=\"held_on\" type=\"text\" value=\"2025-02-30\""));
    CHECK(contains(html, "type=\"text\" value=\"&lt;b&gt;&quot;x&quot;&lt;/b&gt;\""));
    CHECK(!contains(html, "<b>\"x\""));
    CHECK(contains(html, "<textarea class=\"textarea\" id=\"f-summary\" name=\"summary\" rows=\"5\""
                         ">一行目\n二行目\n\n次の段落</textarea>"));
    CHECK(contains(html,
                   "<select class=\"select input-medium\" id=\"f-category\" name=\"category\" "
                   "required>\n<option value=\"\">選択してください</option>"));
    CHECK(contains(html, "<option value=\"イベント\" selected>イベント</option>"));
    CHECK(contains(html, "<legend class=\"field-label\">対象市町"));
    CHECK(contains(html,
                   "<input type=\"checkbox\" id=\"f-areas-1\" name=\"areas\" value=\"下関市\" "
                   "checked><label for=\"f-areas-1\">下関市</label>"));
    CHECK(contains(
        html, "<fieldset class=\"field-group\">\n<legend class=\"field-group-legend\">連絡先"));
    CHECK(contains(html, "type=\"date\" value=\"2025-02-01\" aria-invalid=\"true\"") ||
          contains(html, "name=\"period.from\" type=\"date\" value=\"2025-02-01\""));
    CHECK(contains(html, "name=\"links.2.url\" type=\"url\" value=\"\" spellcheck=\"false\" "
                         "aria-invalid=\"true\""));
    CHECK(contains(html,
                   "<label class=\"field-sublabel\" for=\"f-links-1-label\">関連リンク 1 の説明"));
    /* Without a media list: number inputs of the media ID. */
    CHECK(contains(html, "name=\"files.1\" type=\"number\" value=\"3\" min=\"1\" step=\"1\""));
    CHECK(contains(html, "いまのファイル：leaflet.pdf"));
    CHECK(contains(html, "<div class=\"notice\" id=\"f-agree-hint\">"));
    CHECK(contains(
        html, "<input type=\"checkbox\" id=\"f-agree\" name=\"agree\" value=\"1\" checked "
              "required aria-describedby=\"f-agree-hint\"><label for=\"f-agree\">上記に同意する"));
    CHECK(contains(html,
                   "id=\"f-requirements-1\" name=\"requirements\" value=\"営利を目的としない\" "
                   "checked aria-invalid=\"true\""));

    /* With a media list: selects; a value the list lacks is kept. */
    tv *media = tv_list(&A);
    tv *m = tv_map(&A);
    CHECK(tv_set_int(&A, m, "id", 1) && tv_set_str(&A, m, "name", "photo.jpg"));
    CHECK(tv_push(&A, media, m));
    CHECK(field_form_view_set_media(&A, view, media, NULL));
    const char *html2 = render(&A, "form.html", "fields", view);
    CHECK_INT(html_problems(html2), 0);
    CHECK(contains(html2, "<option value=\"3\" selected>leaflet.pdf（いまの値）</option>"));
    CHECK(contains(html2, "<option value=\"1\" selected>photo.jpg</option>")); /* the image */
    CHECK(contains(html2, "<option value=\"1\">photo.jpg</option>"));          /* files.1 */
    CHECK(!contains(html2, "（メディアの番号）"));
    /* A list for images of its own; a listed value is selected once. */
    tv *images = tv_list(&A);
    CHECK(tv_push(&A, images, m));
    tv *all = tv_list(&A);
    for (int id = 1; id <= 3; id++) {
        tv *x = tv_map(&A);
        CHECK(tv_set_int(&A, x, "id", id) && tv_set_str(&A, x, "name", id == 3 ? "leaflet.pdf" : "x"));
        CHECK(tv_push(&A, all, x));
    }
    CHECK(field_form_view_set_media(&A, view, all, images));
    const char *html3 = render(&A, "form.html", "fields", view);
    CHECK_INT(html_problems(html3), 0);
    CHECK(!contains(html3, "（いまの値）"));
    CHECK(contains(html3, "<option value=\"3\" selected>leaflet.pdf</option>"));
}

TEST(an_empty_form_of_every_type_and_variant_renders_cleanly)
{
    const content_type *all[] = {&content_type_notice, &content_type_page,
                                 &content_type_link,   &content_type_emergency,
                                 &content_type_test,   &content_type_organisation,
                                 &content_type_member};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        for (int v = 0; v < 3; v++) {
            if (v > 0 && (!all[i]->variants || !all[i]->variants[v]))
                break;
            arena_free(&A);
            arena_init(&A);
            record rec;
            record_init(&rec, &A);
            field_env env = env_of(&A);
            field_errors errs = {0};
            CHECK(!field_validate(&env, all[i], v, &rec, &errs) || errs.n == 0);
            tv *view = field_form_view(&env, all[i], v, &rec, &errs);
            const char *html = render(&A, "form.html", "fields", view);
            CHECK(html != NULL);
            int problems = html_problems(html);
            if (problems)
                printf("# in %s variant %d\n", all[i]->name, v);
            CHECK_INT(problems, 0);
        }
}

TEST(display_view_shows_the_japanese_way)
{
    record rec = read_complete();
    field_env env = env_of(&A);
    tv *view = field_display_view(&env, T, 0, &rec);
    CHECK(view != NULL);
    const tv *held = tv_get(view, "held_on");
    CHECK_STR(text_of(held, "value"), "2025年3月1日（土）");
    CHECK_STR(text_of(held, "iso"), "2025-03-01");
    CHECK_STR(text_of(tv_get(view, "period"), "value"), "2025年2月1日（土）～2025年2月28日（金）");
    CHECK_STR(text_of(tv_get(view, "deadline"), "value"), "2025年2月20日（木）17:00");
    CHECK_STR(text_of(tv_get(view, "starts_at"), "value"), "9:30");
    CHECK_STR(text_of(tv_get(view, "areas"), "value"), "下関市、萩市");
    CHECK_INT(tv_len(tv_get(tv_get(view, "areas"), "items")), 2);
    CHECK_STR(text_of(tv_get(view, "phone"), "href"), "tel:0839221234");
    CHECK_STR(text_of(tv_get(view, "email"), "href"), "mailto:info@example.jp");
    CHECK_STR(text_of(tv_get(view, "agree"), "value"), "同意済み");
    CHECK(tv_kind(tv_get(tv_get(view, "body"), "html")) == TV_HTML);
    CHECK(contains(text_of(tv_get(view, "body"), "html"), "<h2>見出し</h2>"));
    CHECK_STR(text_of(tv_get(view, "summary"), "html"),
              "<p>一行目<br>\n二行目</p>\n<p>次の段落</p>\n");
    const tv *links = tv_get(tv_get(view, "links"), "links");
    CHECK_INT(tv_len(links), 2);
    CHECK_STR(text_of(tv_at(links, 1), "label"), "http://例え.jp/パス");
    const tv *files = tv_get(tv_get(view, "files"), "files");
    CHECK_INT(tv_len(files), 2);
    CHECK_STR(text_of(tv_at(files, 0), "label"), "チラシ");
    CHECK_STR(text_of(tv_at(files, 1), "name"), "地図 map.png");
    CHECK_STR(text_of(tv_get(tv_get(view, "image"), "image"), "alt"), "会場の写真");
    /* fields: in table order, only those holding a value. */
    const tv *fields = tv_get(view, "fields");
    CHECK_STR(text_of(tv_at(fields, 0), "name"), "title");
    CHECK_INT(tv_len(fields), T->nfields);
    record empty;
    record_init(&empty, &A);
    CHECK(record_set(&empty, "title", "題"));
    tv *v2 = field_display_view(&env, T, 0, &empty);
    CHECK_INT(tv_len(tv_get(v2, "fields")), 1);
    CHECK(tv_get(v2, "body") == NULL);

    const char *html = render(&A, "show.html", "view", view);
    CHECK(html != NULL);
    CHECK_INT(html_problems(html), 0);
    CHECK(contains(
        html,
        "<div><dt>開催日</dt>\n<dd><time datetime=\"2025-03-01\">2025年3月1日（土）</time></dd>"));
    CHECK(contains(html, "<a href=\"/media/2/%E5%9C%B0%E5%9B%B3%20map.png\">地図 map.png</a>"));
    CHECK(contains(html, "<img src=\"/media/1/photo.jpg\" alt=\"会場の写真\">"));
    CHECK(contains(html, "<a href=\"mailto:info@example.jp\">info@example.jp</a>"));
    CHECK(contains(html, "<li><a href=\"https://example.jp/a\">案内ページ</a></li>"));
    CHECK(contains(html, "<time datetime=\"2025-02-01\">2025年2月1日（土）</time>～<time"));
}

TEST(display_view_escapes_and_survives_odd_data)
{
    arena_free(&A);
    arena_init(&A);
    record rec;
    record_init(&rec, &A);
    CHECK(record_set(&rec, "title", "<script>alert(1)</script>"));
    CHECK(record_set(&rec, "summary", "<b>太字</b>\x01\r\n&amp;\r\r二"));
    CHECK(record_set(&rec, "held_on", "2025-02-30"));
    CHECK(record_set(&rec, "email", "not an address"));
    CHECK(record_set(&rec, "url", "javascript:alert(1)"));
    CHECK(record_set(&rec, "links.1.url", "javascript:alert(1)"));
    CHECK(record_set(&rec, "files.1", "99"));
    CHECK(record_set(&rec, "image", "42"));
    buf wide = BUF_INIT;
    for (int i = 0; i < 70; i++)
        buf_puts(&wide, "|<i>");
    buf_puts(&wide, "|\n");
    CHECK(record_set(&rec, "body", wide.data));
    buf_free(&wide);
    field_env env = env_of(&A);
    tv *view = field_display_view(&env, T, 0, &rec);
    CHECK(view != NULL);
    CHECK_STR(text_of(tv_get(view, "summary"), "html"),
              "<p>&lt;b&gt;太字&lt;/b&gt;\xef\xbf\xbd<br>\n&amp;amp;</p>\n<p>二</p>\n");
    CHECK_STR(text_of(tv_get(view, "held_on"), "value"), "2025-02-30");
    CHECK(tv_get(tv_get(view, "held_on"), "iso") == NULL);
    CHECK(tv_get(tv_get(view, "email"), "href") == NULL);
    CHECK(tv_get(tv_get(view, "url"), "href") == NULL);
    CHECK(tv_get(view, "links") == NULL);
    CHECK(tv_get(view, "files") == NULL);
    CHECK(tv_get(view, "image") == NULL);
    /* A rich text the limits refuse shows as escaped plain text. */
    CHECK(contains(text_of(tv_get(view, "body"), "html"), "<p>|&lt;i&gt;|"));
    const char *html = render(&A, "show.html", "view", view);
    CHECK(!contains(html, "<script>"));
    CHECK(!contains(html, "href=\"javascript:"));
    CHECK(contains(html, "<dd>javascript:alert(1)</dd>")); /* text, not a link */
    CHECK(!contains(html, "<i>"));
    CHECK_INT(html_problems(html), 0);
}

TEST(csv_keys_and_values)
{
    record rec = read_complete();
    size_t n;
    const char *const *labels;
    const char *const *keys = content_csv_keys(&A, T, &n, &labels);
    CHECK(keys != NULL);
    /* 21 fields (agree is not exported): period 2, links 6, files 2, image 2. */
    CHECK_INT(n, 17 + 2 + 6 + 2 + 2);
    CHECK_STR(keys[0], "title");
    CHECK_STR(labels[0], "タイトル");
    bool agree = false;
    for (size_t i = 0; i < n; i++) {
        agree = agree || strcmp(keys[i], "agree") == 0;
        if (strcmp(keys[i], "period.to") == 0)
            CHECK_STR(labels[i], "募集期間（終了日）");
        if (strcmp(keys[i], "links.2.label") == 0)
            CHECK_STR(labels[i], "関連リンク 2 説明");
        if (strcmp(keys[i], "image.alt") == 0)
            CHECK_STR(labels[i], "画像 代替テキスト");
        if (strcmp(keys[i], "files.2") == 0)
            CHECK_STR(labels[i], "参考ファイル 2");
    }
    CHECK(!agree);
    CHECK(keys[n] == NULL);
    size_t n2;
    CHECK(content_csv_keys(&A, &content_type_link, &n2, NULL) != NULL);
    CHECK_INT(n2, 4);
    const char **vals = content_csv_values(&A, &rec, keys, n);
    CHECK_STR(vals[0], "市民活動フェスタ2025");
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], "links.2.url") == 0)
            CHECK(vals[i] == NULL);
}

TEST(a_record_reads_back_through_field_input_record)
{
    /* What the CSV importer does: columns into a record, then the reader. */
    record rec = read_complete();
    record raw, back;
    record_init(&raw, &A);
    record_init(&back, &A);
    CHECK(record_copy(&raw, &rec));
    CHECK(record_set(&raw, "phone", "０８３－９２２－１２３４"));
    CHECK(record_set(&raw, "areas", "萩市\n下関市\n"));
    field_input in;
    field_input_record(&in, &raw);
    field_env env = env_of(&A);
    CHECK(field_read_form(&env, T, 0, &in, &back));
    buf a = BUF_INIT, b = BUF_INIT;
    CHECK(record_encode(&rec, &a) && record_encode(&back, &b));
    CHECK_STR(b.data, a.data);
    buf_free(&a);
    buf_free(&b);
}

TEST(content_type_without_leaves_out_flagged_fields)
{
    content_type first;
    CHECK(content_type_without(&A, &content_type_member, FIELD_DETAIL, &first));
    CHECK(first.nfields < content_type_member.nfields);
    CHECK(content_field(&first, "name") != NULL);
    CHECK(content_field(&first, "postal_code") == NULL);
    CHECK(content_field(&first, "regions") == NULL);
    char err[256];
    bool ok = content_type_check(&first, err, sizeof err);
    if (!ok)
        printf("# %s\n", err);
    CHECK(ok);
}

/* One allocation failure at each step of each call: every failure is
 * reported (NULL or false), nothing leaks, and a call that saw no failure
 * gives the full result. */
TEST(allocation_failures_are_reported)
{
    int calls = 0;
    for (int step = 0; step < 7; step++) {
        for (long nth = 1; nth < 100000; nth++) {
            arena a;
            arena_init(&a);
            record rec, out;
            record_init(&rec, &a);
            record_init(&out, &a);
            field_env env = env_of(&a);
            bool pre = read_pairs(T, 0, complete, &rec);
            field_errors errs = {0};
            if (step >= 2)
                CHECK(record_set(&rec, "title", NULL) && record_set(&rec, "postal", "1"));
            if (step >= 2)
                pre = !field_validate(&env, T, 0, &rec, &errs) && errs.n == 2 && pre;
            CHECK(pre);
            fault_fail_nth(nth);
            bool ok = true;
            size_t n = 0;
            switch (step) {
            case 0: ok = read_pairs(T, 0, complete, &rec) && rec.n > 20; break;
            case 1: {
                field_errors e = {0};
                ok = field_validate(&env, T, 0, &rec, &e);
                CHECK(ok || e.n == 0);
                break;
            }
            case 2: {
                field_errors e = {0};
                ok = !field_validate(&env, T, 0, &rec, &e) && e.n == 2;
                CHECK(ok || e.n == 0);
                break;
            }
            case 3: ok = field_form_view(&env, T, 0, &rec, &errs) != NULL; break;
            case 4: ok = field_display_view(&env, T, 0, &rec) != NULL; break;
            case 5: ok = content_filter(T, 0, AUDIENCE_PUBLIC, &rec, &out); break;
            case 6: ok = content_csv_keys(&a, T, &n, NULL) != NULL && n == 29; break;
            }
            bool fired = fault_fired();
            fault_fail_nth(0);
            arena_free(&a);
            calls++;
            CHECK(ok != fired);
            if (!fired)
                break;
        }
    }
    CHECK(calls > 10);
}

int main(void)
{
    arena_init(&A);
    int rc = tap_run();
    arena_free(&A);
    templates_free();
    masters_free();
    return rc;
}

#endif
