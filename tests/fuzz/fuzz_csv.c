/* libFuzzer target: the CSV reader on arbitrary bytes, and the writer on
 * whatever it reads.  What must hold:
 *   - nothing crashes or leaks; every message is valid UTF-8 naming a line
 *     ("N 行目: ") unless it is about the whole file;
 *   - every field is valid UTF-8 without NUL, within the limits, and records
 *     start on increasing lines;
 *   - with tighter limits the reader gives the same records up to the first
 *     one that breaks a limit;
 *   - writing the records (guard off) and reading them back gives the same
 *     fields, and so does writing with the guard on, after csv_unguard(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/csv.h"
#include "core/utf8.h"

static const csv_limits tight = {.max_fields = 4, .max_field_bytes = 16, .max_records = 8};

static void check_message(const char *err)
{
    size_t len = strlen(err);
    if (len == 0 || !utf8_valid(err, len))
        abort();
    size_t i = 0;
    while (err[i] >= '0' && err[i] <= '9')
        i++;
    if (i > 0 && err[0] != '0' && strncmp(err + i, " 行目: ", strlen(" 行目: ")) == 0)
        return;
    if (strncmp(err, "ファイルが大きすぎます", strlen("ファイルが大きすぎます")) != 0 &&
        strcmp(err, "メモリが足りません") != 0)
        abort();
}

static void check_record(const csv_record *rec, const csv_limits *lim, size_t *last_line)
{
    if (rec->n == 0 || rec->n > lim->max_fields || rec->line <= *last_line)
        abort();
    *last_line = rec->line;
    for (size_t i = 0; i < rec->n; i++) {
        const csv_field *f = &rec->fields[i];
        if (f->len > lim->max_field_bytes || strlen(f->s) != f->len || !utf8_valid(f->s, f->len))
            abort();
    }
}

static bool same_record(const csv_record *a, const csv_record *b, bool unguard)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        const char *s = b->fields[i].s;
        size_t len = b->fields[i].len;
        if (unguard)
            csv_unguard(&s, &len);
        if (len != a->fields[i].len || memcmp(s, a->fields[i].s, len) != 0)
            return false;
    }
    return true;
}

/* True when rec breaks one of lim's per-record limits. */
static bool breaks(const csv_record *rec, const csv_limits *lim)
{
    if (rec->n > lim->max_fields)
        return true;
    for (size_t i = 0; i < rec->n; i++)
        if (rec->fields[i].len > lim->max_field_bytes)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const csv_limits full = {CSV_MAX_FIELDS, CSV_MAX_FIELD, CSV_MAX_RECORDS};
    char err[512], err2[512];
    err[0] = '\0';
    csv_reader *a = csv_open(text, size, err, sizeof err);
    if (!a) {
        check_message(err);
        if (csv_open_with(text, size, &tight, err2, sizeof err2) != NULL || strcmp(err, err2) != 0)
            abort();
        return 0;
    }

    /* pass 1: invariants, the tight reader in step, and the re-written file */
    csv_reader *t = csv_open_with(text, size, &tight, err2, sizeof err2);
    if (!t)
        abort();
    buf plain = BUF_INIT, guarded = BUF_INIT;
    csv_write_bom(&guarded);
    const csv_write_opts off = {.guard_formulas = false}, on = {.guard_formulas = true};
    csv_record ra, rt;
    size_t records = 0, last_a = 0, last_t = 0;
    int rc, rct = 1;
    while ((rc = csv_next(a, &ra, err, sizeof err)) == 1) {
        check_record(&ra, &full, &last_a);
        records++;
        const char *f[CSV_MAX_FIELDS];
        size_t lens[CSV_MAX_FIELDS];
        for (size_t i = 0; i < ra.n; i++) {
            f[i] = ra.fields[i].s;
            lens[i] = ra.fields[i].len;
        }
        csv_write_record_opts(&plain, f, lens, ra.n, &off);
        csv_write_record_opts(&guarded, f, lens, ra.n, &on);
        if (rct == 1) {
            rct = csv_next(t, &rt, err2, sizeof err2);
            if (rct == 1) {
                check_record(&rt, &tight, &last_t);
                if (rt.line != ra.line || !same_record(&ra, &rt, false))
                    abort();
            } else if (rct == 0 || (!breaks(&ra, &tight) && records <= tight.max_records)) {
                abort();
            } else {
                check_message(err2);
            }
        }
    }
    if (rc < 0)
        check_message(err);
    if (rct == 1) {
        /* the full reader ended or failed: the tight one must too */
        rct = csv_next(t, &rt, err2, sizeof err2);
        if (rct != (rc < 0 ? -1 : 0))
            abort();
    }
    csv_close(t);
    csv_close(a);
    if (!buf_ok(&plain) || !buf_ok(&guarded))
        abort();

    /* pass 2: what was written reads back to the same fields */
    if (size <= 1024 * 1024) {
        a = csv_open(text, size, err, sizeof err);
        csv_reader *p = csv_open(plain.data ? plain.data : "", plain.len, err2, sizeof err2);
        csv_reader *g = csv_open(guarded.data, guarded.len, err2, sizeof err2);
        if (!a || !p || !g)
            abort();
        csv_record rp, rg;
        for (size_t i = 0; i < records; i++) {
            if (csv_next(a, &ra, err, sizeof err) != 1 || csv_next(p, &rp, err2, sizeof err2) != 1)
                abort();
            if (!same_record(&ra, &rp, false))
                abort();
            if (csv_next(g, &rg, err2, sizeof err2) != 1 || !same_record(&ra, &rg, true))
                abort();
        }
        if (csv_next(p, &rp, err2, sizeof err2) != 0 || csv_next(g, &rg, err2, sizeof err2) != 0)
            abort();
        csv_close(g);
        csv_close(p);
        csv_close(a);
    }
    buf_free(&plain);
    buf_free(&guarded);
    return 0;
}
