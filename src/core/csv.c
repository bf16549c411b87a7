/* csv.c - see csv.h.  The grammar is RFC 4180 section 2 with the
 * tolerances listed there (LF line ends, BOM, no final line break). */
#include "core/csv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fault.h"
#include "core/utf8.h"

/* What Excel's "名前を付けて保存" calls the format we read. */
#define SAVE_AS_UTF8                                                                               \
    "Excel の「名前を付けて保存」で「CSV UTF-8 (コンマ区切り)」を選んで保存し直してください"

struct csv_reader {
    const char *p, *end; /* what is left of the caller's data */
    size_t line;         /* line of *p, from 1 */
    size_t records;      /* records returned so far */
    csv_limits lim;      /* with every 0 replaced by its default */
    buf text;            /* the current record's fields, each followed by NUL */
    csv_field *fields;
    size_t cap; /* entries in fields */
    bool failed;
    char msg[512]; /* the error repeated after a failure */
};

/* --- errors --- */

/* Records the message as the reader's final state, copies it to err and
 * returns -1 for csv_next() to pass on. */
__attribute__((format(printf, 4, 5))) static int fail(csv_reader *r, char *err, size_t errlen,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
    utf8_trim_partial(r->msg);
    r->failed = true;
    utf8_format(err, errlen, "%s", r->msg);
    return -1;
}

/* --- encoding check (csv_open) --- */

/* Counts the multi-byte sequences of s[0..n) that are valid UTF-8 and the
 * bytes where no valid sequence starts. */
static void utf8_tally(const char *s, size_t n, size_t *valid, size_t *invalid)
{
    *valid = *invalid = 0;
    for (size_t i = 0; i < n;) {
        unsigned c = (unsigned char)s[i];
        size_t len = c < 0x80                 ? 1
                     : c >= 0xC2 && c <= 0xDF ? 2
                     : c >= 0xE0 && c <= 0xEF ? 3
                     : c >= 0xF0 && c <= 0xF4 ? 4
                                              : 0;
        if (len == 1) {
            i++;
        } else if (len && len <= n - i && utf8_valid(s + i, len)) {
            (*valid)++;
            i += len;
        } else {
            (*invalid)++;
            i++;
        }
    }
}

/* True when s[0..n) parses as Shift_JIS (Windows code page 932) with at
 * least one two-byte character, and reads worse as UTF-8.  Loose on
 * purpose: it only picks the more helpful of two messages for a file that is
 * refused anyway, and the plain "CSV" of Excel on Japanese Windows is exactly
 * this.  The second test matters because UTF-8 Japanese often parses as
 * Shift_JIS too: a UTF-8 file with one damaged byte is not called Shift_JIS. */
static bool looks_like_sjis(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t doubles = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c < 0x80 || (c >= 0xA1 && c <= 0xDF)) /* ASCII, half-width katakana */
            continue;
        if (!((c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC)) || i + 1 == n)
            return false;
        unsigned t = s[++i];
        if (t < 0x40 || t == 0x7F || t > 0xFC)
            return false;
        doubles++;
    }
    size_t valid, invalid;
    utf8_tally(str, n, &valid, &invalid);
    return doubles > 0 && valid < invalid;
}

/* Checks that text[0..n) (after the BOM) is UTF-8 without NUL, line by line
 * so the message can name the first bad line.  Returns false with the
 * message in err. */
static bool check_encoding(const char *text, size_t n, char *err, size_t errlen)
{
    const char *p = text, *end = text + n;
    for (size_t line = 1; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t len = (size_t)(le - p);
        if (memchr(p, '\0', len)) {
            utf8_format(err, errlen,
                        "%zu 行目: NUL 文字（0x00）があります。CSV ではないファイルか、UTF-16 "
                        "で保存されたファイルのようです。%s",
                        line, SAVE_AS_UTF8);
            return false;
        }
        if (!utf8_valid(p, len)) {
            if (looks_like_sjis(text, n))
                utf8_format(err, errlen,
                            "%zu 行目: 文字コードが Shift_JIS のようです。UTF-8 の CSV だけを"
                            "読み込めます。%s",
                            line, SAVE_AS_UTF8);
            else
                utf8_format(err, errlen, "%zu 行目: UTF-8 として正しくない文字があります。%s", line,
                            SAVE_AS_UTF8);
            return false;
        }
        p = nl ? nl + 1 : end;
    }
    return true;
}

/* --- reader --- */

static size_t limit_or(size_t want, size_t max)
{
    return want == 0 || want > max ? max : want;
}

csv_reader *csv_open_with(const char *data, size_t n, const csv_limits *lim, char *err,
                          size_t errlen)
{
    if (n > CSV_MAX_BYTES) {
        utf8_format(err, errlen, "ファイルが大きすぎます（最大 %d MiB）",
                    CSV_MAX_BYTES / (1024 * 1024));
        return NULL;
    }
    if (n >= 2 &&
        ((data[0] == '\xFF' && data[1] == '\xFE') || (data[0] == '\xFE' && data[1] == '\xFF'))) {
        utf8_format(err, errlen, "1 行目: 文字コードが UTF-16（Unicode テキスト）です。%s",
                    SAVE_AS_UTF8);
        return NULL;
    }
    if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        n -= 3;
    }
    if (!check_encoding(data, n, err, errlen))
        return NULL;
    csv_reader *r = fault_malloc(sizeof *r);
    if (!r) {
        utf8_format(err, errlen, "メモリが足りません");
        return NULL;
    }
    memset(r, 0, sizeof *r);
    r->p = data;
    r->end = data + n;
    r->line = 1;
    r->lim.max_fields = limit_or(lim ? lim->max_fields : 0, CSV_MAX_FIELDS);
    r->lim.max_field_bytes = limit_or(lim ? lim->max_field_bytes : 0, CSV_MAX_FIELD);
    r->lim.max_records = limit_or(lim ? lim->max_records : 0, CSV_MAX_RECORDS);
    buf_init(&r->text, 0);
    return r;
}

csv_reader *csv_open(const char *data, size_t n, char *err, size_t errlen)
{
    return csv_open_with(data, n, NULL, err, errlen);
}

void csv_close(csv_reader *r)
{
    if (!r)
        return;
    buf_free(&r->text);
    free(r->fields);
    free(r);
}

/* Makes room for one more field. */
static bool grow_fields(csv_reader *r)
{
    size_t cap = r->cap ? r->cap * 2 : 16;
    if (cap > r->lim.max_fields)
        cap = r->lim.max_fields;
    csv_field *f = fault_realloc(r->fields, cap * sizeof *f);
    if (!f)
        return false;
    r->fields = f;
    r->cap = cap;
    return true;
}

/* Appends s[0..n) to the field that starts at text offset off, refusing a
 * field over the limit before its bytes are copied. */
static int append(csv_reader *r, size_t off, const char *s, size_t n, size_t field_line, char *err,
                  size_t errlen)
{
    if (n > r->lim.max_field_bytes - (r->text.len - off))
        return fail(r, err, errlen, "%zu 行目: 項目が長すぎます（1 項目は最大 %zu バイト）",
                    field_line, r->lim.max_field_bytes);
    buf_append(&r->text, s, n);
    if (!buf_ok(&r->text))
        return fail(r, err, errlen, "%zu 行目: メモリが足りません", field_line);
    return 0;
}

static size_t count_lf(const char *s, size_t n)
{
    size_t count = 0;
    for (const char *p = s, *e = s + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
        count++;
    return count;
}

/* Reads a quoted field; r->p is just past its opening quote.  Leaves r->p
 * just past the closing quote. */
static int read_quoted(csv_reader *r, size_t off, char *err, size_t errlen)
{
    size_t field_line = r->line;
    for (;;) {
        const char *q = memchr(r->p, '"', (size_t)(r->end - r->p));
        if (!q)
            return fail(r, err, errlen,
                        "%zu 行目: 引用符が閉じていません（\" で始めた項目は \" で終えてください）",
                        field_line);
        size_t n = (size_t)(q - r->p);
        r->line += count_lf(r->p, n);
        if (append(r, off, r->p, n, field_line, err, errlen) < 0)
            return -1;
        r->p = q + 1;
        if (r->p < r->end && *r->p == '"') { /* "" is one quote */
            if (append(r, off, "\"", 1, field_line, err, errlen) < 0)
                return -1;
            r->p++;
            continue;
        }
        break;
    }
    if (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
        /* A stray quote opened far above is the usual cause: say where. */
        if (field_line != r->line)
            return fail(r, err, errlen,
                        "%zu 行目: 閉じる引用符の後に文字があります（%zu 行目で始まる引用符の"
                        "範囲を確かめてください）",
                        r->line, field_line);
        return fail(r, err, errlen,
                    "%zu 行目: 閉じる引用符の後に文字があります（\"…\" の後はコンマか改行に"
                    "してください）",
                    r->line);
    }
    return 0;
}

static int read_unquoted(csv_reader *r, size_t off, char *err, size_t errlen)
{
    const char *s = r->p;
    while (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r' && *r->p != '"')
        r->p++;
    if (r->p < r->end && *r->p == '"')
        return fail(r, err, errlen,
                    "%zu 行目: 引用符で囲まれていない項目の中に引用符（\"）があります（項目全体を"
                    " \"…\" で囲み、中の \" は \"\" と書いてください）",
                    r->line);
    return append(r, off, s, (size_t)(r->p - s), r->line, err, errlen);
}

static int bare_cr(csv_reader *r, char *err, size_t errlen)
{
    return fail(r, err, errlen,
                "%zu 行目: 改行が CR だけになっています（CR LF か LF にしてください）", r->line);
}

int csv_next(csv_reader *r, csv_record *rec, char *err, size_t errlen)
{
    rec->fields = NULL;
    rec->n = 0;
    rec->line = 0;
    if (r->failed) {
        utf8_format(err, errlen, "%s", r->msg);
        return -1;
    }
    for (;;) { /* empty lines are not records (csv.h) */
        if (r->p == r->end)
            return 0;
        if (*r->p == '\n') {
            r->p++;
        } else if (*r->p == '\r') {
            if (r->end - r->p < 2 || r->p[1] != '\n')
                return bare_cr(r, err, errlen);
            r->p += 2;
        } else {
            break;
        }
        r->line++;
    }
    if (r->records == r->lim.max_records)
        return fail(r, err, errlen, "%zu 行目: 行が多すぎます（1 ファイルに最大 %zu 行）", r->line,
                    r->lim.max_records);
    r->records++;

    size_t start_line = r->line, nf = 0;
    buf_reset(&r->text);
    for (;;) {
        if (nf == r->lim.max_fields)
            return fail(r, err, errlen, "%zu 行目: 項目が多すぎます（1 行に最大 %zu 項目）",
                        start_line, r->lim.max_fields);
        if (nf == r->cap && !grow_fields(r))
            return fail(r, err, errlen, "%zu 行目: メモリが足りません", start_line);
        size_t off = r->text.len;
        int rc;
        if (r->p < r->end && *r->p == '"') {
            r->p++;
            rc = read_quoted(r, off, err, errlen);
        } else {
            rc = read_unquoted(r, off, err, errlen);
        }
        if (rc < 0)
            return -1;
        buf_putc(&r->text, '\0'); /* also makes text.data non-NULL */
        if (!buf_ok(&r->text))
            return fail(r, err, errlen, "%zu 行目: メモリが足りません", start_line);
        r->fields[nf++].len = r->text.len - 1 - off;

        if (r->p == r->end)
            break;
        if (*r->p == ',') {
            r->p++;
            continue;
        }
        if (*r->p == '\r') {
            if (r->end - r->p < 2 || r->p[1] != '\n')
                return bare_cr(r, err, errlen);
            r->p++;
        }
        r->p++; /* the '\n' */
        r->line++;
        break;
    }
    /* Pointers only now: the text may have moved while it grew. */
    const char *s = r->text.data;
    for (size_t i = 0; i < nf; i++) {
        r->fields[i].s = s;
        s += r->fields[i].len + 1;
    }
    rec->fields = r->fields;
    rec->n = nf;
    rec->line = start_line;
    return 1;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

bool csv_header_columns(const csv_record *header, const char *const *names, size_t n, size_t *cols,
                        char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        cols[i] = CSV_NO_COLUMN;
        size_t want = strlen(names[i]);
        for (size_t c = 0; c < header->n; c++) {
            const char *s = header->fields[c].s, *e = s + header->fields[c].len;
            while (s < e && is_blank(*s))
                s++;
            while (e > s && is_blank(e[-1]))
                e--;
            if ((size_t)(e - s) != want || memcmp(s, names[i], want) != 0)
                continue;
            if (cols[i] != CSV_NO_COLUMN) {
                utf8_format(err, errlen,
                            "%zu 行目: 見出し「%s」の列が 2 つあります（%zu 列目と %zu 列目）",
                            header->line, names[i], cols[i] + 1, c + 1);
                return false;
            }
            cols[i] = c;
        }
    }
    return true;
}

/* --- writer --- */

void csv_write_bom(buf *out)
{
    buf_append(out, "\xEF\xBB\xBF", 3);
}

/* The characters OWASP lists as starting a formula in a spreadsheet cell. */
static bool starts_formula(char c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* True when s[0..n) is quotes followed by a formula start.  The leading
 * quotes make guarding reversible (csv.h). */
static bool needs_guard(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] == '\'')
        i++;
    return i < n && starts_formula(s[i]);
}

bool csv_unguard(const char **s, size_t *len)
{
    if (*len >= 2 && (*s)[0] == '\'' && needs_guard(*s + 1, *len - 1)) {
        (*s)++;
        (*len)--;
        return true;
    }
    return false;
}

static bool needs_quotes(const char *s, size_t n, bool alone)
{
    if (n == 0)
        return alone; /* an empty line would be skipped by the reader */
    if (s[0] == ' ' || s[n - 1] == ' ')
        return true; /* other programs trim unquoted spaces */
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        return true; /* at the start of a file it would read as the BOM */
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            return true;
    return false;
}

static void write_field(buf *out, const char *s, size_t n, bool guard, bool alone)
{
    bool quoted = needs_quotes(s, n, alone);
    if (quoted)
        buf_putc(out, '"');
    if (guard && needs_guard(s, n))
        buf_putc(out, '\'');
    if (quoted) {
        const char *q;
        while ((q = memchr(s, '"', n)) != NULL) {
            size_t k = (size_t)(q - s) + 1;
            buf_append(out, s, k);
            buf_putc(out, '"');
            s += k;
            n -= k;
        }
    }
    buf_append(out, s, n);
    if (quoted)
        buf_putc(out, '"');
}

void csv_write_record_opts(buf *out, const char *const *fields, const size_t *lens, size_t n,
                           const csv_write_opts *opts)
{
    csv_write_opts o = opts ? *opts : CSV_WRITE_OPTS_DEFAULT;
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        const char *s = fields[i] ? fields[i] : "";
        size_t len = !fields[i] ? 0 : lens ? lens[i] : strlen(s);
        if (i > 0)
            buf_putc(out, ',');
        write_field(out, s, len, o.guard_formulas, n == 1);
    }
    buf_append(out, "\r\n", 2);
}

void csv_write_record(buf *out, const char *const *fields, const size_t *lens, size_t n)
{
    csv_write_record_opts(out, fields, lens, n, NULL);
}
