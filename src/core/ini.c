/* ini.c - see ini.h. */
#include "core/ini.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/utf8.h"

/* Puts "line N: " in front of the message already in err (the callback's),
 * dropping its tail if the whole does not fit. */
static void prefix_line(char *err, size_t errlen, size_t line)
{
    if (errlen == 0)
        return;
    char prefix[48];
    int p = snprintf(prefix, sizeof prefix, "line %zu: ", line);
    if (p < 0)
        return;
    size_t plen = (size_t)p;
    if (plen >= errlen) {
        utf8_format(err, errlen, "%s", prefix);
        return;
    }
    size_t mlen = strnlen(err, errlen - 1);
    if (mlen > errlen - 1 - plen)
        mlen = errlen - 1 - plen;
    memmove(err + plen, err, mlen);
    memcpy(err, prefix, plen);
    err[plen + mlen] = '\0';
    utf8_trim_partial(err);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
}

/* Narrows [*s, *e) by the blanks at both ends. */
static void trim(const char **s, const char **e)
{
    while (*s < *e && is_blank(**s))
        (*s)++;
    while (*e > *s && is_blank((*e)[-1]))
        (*e)--;
}

static bool valid_name(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_name_char(s[i]))
            return false;
    return true;
}

/* Parser state carried from line to line. */
typedef struct ini_state {
    char section[LIMIT_INI_KEY + 1];   /* "" outside any section */
    buf value;                         /* NUL-terminated copy of the current value */
} ini_state;

/* "[name]": sets the section.  ls..le is the trimmed line. */
static bool parse_section(ini_state *st, const char *ls, const char *le, size_t line, char *err,
                          size_t errlen)
{
    if (le - ls < 2 || le[-1] != ']') {
        utf8_format(err, errlen, "line %zu: 節の見出しは [名前] の形で書いてください", line);
        return false;
    }
    const char *s = ls + 1, *e = le - 1;
    trim(&s, &e);
    size_t n = (size_t)(e - s);
    if (!valid_name(s, n)) {
        utf8_format(err, errlen, "line %zu: 節の名前には英数字と _ - . だけが使えます", line);
        return false;
    }
    if (n >= LIMIT_INI_KEY) {
        utf8_format(err, errlen, "line %zu: 節の名前が長すぎます（最大 %d バイト）", line,
                LIMIT_INI_KEY - 1);
        return false;
    }
    memcpy(st->section, s, n);
    st->section[n] = '\0';
    return true;
}

/* "key = value": calls fn.  ls..le is the trimmed line. */
static bool parse_pair(ini_state *st, const char *ls, const char *le, size_t line, ini_fn fn,
                       void *ctx, char *err, size_t errlen)
{
    const char *eq = memchr(ls, '=', (size_t)(le - ls));
    if (!eq) {
        utf8_format(err, errlen, "line %zu: 「キー = 値」の形で書いてください（= がありません）", line);
        return false;
    }
    const char *ks = ls, *ke = eq;
    trim(&ks, &ke);
    size_t klen = (size_t)(ke - ks);
    if (!valid_name(ks, klen)) {
        utf8_format(err, errlen, "line %zu: キーには英数字と _ - . だけが使えます", line);
        return false;
    }
    char key[LIMIT_INI_KEY + 1];
    size_t slen = strlen(st->section);
    size_t total = slen ? slen + 1 + klen : klen;
    if (total > LIMIT_INI_KEY) {
        utf8_format(err, errlen, "line %zu: キーが長すぎます（最大 %d バイト）", line, LIMIT_INI_KEY);
        return false;
    }
    if (slen) {
        memcpy(key, st->section, slen);
        key[slen] = '.';
        memcpy(key + slen + 1, ks, klen);
    } else {
        memcpy(key, ks, klen);
    }
    key[total] = '\0';

    const char *vs = eq + 1, *ve = le;
    trim(&vs, &ve);
    if (vs < ve && *vs == '"') {
        if (ve - vs < 2 || ve[-1] != '"') {
            utf8_format(err, errlen, "line %zu: 値の終わりの \" がありません", line);
            return false;
        }
        vs++;
        ve--;
    }
    buf_reset(&st->value);
    buf_append(&st->value, vs, (size_t)(ve - vs));
    if (!buf_reserve(&st->value, 0)) {   /* also makes data non-NULL when empty */
        utf8_format(err, errlen, "line %zu: メモリが足りません", line);
        return false;
    }
    if (errlen)
        err[0] = '\0';
    if (!fn(ctx, key, st->value.data, err, errlen)) {
        prefix_line(err, errlen, line);
        return false;
    }
    return true;
}

/* One line without its line break. */
static bool parse_line(ini_state *st, const char *ls, const char *le, size_t line, ini_fn fn,
                       void *ctx, char *err, size_t errlen)
{
    if (!utf8_valid(ls, (size_t)(le - ls))) {
        utf8_format(err, errlen, "line %zu: UTF-8 として正しくない文字があります", line);
        return false;
    }
    for (const char *p = ls; p < le; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c < 0x20 && c != '\t') || c == 0x7F) {
            utf8_format(err, errlen, "line %zu: 制御文字は使えません", line);
            return false;
        }
    }
    trim(&ls, &le);
    if (ls == le || *ls == ';' || *ls == '#')
        return true;
    if (*ls == '[')
        return parse_section(st, ls, le, line, err, errlen);
    return parse_pair(st, ls, le, line, fn, ctx, err, errlen);
}

bool ini_parse(const char *text, size_t n, ini_fn fn, void *ctx, char *err, size_t errlen)
{
    if (n == 0)
        return true;
    ini_state st;
    st.section[0] = '\0';
    buf_init(&st.value, 0);
    const char *p = text, *end = text + n;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    bool ok = true;
    for (size_t line = 1; ok && p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        if (le > p && le[-1] == '\r')
            le--;
        ok = parse_line(&st, p, le, line, fn, ctx, err, errlen);
        p = next;
    }
    buf_free(&st.value);
    return ok;
}
