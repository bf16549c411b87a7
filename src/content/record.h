/*
 * record.h - one content item's field values: an ordered list of key/value
 * strings, and its stored text form.
 *
 * Every content type keeps its fields as a record (ARCHITECTURE.md decision
 * 4): the engine (content/field.h) reads forms and CSV lines into records,
 * checks them and turns them into views; the store keeps the encoded text in
 * one column, and revisions and the audit log keep the same text.
 *
 * Keys are record keys of the type's descriptors (content/field.h): 1 to
 * RECORD_KEY_MAX bytes of [a-z0-9_.].  Values are valid UTF-8 without NUL;
 * a multi-valued field (checkboxes) holds its values joined by '\n'.
 *
 * Stored text: one line per pair, "key\tvalue\n", the value with '\\', '\t',
 * '\n' and '\r' written as "\\\\", "\\t", "\\n", "\\r".  Pairs appear in the
 * order they were set; an empty value is not written.
 *
 * Ownership: a record and its strings live in the arena given to
 * record_init(); record_set() copies key and value.
 */
#ifndef TSUNAGU_CONTENT_RECORD_H
#define TSUNAGU_CONTENT_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"

#define RECORD_KEY_MAX 64

typedef struct record_kv {
    const char *key;
    const char *value;
} record_kv;

typedef struct record {
    arena *a;
    record_kv *kv;
    size_t n, cap;
} record;

/* An empty record whose strings will live in a. */
void record_init(record *r, arena *a);

/* The value of key, or NULL if it has none. */
const char *record_get(const record *r, const char *key);

/* Sets key to value (copied; NULL or "" removes the key).  False on OOM or
 * an invalid key (never set by the engine; a caller bug), on a value that is
 * not valid UTF-8, or on a new key past RECORD_MAX_PAIRS (the text could
 * not be decoded again).  A key set again keeps its place. */
bool record_set(record *r, const char *key, const char *value);

/* True if s (n bytes) is a valid record key. */
bool record_key_valid(const char *s, size_t n);

/* Appends the stored text of r to out.  False on OOM (buf failed). */
bool record_encode(const record *r, buf *out);

/* Parses stored text (n bytes, need not be NUL-terminated) into r (which is
 * reset first).  False on malformed text: a line without a tab or a final
 * newline, an invalid key, a repeated key, an unknown escape, invalid UTF-8,
 * NUL, more than RECORD_MAX_PAIRS pairs; or on OOM. */
bool record_decode(record *r, const char *text, size_t n);

#define RECORD_MAX_PAIRS 512

/* Copies src into dst (an initialised record, reset first). */
bool record_copy(record *dst, const record *src);

#endif
