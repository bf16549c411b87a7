/*
 * admin_csv.h - what the CSV export (web/admin_content_csv.c) and import
 * (web/admin_content_import.c) share: the columns of a type's file, the
 * variant column, and the root view of their admin pages.
 */
#ifndef TSUNAGU_WEB_ADMIN_CSV_H
#define TSUNAGU_WEB_ADMIN_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "content/field.h"
#include "core/arena.h"
#include "http/request.h"
#include "tmpl/value.h"

typedef enum {
    COL_ID,
    COL_VARIANT,
    COL_STATUS,
    COL_CREATED,
    COL_UPDATED,
    COL_PUBLISHED,
    COL_FIELD,
} col_kind;

typedef struct csv_col {
    const char *key, *label, *header; /* header: "label [key]" */
    col_kind kind;
} csv_col;

/* Every column of t in file order: ID, 種別 (types with variants), 状態, the
 * record keys (content_csv_keys), 作成日時, 更新日時, 公開日; in a.  False on
 * OOM. */
bool admin_csv_columns(arena *a, const content_type *t, csv_col **out, size_t *n);

/* The Japanese name of variant v ("" for a type without variants), and the
 * variant named by s (its name or its label), or -1. */
const char *admin_csv_variant_label(const content_type *t, int v);
int admin_csv_variant(const content_type *t, const char *s);

/* A form page of the admin under t's list: web_page() with the CSRF token,
 * the maps the form partials read (errors, ferr, form) and type.{name,
 * label, url, export_url, import_url}.  NULL on OOM. */
tv *admin_csv_form_root(http_request *req, const content_type *t, const char *title);

#endif
