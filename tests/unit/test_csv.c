/* Unit tests of core/csv: what the reader accepts and refuses (with the exact
 * line numbers), the limits at their boundaries, the writer's quoting and
 * formula guard, writer -> reader round trips, and out-of-memory at every
 * allocation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/csv.h"
#include "core/fault.h"
#include "core/utf8.h"
#include "tap.h"

#define BOM "\xEF\xBB\xBF"

#define CHECK_PREFIX(a, prefix)                                                                    \
    do {                                                                                           \
        const char *tap_s = (a), *tap_p = (prefix);                                                \
        if (strncmp(tap_s, tap_p, strlen(tap_p)) != 0) {                                           \
            printf("# %s:%d: %s == \"%s\", expected to start with \"%s\"\n", __FILE__, __LINE__,   \
                   #a, tap_s, tap_p);                                                              \
            tap_failed_checks++;                                                                   \
        }                                                                                          \
    } while (0)

/* --- helpers --- */

/* Reads data[0..n) with limits lim and describes what came out: each record
 * as "<line>[field|field]", then "ERR:" and the message if reading stopped
 * on an error (open errors give "ERR:" alone with the message).  The result
 * is malloc'd. */
static char *read_desc_lim(const char *data, size_t n, const csv_limits *lim)
{
    buf out = BUF_INIT;
    char err[512] = "";
    csv_reader *r = csv_open_with(data, n, lim, err, sizeof err);
    if (!r) {
        buf_printf(&out, "ERR:%s", err);
        return buf_steal(&out, NULL);
    }
    csv_record rec;
    int rc;
    while ((rc = csv_next(r, &rec, err, sizeof err)) == 1) {
        buf_printf(&out, "%zu[", rec.line);
        for (size_t i = 0; i < rec.n; i++) {
            if (i)
                buf_putc(&out, '|');
            buf_append(&out, rec.fields[i].s, rec.fields[i].len);
        }
        buf_putc(&out, ']');
    }
    if (rc < 0)
        buf_printf(&out, "ERR:%s", err);
    csv_close(r);
    buf_putc(&out, '\0'); /* non-NULL even when empty */
    return buf_steal(&out, NULL);
}

/* The same for a C string with the default limits; the result lives until
 * the next call. */
static char *last_rd, *last_rdn, *last_err; /* freed at the end of main() */
static buf last_wr;

static const char *rd(const char *text)
{
    free(last_rd);
    last_rd = read_desc_lim(text, strlen(text), NULL);
    return last_rd;
}

static const char *rdn(const char *data, size_t n)
{
    free(last_rdn);
    last_rdn = read_desc_lim(data, n, NULL);
    return last_rdn;
}

/* Only the error message of reading text ("" when it reads cleanly). */
static const char *rd_err(const char *data, size_t n, const csv_limits *lim)
{
    free(last_err);
    last_err = read_desc_lim(data, n, lim);
    const char *e = strstr(last_err, "ERR:");
    return e ? e + 4 : "";
}

static const char *rd_errs(const char *text, const csv_limits *lim)
{
    return rd_err(text, strlen(text), lim);
}

/* Writes one record with the given options; the result lives until the next
 * call. */
static const char *wr(const char *const *fields, size_t n, bool guard)
{
    buf_free(&last_wr);
    csv_write_opts o = {.guard_formulas = guard};
    csv_write_record_opts(&last_wr, fields, NULL, n, &o);
    buf_putc(&last_wr, '\0');
    return last_wr.data;
}

/* --- reading --- */

TEST(reads_plain_records_crlf_and_lf)
{
    CHECK_STR(rd(""), "");
    CHECK_STR(rd("a,b,c\r\nd,e,f\r\n"), "1[a|b|c]2[d|e|f]");
    CHECK_STR(rd("a,b\nc,d\n"), "1[a|b]2[c|d]");
    CHECK_STR(rd("a,b\r\nc,d"), "1[a|b]2[c|d]"); /* no final line break */
    CHECK_STR(rd("mixed\r\nends\nhere\r\n"), "1[mixed]2[ends]3[here]");
    CHECK_STR(rd("山口県,周南市,つなぐ\n"), "1[山口県|周南市|つなぐ]");
    CHECK_STR(rd(" spaces are data ,\ttab\t"), "1[ spaces are data |\ttab\t]");
    CHECK_STR(rd("it's,a'b"), "1[it's|a'b]");
}

TEST(reads_empty_fields)
{
    CHECK_STR(rd(",,\n"), "1[||]");
    CHECK_STR(rd("a,\n,b\n"), "1[a|]2[|b]");
    CHECK_STR(rd("a,"), "1[a|]");
    CHECK_STR(rd(","), "1[|]");
    CHECK_STR(rd("\"\"\n"), "1[]");
    CHECK_STR(rd("\"\",\"\"\r\n"), "1[|]");
    CHECK_STR(rd("a,\"\",c"), "1[a||c]");
}

TEST(empty_lines_are_not_records_but_count_for_line_numbers)
{
    CHECK_STR(rd("\n"), "");
    CHECK_STR(rd("\r\n\r\n\n"), "");
    CHECK_STR(rd("a\n\nb\r\n\r\nc"), "1[a]3[b]5[c]");
    CHECK_STR(rd("\n\na\n\n\n"), "3[a]");
}

TEST(reads_quoted_fields_escapes_and_embedded_line_breaks)
{
    CHECK_STR(rd("\"a,b\",\"c\"\"d\"\n"), "1[a,b|c\"d]");
    CHECK_STR(rd("\"\"\"\"\n"), "1[\"]");
    CHECK_STR(rd("\"\"\"quoted\"\"\",x"), "1[\"quoted\"|x]");
    CHECK_STR(rd("\"x\ny\",z\nnext\n"), "1[x\ny|z]3[next]");
    CHECK_STR(rd("\"x\r\ny\r\n\r\nz\"\r\nnext"), "1[x\r\ny\r\n\r\nz]5[next]");
    CHECK_STR(rd("\"lone\rcr\",b\r\n"), "1[lone\rcr|b]");
    CHECK_STR(rd("a,\"multi\n\nline\"\n\n\"q\"\n"), "1[a|multi\n\nline]5[q]");
    CHECK_STR(rd("\"last\""), "1[last]");
    CHECK_STR(rd("\"山口\"\"県\"\"\",\"、,。\""), "1[山口\"県\"|、,。]");
}

TEST(skips_one_utf8_bom_at_the_start)
{
    CHECK_STR(rd(BOM "a,b\r\n"), "1[a|b]");
    CHECK_STR(rd(BOM), "");
    CHECK_STR(rd(BOM "\r\n"), "");
    CHECK_STR(rd(BOM "\"q\""), "1[q]");
    /* only one, and only at the start: a second is data */
    CHECK_STR(rd(BOM BOM "a"), "1[" BOM "a]");
    CHECK_STR(rd("a\n" BOM "b"), "1[a]2[" BOM "b]");
}

/* What Excel for Windows writes with 名前を付けて保存 -> CSV UTF-8 (コンマ区切り):
 * a BOM, CR LF, quotes only where needed, LF alone for Alt+Enter inside a
 * cell, a final CR LF, and ",," for empty cells. */
TEST(reads_excel_csv_utf8_sample)
{
    const char *excel = BOM
        "団体名,フリガナ,所在地,電話番号,活動内容,備考\r\n"
        "NPO法人つなぐ山口,ツナグヤマグチ,山口市,083-000-0000,\"子育て支援\n高齢者の見守り\",\r\n"
        "\"ボランティア団体「かけはし」\",カケハシ,周南市,,\"会報「かけはし」を発行, "
        "年4回\",\"\"\"要確認\"\"\"\r\n"
        ",,,,,\r\n"
        "ＡＢＣ会（全角）,ｴｰﾋﾞｰｼｰｶｲ,下関市,0834-00-0000,☆ 𠮷野家の近く,end\r\n";
    CHECK_STR(
        rd(excel),
        "1[団体名|フリガナ|所在地|電話番号|活動内容|備考]"
        "2[NPO法人つなぐ山口|ツナグヤマグチ|山口市|083-000-0000|子育て支援\n高齢者の見守り|]"
        "4[ボランティア団体「かけはし」|カケハシ|周南市||会報「かけはし」を発行, 年4回|\"要確認\"]"
        "5[|||||]"
        "6[ＡＢＣ会（全角）|ｴｰﾋﾞｰｼｰｶｲ|下関市|0834-00-0000|☆ 𠮷野家の近く|end]");
}

TEST(refuses_unterminated_quote_naming_the_line_it_opened)
{
    CHECK_STR(
        rd("a\nb\n\"open\nmore\n"),
        "1[a]2[b]ERR:3 行目: 引用符が閉じていません（\" で始めた項目は \" で終えてください）");
    CHECK_STR(rd_errs("\"", NULL),
              "1 行目: 引用符が閉じていません（\" で始めた項目は \" で終えてください）");
    CHECK_PREFIX(rd_errs("a,\"b\"\"", NULL), "1 行目: 引用符が閉じていません");
    CHECK_PREFIX(rd_errs("x\r\n\r\ny,\"z\r\n\r\n", NULL), "3 行目: 引用符が閉じていません");
}

TEST(refuses_a_quote_inside_an_unquoted_field)
{
    CHECK_STR(rd("a\nab\"c\n"),
              "1[a]ERR:2 行目: 引用符で囲まれていない項目の中に引用符（\"）があります"
              "（項目全体を \"…\" で囲み、中の \" は \"\" と書いてください）");
    CHECK_PREFIX(rd_errs("x,5\"", NULL), "1 行目: 引用符で囲まれていない項目の中に引用符");
    CHECK_PREFIX(rd_errs(" \"a\"", NULL), "1 行目: 引用符で囲まれていない項目の中に引用符");
    CHECK_PREFIX(rd_errs("\"a\nb\",c\nd\"", NULL),
                 "3 行目: 引用符で囲まれていない項目の中に引用符");
}

TEST(refuses_text_after_a_closing_quote)
{
    CHECK_STR(rd("ok\n\"a\"b\n"), "1[ok]ERR:2 行目: 閉じる引用符の後に文字があります"
                                  "（\"…\" の後はコンマか改行にしてください）");
    CHECK_PREFIX(rd_errs("\"a\" ,b", NULL), "1 行目: 閉じる引用符の後に文字があります");
    CHECK_PREFIX(rd_errs("\"\"x", NULL), "1 行目: 閉じる引用符の後に文字があります");
    /* a stray quote that swallowed lines: the message says where it began */
    CHECK_STR(
        rd_errs("a\n\"stray\nb\nc\"d\n", NULL),
        "4 行目: 閉じる引用符の後に文字があります（2 行目で始まる引用符の範囲を確かめてください）");
}

TEST(refuses_a_bare_cr_outside_quotes)
{
    const char *msg = "改行が CR だけになっています（CR LF か LF にしてください）";
    char want[256];
    snprintf(want, sizeof want, "1 行目: %s", msg);
    CHECK_STR(rd_errs("a\rb", NULL), want);
    CHECK_STR(rd_errs("\r", NULL), want);
    CHECK_STR(rd_errs("\"a\"\rb", NULL), want);
    snprintf(want, sizeof want, "2 行目: %s", msg);
    CHECK_STR(rd_errs("a\nb\r", NULL), want);
    CHECK_STR(rd_errs("a\n\r\r\n", NULL), want);
    snprintf(want, sizeof want, "3 行目: %s", msg);
    CHECK_STR(rd_errs("\"a\nb\nc\"\rd", NULL), want);
    CHECK_STR(rd("x\r\ny\r\nz,\r"),
              "1[x]2[y]ERR:3 行目: 改行が CR だけになっています（CR LF か LF にしてください）");
}

TEST(refuses_nul_bytes_before_any_record)
{
    static const char nul_line2[] = "a,b\nc\0d\ne";
    CHECK_PREFIX(rdn(nul_line2, sizeof nul_line2 - 1), "ERR:2 行目: NUL 文字（0x00）があります");
    static const char nul_quoted[] = "\"a\0\"";
    CHECK_PREFIX(rdn(nul_quoted, sizeof nul_quoted - 1), "ERR:1 行目: NUL 文字（0x00）があります");
    /* UTF-16 without a BOM is mostly NUL bytes */
    static const char utf16[] = "a\0,\0b\0\r\0\n\0";
    CHECK_PREFIX(rdn(utf16, sizeof utf16 - 1), "ERR:1 行目: NUL 文字");
}

TEST(refuses_invalid_utf8_naming_the_first_bad_line)
{
    const char *tail = "。Excel の「名前を付けて保存」で「CSV UTF-8 (コンマ区切り)」を選んで"
                       "保存し直してください";
    char want[512];
    snprintf(want, sizeof want, "ERR:2 行目: UTF-8 として正しくない文字があります%s", tail);
    CHECK_STR(rd("ok\n\xFF\n"), want);
    CHECK_STR(rd("ok\n\xC0\xAF\n"), want);            /* overlong '/' */
    CHECK_STR(rd("ok\r\n\xED\xA0\x80\n"), want);      /* surrogate */
    CHECK_STR(rd("ok\n\xE3"), want);                  /* cut at the end */
    CHECK_STR(rd("ok\n\"a\xF4\x90\x80\x80\""), want); /* above U+10FFFF */
    /* found before any record is read: nothing is half-imported */
    CHECK_PREFIX(rd("a\nb\nc\nd\n\xF0\x28,x\n"), "ERR:5 行目: UTF-8 として正しくない");
    /* UTF-8 Japanese with one damaged byte is not called Shift_JIS, though
     * its bytes happen to parse as Shift_JIS too */
    CHECK_PREFIX(rd("山口\n\x81\x40\n"), "ERR:2 行目: UTF-8 として正しくない");
}

TEST(detects_shift_jis_and_utf16)
{
    /* "団体名,電話\r\n山口県民活動ｾﾝﾀｰ,083-000-0000\r\n" saved by Excel as plain CSV
     * on Japanese Windows (code page 932) */
    static const char sjis[] = "\x92\x63\x91\xcc\x96\xbc,\x93\x64\x98\x62\r\n"
                               "\x8e\x52\x8c\xfb\x8c\xa7\x96\xaf\x8a\x88\x93\xae\xbe\xdd\xc0\xb0,"
                               "083-000-0000\r\n";
    CHECK_STR(
        rdn(sjis, sizeof sjis - 1),
        "ERR:1 行目: 文字コードが Shift_JIS のようです。UTF-8 の CSV だけを読み込めます。"
        "Excel の「名前を付けて保存」で「CSV UTF-8 (コンマ区切り)」を選んで保存し直してください");
    /* ASCII lines first: the line named is the first bad one */
    static const char later[] = "id,name\r\n1,abc\r\n2,\x83\x5c\x95\x5c\r\n"; /* ソ表 */
    CHECK_PREFIX(rdn(later, sizeof later - 1), "ERR:3 行目: 文字コードが Shift_JIS のようです");
    /* stray bytes that are not Shift_JIS either get the plain message */
    CHECK_PREFIX(rd("a\n\x80\x80\n"), "ERR:2 行目: UTF-8 として正しくない");
    CHECK_PREFIX(rd("a\n\xFD\n"), "ERR:2 行目: UTF-8 として正しくない");
    static const char utf16le[] = "\377\376a\0,\0b\0";
    CHECK_STR(
        rdn(utf16le, sizeof utf16le - 1),
        "ERR:1 行目: 文字コードが UTF-16（Unicode テキスト）です。Excel の「名前を付けて保存」"
        "で「CSV UTF-8 (コンマ区切り)」を選んで保存し直してください");
    static const char utf16be[] = "\xFE\xFF\0a";
    CHECK_PREFIX(rdn(utf16be, sizeof utf16be - 1), "ERR:1 行目: 文字コードが UTF-16");
}

TEST(an_error_is_final)
{
    char err[256] = "", err2[256] = "";
    const char *text = "a\n\"b\"c\nd\n";
    csv_reader *r = csv_open(text, strlen(text), err, sizeof err);
    CHECK(r != NULL);
    csv_record rec;
    CHECK_INT(csv_next(r, &rec, err, sizeof err), 1);
    CHECK_INT(csv_next(r, &rec, err, sizeof err), -1);
    CHECK_PREFIX(err, "2 行目: 閉じる引用符の後に文字があります");
    CHECK_INT(csv_next(r, &rec, err2, sizeof err2), -1);
    CHECK_STR(err2, err);
    CHECK_INT((long long)rec.n, 0);
    CHECK(rec.fields == NULL);
    /* a NULL or tiny err buffer is fine */
    CHECK_INT(csv_next(r, &rec, NULL, 0), -1);
    char tiny[8];
    CHECK_INT(csv_next(r, &rec, tiny, sizeof tiny), -1);
    CHECK(utf8_valid(tiny, strlen(tiny)));
    csv_close(r);
    csv_close(NULL);
    CHECK(csv_open("\xFF", 1, NULL, 0) == NULL);
}

TEST(end_is_final_and_fields_are_nul_terminated)
{
    char err[256];
    const char *text = "\"a\"\"b\",,\"\"\nc";
    csv_reader *r = csv_open(text, strlen(text), err, sizeof err);
    csv_record rec;
    CHECK_INT(csv_next(r, &rec, err, sizeof err), 1);
    CHECK_INT((long long)rec.n, 3);
    for (size_t i = 0; i < rec.n; i++)
        CHECK_INT((long long)strlen(rec.fields[i].s), (long long)rec.fields[i].len);
    CHECK_STR(rec.fields[0].s, "a\"b");
    CHECK_INT(csv_next(r, &rec, err, sizeof err), 1);
    CHECK_INT(csv_next(r, &rec, err, sizeof err), 0);
    CHECK_INT(csv_next(r, &rec, err, sizeof err), 0);
    csv_close(r);
}

/* --- limits --- */

/* n copies of the record "x,x,...\n" with fields fields each. */
static char *make_table(size_t records, size_t fields, size_t *len)
{
    buf b = BUF_INIT;
    for (size_t r = 0; r < records; r++) {
        for (size_t f = 0; f < fields; f++)
            buf_append(&b, f ? ",x" : "x", f ? 2 : 1);
        buf_putc(&b, '\n');
    }
    return buf_steal(&b, len);
}

TEST(limit_fields_per_record_exact)
{
    size_t len;
    char *ok = make_table(2, CSV_MAX_FIELDS, &len);
    CHECK_STR(rd_err(ok, len, NULL), "");
    free(ok);
    char *over = make_table(1, CSV_MAX_FIELDS + 1, &len);
    char text[8192];
    snprintf(text, sizeof text, "a,b\n\n%s", over);
    free(over);
    char want[128];
    snprintf(want, sizeof want, "3 行目: 項目が多すぎます（1 行に最大 %d 項目）", CSV_MAX_FIELDS);
    CHECK_STR(rd_err(text, strlen(text), NULL), want);
    /* the record's first line, even when the extra field is lines below */
    CHECK_STR(rd_errs("a,\"b\nc\",d", &(csv_limits){.max_fields = 2}),
              "1 行目: 項目が多すぎます（1 行に最大 2 項目）");
    CHECK_STR(rd_errs("a,b\n", &(csv_limits){.max_fields = 2}), "");
    CHECK_STR(rd_errs("a,b,\n", &(csv_limits){.max_fields = 2}),
              "1 行目: 項目が多すぎます（1 行に最大 2 項目）");
    /* a caller cannot loosen the limit */
    over = make_table(1, CSV_MAX_FIELDS + 1, &len);
    CHECK_PREFIX(rd_err(over, len, &(csv_limits){.max_fields = 100000}),
                 "1 行目: 項目が多すぎます");
    free(over);
}

TEST(limit_field_bytes_exact)
{
    size_t max = CSV_MAX_FIELD;
    char *text = malloc(2 * max + 16);
    char want[128];
    snprintf(want, sizeof want, "2 行目: 項目が長すぎます（1 項目は最大 %d バイト）",
             CSV_MAX_FIELD);

    /* unquoted */
    memcpy(text, "h\n", 2);
    memset(text + 2, 'x', max);
    CHECK_STR(rd_err(text, max + 2, NULL), "");
    text[max + 2] = 'x';
    CHECK_STR(rd_err(text, max + 3, NULL), want);

    /* quoted: the limit counts the value, "" as one byte */
    memcpy(text, "h\n\"", 3);
    memset(text + 3, '"', 2 * max);
    text[3 + 2 * max] = '"';
    CHECK_STR(rd_err(text, 2 * max + 4, NULL), "");
    memcpy(text + 3 + 2 * max, "\"\"\"", 3);
    CHECK_STR(rd_err(text, 2 * max + 6, NULL), want);

    /* a long quoted field is named by the line where it starts */
    memcpy(text, "h\n\"", 3);
    memset(text + 3, '\n', max + 1);
    text[max + 4] = '"';
    CHECK_STR(rd_err(text, max + 5, NULL), want);
    free(text);

    CHECK_STR(rd_errs("abc,\"de\"", &(csv_limits){.max_field_bytes = 3}), "");
    CHECK_STR(rd_errs("abc,\"d\"\"e\"", &(csv_limits){.max_field_bytes = 3}), "");
    CHECK_STR(rd_errs("abc,\"d\"\"ef\"", &(csv_limits){.max_field_bytes = 3}),
              "1 行目: 項目が長すぎます（1 項目は最大 3 バイト）");
    CHECK_STR(rd_errs("abcd", &(csv_limits){.max_field_bytes = 3}),
              "1 行目: 項目が長すぎます（1 項目は最大 3 バイト）");
}

TEST(limit_records_exact)
{
    size_t len;
    char *text = make_table(CSV_MAX_RECORDS, 1, &len);
    CHECK_STR(rd_err(text, len, NULL), "");
    free(text);

    buf b = BUF_INIT;
    for (int i = 0; i < CSV_MAX_RECORDS; i++)
        buf_append(&b, "x\r\n", 3);
    buf_append(&b, "\r\n\n", 3); /* empty lines after the last record are no records */
    CHECK_STR(rd_err(b.data, b.len, NULL), "");
    buf_append(&b, "one more", 8);
    char want[128];
    snprintf(want, sizeof want, "%d 行目: 行が多すぎます（1 ファイルに最大 %d 行）",
             CSV_MAX_RECORDS + 3, CSV_MAX_RECORDS);
    CHECK_STR(rd_err(b.data, b.len, NULL), want);
    buf_free(&b);

    CHECK_STR(rd("a\nb\n"), "1[a]2[b]");
    CHECK_STR(rd_errs("a\nb\n", &(csv_limits){.max_records = 2}), "");
    CHECK_STR(rd_errs("a\nb\n\nc", &(csv_limits){.max_records = 2}),
              "4 行目: 行が多すぎます（1 ファイルに最大 2 行）");
}

TEST(limit_file_bytes_exact)
{
    char *text = malloc((size_t)CSV_MAX_BYTES + 1);
    memset(text, ',', (size_t)CSV_MAX_BYTES + 1);
    for (size_t i = 99; i < CSV_MAX_BYTES; i += 100)
        text[i] = '\n';
    char err[256] = "";
    csv_reader *r = csv_open(text, CSV_MAX_BYTES, err, sizeof err);
    CHECK(r != NULL);
    csv_close(r);
    r = csv_open(text, (size_t)CSV_MAX_BYTES + 1, err, sizeof err);
    CHECK(r == NULL);
    CHECK_STR(err, "ファイルが大きすぎます（最大 10 MiB）");
    free(text);
}

/* --- header --- */

TEST(header_maps_names_to_columns)
{
    const char *text = BOM "ID, 団体名 ,電話\t,備考\n";
    char err[256] = "";
    csv_reader *r = csv_open(text, strlen(text), err, sizeof err);
    csv_record rec;
    CHECK_INT(csv_next(r, &rec, err, sizeof err), 1);
    const char *names[] = {"団体名", "ID", "メール", "電話", "備"};
    size_t cols[5];
    CHECK(csv_header_columns(&rec, names, 5, cols, err, sizeof err));
    CHECK_INT((long long)cols[0], 1);
    CHECK_INT((long long)cols[1], 0);
    CHECK(cols[2] == CSV_NO_COLUMN);
    CHECK_INT((long long)cols[3], 2);
    CHECK(cols[4] == CSV_NO_COLUMN);
    csv_close(r);

    text = "\n\nID,名前,ID\n";
    r = csv_open(text, strlen(text), err, sizeof err);
    CHECK_INT(csv_next(r, &rec, err, sizeof err), 1);
    CHECK(!csv_header_columns(&rec, names, 2, cols, err, sizeof err));
    CHECK_STR(err, "3 行目: 見出し「ID」の列が 2 つあります（1 列目と 3 列目）");
    /* a repeated column nobody asked for is the caller's business */
    CHECK(csv_header_columns(&rec, names, 1, cols, err, sizeof err));
    csv_close(r);
}

/* --- writer --- */

TEST(writer_quotes_only_where_needed)
{
    CHECK_STR(wr((const char *[]){"a", "b", "c"}, 3, true), "a,b,c\r\n");
    CHECK_STR(wr((const char *[]){"山口県", "", NULL}, 3, true), "山口県,,\r\n");
    CHECK_STR(wr((const char *[]){"a,b", "say \"hi\"", "\"", "x"}, 4, true),
              "\"a,b\",\"say \"\"hi\"\"\",\"\"\"\",x\r\n");
    CHECK_STR(wr((const char *[]){"two\nlines", "cr\rlf", "crlf\r\n"}, 3, true),
              "\"two\nlines\",\"cr\rlf\",\"crlf\r\n\"\r\n");
    CHECK_STR(wr((const char *[]){" lead", "trail ", "in side", "\ttab"}, 4, false),
              "\" lead\",\"trail \",in side,\ttab\r\n");
    CHECK_STR(wr((const char *[]){BOM "x", "y" BOM}, 2, true), "\"" BOM "x\",y" BOM "\r\n");
    CHECK_STR(wr((const char *[]){"it's"}, 1, true), "it's\r\n");
    /* a record of one empty field must not become an empty line */
    CHECK_STR(wr((const char *[]){""}, 1, true), "\"\"\r\n");
    CHECK_STR(wr((const char *[]){NULL}, 1, true), "\"\"\r\n");
    CHECK_STR(wr((const char *[]){"", ""}, 2, true), ",\r\n");
    CHECK_STR(wr(NULL, 0, true), "");

    buf out = BUF_INIT;
    csv_write_bom(&out);
    const char *f[] = {"a\0b", "=x"};
    size_t lens[] = {3, 1};
    csv_write_record(&out, f, lens, 2); /* lens wins over NUL; default guard is on */
    CHECK_INT((long long)out.len, 3 + 8);
    CHECK(memcmp(out.data, BOM "a\0b,'=\r\n", 11) == 0);
    buf_free(&out);
}

TEST(writer_guards_formulas_by_default)
{
    CHECK_STR(wr((const char *[]){"=1+1", "+81-83", "-5", "@SUM(A1)"}, 4, true),
              "'=1+1,'+81-83,'-5,'@SUM(A1)\r\n");
    CHECK_STR(wr((const char *[]){"\t=x", "\r=x"}, 2, true), "'\t=x,\"'\r=x\"\r\n");
    CHECK_STR(wr((const char *[]){"=HYPERLINK(\"http://x\",\"y\")"}, 1, true),
              "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n");
    CHECK_STR(wr((const char *[]){"=a,b", " =c"}, 2, true), "\"'=a,b\",\" =c\"\r\n");
    /* quotes before a formula get one more, so unguarding gives them back */
    CHECK_STR(wr((const char *[]){"'=x", "''+1", "'a", "'"}, 4, true), "''=x,'''+1,'a,'\r\n");
    /* not at the start: no guard */
    CHECK_STR(wr((const char *[]){"a=b", "1-2", "x@example.jp", "＝全角"}, 4, true),
              "a=b,1-2,x@example.jp,＝全角\r\n");
    /* off */
    CHECK_STR(wr((const char *[]){"=1+1", "-5", "'=x"}, 3, false), "=1+1,-5,'=x\r\n");
    buf out = BUF_INIT;
    csv_write_record_opts(&out, (const char *[]){"=1"}, NULL, 1, NULL);
    CHECK_STR(out.data, "'=1\r\n");
    buf_free(&out);
}

static const char *unguarded(const char *s)
{
    size_t len = strlen(s);
    csv_unguard(&s, &len);
    CHECK_INT((long long)strlen(s), (long long)len);
    return s;
}

TEST(unguard_strips_exactly_the_writers_quote)
{
    CHECK_STR(unguarded("'=1+1"), "=1+1");
    CHECK_STR(unguarded("'+81"), "+81");
    CHECK_STR(unguarded("'-5"), "-5");
    CHECK_STR(unguarded("'@x"), "@x");
    CHECK_STR(unguarded("'\tx"), "\tx");
    CHECK_STR(unguarded("'\rx"), "\rx");
    CHECK_STR(unguarded("''=x"), "'=x");
    CHECK_STR(unguarded("'''-"), "''-");
    CHECK_STR(unguarded("'a"), "'a");
    CHECK_STR(unguarded("'"), "'");
    CHECK_STR(unguarded("''"), "''");
    CHECK_STR(unguarded("'''"), "'''");
    CHECK_STR(unguarded("=1"), "=1");
    CHECK_STR(unguarded(""), "");
    CHECK_STR(unguarded("it's"), "it's");
    const char *s = "'=x";
    size_t len = 3;
    CHECK(csv_unguard(&s, &len));
    CHECK(!csv_unguard(&s, &len)); /* once only */
    CHECK_STR(s, "=x");

    /* every value comes back: guard then unguard is the identity */
    const char *values[] = {"",    "'",  "''", "=",   "'=", "''=", "a",  "'a",  "-",
                            "'-'", "@@", "\t", "'\t", "\r", "+",   "'+", "x'=", "=='"};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        buf out = BUF_INIT;
        csv_write_record(&out, &values[i], NULL, 1);
        char err[256];
        csv_reader *r = csv_open(out.data, out.len, err, sizeof err);
        csv_record rec;
        int rc = r ? csv_next(r, &rec, err, sizeof err) : -1;
        CHECK_INT(rc, 1);
        if (rc == 1) {
            const char *v = rec.fields[0].s;
            size_t vlen = rec.fields[0].len;
            csv_unguard(&v, &vlen);
            CHECK_STR(v, values[i]);
        }
        csv_close(r);
        buf_free(&out);
    }
}

/* --- round trips --- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

/* Builds a random cell from pieces that stress the quoting rules. */
static void random_cell(buf *b)
{
    static const char *pieces[] = {
        "a",   "山口県", "つなぐ", "ｶﾀｶﾅ", "𠮷",
        "😀",   ",",      "\"",     "\"\"", "\r\n",
        "\n",  "\r",     " ",      "\t",   "=",
        "+",   "-",      "@",      "'",    "=SUM(A1:A2)",
        BOM,   "、",     "。",     "0",    "083-000-0000",
        "a,b", "\"q\"",  " x ",    "",
    };
    size_t n = rng() % 5;
    for (size_t i = 0; i < n; i++)
        buf_puts(b, pieces[rng() % (sizeof pieces / sizeof *pieces)]);
}

TEST(round_trip_random_tables)
{
    int tables = 0, mismatches = 0;
    for (int t = 0; t < 300; t++) {
        size_t rows = 1 + rng() % 8, cols = 1 + rng() % 6;
        bool bom = rng() % 2, guard = rng() % 2;
        csv_write_opts opts = {.guard_formulas = guard};
        buf cells[8][6];
        buf out = BUF_INIT;
        size_t lines[8]; /* where each record should start */
        if (bom)
            csv_write_bom(&out);
        for (size_t r = 0; r < rows; r++) {
            const char *f[6];
            size_t lens[6];
            for (size_t c = 0; c < cols; c++) {
                buf_init(&cells[r][c], 0);
                random_cell(&cells[r][c]);
                buf_putc(&cells[r][c], '\0'); /* data non-NULL even when empty */
                cells[r][c].len--;
                f[c] = cells[r][c].data;
                lens[c] = cells[r][c].len;
            }
            lines[r] = 1;
            for (size_t i = 0; i < out.len; i++)
                lines[r] += out.data[i] == '\n';
            csv_write_record_opts(&out, f, lens, cols, &opts);
        }
        CHECK(buf_ok(&out));

        char err[512] = "";
        csv_reader *rd_ = csv_open(out.data, out.len, err, sizeof err);
        CHECK(rd_ != NULL);
        csv_record rec;
        size_t r = 0;
        int rc = 0;
        while (rd_ && (rc = csv_next(rd_, &rec, err, sizeof err)) == 1) {
            if (r >= rows || rec.n != cols || rec.line != lines[r]) {
                mismatches++;
                break;
            }
            for (size_t c = 0; c < cols; c++) {
                const char *v = rec.fields[c].s;
                size_t vlen = rec.fields[c].len;
                if (guard)
                    csv_unguard(&v, &vlen);
                if (vlen != cells[r][c].len || memcmp(v, cells[r][c].data, vlen) != 0)
                    mismatches++;
            }
            r++;
        }
        if (rd_ && rc != 0)
            printf("# table %d: %s\n", t, err);
        CHECK_INT((long long)r, (long long)rows);
        csv_close(rd_);
        for (size_t i = 0; i < rows; i++)
            for (size_t c = 0; c < cols; c++)
                buf_free(&cells[i][c]);
        buf_free(&out);
        tables++;
    }
    CHECK_INT(mismatches, 0);
    CHECK_INT(tables, 300);
}

/* --- out of memory --- */

/* Reads text completely; returns the description or the error. */
static char *read_all_for_fault(const char *text)
{
    return read_desc_lim(text, strlen(text), NULL);
}

TEST(every_allocation_failure_is_an_error_not_a_crash)
{
    /* many fields (the field array grows) and a long field (the text grows) */
    buf text = BUF_INIT;
    buf_puts(&text, BOM "a,b\r\n");
    for (int i = 0; i < 40; i++)
        buf_printf(&text, "%d,", i);
    buf_puts(&text, "\"");
    for (int i = 0; i < 300; i++)
        buf_puts(&text, "山口\"\"県\n");
    buf_puts(&text, "\"\nlast");
    char *want = read_all_for_fault(text.data);
    CHECK(strstr(want, "ERR:") == NULL);

    int failures = 0, nth;
    for (nth = 1; nth < 1000; nth++) {
        fault_fail_nth(nth);
        csv_reader *r;
        char err[256] = "";
        r = csv_open(text.data, text.len, err, sizeof err);
        bool fired = fault_fired();
        if (!r) {
            CHECK(fired);
            CHECK_STR(err, "メモリが足りません");
        } else {
            csv_record rec;
            int rc;
            size_t count = 0;
            while ((rc = csv_next(r, &rec, err, sizeof err)) == 1)
                count++;
            fired = fault_fired();
            if (rc < 0) {
                CHECK(fired);
                CHECK(strstr(err, "行目: メモリが足りません") != NULL);
            } else {
                CHECK_INT((long long)count, 3);
            }
            csv_close(r);
        }
        fault_fail_nth(0);
        if (!fired)
            break;
        failures++;
    }
    CHECK(failures >= 3); /* reader, field array, text */
    CHECK(nth < 1000);
    /* and the reader still works afterwards */
    char *again = read_all_for_fault(text.data);
    CHECK_STR(again, want);
    free(again);
    free(want);
    buf_free(&text);

    /* the writer reports through the buf's sticky flag */
    for (nth = 1; nth < 100; nth++) {
        buf out = BUF_INIT;
        fault_fail_nth(nth);
        csv_write_bom(&out);
        for (int i = 0; i < 50; i++)
            csv_write_record(&out, (const char *[]){"=x", "a,\"b\"", "山口県"}, NULL, 3);
        bool fired = fault_fired();
        fault_fail_nth(0);
        CHECK(buf_ok(&out) == !fired);
        buf_free(&out);
        if (!fired)
            break;
    }
    CHECK(nth < 100);
}

int main(void)
{
    int rc = tap_run();
    free(last_rd);
    free(last_rdn);
    free(last_err);
    buf_free(&last_wr);
    return rc;
}
