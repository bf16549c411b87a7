/*
 * parse.c - see parse.h.
 *
 * Three passes over one source: lex into text and tag tokens, drop the
 * whitespace of lines that hold only {% %} tags and comments, then build the
 * tree by recursive descent (depth bounded by LIMIT_TMPL_NESTING).
 */
#include "tmpl/parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "core/utf8.h"

enum { K_TEXT, K_OUT, K_STMT, K_COMMENT };

typedef struct ttok {
    uint8_t kind;
    bool bol; /* K_TEXT: starts at the beginning of a line */
    int line;
    const char *p; /* K_TEXT: the text; else what is inside the delimiters */
    size_t n;
} ttok;

typedef struct parser {
    tsrc *t;
    ttok *toks;
    size_t ntok, cap, pos;
    arena *tmp;
    tintern *in;
    char *err;
    size_t errlen;
    bool failed;
    bool child; /* the template extends a layout */
} parser;

/* Words inside {{ }} and {% %}. */
enum { W_END, W_PATH, W_STR, W_EQ, W_NE, W_PIPE, W_BAD };

typedef struct tword {
    int kind;
    const char *p; /* W_STR: the text between the quotes */
    size_t n;
} tword;

typedef struct wcur {
    const char *p, *end;
} wcur;

static void perr(parser *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void perr(parser *p, int line, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tmpl_error(p->err, p->errlen, p->t->name, line, "%s", msg);
}

static void oom(parser *p, int line)
{
    perr(p, line, "メモリが足りません");
}

const char *tintern_get(tintern *in, const char *s, size_t n)
{
    if (in->n * 2 >= in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 64;
        const char **slots = arena_calloc(in->tmp, cap, sizeof *slots);
        if (!slots)
            return NULL;
        for (size_t i = 0; i < in->cap; i++) {
            const char *x = in->slots[i];
            if (!x)
                continue;
            size_t j = tv_hash(x, strlen(x)) & (cap - 1);
            while (slots[j])
                j = (j + 1) & (cap - 1);
            slots[j] = x;
        }
        in->slots = slots;
        in->cap = cap;
    }
    size_t mask = in->cap - 1, i = tv_hash(s, n) & mask;
    for (; in->slots[i]; i = (i + 1) & mask)
        if (strlen(in->slots[i]) == n && memcmp(in->slots[i], s, n) == 0)
            return in->slots[i];
    char *copy = arena_strndup(in->mem, s, n);
    if (!copy)
        return NULL;
    in->slots[i] = copy;
    in->n++;
    return copy;
}

/* ---- lexing ---- */

static int count_lines(const char *s, size_t n)
{
    int lines = 0;
    for (const char *q = s; (q = memchr(q, '\n', n - (size_t)(q - s))) != NULL; q++)
        lines++;
    return lines;
}

static bool push_tok(parser *p, int kind, int line, const char *s, size_t n)
{
    if (p->ntok == p->cap) {
        ttok *v = tmpl_grow(p->tmp, p->toks, p->ntok, &p->cap, sizeof *v);
        if (!v) {
            oom(p, line);
            return false;
        }
        p->toks = v;
    }
    bool first = p->ntok == 0;
    p->toks[p->ntok++] = (ttok){.kind = (uint8_t)kind, .bol = first, .line = line, .p = s, .n = n};
    return true;
}

/* The next "{{", "{%" or "{#" in s[0..n), or NULL. */
static const char *find_open(const char *s, size_t n)
{
    const char *q = s, *end = s + n;
    while ((q = memchr(q, '{', (size_t)(end - q))) != NULL) {
        if (q + 1 < end && (q[1] == '{' || q[1] == '%' || q[1] == '#'))
            return q;
        q++;
    }
    return NULL;
}

static bool lex(parser *p, const char *s, size_t len)
{
    size_t i = 0;
    int line = 1;
    while (i < len) {
        const char *open = find_open(s + i, len - i);
        size_t j = open ? (size_t)(open - s) : len;
        if (j > i) {
            if (!push_tok(p, K_TEXT, line, s + i, j - i))
                return false;
            line += count_lines(s + i, j - i);
        }
        if (!open)
            break;
        char kind = s[j + 1];
        size_t start = j + 2, end;
        if (kind == '#') {
            const char *close = memmem(s + start, len - start, "#}", 2);
            if (!close) {
                perr(p, line, "{# が閉じていません");
                return false;
            }
            end = (size_t)(close - s);
        } else {
            char closer = kind == '{' ? '}' : '%';
            size_t k = start;
            for (;;) {
                if (k + 1 >= len) {
                    perr(p, line, kind == '{' ? "{{ が閉じていません" : "{%% が閉じていません");
                    return false;
                }
                if (s[k] == '"' || s[k] == '\'') {
                    const char *q = memchr(s + k + 1, s[k], len - k - 1);
                    if (!q) {
                        perr(p, line, "文字列の引用符が閉じていません");
                        return false;
                    }
                    k = (size_t)(q - s) + 1;
                    continue;
                }
                if (s[k] == closer && s[k + 1] == '}')
                    break;
                k++;
            }
            end = k;
        }
        int tk = kind == '{' ? K_OUT : kind == '%' ? K_STMT : K_COMMENT;
        if (!push_tok(p, tk, line, s + start, end - start))
            return false;
        line += count_lines(s + j, end + 2 - j);
        i = end + 2;
    }
    p->t->last_line = line;
    return true;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return false;
    return true;
}

static bool is_tag(const ttok *t)
{
    return t->kind == K_STMT || t->kind == K_COMMENT;
}

/* A line holding only {% %} tags, {# #} comments, spaces and tabs produces
 * nothing: drop its indentation and its newline. */
static void trim_standalone(parser *p)
{
    ttok *t = p->toks;
    size_t n = p->ntok;
    for (size_t i = 0; i < n;) {
        if (!is_tag(&t[i])) {
            i++;
            continue;
        }
        /* The run of tags on this line, with blanks between them. */
        size_t last = i;
        for (size_t k = i + 1; k < n; k++) {
            if (is_tag(&t[k]))
                last = k;
            else if (!(t[k].kind == K_TEXT && blank(t[k].p, t[k].n)))
                break;
        }
        /* Before: the line starts with blanks only. */
        ttok *before = i > 0 ? &t[i - 1] : NULL;
        size_t keep = 0; /* bytes of *before to keep */
        bool ok = true;
        if (before) {
            if (before->kind != K_TEXT) {
                ok = false;
            } else {
                const char *nl = memrchr(before->p, '\n', before->n);
                size_t from = nl ? (size_t)(nl - before->p) + 1 : 0;
                ok = (nl || before->bol) && blank(before->p + from, before->n - from);
                keep = from;
            }
        }
        /* After: blanks, then the newline or the end of the source. */
        ttok *after = last + 1 < n ? &t[last + 1] : NULL;
        size_t skip = 0; /* bytes of *after to drop */
        if (ok && after) {
            if (after->kind != K_TEXT) {
                ok = false;
            } else {
                const char *nl = memchr(after->p, '\n', after->n);
                size_t upto = nl ? (size_t)(nl - after->p) : after->n;
                size_t blanks = upto > 0 && after->p[upto - 1] == '\r' ? upto - 1 : upto;
                ok = blank(after->p, blanks) && (nl || last + 2 == n);
                skip = nl ? upto + 1 : after->n;
            }
        }
        if (ok) {
            if (before)
                before->n = keep;
            for (size_t k = i + 1; k < last; k++)
                if (t[k].kind == K_TEXT)
                    t[k].n = 0;
            if (after) {
                if (skip <= after->n && memchr(after->p, '\n', skip))
                    after->line++;
                after->p += skip;
                after->n -= skip;
                after->bol = true;
            }
        }
        i = last + 1;
    }
}

/* ---- words ---- */

static bool ident_start(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool ident_char(char c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}

static tword next_word(wcur *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
    tword w = {.kind = W_END, .p = c->p, .n = 0};
    if (c->p == c->end)
        return w;
    const char *s = c->p;
    if (ident_start(*s)) {
        const char *q = s;
        for (;;) {
            while (q < c->end && ident_char(*q))
                q++;
            if (q < c->end && *q == '.') {
                if (q + 1 < c->end && ident_start(q[1])) {
                    q++;
                    continue;
                }
                w.kind = W_BAD;
                return w;
            }
            break;
        }
        w.kind = W_PATH;
        w.n = (size_t)(q - s);
        c->p = q;
        return w;
    }
    if (*s == '"' || *s == '\'') {
        const char *q = memchr(s + 1, *s, (size_t)(c->end - s - 1));
        if (!q) {
            w.kind = W_BAD;
            return w;
        }
        w.kind = W_STR;
        w.p = s + 1;
        w.n = (size_t)(q - s - 1);
        c->p = q + 1;
        return w;
    }
    if (c->end - s >= 2 && (s[0] == '=' || s[0] == '!') && s[1] == '=') {
        w.kind = s[0] == '=' ? W_EQ : W_NE;
        c->p = s + 2;
        return w;
    }
    if (*s == '|') {
        w.kind = W_PIPE;
        c->p = s + 1;
        return w;
    }
    w.kind = W_BAD;
    return w;
}

static bool word_is(tword w, const char *s)
{
    return w.kind == W_PATH && w.n == strlen(s) && memcmp(w.p, s, w.n) == 0;
}

static bool is_name(tword w)
{
    return w.kind == W_PATH && !memchr(w.p, '.', w.n);
}

/* How many bytes of s[0..n) to quote in a message: at most 40, never
 * splitting a UTF-8 character. */
static int quote_len(const char *s, size_t n)
{
    if (n <= 40)
        return (int)n;
    n = 40;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return (int)n;
}

/* Reports what is wrong with word w where `wanted` was expected. */
static void bad_word(parser *p, int line, tword w, const char *wanted)
{
    if (w.kind == W_END)
        perr(p, line, "%sがありません", wanted);
    else if (w.kind == W_BAD)
        perr(p, line, "読めない書き方です（%sが必要な位置）", wanted);
    else
        perr(p, line, "%sが必要な位置に「%.*s」があります", wanted, quote_len(w.p, w.n), w.p);
}

static bool expect_end(parser *p, wcur *c, int line)
{
    tword w = next_word(c);
    if (w.kind == W_END)
        return true;
    bad_word(p, line, w, "タグの終わり");
    return false;
}

static const tmpl_operand *operand(parser *p, tword w, int line)
{
    if (w.kind != W_STR && w.kind != W_PATH) {
        bad_word(p, line, w, "値（変数名か \"文字列\"）");
        return NULL;
    }
    tmpl_operand *x = arena_calloc(p->in->mem, 1, sizeof *x);
    if (!x) {
        oom(p, line);
        return NULL;
    }
    if (w.kind == W_STR) {
        x->lit = w.p;
        x->lit_len = w.n;
        return x;
    }
    size_t nsegs = 1;
    for (size_t i = 0; i < w.n; i++)
        nsegs += w.p[i] == '.';
    tmpl_seg *segs = arena_calloc(p->in->mem, nsegs, sizeof *segs);
    if (!segs) {
        oom(p, line);
        return NULL;
    }
    const char *s = w.p, *end = w.p + w.n;
    for (size_t k = 0; k < nsegs; k++) {
        const char *dot = memchr(s, '.', (size_t)(end - s));
        size_t len = dot ? (size_t)(dot - s) : (size_t)(end - s);
        segs[k].name = tintern_get(p->in, s, len);
        if (!segs[k].name) {
            oom(p, line);
            return NULL;
        }
        segs[k].len = len;
        segs[k].hash = tv_hash(s, len);
        s += len + 1;
    }
    x->segs = segs;
    x->nsegs = nsegs;
    if (strcmp(segs[0].name, "loop") == 0) {
        static const char *const attrs[] = {
            [LOOP_INDEX] = "index", [LOOP_INDEX0] = "index0", [LOOP_FIRST] = "first",
            [LOOP_LAST] = "last",   [LOOP_LENGTH] = "length",
        };
        for (uint8_t a = LOOP_INDEX; a <= LOOP_LENGTH && nsegs == 2; a++)
            if (strcmp(segs[1].name, attrs[a]) == 0)
                x->loop_attr = a;
        if (!x->loop_attr) {
            perr(p, line,
                 "「%.*s」はありません（loop は予約語で、使えるのは loop.index, "
                 "loop.index0, loop.first, loop.last, loop.length です）",
                 (int)w.n, w.p);
            return NULL;
        }
    }
    return x;
}

static bool parse_cond(parser *p, wcur *c, int line, tcond *cond)
{
    tword w = next_word(c);
    if (word_is(w, "not")) {
        cond->kind = COND_NOT;
        cond->x = operand(p, next_word(c), line);
        return cond->x && expect_end(p, c, line);
    }
    cond->x = operand(p, w, line);
    if (!cond->x)
        return false;
    w = next_word(c);
    if (w.kind == W_END) {
        cond->kind = COND_TRUTHY;
        return true;
    }
    if (w.kind != W_EQ && w.kind != W_NE) {
        bad_word(p, line, w, "== か !=");
        return false;
    }
    cond->kind = w.kind == W_EQ ? COND_EQ : COND_NE;
    cond->y = operand(p, next_word(c), line);
    return cond->y && expect_end(p, c, line);
}

/* ---- tree ---- */

static tnode *new_node(parser *p, int kind, int line)
{
    tnode *n = arena_calloc(p->tmp, 1, sizeof *n);
    if (!n) {
        oom(p, line);
        return NULL;
    }
    n->kind = (uint8_t)kind;
    n->line = line;
    return n;
}

/* Where parse_body() stopped: which of its stop words, on which line, and
 * the words after it.  which is -1 at the end of the source. */
typedef struct tstop {
    int which;
    int line;
    wcur rest;
} tstop;

static tnode *parse_body(parser *p, int depth, const char *const *stops, tstop *stop);

/* Parses a body that must end with one of stops; false (error reported)
 * if the source ends first.  opener names the construct, line its start. */
static bool parse_closed(parser *p, int depth, const char *const *stops, tstop *stop, tnode **body,
                         const char *opener, int line)
{
    *body = parse_body(p, depth, stops, stop);
    if (p->failed)
        return false;
    if (stop->which < 0) {
        perr(p, line, "{%% %s %%} が閉じていません", opener);
        return false;
    }
    return true;
}

static tnode *parse_if(parser *p, int depth, int line, wcur *rest)
{
    static const char *const stops[] = {"elif", "else", "endif", NULL};
    static const char *const end_stops[] = {"endif", NULL};
    tnode *n = new_node(p, N_IF, line);
    if (!n)
        return NULL;
    tbranch **tail = &n->u.ifs.branches;
    wcur c = *rest;
    int cond_line = line;
    tstop st;
    for (;;) {
        tbranch *b = arena_calloc(p->tmp, 1, sizeof *b);
        if (!b) {
            oom(p, line);
            return NULL;
        }
        if (!parse_cond(p, &c, cond_line, &b->cond) ||
            !parse_closed(p, depth, stops, &st, &b->body, "if", line))
            return NULL;
        b->end_line = st.line;
        *tail = b;
        tail = &b->next;
        if (st.which != 0)
            break;
        c = st.rest; /* elif: another condition */
        cond_line = st.line;
    }
    if (!expect_end(p, &st.rest, st.line))
        return NULL;
    if (st.which == 1) {
        n->u.ifs.has_else = true;
        if (!parse_closed(p, depth, end_stops, &st, &n->u.ifs.else_body, "if", line) ||
            !expect_end(p, &st.rest, st.line))
            return NULL;
    }
    n->u.ifs.end_line = st.line;
    return n;
}

static tnode *parse_for(parser *p, int depth, int line, wcur *c)
{
    static const char *const stops[] = {"else", "endfor", NULL};
    static const char *const end_stops[] = {"endfor", NULL};
    tword var = next_word(c);
    if (!is_name(var)) {
        bad_word(p, line, var, "ループ変数の名前");
        return NULL;
    }
    if (word_is(var, "loop")) {
        perr(p, line, "loop は予約語なのでループ変数には使えません");
        return NULL;
    }
    tword in = next_word(c);
    if (!word_is(in, "in")) {
        bad_word(p, line, in, "in");
        return NULL;
    }
    tword list = next_word(c);
    if (list.kind != W_PATH) {
        bad_word(p, line, list, "リストの変数名");
        return NULL;
    }
    tnode *n = new_node(p, N_FOR, line);
    if (!n || !expect_end(p, c, line))
        return NULL;
    n->u.loop.var = tintern_get(p->in, var.p, var.n);
    n->u.loop.list = operand(p, list, line);
    if (!n->u.loop.var) {
        oom(p, line);
        return NULL;
    }
    tstop st;
    if (!n->u.loop.list || !parse_closed(p, depth, stops, &st, &n->u.loop.body, "for", line) ||
        !expect_end(p, &st.rest, st.line))
        return NULL;
    n->u.loop.body_end_line = st.line;
    if (st.which == 0) {
        n->u.loop.has_else = true;
        if (!parse_closed(p, depth, end_stops, &st, &n->u.loop.else_body, "for", line) ||
            !expect_end(p, &st.rest, st.line))
            return NULL;
    }
    n->u.loop.end_line = st.line;
    return n;
}

static tnode *parse_block(parser *p, int depth, int line, wcur *c)
{
    static const char *const stops[] = {"endblock", NULL};
    tword name = next_word(c);
    if (!is_name(name)) {
        bad_word(p, line, name, "ブロック名");
        return NULL;
    }
    if (!expect_end(p, c, line))
        return NULL;
    tblock *b = arena_calloc(p->tmp, 1, sizeof *b);
    tnode *n = new_node(p, N_BLOCK, line);
    if (!b || !n) {
        oom(p, line);
        return NULL;
    }
    b->name = tintern_get(p->in, name.p, name.n);
    if (!b->name) {
        oom(p, line);
        return NULL;
    }
    for (size_t i = 0; i < p->t->nblocks; i++)
        if (p->t->blocks[i]->name == b->name) {
            perr(p, line, "ブロック「%s」は %d 行目でも定義されています", b->name,
                 p->t->blocks[i]->line);
            return NULL;
        }
    b->line = line;
    b->top = depth == 1;
    if (p->t->nblocks == p->t->blocks_cap) {
        tblock **v = tmpl_grow(p->tmp, p->t->blocks, p->t->nblocks, &p->t->blocks_cap, sizeof *v);
        if (!v) {
            oom(p, line);
            return NULL;
        }
        p->t->blocks = v;
    }
    p->t->blocks[p->t->nblocks++] = b;
    tstop st;
    if (!parse_closed(p, depth, stops, &st, &b->body, "block", line))
        return NULL;
    tword end_name = next_word(&st.rest);
    if (end_name.kind != W_END && !word_is(end_name, b->name)) {
        perr(p, st.line, "{%% endblock %%} の名前が {%% block %s %%} と違います", b->name);
        return NULL;
    }
    if (end_name.kind != W_END && !expect_end(p, &st.rest, st.line))
        return NULL;
    n->u.block = b;
    return n;
}

/* {% include "name" %} and {% extends "name" %}: the name, copied. */
static const char *parse_name_arg(parser *p, wcur *c, int line)
{
    tword w = next_word(c);
    if (w.kind != W_STR) {
        bad_word(p, line, w, "テンプレート名（\"...\"）");
        return NULL;
    }
    if (!expect_end(p, c, line))
        return NULL;
    const char *name = arena_strndup(p->tmp, w.p, w.n);
    if (!name)
        oom(p, line);
    return name;
}

static tnode *parse_out(parser *p, const ttok *tok)
{
    wcur c = {tok->p, tok->p + tok->n};
    tword w = next_word(&c);
    if (w.kind == W_END) {
        perr(p, tok->line, "{{ }} の中が空です");
        return NULL;
    }
    tnode *n = new_node(p, N_OUT, tok->line);
    if (!n)
        return NULL;
    n->u.out.x = operand(p, w, tok->line);
    if (!n->u.out.x)
        return NULL;
    uint16_t filters[8];
    size_t nf = 0;
    while ((w = next_word(&c)).kind == W_PIPE) {
        tword f = next_word(&c);
        if (!is_name(f)) {
            bad_word(p, tok->line, f, "フィルタ名");
            return NULL;
        }
        int id = tmpl_filter_find(f.p, f.n);
        if (id < 0) {
            perr(p, tok->line, "フィルタ「%.*s」はありません", quote_len(f.p, f.n), f.p);
            return NULL;
        }
        if (nf == sizeof filters / sizeof filters[0]) {
            perr(p, tok->line, "フィルタが多すぎます");
            return NULL;
        }
        filters[nf++] = (uint16_t)id;
    }
    if (w.kind != W_END) {
        bad_word(p, tok->line, w, "}} か |");
        return NULL;
    }
    if (nf) {
        uint16_t *copy = arena_alloc(p->in->mem, nf * sizeof *copy);
        if (!copy) {
            oom(p, tok->line);
            return NULL;
        }
        memcpy(copy, filters, nf * sizeof *copy);
        n->u.out.filters = copy;
        n->u.out.nfilters = nf;
    }
    return n;
}

static tnode *parse_stmt(parser *p, int depth, const ttok *tok, tword kw, wcur *c)
{
    if (depth + 1 > LIMIT_TMPL_NESTING) {
        perr(p, tok->line, "{%% if %%}・{%% for %%}・{%% block %%} の入れ子が深すぎます（%d まで）",
             LIMIT_TMPL_NESTING);
        return NULL;
    }
    if (p->child && depth == 0 && !word_is(kw, "block")) {
        perr(p, tok->line,
             "{%% extends %%} するテンプレートでは {%% block %%} の外にタグを書けません");
        return NULL;
    }
    if (word_is(kw, "if"))
        return parse_if(p, depth + 1, tok->line, c);
    if (word_is(kw, "for"))
        return parse_for(p, depth + 1, tok->line, c);
    if (word_is(kw, "block"))
        return parse_block(p, depth + 1, tok->line, c);
    if (word_is(kw, "include")) {
        tnode *n = new_node(p, N_INCLUDE, tok->line);
        if (n && !(n->u.include.name = parse_name_arg(p, c, tok->line)))
            return NULL;
        return n;
    }
    if (word_is(kw, "extends"))
        perr(p, tok->line, "{%% extends %%} はテンプレートの最初のタグでなければなりません");
    else if (word_is(kw, "elif") || word_is(kw, "else") || word_is(kw, "endif") ||
             word_is(kw, "endfor") || word_is(kw, "endblock"))
        perr(p, tok->line, "{%% %.*s %%} に対応する開始タグがありません", (int)kw.n, kw.p);
    else
        perr(p, tok->line, "不明なタグ {%% %.*s %%} です", quote_len(kw.p, kw.n), kw.p);
    return NULL;
}

static tnode *parse_body(parser *p, int depth, const char *const *stops, tstop *stop)
{
    tnode *head = NULL, **tail = &head;
    stop->which = -1;
    while (p->pos < p->ntok && !p->failed) {
        const ttok *tok = &p->toks[p->pos++];
        tnode *n = NULL;
        if (tok->kind == K_COMMENT || (tok->kind == K_TEXT && tok->n == 0))
            continue;
        if (tok->kind == K_TEXT) {
            if (p->child && depth == 0) {
                for (size_t i = 0; i < tok->n; i++)
                    if (!strchr(" \t\r\n", tok->p[i])) {
                        perr(p, tok->line + count_lines(tok->p, i),
                             "{%% extends %%} するテンプレートでは {%% block %%} の外に"
                             "文字を書けません");
                        return NULL;
                    }
                continue;
            }
            n = new_node(p, N_TEXT, tok->line);
            if (n) {
                n->u.text.p = tok->p;
                n->u.text.n = tok->n;
            }
        } else if (tok->kind == K_OUT) {
            if (p->child && depth == 0) {
                perr(p, tok->line,
                     "{%% extends %%} するテンプレートでは {%% block %%} の外に"
                     "値を出力できません");
                return NULL;
            }
            n = parse_out(p, tok);
        } else {
            wcur c = {tok->p, tok->p + tok->n};
            tword kw = next_word(&c);
            if (!is_name(kw)) {
                bad_word(p, tok->line, kw, "タグ名");
                return NULL;
            }
            for (int i = 0; stops && stops[i]; i++)
                if (word_is(kw, stops[i])) {
                    stop->which = i;
                    stop->line = tok->line;
                    stop->rest = c;
                    return head;
                }
            n = parse_stmt(p, depth, tok, kw, &c);
        }
        if (!n)
            return NULL;
        *tail = n;
        tail = &n->next;
    }
    return head;
}

/* If the first tag (after blanks and comments) is {% extends %}, records it
 * and moves past it. */
static bool parse_extends(parser *p)
{
    for (size_t i = 0; i < p->ntok; i++) {
        const ttok *tok = &p->toks[i];
        if (tok->kind == K_COMMENT)
            continue;
        if (tok->kind == K_TEXT) {
            bool ws = true;
            for (size_t k = 0; k < tok->n && ws; k++)
                ws = strchr(" \t\r\n", tok->p[k]) != NULL;
            if (ws)
                continue;
            return true;
        }
        if (tok->kind != K_STMT)
            return true;
        wcur c = {tok->p, tok->p + tok->n};
        if (!word_is(next_word(&c), "extends"))
            return true;
        p->t->extends = parse_name_arg(p, &c, tok->line);
        p->t->extends_line = tok->line;
        p->child = true;
        p->pos = i + 1;
        return p->t->extends != NULL;
    }
    return true;
}

/* Reports the first line that is not valid UTF-8 (or holds a NUL). */
static bool check_utf8(parser *p, const char *s, size_t n)
{
    if (utf8_valid(s, n))
        return true;
    int line = 1;
    for (const char *q = s, *end = s + n; q < end; line++) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        size_t len = nl ? (size_t)(nl - q) : (size_t)(end - q);
        if (!utf8_valid(q, len))
            break;
        q += len + 1;
    }
    perr(p, line, "UTF-8 として正しくないバイトか NUL があります");
    return false;
}

bool tparse(tsrc *t, const tmpl_source *src, arena *tmp, tintern *in, char *err, size_t errlen)
{
    parser p = {.t = t, .tmp = tmp, .in = in, .err = err, .errlen = errlen};
    if (!check_utf8(&p, src->text, src->len) || !lex(&p, src->text, src->len))
        return false;
    trim_standalone(&p);
    if (!parse_extends(&p))
        return false;
    tstop st;
    t->nodes = parse_body(&p, 0, NULL, &st);
    return !p.failed;
}
