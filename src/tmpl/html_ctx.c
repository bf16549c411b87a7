/*
 * html_ctx.c - see html_ctx.h.
 *
 * State names and transitions follow the WHATWG HTML tokenizer (section
 * 13.2.5), reduced to what decides an escaping context: character references
 * and DOCTYPE details do not, so they are not modelled.  Where this scanner
 * cannot follow a browser (foreign content, script-data escapes, CDATA) it
 * refuses the construct instead of guessing.
 *
 * Canonical form: every field that does not matter in the current state is
 * zero, so hctx_equal() can compare bytes.
 */
#include "tmpl/html_ctx.h"

#include <string.h>

_Static_assert(sizeof(hctx) == 12 + HCTX_TAG_MAX + HCTX_ATTR_MAX + HCTX_SCHEME_MAX,
               "hctx must have no padding: hctx_equal() compares its bytes");

enum {
    HS_PLAIN, /* .txt template: no markup at all */
    HS_DATA,
    HS_RCDATA,  /* <title>, <textarea> */
    HS_RAWTEXT, /* <script>, <style>, <xmp>, <iframe>, <noembed>, ... */
    HS_PLAINTEXT,
    HS_TAG_OPEN,
    HS_END_TAG_OPEN,
    HS_TAG_NAME,
    HS_BEFORE_ATTR_NAME,
    HS_ATTR_NAME,
    HS_AFTER_ATTR_NAME,
    HS_BEFORE_ATTR_VALUE,
    HS_ATTR_VALUE_DQ,
    HS_ATTR_VALUE_SQ,
    HS_ATTR_VALUE_UNQ,
    HS_AFTER_ATTR_VALUE_QUOTED,
    HS_SELF_CLOSING,
    HS_JOINED_TAG,  /* between attributes, after branches that ended differently */
    HS_MARKUP_DECL, /* after "<!" */
    HS_MARKUP_DASH, /* after "<!-" */
    HS_COMMENT_START,
    HS_COMMENT_START_DASH,
    HS_COMMENT,
    HS_COMMENT_END_DASH,
    HS_COMMENT_END,
    HS_COMMENT_END_BANG,
    HS_BOGUS_COMMENT, /* "<?...>", "</ ...>", "<!DOCTYPE ...>" */
};

/* Tag kinds: the elements whose name changes how what follows is read. */
enum {
    TK_NORMAL,
    TK_SCRIPT,
    TK_STYLE,
    TK_XMP,
    TK_IFRAME,
    TK_NOEMBED,
    TK_NOFRAMES,
    TK_NOSCRIPT,
    TK_TITLE,
    TK_TEXTAREA,
    TK_PLAINTEXT,
    TK_META,
    TK_ANIMATE, /* SVG animate, set, animateMotion, animateTransform */
    TK_COUNT
};

/* Lower-case names; raw-text and RCDATA kinds end at "</" + this name. */
static const char *const tag_names[TK_COUNT] = {
    [TK_SCRIPT] = "script",       [TK_STYLE] = "style",     [TK_XMP] = "xmp",
    [TK_IFRAME] = "iframe",       [TK_NOEMBED] = "noembed", [TK_NOFRAMES] = "noframes",
    [TK_NOSCRIPT] = "noscript",   [TK_TITLE] = "title",     [TK_TEXTAREA] = "textarea",
    [TK_PLAINTEXT] = "plaintext", [TK_META] = "meta",       [TK_ANIMATE] = "animate",
};

/* Attribute kinds. */
enum {
    AK_NONE,
    AK_PLAIN,
    AK_URL,
    AK_EVENT, /* on* */
    AK_STYLE,
    AK_REFUSED,      /* srcset, imagesrcset, srcdoc */
    AK_ANIMATE,      /* any attribute of an SVG animation element */
    AK_META_CONTENT, /* content of <meta>: a URL when http-equiv="refresh" */
};

/* Tag flags, checked when the tag closes. */
enum { TF_HTTP_EQUIV = 1, TF_CONTENT_OUT = 2 };

/* Where inside a URL attribute value. */
enum { URL_NONE, URL_START, URL_SCHEME, URL_REST_SAFE, URL_REST_UNSAFE };

static const char MSG_RCDATA_TAG[] = "<title> と <textarea> の中にはタグもコメントも書けません";
static const char MSG_RAW_BANG[] =
    "<script> や <style> などの中に \"<!\" は書けません（ブラウザごとに読み方が違います）";

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char lower(unsigned char c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

static bool is_raw(int kind)
{
    return kind >= TK_SCRIPT && kind <= TK_NOSCRIPT;
}

static void clear_url(hctx *c, int url)
{
    c->url = (uint8_t)url;
    c->url_value = 0;
    c->scheme_len = 0;
    memset(c->scheme, 0, sizeof c->scheme);
}

static void clear_attr(hctx *c)
{
    c->attr_kind = AK_NONE;
    c->attr_len = 0;
    memset(c->attr, 0, sizeof c->attr);
    clear_url(c, URL_NONE);
}

static void clear_tag(hctx *c)
{
    clear_attr(c);
    c->tag_kind = TK_NORMAL;
    c->end_tag = 0;
    c->tag_flags = 0;
    c->may_continue = 0;
    c->raw_match = 0;
    c->tag_len = 0;
    memset(c->tag, 0, sizeof c->tag);
}

void hctx_init(hctx *c, bool plain)
{
    memset(c, 0, sizeof *c);
    c->state = plain ? HS_PLAIN : HS_DATA;
}

static void to_data(hctx *c)
{
    clear_tag(c);
    c->state = HS_DATA;
}

/* Names longer than the buffer are marked by a length one past it. */
static void append_name(char *name, uint8_t *len, size_t max, unsigned char ch)
{
    if (*len < max)
        name[(*len)++] = lower(ch);
    else
        *len = (uint8_t)(max + 1);
}

static bool name_is(const char *name, uint8_t len, const char *s)
{
    size_t n = strlen(s);
    return len == n && memcmp(name, s, n) == 0;
}

static void finish_tag_name(hctx *c)
{
    static const struct {
        const char *name;
        uint8_t kind;
    } special[] = {
        {"script", TK_SCRIPT},
        {"style", TK_STYLE},
        {"xmp", TK_XMP},
        {"iframe", TK_IFRAME},
        {"noembed", TK_NOEMBED},
        {"noframes", TK_NOFRAMES},
        {"noscript", TK_NOSCRIPT},
        {"title", TK_TITLE},
        {"textarea", TK_TEXTAREA},
        {"plaintext", TK_PLAINTEXT},
        {"meta", TK_META},
        {"animate", TK_ANIMATE},
        {"set", TK_ANIMATE},
        {"animatemotion", TK_ANIMATE},
        {"animatetransform", TK_ANIMATE},
    };
    uint8_t kind = TK_NORMAL;
    if (!c->end_tag)
        for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
            if (name_is(c->tag, c->tag_len, special[i].name))
                kind = special[i].kind;
    c->tag_kind = kind;
    c->tag_len = 0;
    memset(c->tag, 0, sizeof c->tag);
}

static void finish_attr_name(hctx *c)
{
    static const char *const url_attrs[] = {
        "href",       "src",     "action",   "formaction", "cite",   "poster",   "background",
        "xlink:href", "data",    "codebase", "longdesc",   "usemap", "manifest", "icon",
        "profile",    "classid", "archive",  "ping",       "lowsrc", "dynsrc",   "xml:base",
    };
    static const char *const refused[] = {"srcset", "imagesrcset", "srcdoc"};
    const char *n = c->attr;
    uint8_t len = c->attr_len;
    uint8_t kind = AK_PLAIN;
    if (len >= 2 && n[0] == 'o' && n[1] == 'n')
        kind = AK_EVENT;
    else if (c->tag_kind == TK_ANIMATE)
        kind = AK_ANIMATE;
    else if (name_is(n, len, "style"))
        kind = AK_STYLE;
    else if (c->tag_kind == TK_META && name_is(n, len, "content"))
        kind = AK_META_CONTENT;
    else {
        for (size_t i = 0; i < sizeof url_attrs / sizeof url_attrs[0]; i++)
            if (name_is(n, len, url_attrs[i]))
                kind = AK_URL;
        for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
            if (name_is(n, len, refused[i]))
                kind = AK_REFUSED;
    }
    if (c->tag_kind == TK_META && name_is(n, len, "http-equiv"))
        c->tag_flags |= TF_HTTP_EQUIV;
    clear_attr(c);
    c->attr_kind = kind;
}

static void start_attr(hctx *c, unsigned char ch)
{
    clear_attr(c);
    c->may_continue = 0;
    c->state = HS_ATTR_NAME;
    append_name(c->attr, &c->attr_len, sizeof c->attr, ch);
}

/* The tag ends at '>': check it, then enter the content it opens. */
static const char *emit_tag(hctx *c)
{
    if ((c->tag_flags & TF_HTTP_EQUIV) && (c->tag_flags & TF_CONTENT_OUT))
        return "<meta http-equiv> の content 属性には値を出力できません";
    int kind = c->end_tag ? TK_NORMAL : c->tag_kind;
    to_data(c);
    if (is_raw(kind)) {
        c->state = HS_RAWTEXT;
        c->tag_kind = (uint8_t)kind;
    } else if (kind == TK_TITLE || kind == TK_TEXTAREA) {
        c->state = HS_RCDATA;
        c->tag_kind = (uint8_t)kind;
    } else if (kind == TK_PLAINTEXT) {
        c->state = HS_PLAINTEXT;
        c->tag_kind = (uint8_t)kind;
    }
    return NULL;
}

static bool scheme_allowed(const hctx *c)
{
    return name_is(c->scheme, c->scheme_len, "http") ||
           name_is(c->scheme, c->scheme_len, "https") ||
           name_is(c->scheme, c->scheme_len, "mailto") || name_is(c->scheme, c->scheme_len, "tel");
}

/* One byte of a URL attribute's literal value (not its closing quote).
 * Tracks whether the URL's scheme is still open, and whether the literal
 * text gave it a safe one. */
static const char *step_url(hctx *c, unsigned char ch)
{
    switch (c->url) {
    case URL_START:
        if (ch <= 0x20)
            return NULL; /* browsers strip leading spaces and controls */
        c->url = URL_SCHEME;
        /* fall through */
    case URL_SCHEME:
        if (ch == '\t' || ch == '\n' || ch == '\r')
            return NULL; /* browsers delete these anywhere in a URL */
        if (ch == ':' || ch == '&') {
            /* '&' may be a character reference for ':' ("&colon;"). */
            if (c->url_value)
                return "URL のスキームが値で決まる書き方です（値の後に ':' や '&' があります）";
            clear_url(c, ch == ':' && scheme_allowed(c) ? URL_REST_SAFE : URL_REST_UNSAFE);
            return NULL;
        }
        if (ch == '/' || ch == '?' || ch == '#') {
            clear_url(c, URL_REST_SAFE);
            return NULL;
        }
        append_name(c->scheme, &c->scheme_len, sizeof c->scheme, ch);
        return NULL;
    default: return NULL;
    }
}

/* One byte inside <title>/<textarea> (RCDATA) or a raw-text element. */
static const char *step_raw(hctx *c, unsigned char ch)
{
    bool rcdata = c->state == HS_RCDATA;
    const char *name = tag_names[c->tag_kind];
    size_t len = strlen(name);
    for (;;) {
        if (c->raw_match == 0) {
            if (ch == '<')
                c->raw_match = 1;
            return NULL;
        }
        if (c->raw_match == 1) {
            if (ch == '/') {
                c->raw_match = 2;
                return NULL;
            }
            if (ch == '!')
                return rcdata ? MSG_RCDATA_TAG : MSG_RAW_BANG;
            if (rcdata && (is_alpha(ch) || ch == '?'))
                return MSG_RCDATA_TAG;
            c->raw_match = 0; /* "<" then text: read ch again as text */
            continue;
        } else if ((size_t)c->raw_match - 2 < len) {
            if (lower(ch) == name[c->raw_match - 2]) {
                c->raw_match++;
                return NULL;
            }
        } else if (is_ws(ch) || ch == '/' || ch == '>') {
            /* The end tag: read its (ignored) attributes like any tag's. */
            clear_tag(c);
            c->end_tag = 1;
            if (ch == '>')
                return emit_tag(c);
            c->state = ch == '/' ? HS_SELF_CLOSING : HS_BEFORE_ATTR_NAME;
            return NULL;
        }
        if (rcdata)
            return MSG_RCDATA_TAG;
        c->raw_match = 0; /* not an end tag: read ch again as text */
    }
}

static const char *step(hctx *c, unsigned char ch)
{
again:
    switch (c->state) {
    case HS_PLAIN:
    case HS_PLAINTEXT: return NULL;
    case HS_DATA:
        if (ch == '<')
            c->state = HS_TAG_OPEN;
        return NULL;
    case HS_RCDATA:
    case HS_RAWTEXT: return step_raw(c, ch);
    case HS_TAG_OPEN:
        if (is_alpha(ch)) {
            clear_tag(c);
            c->state = HS_TAG_NAME;
            append_name(c->tag, &c->tag_len, sizeof c->tag, ch);
        } else if (ch == '!') {
            c->state = HS_MARKUP_DECL;
        } else if (ch == '/') {
            c->state = HS_END_TAG_OPEN;
        } else if (ch == '?') {
            c->state = HS_BOGUS_COMMENT;
        } else {
            c->state = HS_DATA; /* a lone '<' is text */
            goto again;
        }
        return NULL;
    case HS_END_TAG_OPEN:
        if (is_alpha(ch)) {
            clear_tag(c);
            c->end_tag = 1;
            c->state = HS_TAG_NAME;
            append_name(c->tag, &c->tag_len, sizeof c->tag, ch);
        } else if (ch == '>') {
            to_data(c);
        } else {
            c->state = HS_BOGUS_COMMENT;
        }
        return NULL;
    case HS_TAG_NAME:
        if (is_ws(ch) || ch == '/' || ch == '>') {
            finish_tag_name(c);
            if (ch == '>')
                return emit_tag(c);
            c->state = ch == '/' ? HS_SELF_CLOSING : HS_BEFORE_ATTR_NAME;
        } else {
            append_name(c->tag, &c->tag_len, sizeof c->tag, ch);
        }
        return NULL;
    case HS_BEFORE_ATTR_NAME:
        if (is_ws(ch))
            return NULL;
        if (ch == '/' || ch == '>') {
            c->state = HS_AFTER_ATTR_NAME;
            goto again;
        }
        start_attr(c, ch); /* a leading '=' starts a name, as in browsers */
        return NULL;
    case HS_ATTR_NAME:
        if (is_ws(ch) || ch == '/' || ch == '>') {
            finish_attr_name(c);
            c->state = HS_AFTER_ATTR_NAME;
            goto again;
        }
        if (ch == '=') {
            finish_attr_name(c);
            c->state = HS_BEFORE_ATTR_VALUE;
            return NULL;
        }
        append_name(c->attr, &c->attr_len, sizeof c->attr, ch);
        return NULL;
    case HS_AFTER_ATTR_NAME:
        if (is_ws(ch))
            return NULL;
        if (ch == '=') {
            c->state = HS_BEFORE_ATTR_VALUE;
            return NULL;
        }
        if (ch == '>')
            return emit_tag(c);
        if (ch == '/') {
            clear_attr(c);
            c->state = HS_SELF_CLOSING;
            return NULL;
        }
        start_attr(c, ch);
        return NULL;
    case HS_BEFORE_ATTR_VALUE:
        if (is_ws(ch))
            return NULL;
        if (ch == '"' || ch == '\'') {
            c->state = ch == '"' ? HS_ATTR_VALUE_DQ : HS_ATTR_VALUE_SQ;
            if (c->attr_kind == AK_URL)
                c->url = URL_START;
            return NULL;
        }
        if (ch == '>')
            return emit_tag(c);
        c->state = HS_ATTR_VALUE_UNQ;
        goto again;
    case HS_ATTR_VALUE_DQ:
    case HS_ATTR_VALUE_SQ:
        if (ch == (c->state == HS_ATTR_VALUE_DQ ? '"' : '\'')) {
            clear_attr(c);
            c->state = HS_AFTER_ATTR_VALUE_QUOTED;
            return NULL;
        }
        return c->attr_kind == AK_URL ? step_url(c, ch) : NULL;
    case HS_ATTR_VALUE_UNQ:
        if (is_ws(ch)) {
            clear_attr(c);
            c->state = HS_BEFORE_ATTR_NAME;
        } else if (ch == '>') {
            return emit_tag(c);
        }
        return NULL;
    case HS_AFTER_ATTR_VALUE_QUOTED:
        if (is_ws(ch)) {
            c->state = HS_BEFORE_ATTR_NAME;
            return NULL;
        }
        if (ch == '/') {
            c->state = HS_SELF_CLOSING;
            return NULL;
        }
        if (ch == '>')
            return emit_tag(c);
        c->state = HS_BEFORE_ATTR_NAME;
        goto again;
    case HS_SELF_CLOSING:
        if (ch == '>')
            return emit_tag(c);
        c->state = HS_BEFORE_ATTR_NAME;
        goto again;
    case HS_JOINED_TAG:
        /* Branches ended in different places between attributes (one may
         * have ended inside an attribute name).  Only a byte that means the
         * same after every branch may follow. */
        if (is_ws(ch)) {
            c->may_continue = 0;
            return NULL;
        }
        if (ch == '>')
            return emit_tag(c);
        if (ch == '/') {
            c->may_continue = 0;
            c->state = HS_SELF_CLOSING;
            return NULL;
        }
        if (ch == '=')
            return "分岐の後の '=' がどの属性のものか決まりません";
        if (c->may_continue)
            return "属性名が {% if %} などの分岐の終わりをまたいでいます"
                   "（分岐の後に空白を入れてください）";
        start_attr(c, ch);
        return NULL;
    case HS_MARKUP_DECL:
        if (ch == '-') {
            c->state = HS_MARKUP_DASH;
            return NULL;
        }
        if (ch == '[')
            return "\"<![\"（CDATA など）は使えません";
        c->state = HS_BOGUS_COMMENT;
        goto again;
    case HS_MARKUP_DASH:
        if (ch == '-') {
            c->state = HS_COMMENT_START;
            return NULL;
        }
        c->state = HS_BOGUS_COMMENT;
        goto again;
    case HS_COMMENT_START:
    case HS_COMMENT_START_DASH:
        if (ch == '>') {
            to_data(c); /* "<!-->" and "<!--->" are whole comments */
            return NULL;
        }
        if (ch == '-') {
            c->state = c->state == HS_COMMENT_START ? HS_COMMENT_START_DASH : HS_COMMENT_END;
            return NULL;
        }
        c->state = HS_COMMENT;
        goto again;
    case HS_COMMENT:
        if (ch == '-')
            c->state = HS_COMMENT_END_DASH;
        return NULL;
    case HS_COMMENT_END_DASH:
        if (ch == '-') {
            c->state = HS_COMMENT_END;
            return NULL;
        }
        c->state = HS_COMMENT;
        goto again;
    case HS_COMMENT_END:
        if (ch == '>')
            to_data(c);
        else if (ch == '!')
            c->state = HS_COMMENT_END_BANG;
        else if (ch != '-') {
            c->state = HS_COMMENT;
            goto again;
        }
        return NULL;
    case HS_COMMENT_END_BANG:
        if (ch == '>') {
            to_data(c);
            return NULL;
        }
        if (ch == '-') {
            c->state = HS_COMMENT_END_DASH;
            return NULL;
        }
        c->state = HS_COMMENT;
        goto again;
    case HS_BOGUS_COMMENT:
        if (ch == '>')
            to_data(c);
        return NULL;
    }
    return "内部エラー: HTML の状態が不正です";
}

const char *hctx_feed(hctx *c, const char *p, size_t n, size_t *at)
{
    if (c->state == HS_PLAIN)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *msg = step(c, (unsigned char)p[i]);
        if (msg) {
            if (at)
                *at = i;
            return msg;
        }
    }
    return NULL;
}

static const char *output_in_attr(hctx *c, esc_mode *mode)
{
    if (c->end_tag)
        return "終了タグの属性には値を出力できません";
    switch (c->attr_kind) {
    case AK_EVENT: return "イベントハンドラ属性（on...）には値を出力できません";
    case AK_STYLE: return "style 属性には値を出力できません";
    case AK_REFUSED: return "srcset・imagesrcset・srcdoc 属性には値を出力できません";
    case AK_ANIMATE: return "SVG のアニメーション要素の属性には値を出力できません";
    case AK_META_CONTENT:
        c->tag_flags |= TF_CONTENT_OUT;
        *mode = ESC_ATTR;
        return NULL;
    case AK_URL:
        switch (c->url) {
        case URL_START:
            *mode = ESC_URL;
            clear_url(c, URL_SCHEME);
            c->url_value = 1;
            return NULL;
        case URL_SCHEME:
            *mode = ESC_URL_PART;
            c->url_value = 1;
            return NULL;
        case URL_REST_SAFE: *mode = ESC_URL_PART; return NULL;
        default: return "安全でないスキームの URL（javascript: など）の中には値を出力できません";
        }
    default: *mode = ESC_ATTR; return NULL;
    }
}

const char *hctx_output(hctx *c, esc_mode *mode)
{
    switch (c->state) {
    case HS_PLAIN: *mode = ESC_NONE; return NULL;
    case HS_DATA: *mode = ESC_TEXT; return NULL;
    case HS_RCDATA:
        if (c->raw_match)
            return "\"<\" の直後には値を出力できません";
        *mode = ESC_ATTR;
        return NULL;
    case HS_RAWTEXT:
        if (c->tag_kind == TK_SCRIPT || c->tag_kind == TK_STYLE)
            return "<script> と <style> の中には値を出力できません";
        return "<iframe>・<noscript> などの生テキスト要素の中には値を出力できません";
    case HS_PLAINTEXT: return "<plaintext> の中には値を出力できません";
    case HS_ATTR_VALUE_DQ:
    case HS_ATTR_VALUE_SQ: return output_in_attr(c, mode);
    case HS_BEFORE_ATTR_VALUE:
    case HS_ATTR_VALUE_UNQ:
        return "引用符のない属性値には値を出力できません（\"...\" で囲んでください）";
    case HS_TAG_OPEN:
    case HS_END_TAG_OPEN:
    case HS_TAG_NAME: return "タグ名の位置には値を出力できません";
    case HS_BEFORE_ATTR_NAME:
    case HS_ATTR_NAME:
    case HS_AFTER_ATTR_NAME:
    case HS_AFTER_ATTR_VALUE_QUOTED:
    case HS_SELF_CLOSING:
    case HS_JOINED_TAG: return "タグの中（属性値の外）には値を出力できません";
    default: return "HTML コメントの中には値を出力できません";
    }
}

bool hctx_equal(const hctx *a, const hctx *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

static bool between_attrs(int state)
{
    return state == HS_BEFORE_ATTR_NAME || state == HS_ATTR_NAME || state == HS_AFTER_ATTR_NAME ||
           state == HS_AFTER_ATTR_VALUE_QUOTED || state == HS_JOINED_TAG;
}

bool hctx_join(hctx *out, const hctx *a, const hctx *b)
{
    hctx x = *a, y = *b;
    /* Facts checked at the end of the tag: keep those of every branch. */
    x.tag_flags = y.tag_flags = (uint8_t)(a->tag_flags | b->tag_flags);
    if (hctx_equal(&x, &y)) {
        *out = x;
        return true;
    }
    if (between_attrs(x.state) && between_attrs(y.state) && x.tag_kind == y.tag_kind &&
        x.end_tag == y.end_tag) {
        bool open =
            x.state == HS_ATTR_NAME || y.state == HS_ATTR_NAME || x.may_continue || y.may_continue;
        clear_attr(&x);
        x.state = HS_JOINED_TAG;
        x.may_continue = open;
        *out = x;
        return true;
    }
    if ((x.state == HS_ATTR_VALUE_DQ || x.state == HS_ATTR_VALUE_SQ) && x.attr_kind == AK_URL) {
        /* Same URL attribute, different progress through it.  Past the
         * start, a value is percent-encoded, which is safe wherever it
         * lands; so go on as if past the start, scheme unknown. */
        int url =
            x.url == URL_REST_UNSAFE || y.url == URL_REST_UNSAFE ? URL_REST_UNSAFE : URL_SCHEME;
        clear_url(&x, url);
        clear_url(&y, url);
        if (!hctx_equal(&x, &y))
            return false;
        x.url_value = url == URL_SCHEME;
        *out = x;
        return true;
    }
    return false;
}

const char *hctx_end(const hctx *c)
{
    switch (c->state) {
    case HS_PLAIN:
    case HS_DATA: return NULL;
    case HS_RAWTEXT: return "<script>・<style> などの要素が閉じていません";
    case HS_RCDATA: return "<title> か <textarea> が閉じていません";
    case HS_PLAINTEXT: return "<plaintext> は使えません";
    case HS_MARKUP_DECL:
    case HS_MARKUP_DASH:
    case HS_COMMENT_START:
    case HS_COMMENT_START_DASH:
    case HS_COMMENT:
    case HS_COMMENT_END_DASH:
    case HS_COMMENT_END:
    case HS_COMMENT_END_BANG:
    case HS_BOGUS_COMMENT: return "HTML コメントか <! 宣言が閉じていません";
    default: return "タグか属性値が閉じていません";
    }
}

const char *hctx_describe(const hctx *c)
{
    switch (c->state) {
    case HS_PLAIN: return "テキスト";
    case HS_DATA: return "本文";
    case HS_RCDATA: return "<title>/<textarea> の中";
    case HS_RAWTEXT:
    case HS_PLAINTEXT: return "<script>・<style> などの中";
    case HS_ATTR_VALUE_DQ:
    case HS_ATTR_VALUE_SQ: return c->attr_kind == AK_URL ? "URL 属性値の中" : "属性値の中";
    case HS_BEFORE_ATTR_VALUE:
    case HS_ATTR_VALUE_UNQ: return "引用符のない属性値の中";
    case HS_TAG_OPEN:
    case HS_END_TAG_OPEN:
    case HS_TAG_NAME: return "タグ名の中";
    case HS_BEFORE_ATTR_NAME:
    case HS_ATTR_NAME:
    case HS_AFTER_ATTR_NAME:
    case HS_AFTER_ATTR_VALUE_QUOTED:
    case HS_SELF_CLOSING:
    case HS_JOINED_TAG: return "タグの中";
    default: return "コメントの中";
    }
}
