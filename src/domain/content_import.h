/*
 * content_import.h - applying a checked CSV import in one transaction
 * (issue: "CSV import with a dry run and a per-line error report, all or
 * nothing").
 *
 * The import screen (web/admin_content_csv.c) reads the file, turns every
 * line into a record and validates it with the field engine; only when no
 * line has an error does it call content_import(), which creates or saves
 * every line inside ONE store_tx: if any line fails there (the item was
 * trashed or saved by someone else since the check, its staged copy went to
 * review ...), the transaction rolls back and nothing of the file is stored.
 *
 * Each line follows the rules of content_create() / content_save()
 * (domain/content.h) with the schedule and placement left as they are:
 *   id == 0   a new draft of variant .variant;
 *   id != 0   a save over item id, which must still be at .base_rev; a
 *             published item is not changed: its staged copy (差し替え用の
 *             下書き) is created or continued, so the public never sees an
 *             unreviewed change.
 * and writes a revision (action "import") and an audit-log line
 * ("content.import") with the record before and after, like any save.
 *
 * Calling convention as in domain/content.h: no transaction open on e->db;
 * err receives Japanese text that names the CSV line.  Strings in e->a.
 */
#ifndef TSUNAGU_DOMAIN_CONTENT_IMPORT_H
#define TSUNAGU_DOMAIN_CONTENT_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "domain/content.h"

typedef struct content_import_line {
    size_t line;       /* the line in the CSV file, for messages */
    int64_t id;        /* 0 = create a draft; else the item to save over */
    int base_rev;      /* id != 0: the revision the line was checked against */
    int variant;       /* id == 0: the variant of the new draft (0 without variants) */
    const record *rec; /* the fields, validated by the caller (field_validate) */
} content_import_line;

/* Applies lines[0..n) of type t for actor (staff) in one transaction.
 * ids (may be NULL) receives, per line, the item that holds it (the new
 * draft, the saved item, or its staged copy).  On any failure nothing is
 * stored; *failed (may be NULL) is the index of the line at fault (n when no
 * line is), and the rc is that of content_save(): CONTENT_NOT_FOUND,
 * CONTENT_CONFLICT, CONTENT_INVALID, CONTENT_FORBIDDEN or CONTENT_ERROR. */
content_rc content_import(const content_env *e, const account_view *actor, const content_type *t,
                          const content_import_line *lines, size_t n, int64_t *ids, size_t *failed,
                          char *err, size_t errlen);

#endif
