/*
 * value.h - the values a template renders: a small dynamic tree.
 *
 * A handler builds one tree per request in the request arena, a map at the
 * root holding strings, integers, booleans, lists and maps, and hands it to
 * tmpl_render().  The tree lives and dies with the arena; nothing here frees.
 *
 * Failure: every constructor returns NULL when the arena is out of memory,
 * and every setter returns false on out-of-memory or when given a NULL
 * container or value.  So a handler can build the whole view and check once:
 *
 *     tv *org = tv_map(a);
 *     bool ok = tv_set_str(a, org, "name", o->name);
 *     ok = tv_set_int(a, org, "members", o->members) && ok;
 *     ok = tv_set(a, root, "org", org) && ok;      (org may be NULL: fails)
 *     if (!ok) answer 503;
 *
 * Strings are copied into the arena and must be valid UTF-8 (the HTTP layer
 * validates every input at the edge).  Escaping stays safe even if a string
 * is not valid UTF-8, but the page would not be.
 *
 * Maps keep insertion order; setting an existing key replaces its value in
 * place.  Lookups are linear for small maps and hashed past 32 keys.
 *
 * Threads: a tree is built by one thread; once built it is only read, so
 * several threads may render the same finished tree.
 */
#ifndef TSUNAGU_TMPL_VALUE_H
#define TSUNAGU_TMPL_VALUE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

typedef enum { TV_NULL, TV_BOOL, TV_INT, TV_STR, TV_HTML, TV_LIST, TV_MAP } tv_type;

typedef struct tv tv;

/* Scalars.  NULL on out-of-memory. */
tv *tv_null(arena *a);
tv *tv_bool(arena *a, bool b);
tv *tv_int(arena *a, long long i);

/* A string, copied.  tv_str(a, NULL) returns NULL (so a missing string
 * fails the setter that receives it instead of rendering as empty). */
tv *tv_str(arena *a, const char *s);
tv *tv_strn(arena *a, const char *s, size_t n);

/* Empty containers. */
tv *tv_list(arena *a);
tv *tv_map(arena *a);

/* Appends item to list.  False on out-of-memory, or if list is not a list,
 * or if either is NULL. */
bool tv_push(arena *a, tv *list, tv *item);

/* Sets map[key] = v; key is copied; an existing key keeps its position and
 * gets the new value.  False on out-of-memory, or if map is not a map, or if
 * map, key or v is NULL. */
bool tv_set(arena *a, tv *map, const char *key, tv *v);

/* Conveniences: tv_set(a, map, key, tv_str(a, s)) and so on. */
bool tv_set_str(arena *a, tv *map, const char *key, const char *s);
bool tv_set_int(arena *a, tv *map, const char *key, long long i);
bool tv_set_bool(arena *a, tv *map, const char *key, bool b);

/* map[key], or NULL when map is NULL, not a map, or has no such key. */
const tv *tv_get(const tv *map, const char *key);

/*
 * Markup: the ONLY way to put unescaped HTML into a page.
 *
 * Only sanitisers may call this (the Markdown/rich-text sanitiser, which
 * guarantees that html[0..n) is well-formed, balanced HTML with no open tag,
 * attribute or comment at its end and nothing executable in it), and the
 * template engine itself.  A handler must never pass user input here: that
 * would be a cross-site-scripting hole, and review rejects any other caller.
 *
 * The value is emitted raw only where a template prints it in HTML text; in
 * an attribute, a URL or a plain-text (.txt) template it is escaped like any
 * string.  The bytes are copied.
 */
tv *tv_html_sanitised(arena *a, const char *html, size_t n);

/* Readers, for tests and for code that inspects a tree.  tv_kind(NULL) is
 * TV_NULL.  tv_len() is the number of items of a list or map, the byte
 * length of a string or markup, and 0 otherwise.  tv_at() is NULL out of
 * range or on a non-list.  tv_text() returns the bytes of a string or markup
 * (and their length in *n) or NULL for any other kind. */
tv_type tv_kind(const tv *v);
size_t tv_len(const tv *v);
const tv *tv_at(const tv *list, size_t i);
const char *tv_text(const tv *v, size_t *n);
long long tv_int_value(const tv *v); /* 0 unless TV_INT */
bool tv_bool_value(const tv *v);     /* false unless TV_BOOL */

#endif
