/*
 * field.h - the field-descriptor engine (ARCHITECTURE.md decision 4).
 *
 * A content type (notice, fixed page, organisation, member ...) is one
 * static table of field descriptors.  From that table alone this engine
 *   - reads a submitted form or a CSV line into a record (content/record.h),
 *     normalising what people type (full-width digits in phone numbers and
 *     postal codes, surrounding spaces);
 *   - validates it, with one Japanese message per field in error;
 *   - builds the form view the template partials/field.html renders (labels,
 *     required marks, hints, the typed value kept, the error beside the field);
 *   - filters out every field the audience may not see, before any view is
 *     built (content_filter); then builds the display view;
 *   - names the CSV columns and turns records into CSV lines and back.
 * Adding a field to a type is one line in its table (and, for a listed
 * column, a migration).
 *
 * Variants: one type may have up to FIELD_MAX_VARIANTS kinds of record that
 * share most fields (別紙3: citizen-activity group / company; 別紙4:
 * individual / group / company).  A descriptor says per variant whether the
 * field is required, optional or absent (.use) and who may see it (.vis), as
 * one character per variant; a one-character string applies to all.
 *   .use: 'R' required, 'O' optional, '-' not part of this variant
 *   .vis: 'P' public, 'M' signed-in members, 'S' staff only
 * A type without variants uses one character ("R", "P").  .labels gives a
 * per-variant label as "団体名|企業名" when the label differs.
 *
 * Record keys: a field's name is its key; composite fields use several keys:
 *   FIELD_DATE_RANGE  NAME.from, NAME.to
 *   FIELD_URLS        NAME.N.url, NAME.N.label         (N = 1 .. count)
 *   FIELD_FILES       NAME.N                           (a media id)
 *   FIELD_IMAGE       NAME (a media id), NAME.alt
 * and form inputs carry the same names.  The HTML id of an input is "f-" +
 * its key with '.' and '_' turned into '-'.
 *
 * Nothing here touches the database or HTTP: master lists (municipalities,
 * activity fields ...), media checks and form values reach the engine through
 * the callbacks of field_env and field_input.
 */
#ifndef TSUNAGU_CONTENT_FIELD_H
#define TSUNAGU_CONTENT_FIELD_H

#include <stdbool.h>
#include <stddef.h>

#include "content/record.h"
#include "core/arena.h"
#include "tmpl/value.h"

#define FIELD_MAX_VARIANTS 4
#define FIELD_MAX_SLOTS 3 /* URLs and files per field (別紙3 #31, #32) */

typedef enum {
    FIELD_TEXT,         /* one line of text */
    FIELD_TEXTAREA,     /* several lines, shown as paragraphs */
    FIELD_RICH,         /* Markdown (content/markdown.h), previewed before saving */
    FIELD_INT,          /* whole number within .min .. .max */
    FIELD_DATE,         /* YYYY-MM-DD */
    FIELD_DATE_RANGE,   /* NAME.from .. NAME.to, each YYYY-MM-DD, from <= to */
    FIELD_TIME,         /* HH:MM, 00:00 .. 23:59 */
    FIELD_DATETIME,     /* YYYY-MM-DDTHH:MM in JST (datetime-local) */
    FIELD_SELECT,       /* one of .choices (or of master list .master) */
    FIELD_CHECKS,       /* any of .choices / .master, as checkboxes */
    FIELD_MUNICIPALITY, /* one of master list "municipality" (+ .choices appended) */
    FIELD_PREFECTURE,   /* one of master list "prefecture" (+ .choices appended) */
    FIELD_POSTAL,       /* 〒 NNN-NNNN (full-width digits and hyphens accepted) */
    FIELD_PHONE,        /* digits and hyphens, 10 or 11 digits, leading 0 */
    FIELD_EMAIL,        /* mail/addr.h syntax */
    FIELD_URL,          /* one http(s) URL */
    FIELD_URLS,         /* up to .count URLs, each with a description */
    FIELD_FILES,        /* up to .count files of the media library (.slot_labels) */
    FIELD_IMAGE,        /* one image of the media library, with alt text NAME.alt */
    FIELD_AGREE,        /* one checkbox that must be ticked when required; .hint is the text agreed to */
} field_type;

/* Flags (.flags). */
enum {
    FIELD_SEARCHABLE = 1 << 0, /* goes into the search index */
    FIELD_NO_EXPORT = 1 << 1,  /* never in CSV (e.g. consent ticks) */
    FIELD_ALL = 1 << 2,        /* FIELD_CHECKS: every choice must be ticked (登録要件) */
    FIELD_LISTED = 1 << 3,     /* shown as a column of the admin list */
    FIELD_DETAIL = 1 << 4,     /* entered on a later screen (spec 3.5: 別紙4 #19-42 after the
                                  first registration); see content_type_without() */
};

typedef struct field_desc {
    const char *name;           /* record key: [a-z0-9_], unique in the type */
    const char *label;          /* Japanese label */
    const char *labels;         /* per-variant labels "A|B|C", or NULL */
    field_type type;
    const char *use;            /* see above; NULL = "O" */
    const char *vis;            /* see above; NULL = "P" */
    unsigned flags;
    const char *hint;           /* help under the label, or NULL */
    const char *const *choices; /* NULL-terminated values (value = label), or NULL */
    const char *master;         /* master list kind ("municipality", "activity_field" ...) */
    const char *required_if;    /* "other=value": required when field other holds value */
    int max_len;                /* characters; 0 = the type's default */
    long long min, max;         /* FIELD_INT range (both 0 = any non-negative) */
    int count;                  /* FIELD_URLS / FIELD_FILES: slots (<= FIELD_MAX_SLOTS) */
    const char *const *slot_labels; /* FIELD_FILES: a label per slot, or NULL */
    const char *group;          /* starts a fieldset with this legend (a heading of the form);
                                   "" ends the open one without starting another */
    /* Per-variant choices (別紙3 #1: the group and company lists differ):
     * when [v] is set it replaces .choices for variant v. */
    const char *const *variant_choices[FIELD_MAX_VARIANTS];
    /* Per-variant slot labels of a FIELD_FILES (別紙3 #32: named for groups,
     * numbered for companies): when [v] is set it replaces .slot_labels. */
    const char *const *variant_slot_labels[FIELD_MAX_VARIANTS];
} field_desc;

/* Staff roles that may publish a type (domain/content.c checks it). */
typedef enum { CONTENT_PUBLISH_EDITOR = 0, CONTENT_PUBLISH_ADMIN } content_publish_role;

typedef struct content_type {
    const char *name;          /* URL segment and stored type: [a-z_], e.g. "notice" */
    const char *label;         /* Japanese name, e.g. お知らせ */
    const field_desc *fields;
    size_t nfields;
    const char *title_field;   /* the field that is the item's title (FIELD_TEXT) */
    const char *const *variants;       /* variant names ("group", "company"), NULL-terminated, or NULL */
    const char *const *variant_labels; /* their Japanese names */
    content_publish_role publish_role;
    const char *public_path;   /* public URL prefix ("/notices"), or NULL when not shown on its own */
    bool singleton_slots;      /* items are slots of the home page, one live at a time */
    bool list_only;            /* public only as rows of the list at public_path (no page each) */
} content_type;

/* Audience of a view (content_filter). */
typedef enum { AUDIENCE_PUBLIC = 0, AUDIENCE_MEMBER, AUDIENCE_STAFF } content_audience;

typedef struct field_env {
    arena *a; /* views, records and messages are allocated here */
    /* The labels of master list kind in display order (*n set), or NULL when
     * there is no such list.  The strings live at least as long as a. */
    const char *const *(*master)(void *ctx, const char *kind, size_t *n);
    /* For FIELD_FILES / FIELD_IMAGE: whether media id exists, and whether it
     * is an image; the file name shown, or NULL when there is no such media. */
    const char *(*media)(void *ctx, long long id, bool *is_image);
    void *ctx;
} field_env;

/* Form values as submitted: the nth value (from 0) of input name, or NULL. */
typedef struct field_input {
    const char *(*get)(void *ctx, const char *name, size_t nth);
    void *ctx;
} field_input;

typedef struct field_error {
    const char *key;     /* record key (= input name) of the first input in error */
    const char *id;      /* its HTML id ("f-...") */
    const char *message; /* Japanese, names the field: 「タイトルを入力してください。」 */
} field_error;

typedef struct field_errors {
    field_error *e;
    size_t n, cap;
} field_errors;

/* The variant index of name in t (0 for a type without variants), or -1. */
int content_variant(const content_type *t, const char *name);

/* The descriptor of field name in t, or NULL. */
const field_desc *content_field(const content_type *t, const char *name);

/* Whether f is part of variant v / required in it / visible to audience. */
bool field_in_variant(const field_desc *f, int v);
bool field_required(const field_desc *f, int v);
bool field_visible(const field_desc *f, int v, content_audience who);
/* The label of f for variant v: the vth part of .labels, else .label.  A
 * split label is kept once for the life of the program (the tables are
 * static), so the pointer stays valid; if that copy cannot be made, .label
 * is returned. */
const char *field_label(const field_desc *f, int v);

/* Reads the inputs of every field of variant v into rec (reset first),
 * normalised as the field type says.  Never fails on content (validation is
 * field_validate's); false only on OOM. */
bool field_read_form(const field_env *env, const content_type *t, int v, const field_input *in,
                     record *rec);

/* Validates rec against the descriptors of variant v: required fields,
 * required_if, formats, lengths, choices, master lists, media, and refuses
 * keys that belong to no field of the variant.  Appends one error per field
 * to errs (in env->a).  True when there are none.  False also on OOM (with
 * no error added: check errs->n). */
bool field_validate(const field_env *env, const content_type *t, int v, const record *rec,
                    field_errors *errs);

/* A field_input that reads rec: the value of key name for nth 0, NULL
 * otherwise (a multi-valued value, joined by '\n', is split by the reader).
 * For the CSV importer: put each column into a record under its key (after
 * csv_unguard()), then field_read_form() normalises it as it would a form.
 * in borrows rec. */
void field_input_record(field_input *in, const record *rec);

/* Appends an error (copied into a).  False on OOM. */
bool field_error_add(arena *a, field_errors *errs, const char *key, const char *message);

/* The form view of t for variant v: a list of field maps for
 * partials/field.html (see that template for the keys), holding rec's values
 * and the message of each field in errs.  NULL on OOM. */
tv *field_form_view(const field_env *env, const content_type *t, int v, const record *rec,
                    const field_errors *errs);

/* Privacy filtering: copies into out (initialised, reset first) only the
 * keys of fields of variant v that audience who may see.  Every view for a
 * visitor or member is built from a filtered record.  False on OOM. */
bool content_filter(const content_type *t, int v, content_audience who, const record *rec,
                    record *out);

/* The display view of rec (filter it first): a map with
 *   fields: list of {name, label, type, value (text), html (sanitised HTML
 *           for FIELD_RICH and FIELD_TEXTAREA), items (list of strings for
 *           FIELD_CHECKS), links (list of {url, label} for FIELD_URLS),
 *           files (list of {id, label, name}), image {id, alt}}
 *           for the fields that hold a value, in table order;
 *   and NAME -> the same map for each of them, for templates that place
 *   fields one by one.
 * Dates show the Japanese way (2025年3月1日（土）).  NULL on OOM; a rich
 * text that does not render shows as plain text. */
tv *field_display_view(const field_env *env, const content_type *t, int v, const record *rec);

/* Gives every FIELD_FILES item of a form view the media choices media, and
 * every FIELD_IMAGE item images (NULL: media too), each a list of {id, name}
 * shared, not copied, as f.media; and marks each slot whose value is not
 * among them (slot.media_missing), so the template keeps that value as one
 * more option instead of losing it on the next save.  Set f.media through
 * this function, not by hand.  False on OOM. */
bool field_form_view_set_media(arena *a, tv *view, tv *media, tv *images);

/* A copy of t (in a, with its own fields array) without the fields that
 * have any of flags: the first form of a two-stage registration (spec 3.5)
 * reads and validates with content_type_without(a, &content_type_member,
 * FIELD_DETAIL, &first).  False on OOM. */
bool content_type_without(arena *a, const content_type *t, unsigned flags, content_type *out);

/* Checks a descriptor table for the mistakes the compiler cannot see:
 * names, composite keys and HTML ids unique and valid, .use/.vis/.labels
 * of the right length, variant choices and slot labels within the variants,
 * required_if naming a field of the type, counts within FIELD_MAX_SLOTS,
 * title_field a FIELD_TEXT of the type.  For unit tests and start-up; the
 * first problem goes into err. */
bool content_type_check(const content_type *t, char *err, size_t errlen);

/* ---- CSV (core/csv.h does the bytes) ---- */

/* The CSV columns of t for every variant: record keys in table order, the
 * composite fields expanded, FIELD_NO_EXPORT left out.  *n set; in a.
 * header labels: the Japanese label of each column ("URL 1 説明" ...). */
const char *const *content_csv_keys(arena *a, const content_type *t, size_t *n,
                                    const char *const **labels);

/* One CSV line's values: rec's value of each of keys[0..n) (NULL when it
 * has none), for csv_write_record().  In a; NULL on OOM. */
const char **content_csv_values(arena *a, const record *rec, const char *const *keys, size_t n);

#endif
