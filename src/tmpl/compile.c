/*
 * compile.c - syntax trees to units of ops, with the HTML context of every
 * {{ }} decided (see internal.h for the compiled form, html_ctx.h for the
 * contexts).
 *
 * A unit is generated per (template, HTML state at its start): the tree of
 * the template's root layout is walked with the block definitions of the
 * whole extends chain, the scanner following the literal text in output
 * order.  {% include %} refers to the unit of the included template for the
 * state at the include, generated on first use (memo).  Branches of an if
 * must end in states that join (hctx_join); a for body is generated again
 * from the joined state until its end state no longer changes.
 *
 * Every count that input could blow up is bounded: include and extends depth
 * (LIMIT_TMPL_DEPTH), expansion depth (LIMIT_TMPL_EXPANSION) and total work
 * (LIMIT_TMPL_WORK), so a runaway template set fails at start-up instead of
 * exhausting the stack or the memory.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "tmpl/html_ctx.h"
#include "tmpl/internal.h"
#include "tmpl/parse.h"

/* Units already generated, by template and start state. */
typedef struct memo {
    uint32_t tmpl;
    uint32_t unit;
    hctx start, end;
} memo;

typedef struct gen {
    tmpl_set *s;
    arena *tmp; /* dies with the compilation */
    tsrc *srcs; /* sorted by name, as s->tmpls */
    size_t nsrc;
    char *err;
    size_t errlen;
    bool failed;
    memo *memos;
    size_t nmemo, memo_cap;
    tmpl_unit *units;
    size_t nunits, units_cap;
    uint32_t stack[LIMIT_TMPL_DEPTH]; /* templates whose units are being generated */
    size_t depth;
    int nesting; /* current expansion depth */
    long work;   /* nodes generated so far */
    buf pending; /* literal text not yet emitted as an op */
} gen;

/* A block being expanded, to refuse a block that contains itself. */
typedef struct bstack {
    const char *name;
    const struct bstack *up;
} bstack;

/* The unit being generated. */
typedef struct ugen {
    gen *g;
    tsrc *chain[LIMIT_TMPL_DEPTH + 1]; /* the template, its layout, ..., the root layout */
    size_t nchain;
    tmpl_op *ops;
    size_t nops, cap;
    const bstack *blocks;
} ugen;

static void gerr(gen *g, const tsrc *t, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void gerr(gen *g, const tsrc *t, int line, const char *fmt, ...)
{
    if (g->failed)
        return;
    g->failed = true;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tmpl_error(g->err, g->errlen, t->name, line, "%s", msg);
}

void *tmpl_grow(arena *a, void *old, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return old;
    size_t ncap = *cap ? *cap * 2 : 8;
    if (ncap < *cap || ncap > ((size_t)1 << 30) / elem)
        return NULL;
    void *p = arena_alloc(a, ncap * elem);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, old, n * elem);
    *cap = ncap;
    return p;
}

bool tmpl_name_is_plain(const char *name)
{
    size_t n = strlen(name);
    return n >= 4 && strcmp(name + n - 4, ".txt") == 0;
}

static int find_src(const gen *g, const char *name)
{
    size_t lo = 0, hi = g->nsrc;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, g->srcs[mid].name);
        if (c == 0)
            return (int)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

/* ---- ops ---- */

static bool push_op(ugen *u, const tsrc *t, int line, tmpl_op op)
{
    if (u->nops >= UINT32_MAX - 1) {
        gerr(u->g, t, line, "テンプレートが大きすぎます");
        return false;
    }
    tmpl_op *v = tmpl_grow(u->g->tmp, u->ops, u->nops, &u->cap, sizeof *v);
    if (!v) {
        gerr(u->g, t, line, "メモリが足りません");
        return false;
    }
    u->ops = v;
    u->ops[u->nops++] = op;
    return true;
}

/* Emits the pending literal text as one op. */
static bool flush(ugen *u, const tsrc *t, int line)
{
    gen *g = u->g;
    if (!buf_ok(&g->pending)) {
        gerr(g, t, line, "メモリが足りません");
        return false;
    }
    if (g->pending.len == 0)
        return true;
    char *text = arena_strndup(&g->s->mem, g->pending.data, g->pending.len);
    if (!text) {
        gerr(g, t, line, "メモリが足りません");
        return false;
    }
    tmpl_op op = {.kind = OP_TEXT, .u.text = {text, g->pending.len}};
    buf_reset(&g->pending);
    return push_op(u, t, line, op);
}

/* Emits op after the pending text; its index in *at. */
static bool emit(ugen *u, const tsrc *t, int line, tmpl_op op, uint32_t *at)
{
    if (!flush(u, t, line))
        return false;
    if (at)
        *at = (uint32_t)u->nops;
    return push_op(u, t, line, op);
}

/* The index the next op will have (pending text emitted first). */
static bool here(ugen *u, const tsrc *t, int line, uint32_t *at)
{
    if (!flush(u, t, line))
        return false;
    *at = (uint32_t)u->nops;
    return true;
}

/* ---- nodes ---- */

static bool gen_nodes(ugen *u, tsrc *t, const tnode *n, hctx *st);
static bool gen_unit(gen *g, uint32_t ti, const hctx *start, uint32_t *unit, hctx *end,
                     const tsrc *from, int line);

static bool gen_text(ugen *u, const tsrc *t, const tnode *n, hctx *st)
{
    size_t at = 0;
    const char *msg = hctx_feed(st, n->u.text.p, n->u.text.n, &at);
    if (msg) {
        int line = n->line;
        for (size_t i = 0; i < at; i++)
            line += n->u.text.p[i] == '\n';
        gerr(u->g, t, line, "%s", msg);
        return false;
    }
    buf_append(&u->g->pending, n->u.text.p, n->u.text.n);
    return true;
}

static bool gen_out(ugen *u, const tsrc *t, const tnode *n, hctx *st)
{
    esc_mode mode = ESC_NONE;
    const char *msg = hctx_output(st, &mode);
    if (msg) {
        gerr(u->g, t, n->line, "%s", msg);
        return false;
    }
    const tmpl_operand *x = n->u.out.x;
    if (x->lit && n->u.out.nfilters == 0) {
        /* A literal is escaped like any string, once, now. */
        esc_append(&u->g->pending, mode, x->lit, x->lit_len);
        return true;
    }
    tmpl_op op = {.kind = OP_OUT,
                  .esc = (uint8_t)mode,
                  .nfilters = (uint8_t)n->u.out.nfilters,
                  .u.expr = {.x = x, .filters = n->u.out.filters}};
    return emit(u, t, n->line, op, NULL);
}

static bool join_or_fail(ugen *u, const tsrc *t, int line, hctx *acc, const hctx *before,
                         const hctx *end, const char *what)
{
    if (hctx_join(acc, acc, end))
        return true;
    gerr(u->g, t, line,
         "%s の終わりで HTML の文脈が始まりと違います（始まり: %s、終わり: %s）。"
         "タグや属性値は分岐の中で閉じてください",
         what, hctx_describe(before), hctx_describe(end));
    return false;
}

static bool gen_if(ugen *u, tsrc *t, const tnode *n, hctx *st)
{
    const hctx start = *st;
    hctx acc = start;
    bool first = true;
    uint32_t jumps = 0; /* chain of jumps to the end, linked through .a (index + 1) */
    for (const tbranch *b = n->u.ifs.branches; b; b = b->next) {
        uint32_t at, next;
        tmpl_op op = {
            .kind = OP_IF, .cond = b->cond.kind, .u.expr = {.x = b->cond.x, .y = b->cond.y}};
        if (!emit(u, t, n->line, op, &at))
            return false;
        hctx bs = start;
        if (!gen_nodes(u, t, b->body, &bs))
            return false;
        if (first)
            acc = bs;
        else if (!join_or_fail(u, t, b->end_line, &acc, &start, &bs, "{% if %} の分岐"))
            return false;
        first = false;
        if (b->next || n->u.ifs.has_else) {
            uint32_t j;
            if (!emit(u, t, b->end_line, (tmpl_op){.kind = OP_JUMP, .a = jumps}, &j))
                return false;
            jumps = j + 1;
        }
        if (!here(u, t, b->end_line, &next))
            return false;
        u->ops[at].a = next;
    }
    if (n->u.ifs.has_else) {
        hctx es = start;
        if (!gen_nodes(u, t, n->u.ifs.else_body, &es) ||
            !join_or_fail(u, t, n->u.ifs.end_line, &acc, &start, &es, "{% else %} の分岐"))
            return false;
    } else {
        /* No else: the state after the if may also be the state before it. */
        hctx last = acc;
        acc = start;
        if (!join_or_fail(u, t, n->u.ifs.end_line, &acc, &start, &last, "{% if %} の分岐"))
            return false;
    }
    uint32_t end;
    if (!here(u, t, n->u.ifs.end_line, &end))
        return false;
    while (jumps) {
        uint32_t j = jumps - 1;
        jumps = u->ops[j].a;
        u->ops[j].a = end;
    }
    *st = acc;
    return true;
}

static bool gen_for(ugen *u, tsrc *t, const tnode *n, hctx *st)
{
    const hctx start = *st;
    hctx loop = start; /* the state every iteration starts in */
    uint32_t at;
    if (!here(u, t, n->line, &at))
        return false;
    for (int attempt = 0;; attempt++) {
        tmpl_op op = {.kind = OP_FOR, .u.expr = {.x = n->u.loop.list, .var = n->u.loop.var}};
        if (!emit(u, t, n->line, op, NULL))
            return false;
        hctx end = loop, joined = loop;
        if (!gen_nodes(u, t, n->u.loop.body, &end) ||
            !join_or_fail(u, t, n->u.loop.body_end_line, &joined, &start, &end, "{% for %} の本体"))
            return false;
        if (hctx_equal(&joined, &loop))
            break;
        if (attempt == 3) {
            gerr(u->g, t, n->line, "{%% for %%} の本体の HTML の文脈が定まりません");
            return false;
        }
        /* The next iteration starts elsewhere: generate the body again. */
        if (!buf_ok(&u->g->pending)) {
            gerr(u->g, t, n->line, "メモリが足りません");
            return false;
        }
        buf_reset(&u->g->pending);
        u->nops = at;
        loop = joined;
    }
    uint32_t else_at, end_at;
    if (!here(u, t, n->u.loop.body_end_line, &else_at))
        return false;
    hctx after = loop;
    if (n->u.loop.has_else) {
        hctx es = start;
        if (!gen_nodes(u, t, n->u.loop.else_body, &es) ||
            !join_or_fail(u, t, n->u.loop.end_line, &after, &start, &es, "{% for %} の else"))
            return false;
    }
    if (!here(u, t, n->u.loop.end_line, &end_at))
        return false;
    u->ops[at].a = else_at;
    u->ops[at].b = end_at;
    *st = after;
    return true;
}

static bool gen_include(ugen *u, tsrc *t, const tnode *n, hctx *st)
{
    gen *g = u->g;
    int ti = find_src(g, n->u.include.name);
    if (ti < 0) {
        gerr(g, t, n->line, "include するテンプレート「%s」がありません", n->u.include.name);
        return false;
    }
    if (g->srcs[ti].plain != t->plain) {
        gerr(g, t, n->line,
             "HTML テンプレートとテキスト（.txt）テンプレートは互いに include できません");
        return false;
    }
    uint32_t unit;
    hctx end;
    /* The includer's pending text belongs before the include, not in the
     * included unit generated next. */
    if (!flush(u, t, n->line) || !gen_unit(g, (uint32_t)ti, st, &unit, &end, t, n->line))
        return false;
    tmpl_op op = {.kind = OP_INCLUDE, .u.unit = unit};
    if (!emit(u, t, n->line, op, NULL))
        return false;
    *st = end;
    return true;
}

static bool gen_block(ugen *u, tsrc *t, const tnode *n, hctx *st)
{
    const char *name = n->u.block->name;
    for (const bstack *b = u->blocks; b; b = b->up)
        if (b->name == name) {
            gerr(u->g, t, n->line, "ブロック「%s」が自分自身を含んでいます", name);
            return false;
        }
    /* The most derived definition: the first template of the chain that has one. */
    for (size_t i = 0; i < u->nchain; i++) {
        tsrc *owner = u->chain[i];
        for (size_t k = 0; k < owner->nblocks; k++) {
            tblock *def = owner->blocks[k];
            if (def->name != name)
                continue;
            def->used = true;
            bstack frame = {name, u->blocks};
            u->blocks = &frame;
            bool ok = gen_nodes(u, owner, def->body, st);
            u->blocks = frame.up;
            return ok;
        }
    }
    gerr(u->g, t, n->line, "内部エラー: ブロック「%s」の定義が見つかりません", name);
    return false;
}

static bool gen_nodes(ugen *u, tsrc *t, const tnode *n, hctx *st)
{
    gen *g = u->g;
    if (++g->nesting > LIMIT_TMPL_EXPANSION) {
        gerr(g, t, n ? n->line : 1, "テンプレートの展開が深すぎます（%d 段まで）",
             LIMIT_TMPL_EXPANSION);
        return false;
    }
    bool ok = true;
    for (; n && ok; n = n->next) {
        if (++g->work > LIMIT_TMPL_WORK) {
            gerr(g, t, n->line, "テンプレートの展開が大きすぎます");
            ok = false;
            break;
        }
        switch (n->kind) {
        case N_TEXT: ok = gen_text(u, t, n, st); break;
        case N_OUT: ok = gen_out(u, t, n, st); break;
        case N_IF: ok = gen_if(u, t, n, st); break;
        case N_FOR: ok = gen_for(u, t, n, st); break;
        case N_INCLUDE: ok = gen_include(u, t, n, st); break;
        case N_BLOCK: ok = gen_block(u, t, n, st); break;
        default: ok = false;
        }
    }
    g->nesting--;
    return ok;
}

/* ---- units ---- */

/* Fills u->chain with ti's extends chain; false (error reported) on a
 * missing layout, a cycle, a mix of .html and .txt, or too long a chain. */
static bool resolve_chain(gen *g, ugen *u, uint32_t ti)
{
    tsrc *t = &g->srcs[ti];
    u->nchain = 0;
    for (;;) {
        u->chain[u->nchain++] = t;
        if (!t->extends)
            return true;
        int pi = find_src(g, t->extends);
        if (pi < 0) {
            gerr(g, t, t->extends_line, "extends するテンプレート「%s」がありません", t->extends);
            return false;
        }
        tsrc *parent = &g->srcs[pi];
        for (size_t i = 0; i < u->nchain; i++)
            if (u->chain[i] == parent) {
                gerr(g, t, t->extends_line, "extends が循環しています（%s）", parent->name);
                return false;
            }
        if (parent->plain != t->plain) {
            gerr(g, t, t->extends_line,
                 "HTML テンプレートとテキスト（.txt）テンプレートは互いに extends できません");
            return false;
        }
        if (u->nchain > LIMIT_TMPL_DEPTH) {
            gerr(g, t, t->extends_line, "extends の段数が多すぎます（%d まで）", LIMIT_TMPL_DEPTH);
            return false;
        }
        t = parent;
    }
}

/* The unit of template ti entered in state *start: found in the memo or
 * generated now.  from:line is the include that asks for it (for errors). */
static bool gen_unit(gen *g, uint32_t ti, const hctx *start, uint32_t *unit, hctx *end,
                     const tsrc *from, int line)
{
    for (size_t i = 0; i < g->nmemo; i++)
        if (g->memos[i].tmpl == ti && hctx_equal(&g->memos[i].start, start)) {
            *unit = g->memos[i].unit;
            *end = g->memos[i].end;
            return true;
        }
    tsrc *t = &g->srcs[ti];
    for (size_t i = 0; i < g->depth; i++)
        if (g->stack[i] == ti) {
            gerr(g, from, line, "include が循環しています（%s）", t->name);
            return false;
        }
    if (g->depth == LIMIT_TMPL_DEPTH) {
        gerr(g, from, line, "include の入れ子が深すぎます（%d 段まで）", LIMIT_TMPL_DEPTH);
        return false;
    }
    ugen u = {.g = g};
    if (g->pending.len != 0) {
        gerr(g, t, 1, "内部エラー: 出力待ちのテキストが残っています");
        return false;
    }
    if (!resolve_chain(g, &u, ti))
        return false;
    for (size_t i = 0; i < t->nblocks; i++)
        t->blocks[i]->used = false;

    g->stack[g->depth++] = ti;
    tsrc *root = u.chain[u.nchain - 1];
    hctx st = *start;
    bool ok = gen_nodes(&u, root, root->nodes, &st) && flush(&u, t, t->last_line);
    g->depth--;
    if (!ok)
        return false;

    if (t->extends)
        for (size_t i = 0; i < t->nblocks; i++)
            if (t->blocks[i]->top && !t->blocks[i]->used) {
                gerr(g, t, t->blocks[i]->line, "ブロック「%s」はレイアウトにありません",
                     t->blocks[i]->name);
                return false;
            }

    tmpl_op *ops = arena_calloc(&g->s->mem, u.nops ? u.nops : 1, sizeof *ops);
    tmpl_unit *units = tmpl_grow(g->tmp, g->units, g->nunits, &g->units_cap, sizeof *units);
    memo *memos = tmpl_grow(g->tmp, g->memos, g->nmemo, &g->memo_cap, sizeof *memos);
    if (!ops || !units || !memos || g->nunits >= UINT32_MAX) {
        gerr(g, t, 1, "メモリが足りません");
        return false;
    }
    if (u.nops)
        memcpy(ops, u.ops, u.nops * sizeof *ops);
    g->units = units;
    g->memos = memos;
    *unit = (uint32_t)g->nunits;
    units[g->nunits++] = (tmpl_unit){.ops = ops, .nops = (uint32_t)u.nops};
    memos[g->nmemo++] = (memo){.tmpl = ti, .unit = *unit, .start = *start, .end = st};
    *end = st;
    return true;
}

bool tmpl_compile(tmpl_set *s, const tmpl_source *src, size_t n, char *err, size_t errlen)
{
    arena tmp;
    arena_init(&tmp);
    gen g = {.s = s, .tmp = &tmp, .nsrc = n, .err = err, .errlen = errlen};
    buf_init(&g.pending, 0);
    tintern in = {.mem = &s->mem, .tmp = &tmp};
    bool ok = false;

    g.srcs = arena_calloc(&tmp, n ? n : 1, sizeof *g.srcs);
    s->tmpls = arena_calloc(&s->mem, n ? n : 1, sizeof *s->tmpls);
    if (!g.srcs || !s->tmpls) {
        tmpl_error(err, errlen, n ? src[0].name : "(templates)", 0, "メモリが足りません");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        g.srcs[i].name = src[i].name;
        g.srcs[i].plain = tmpl_name_is_plain(src[i].name);
        if (!tparse(&g.srcs[i], &src[i], &tmp, &in, err, errlen))
            goto done;
    }
    for (size_t i = 0; i < n; i++) {
        hctx start, end;
        uint32_t unit;
        hctx_init(&start, g.srcs[i].plain);
        if (!gen_unit(&g, (uint32_t)i, &start, &unit, &end, &g.srcs[i], 1))
            goto done;
        const char *msg = hctx_end(&end);
        if (msg) {
            gerr(&g, &g.srcs[i], g.srcs[i].last_line, "テンプレートの終わりで%s", msg);
            goto done;
        }
        s->tmpls[i] = (tmpl_entry){.name = src[i].name, .plain = g.srcs[i].plain, .unit = unit};
    }
    s->ntmpls = n;
    s->units = arena_calloc(&s->mem, g.nunits ? g.nunits : 1, sizeof *s->units);
    if (!s->units) {
        tmpl_error(err, errlen, "(templates)", 0, "メモリが足りません");
        goto done;
    }
    if (g.nunits)
        memcpy(s->units, g.units, g.nunits * sizeof *s->units);
    s->nunits = g.nunits;
    ok = true;
done:
    buf_free(&g.pending);
    arena_free(&tmp);
    return ok;
}
