/*
 * parse.h - template source to syntax tree (parse.c), for compile.c.
 *
 * The tree lives in a scratch arena that dies when compilation ends; the
 * operands, interned names and literal strings that ops keep pointing to
 * live in the set's arena.
 */
#ifndef TSUNAGU_TMPL_PARSE_H
#define TSUNAGU_TMPL_PARSE_H

#include "tmpl/internal.h"

typedef struct tnode tnode;

typedef struct tcond {
    uint8_t kind; /* COND_* */
    const tmpl_operand *x, *y;
} tcond;

typedef struct tbranch {
    tcond cond;
    tnode *body;
    int end_line; /* line of the tag that ends this branch */
    struct tbranch *next;
} tbranch;

/* A {% block %} definition; the tree holds an N_BLOCK node where it sits. */
typedef struct tblock {
    const char *name; /* interned */
    tnode *body;
    int line;
    bool top;  /* directly in the template, not in another block */
    bool used; /* expanded by the unit being compiled */
} tblock;

enum { N_TEXT, N_OUT, N_IF, N_FOR, N_INCLUDE, N_BLOCK };

struct tnode {
    uint8_t kind;
    int line;
    tnode *next;
    union {
        struct {
            const char *p;
            size_t n;
        } text;
        struct {
            const tmpl_operand *x;
            const uint16_t *filters;
            size_t nfilters;
        } out;
        struct {
            tbranch *branches;
            tnode *else_body;
            bool has_else;
            int end_line; /* {% endif %} */
        } ifs;
        struct {
            const char *var; /* interned */
            const tmpl_operand *list;
            tnode *body, *else_body;
            bool has_else;
            int body_end_line, end_line;
        } loop;
        struct {
            const char *name;
        } include;
        tblock *block;
    } u;
};

typedef struct tsrc {
    const char *name;
    bool plain;
    tnode *nodes;
    const char *extends; /* NULL, or the layout's name */
    int extends_line;
    tblock **blocks; /* every definition in this file */
    size_t nblocks, blocks_cap;
    int last_line;
} tsrc;

/* Interned identifiers: one copy of each, in the set's arena. */
typedef struct tintern {
    arena *mem; /* the set's arena: the strings */
    arena *tmp; /* scratch: the table */
    const char **slots;
    size_t cap, n;
} tintern;

/* The copy of s[0..n) in in->mem, the same pointer for the same text;
 * NULL when out of memory. */
const char *tintern_get(tintern *in, const char *s, size_t n);

/* Parses src into t (t->name and t->plain set by the caller).  False on the
 * first error, described in err. */
bool tparse(tsrc *t, const tmpl_source *src, arena *tmp, tintern *in, char *err, size_t errlen);

#endif
