/*
 * field_internal.h - what the parts of the field engine share (field.c,
 * field_read.c, field_validate.c, field_view.c).  Not for other modules:
 * content/field.h is the engine's contract.
 *
 * Everything allocating takes an arena and returns NULL (or false) when it
 * runs out; nothing here keeps state.
 */
#ifndef TSUNAGU_CONTENT_FIELD_INTERNAL_H
#define TSUNAGU_CONTENT_FIELD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "content/field.h"
#include "core/arena.h"

/* Default lengths in characters (code points) when .max_len is 0. */
#define FIELD_TEXT_MAX 200
#define FIELD_TEXTAREA_MAX 4000
#define FIELD_URL_MAX 2000
#define FIELD_EMAIL_MAX 254
#define FIELD_URL_LABEL_MAX 100 /* the description beside each URL */
#define FIELD_ALT_MAX 250       /* an image's alternative text */

/* The value a ticked FIELD_AGREE holds. */
#define FIELD_AGREED "1"

/* ---- descriptors ---- */

/* The .use / .vis character of f for variant v ('-' / 'S' when v is out of
 * range or the string is short or holds another character: a table mistake
 * then hides a field rather than showing it). */
char field_use_char(const field_desc *f, int v);
char field_vis_char(const field_desc *f, int v);

/* The label of f for variant v in a (see field_label()); NULL on OOM. */
const char *field_label_a(arena *a, const field_desc *f, int v);

/* The literal choices of f for variant v: .variant_choices[v] or .choices. */
const char *const *field_choices(const field_desc *f, int v);

/* The slot labels of a FIELD_FILES for variant v, or NULL. */
const char *const *field_slot_labels(const field_desc *f, int v);

/* The master list kind of f: .master, else "municipality" / "prefecture"
 * for those types, else NULL. */
const char *field_master_kind(const field_desc *f);

/* Slots of a FIELD_URLS / FIELD_FILES: .count within 1..FIELD_MAX_SLOTS. */
int field_slots(const field_desc *f);

/* Default maximum characters of a type, 0 when its format bounds it. */
int field_type_max(field_type t);

/* The type's word in views ("text", "date_range" ...). */
const char *field_type_word(field_type t);

/* True for the types whose form input is one line of text. */
bool field_one_line(field_type t);

/* ---- record keys ---- */

typedef enum {
    FIELD_PART_VALUE, /* NAME */
    FIELD_PART_FROM,  /* NAME.from */
    FIELD_PART_TO,    /* NAME.to */
    FIELD_PART_URL,   /* NAME.N.url */
    FIELD_PART_LABEL, /* NAME.N.label */
    FIELD_PART_FILE,  /* NAME.N */
    FIELD_PART_ALT,   /* NAME.alt (FIELD_IMAGE) */
} field_part;

typedef struct field_key {
    char key[RECORD_KEY_MAX + 1];
    field_part part;
    int slot; /* 1.. for URL, LABEL and FILE parts; else 0 */
} field_key;

#define FIELD_MAX_KEYS (2 * FIELD_MAX_SLOTS)

/* The record keys of f in form order; returns how many (0 when a key would
 * be longer than RECORD_KEY_MAX: content_type_check() refuses such tables). */
size_t field_keys(const field_desc *f, field_key out[FIELD_MAX_KEYS]);

/* The HTML id of an input named key: "f-" + key, '.' and '_' as '-'.
 * suffix (may be NULL) is appended as it is ("-hint"). */
char *field_html_id(arena *a, const char *key, const char *suffix);

/* ---- options of choice fields ---- */

/* Master list items followed by the literal choices, in display order. */
typedef struct field_options {
    const char *const *master;
    size_t nmaster;
    const char *const *choices; /* NULL-terminated or NULL */
} field_options;

void field_options_of(const field_env *env, const field_desc *f, int v, field_options *o);
size_t field_options_count(const field_options *o);
const char *field_option_at(const field_options *o, size_t i);
/* Index of value among the options, or -1. */
long field_option_index(const field_options *o, const char *value, size_t n);

/* ---- text ---- */

/* Decodes one strict UTF-8 sequence at s[0..n): its length (1..4) and *cp,
 * or 0 when the bytes are not valid UTF-8 there. */
size_t field_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* Dates and times as the engine stores them. */
bool field_parse_date(const char *s, int *y, int *m, int *d); /* YYYY-MM-DD */
bool field_parse_time(const char *s, int *h, int *mi);        /* HH:MM */
bool field_parse_datetime(const char *s, int *y, int *m, int *d, int *h, int *mi);

/* Whether s is a URL FIELD_URL accepts (field_validate.c says which). */
bool field_url_ok(const char *s);

/* "2025年3月1日（土）" in a; NULL on OOM or when s is not a date. */
char *field_date_ja(arena *a, const char *s);

/* The message "<label><rest>" in a. */
char *field_msg(arena *a, const char *label, const char *rest);

/* ---- required_if ---- */

/* True when f has a required_if ("other=value") that rec meets: the field
 * other holds value (among its values, for a multi-valued field). */
bool field_required_if_met(const field_desc *f, const record *rec);

/* The other field and value of f's required_if, split into a (NULL when
 * there is none or on OOM; *other NULL then). */
bool field_required_if_parts(arena *a, const field_desc *f, const char **other, const char **value);

#endif
