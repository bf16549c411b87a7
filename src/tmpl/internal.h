/*
 * internal.h - the compiled form of a template set, shared by the compiler
 * (parse.c, compile.c), the renderer (render.c) and the loader (set.c).
 * Nothing outside src/tmpl includes this.
 *
 * A template compiles to "units": flat arrays of ops, one per template and
 * HTML state it is entered in (a template included inside an attribute is
 * escaped differently from the same template included in text).  Layouts
 * and blocks are resolved at compile time, so a unit of a page holds its
 * whole layout.  Everything here lives in the set's arena and is read-only
 * once tmpl_set_load() returns.
 */
#ifndef TSUNAGU_TMPL_INTERNAL_H
#define TSUNAGU_TMPL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "tmpl/escape.h"
#include "tmpl/tmpl.h"
#include "tmpl/value_int.h"

/* One segment of a path such as org.name; name is interned (equal names
 * have equal pointers within one set), hash is tv_hash(name, len). */
typedef struct tmpl_seg {
    const char *name;
    size_t len;
    uint32_t hash;
} tmpl_seg;

/* loop.<attr>: the innermost {% for %}. */
enum { LOOP_NONE, LOOP_INDEX, LOOP_INDEX0, LOOP_FIRST, LOOP_LAST, LOOP_LENGTH };

/* A path, or a string literal when lit != NULL. */
typedef struct tmpl_operand {
    const char *lit;
    size_t lit_len;
    const tmpl_seg *segs;
    size_t nsegs;
    uint8_t loop_attr; /* LOOP_*: the path is loop.<attr> */
} tmpl_operand;

enum { COND_TRUTHY, COND_NOT, COND_EQ, COND_NE };

enum {
    OP_TEXT,    /* append text */
    OP_OUT,     /* append x, filtered, escaped by esc */
    OP_IF,      /* if cond(x, y) is false, go to a */
    OP_JUMP,    /* go to a */
    OP_FOR,     /* for var in x: body is [pc+1, a), else part [a, b) */
    OP_INCLUDE, /* run unit */
};

typedef struct tmpl_op {
    uint8_t kind;
    uint8_t esc;      /* OP_OUT: esc_mode */
    uint8_t cond;     /* OP_IF: COND_* */
    uint8_t nfilters; /* OP_OUT */
    uint32_t a, b;
    union {
        struct {
            const char *p;
            size_t n;
        } text;
        struct {
            const tmpl_operand *x, *y;
            const uint16_t *filters; /* OP_OUT: indexes into tmpl_filters */
            const char *var;         /* OP_FOR: the loop variable, interned */
        } expr;
        uint32_t unit;
    } u;
} tmpl_op;

typedef struct tmpl_unit {
    const tmpl_op *ops;
    uint32_t nops;
} tmpl_unit;

typedef struct tmpl_entry {
    const char *name;
    bool plain;    /* a .txt template */
    uint32_t unit; /* the unit rendered by tmpl_render(name) */
} tmpl_entry;

struct tmpl_set {
    arena mem;         /* owns everything reachable from here */
    tmpl_entry *tmpls; /* sorted by name (strcmp) */
    size_t ntmpls;
    tmpl_unit *units;
    size_t nunits;
};

/* One template's source, as the loader found it; name and text live in the
 * set's arena (ops point into text). */
typedef struct tmpl_source {
    const char *name;
    const char *text;
    size_t len;
} tmpl_source;

/* Parses and compiles src[0..n) (sorted by name, names unique) into s:
 * fills s->tmpls and s->units.  False on the first error, described as
 * "file:line: message" in err; s then holds nothing usable (the caller frees
 * it).  compile.c. */
bool tmpl_compile(tmpl_set *s, const tmpl_source *src, size_t n, char *err, size_t errlen);

/* Growth of an arena array: returns old when n < *cap, else a copy of
 * old[0..n) in a block of twice the capacity (at least 8), updating *cap;
 * NULL when out of memory.  The old block stays in the arena.  compile.c. */
void *tmpl_grow(arena *a, void *old, size_t n, size_t *cap, size_t elem);

/* True for names of plain-text templates (*.txt). */
bool tmpl_name_is_plain(const char *name);

/* Writes "file:line: message" (or "file: message" when line is 0) into err;
 * does nothing when err is NULL or errlen is 0.  set.c. */
void tmpl_error(char *err, size_t errlen, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Filters: {{ x | name }}.  A filter maps a value to a value, allocating in
 * the render's scratch arena; NULL means out of memory.  filter.c. */
typedef const tv *(*tmpl_filter_fn)(arena *a, const tv *in);
typedef struct tmpl_filter {
    const char *name;
    tmpl_filter_fn fn;
} tmpl_filter;
extern const tmpl_filter tmpl_filters[]; /* ends with {NULL, NULL} */

/* Index of the filter called name[0..n) in tmpl_filters, or -1. */
int tmpl_filter_find(const char *name, size_t n);

#endif
