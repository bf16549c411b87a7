/*
 * render.c - runs compiled units (see internal.h) against a value tree.
 *
 * Straight-line interpretation of a flat op array: no parsing, no lookups
 * by template name, no allocation except growing the output (and a scratch
 * arena if a filter runs).  Loop scopes live on the C stack, one frame per
 * nested {% for %} and {% include %}, whose depth the compiler bounded.
 * Reads only the set and the tree, so any number of threads may render the
 * same set at once.
 */
#include <string.h>

#include "tmpl/internal.h"

/* One {% for %} in progress; includes see the scopes of their includer. */
typedef struct scope {
    const struct scope *up;
    const char *var; /* interned: compared by pointer */
    const tv *list;
    size_t idx;
} scope;

typedef struct rctx {
    const tmpl_set *s;
    const tv *root;
    buf *out;
    arena scratch; /* filters only; allocates nothing until used */
    bool oom;
} rctx;

static const tv null_value = {.type = TV_NULL};

/* The value of x, or NULL when missing.  Scalars computed here (literals,
 * loop.*) are built in *tmp. */
static const tv *lookup(const rctx *rc, const scope *sc, const tmpl_operand *x, tv *tmp)
{
    if (x->lit) {
        tmp->type = TV_STR;
        tmp->u.s.p = x->lit;
        tmp->u.s.n = x->lit_len;
        return tmp;
    }
    if (x->loop_attr) {
        if (!sc)
            return NULL;
        size_t n = sc->list->u.list.n;
        switch (x->loop_attr) {
        case LOOP_INDEX:
        case LOOP_INDEX0:
        case LOOP_LENGTH:
            tmp->type = TV_INT;
            tmp->u.i = x->loop_attr == LOOP_LENGTH
                           ? (long long)n
                           : (long long)sc->idx + (x->loop_attr == LOOP_INDEX);
            return tmp;
        default:
            tmp->type = TV_BOOL;
            tmp->u.b = x->loop_attr == LOOP_FIRST ? sc->idx == 0 : sc->idx + 1 == n;
            return tmp;
        }
    }
    const tmpl_seg *seg = x->segs;
    const tv *v = NULL;
    const scope *f = sc;
    while (f && f->var != seg[0].name)
        f = f->up;
    if (f)
        v = f->list->u.list.items[f->idx];
    else
        v = tv_get_n(rc->root, seg[0].name, seg[0].len, seg[0].hash);
    for (size_t i = 1; i < x->nsegs && v; i++)
        v = tv_get_n(v, seg[i].name, seg[i].len, seg[i].hash);
    return v;
}

/* Decimal text of i, written at the end of num[24]; returns its start. */
static const char *format_int(char num[24], long long i, size_t *n)
{
    unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;
    char *end = num + 24, *p = end;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (i < 0)
        *--p = '-';
    *n = (size_t)(end - p);
    return p;
}

/* The printed text of a scalar (missing and null print as ""); false for a
 * list or a map. */
static bool text_of(const tv *v, char num[24], const char **p, size_t *n)
{
    if (!v || v->type == TV_NULL) {
        *p = "";
        *n = 0;
        return true;
    }
    switch (v->type) {
    case TV_BOOL:
        *p = v->u.b ? "true" : "false";
        *n = v->u.b ? 4 : 5;
        return true;
    case TV_INT: *p = format_int(num, v->u.i, n); return true;
    case TV_STR:
    case TV_HTML:
        *p = v->u.s.p;
        *n = v->u.s.n;
        return true;
    default: return false;
    }
}

static bool truthy(const tv *v)
{
    if (!v)
        return false;
    switch (v->type) {
    case TV_BOOL: return v->u.b;
    case TV_INT: return v->u.i != 0;
    case TV_STR:
    case TV_HTML: return v->u.s.n > 0;
    case TV_LIST: return v->u.list.n > 0;
    case TV_MAP: return v->u.map.n > 0;
    default: return false;
    }
}

static bool equal(const tv *a, const tv *b)
{
    char na[24], nb[24];
    const char *pa, *pb;
    size_t la, lb;
    if (!text_of(a, na, &pa, &la) || !text_of(b, nb, &pb, &lb))
        return false;
    return la == lb && memcmp(pa, pb, la) == 0;
}

static bool test(const rctx *rc, const scope *sc, const tmpl_op *op)
{
    tv ta, tb;
    const tv *x = lookup(rc, sc, op->u.expr.x, &ta);
    switch (op->cond) {
    case COND_NOT: return !truthy(x);
    case COND_EQ: return equal(x, lookup(rc, sc, op->u.expr.y, &tb));
    case COND_NE: return !equal(x, lookup(rc, sc, op->u.expr.y, &tb));
    default: return truthy(x);
    }
}

static void print(rctx *rc, const scope *sc, const tmpl_op *op)
{
    tv tmp;
    const tv *v = lookup(rc, sc, op->u.expr.x, &tmp);
    for (uint8_t k = 0; k < op->nfilters; k++) {
        v = tmpl_filters[op->u.expr.filters[k]].fn(&rc->scratch, v ? v : &null_value);
        if (!v) {
            rc->oom = true;
            return;
        }
    }
    if (!v)
        return;
    if (v->type == TV_HTML && op->esc == ESC_TEXT) {
        buf_append(rc->out, v->u.s.p, v->u.s.n); /* sanitised markup, in text only */
        return;
    }
    char num[24];
    const char *p;
    size_t n;
    if (text_of(v, num, &p, &n))
        esc_append(rc->out, (esc_mode)op->esc, p, n);
}

/* Runs ops [pc, end) of unit u. */
static void exec(rctx *rc, const tmpl_unit *u, uint32_t pc, uint32_t end, const scope *sc)
{
    while (pc < end) {
        const tmpl_op *op = &u->ops[pc];
        switch (op->kind) {
        case OP_TEXT:
            buf_append(rc->out, op->u.text.p, op->u.text.n);
            pc++;
            break;
        case OP_OUT:
            print(rc, sc, op);
            pc++;
            break;
        case OP_IF: pc = test(rc, sc, op) ? pc + 1 : op->a; break;
        case OP_JUMP: pc = op->a; break;
        case OP_FOR: {
            tv tmp;
            const tv *list = lookup(rc, sc, op->u.expr.x, &tmp);
            if (!list || list->type != TV_LIST || list->u.list.n == 0) {
                pc = op->a; /* the else part, if any */
                break;
            }
            scope inner = {.up = sc, .var = op->u.expr.var, .list = list};
            for (size_t i = 0; i < list->u.list.n && buf_ok(rc->out) && !rc->oom; i++) {
                inner.idx = i;
                exec(rc, u, pc + 1, op->a, &inner);
            }
            pc = op->b;
            break;
        }
        case OP_INCLUDE: {
            const tmpl_unit *inc = &rc->s->units[op->u.unit];
            exec(rc, inc, 0, inc->nops, sc);
            pc++;
            break;
        }
        default: return;
        }
    }
}

static const tmpl_entry *find(const tmpl_set *s, const char *name)
{
    size_t lo = 0, hi = s->ntmpls;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, s->tmpls[mid].name);
        if (c == 0)
            return &s->tmpls[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

bool tmpl_exists(const tmpl_set *s, const char *name)
{
    return s && name && find(s, name);
}

bool tmpl_render(const tmpl_set *s, const char *name, const tv *root, buf *out, char *err,
                 size_t errlen)
{
    const tmpl_entry *e = s && name ? find(s, name) : NULL;
    if (!e) {
        tmpl_error(err, errlen, name ? name : "(null)", 0, "テンプレートがありません");
        return false;
    }
    if (!root || root->type != TV_MAP) {
        tmpl_error(err, errlen, name, 0, "値がありません（ルートがマップではありません）");
        return false;
    }
    rctx rc = {.s = s, .root = root, .out = out};
    arena_init(&rc.scratch);
    const tmpl_unit *u = &s->units[e->unit];
    exec(&rc, u, 0, u->nops, NULL);
    arena_free(&rc.scratch);
    if (rc.oom || !buf_ok(out)) {
        tmpl_error(err, errlen, name, 0, "メモリが足りないか出力が大きすぎます");
        return false;
    }
    return true;
}
