/*
 * csv.h - CSV files for staff import and export: a strict RFC 4180 reader and
 * a writer whose files Excel (Japanese Windows) opens correctly and safely.
 *
 * This is the format layer only: it knows records and fields, not content
 * types, field descriptors or the database.  The import screen reads a whole
 * file with a dry run first and imports all or nothing, so every error here
 * is a Japanese sentence that starts with the line number ("12 行目: ...")
 * and can go straight into the per-line error report.
 *
 * Reader.  The whole file is in memory (an import is bounded by
 * CSV_MAX_BYTES), and csv_next() hands out one record at a time, so a caller
 * holds one record, never the whole table, however long the file.
 *   - csv_open() checks the encoding of the whole file before any record is
 *     read: valid UTF-8 without NUL bytes, an optional UTF-8 BOM at the start
 *     (skipped).  A file saved by Excel as plain "CSV" on Japanese Windows is
 *     Shift_JIS; it is refused with a message that says so and tells how to
 *     save as "CSV UTF-8".  Because the delimiters are ASCII, every field cut
 *     out of a valid UTF-8 file is itself valid UTF-8.
 *   - Records end with CR LF or LF; a bare CR outside quotes is refused (old
 *     Mac files, or a file cut in the middle of a line break).  The last
 *     record may or may not end with a line break.
 *   - A field is either unquoted (no '"' in it at all) or quoted from its
 *     first byte to a '"' followed by ',' or a line end or the end of the
 *     file; inside, "" is one '"', and commas, CR and LF are kept as they
 *     are.  Spaces are data: ' "a"' and '"a" ' are refused, not trimmed.
 *   - An empty line is not a record.  RFC 4180 would read it as one empty
 *     field, but in real files it is a stray line an editor left behind; it
 *     still counts for line numbers.  A record of one empty field is written
 *     as "" so it survives a round trip.
 *   - Line numbers count LF, from 1, as a text editor shows them; a line
 *     break inside a quoted field moves later records down.
 *   - Refused, naming the line: invalid UTF-8 (with a Shift_JIS or UTF-16
 *     hint when the bytes look like one), a NUL byte, a '"' inside an
 *     unquoted field, text after a closing quote, a quote never closed (the
 *     line where it opened), a bare CR, more than the limit of fields in a
 *     record, of bytes in a field, or of records in the file.
 *
 * Writer.  Appends to a buf (its sticky error flag reports out of memory);
 * CR LF line ends; a field is quoted when it holds ',' '"' CR or LF, starts
 * or ends with a space, starts with a BOM, or is the only field of its record
 * and empty.  Quotes inside are doubled.
 *
 * Formula injection (OWASP "CSV Injection").  Excel evaluates a cell that
 * starts with = + - @, or a TAB or CR it may skip, so exported user text
 * such as "=HYPERLINK(...)" would run on a staff member's machine.  With
 * guard_formulas on (the default) such a field is written with a single quote
 * ' in front, which Excel shows as text.  The importer must undo exactly that
 * with csv_unguard(): it strips one leading ' when what follows is one of
 * those characters, possibly after more quotes.  To make export-then-import
 * give back every value unchanged, a value that itself starts with quotes
 * followed by one of those characters ("'=x") also gets one more quote.
 *
 * Ownership: a reader borrows the caller's data (not copied: it may be
 * 16 MiB), which must outlive it.  A record's fields live in the reader until
 * the next csv_next() or csv_close().  Out of memory is an error like any
 * other ("メモリが足りません"), never a crash.
 */
#ifndef TSUNAGU_CORE_CSV_H
#define TSUNAGU_CORE_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/limits.h"

/* --- limits (candidates for core/limits.h) --- */

/* The limits, with where each number comes from, are in core/limits.h. */
#define CSV_MAX_BYTES LIMIT_CSV_BYTES
#define CSV_MAX_RECORDS LIMIT_CSV_RECORDS
#define CSV_MAX_FIELDS LIMIT_CSV_FIELDS
#define CSV_MAX_FIELD LIMIT_CSV_FIELD

/* --- reader --- */

typedef struct csv_field {
    const char *s; /* NUL-terminated, valid UTF-8 without NUL */
    size_t len;    /* strlen(s) */
} csv_field;

typedef struct csv_record {
    const csv_field *fields; /* n >= 1 fields, owned by the reader */
    size_t n;
    size_t line; /* 1-based line where the record starts */
} csv_record;

/* Tighter limits for one import (a content type with 40 columns may refuse a
 * record of 200).  0 means the CSV_MAX_* default; larger values are cut to
 * it, so no caller can loosen the limits. */
typedef struct csv_limits {
    size_t max_fields;
    size_t max_field_bytes;
    size_t max_records;
} csv_limits;

typedef struct csv_reader csv_reader;

/* Opens a reader over data[0..n), which need not be NUL-terminated and must
 * outlive the reader.  Checks the size and the encoding of the whole file
 * first.  Returns NULL with a Japanese message in err when the file is over
 * CSV_MAX_BYTES, is not UTF-8 (naming the first bad line), holds a NUL byte,
 * or memory runs out.  csv_open_with() applies lim (NULL = defaults). */
csv_reader *csv_open(const char *data, size_t n, char *err, size_t errlen);
csv_reader *csv_open_with(const char *data, size_t n, const csv_limits *lim, char *err,
                          size_t errlen);

/* Reads the next record into *rec: 1 = a record, 0 = the end of the file,
 * -1 = an error with "N 行目: ..." in err.  After an error the reader stays
 * failed: every later call returns -1 with the same message. */
int csv_next(csv_reader *r, csv_record *rec, char *err, size_t errlen);

/* Frees the reader and the last record's fields (NULL is allowed). */
void csv_close(csv_reader *r);

/* Column index of a header name that is not in the header. */
#define CSV_NO_COLUMN ((size_t)-1)

/* Maps a header row to column indices: cols[i] is the column whose name is
 * names[i], or CSV_NO_COLUMN when the header lacks it (the caller decides
 * which columns are required).  Names are compared after trimming spaces and
 * tabs around the header cell.  Returns false with "N 行目: ..." in err when
 * a wanted name appears in two columns, since which one to use is unclear. */
bool csv_header_columns(const csv_record *header, const char *const *names, size_t n, size_t *cols,
                        char *err, size_t errlen);

/* --- writer --- */

typedef struct csv_write_opts {
    bool guard_formulas; /* see "Formula injection" above */
} csv_write_opts;

#define CSV_WRITE_OPTS_DEFAULT ((csv_write_opts){.guard_formulas = true})

/* Appends the UTF-8 byte order mark, which Excel needs to read a CSV file as
 * UTF-8 rather than Shift_JIS.  Call once, before the first record. */
void csv_write_bom(buf *out);

/* Appends one record of n fields and CR LF.  fields[i] NULL is an empty
 * field; lens NULL means every field is NUL-terminated.  Fields should be
 * valid UTF-8 without NUL, or the reader will refuse the file.  n == 0
 * appends nothing (a record has at least one field).  csv_write_record()
 * guards formulas; csv_write_record_opts() takes opts (NULL = defaults). */
void csv_write_record(buf *out, const char *const *fields, const size_t *lens, size_t n);
void csv_write_record_opts(buf *out, const char *const *fields, const size_t *lens, size_t n,
                           const csv_write_opts *opts);

/* For the importer: if *s[0..*len) is a value the writer guarded (a ' then
 * quotes and one of = + - @ TAB CR), drops that first ' by moving *s on and
 * shortening *len, and returns true.  Otherwise leaves both and returns
 * false.  A field from csv_next() stays NUL-terminated after this. */
bool csv_unguard(const char **s, size_t *len);

#endif
