/* params.c - see params.h: parameter lists, parse statuses, percent-decoding. */
#include "http/params.h"

#include <string.h>

#include "core/utf8.h"

/* One table: status -> HTTP status -> message (STYLE.md "Errors"). */
static const struct {
    int http;
    const char *message;
} status_table[] = {
    [PARSE_OK] = {200, "送信された内容を受け付けました。"},
    [PARSE_BAD_ENCODING] = {400, "送信された内容の形式が正しくありません。"
                                 "お手数ですが、もう一度入力画面から送信してください。"},
    [PARSE_BAD_UTF8] = {400, "送信された内容の文字コードが正しくありません"
                             "（UTF-8 で送信してください）。"},
    [PARSE_TOO_MANY] = {413, "送信された項目の数が多すぎます。"},
    [PARSE_TOO_LONG] = {413, "送信された内容が大きすぎます。"
                             "入力した文章の長さや添付ファイルの大きさを確かめてください。"},
    [PARSE_NOMEM] = {503, "ただいま混み合っています。"
                          "しばらくしてから、もう一度お試しください。"},
    [PARSE_IO] = {500, "添付ファイルを保存できませんでした。"
                       "しばらくしてから、もう一度お試しください。"},
    [PARSE_UNSUPPORTED] = {415, "この形式の送信には対応していません。"},
};

#define STATUS_COUNT (sizeof status_table / sizeof status_table[0])

int parse_status_http(parse_status s)
{
    if ((unsigned)s >= STATUS_COUNT)
        return 500; /* our bug: an unknown status */
    return status_table[s].http;
}

const char *parse_status_message(parse_status s)
{
    if ((unsigned)s >= STATUS_COUNT)
        return status_table[PARSE_IO].message;
    return status_table[s].message;
}

bool http_params_add(arena *a, http_params *p, const char *name, const char *value,
                     size_t value_len)
{
    if (p->count == p->cap) {
        /* The arena cannot grow in place: allocate twice the room and copy.
         * The abandoned arrays add up to less than the final one. */
        size_t cap = p->cap ? p->cap * 2 : 8;
        if (cap < p->cap)
            return false;
        http_param_item *items = arena_calloc(a, cap, sizeof *items);
        if (!items)
            return false;
        if (p->count)
            memcpy(items, p->items, p->count * sizeof *items);
        p->items = items;
        p->cap = cap;
    }
    p->items[p->count++] = (http_param_item){name, value, value_len};
    return true;
}

const char *http_params_get(const http_params *p, const char *name)
{
    return http_params_get_nth(p, name, 0);
}

size_t http_params_count(const http_params *p, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->items[i].name, name) == 0)
            n++;
    return n;
}

const char *http_params_get_nth(const http_params *p, const char *name, size_t nth)
{
    for (size_t i = 0; i < p->count; i++) {
        if (strcmp(p->items[i].name, name) != 0)
            continue;
        if (nth == 0)
            return p->items[i].value;
        nth--;
    }
    return NULL;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

parse_status http_pct_decode(const char *in, size_t n, bool plus_is_space, char *out,
                             size_t *out_len)
{
    size_t o = 0;
    *out_len = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\0')
            return PARSE_BAD_ENCODING;
        if (c == '+' && plus_is_space) {
            out[o++] = ' ';
        } else if (c == '%') {
            if (n - i < 3)
                return PARSE_BAD_ENCODING;
            int hi = hex_value((unsigned char)in[i + 1]);
            int lo = hex_value((unsigned char)in[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return PARSE_BAD_ENCODING;
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    /* Validate after decoding: an escape may hide an overlong form (%C0%AF). */
    if (!utf8_valid(out, o))
        return PARSE_BAD_UTF8;
    *out_len = o;
    return PARSE_OK;
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool http_media_type_is(const char *content_type, const char *type)
{
    if (!content_type)
        return false;
    const char *s = content_type;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strcspn(s, "; \t");
    if (n != strlen(type))
        return false;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(s[i]) != ascii_lower(type[i]))
            return false;
    /* Only parameters (or nothing) may follow the type. */
    const char *rest = s + n;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    return *rest == '\0' || *rest == ';';
}
