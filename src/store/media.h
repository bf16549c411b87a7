/*
 * media.h - the SQL of the media library (table media, migration 004).
 *
 * One statement per function; every rule (which types are accepted, where
 * the bytes live, who may fetch what) is domain/media.c's.
 *
 * Conventions, as in store/account.h:
 *   - Timestamps are store_timestamp() text passed in by the caller.
 *   - Strings of a returned row are copied into the arena given and live as
 *     long as it; NULL columns stay NULL (numbers: 0).
 *   - Results: STORE_OK (found / changed), STORE_DONE (no such row / nothing
 *     changed), STORE_CONSTRAINT (UNIQUE or CHECK refused), another code on
 *     error.  store_media_count() returns -1 on error.
 *   - Writes run inside the caller's store_tx() together with their audit
 *     line (domain/audit.h).
 */
#ifndef TSUNAGU_STORE_MEDIA_H
#define TSUNAGU_STORE_MEDIA_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "store/store.h"

/* One row, with the uploader's login and name when the account still exists. */
typedef struct store_media_row {
    int64_t id;
    const char *stored; /* random file name under DATA/media/ */
    const char *name;   /* the uploader's file name */
    const char *mime;   /* the sniffed type */
    int64_t size;
    int64_t width, height; /* 0 when not an image */
    const char *thumb;     /* random name of the thumbnail, or NULL */
    const char *alt;
    bool public;
    int64_t uploaded_by;        /* 0 when unknown or deleted */
    const char *uploader_login; /* NULL when the account is gone */
    const char *uploader_name;
    const char *created_at;
    const char *trashed_at; /* NULL unless in the trash */
} store_media_row;

typedef struct store_media_new {
    const char *stored, *name, *mime;
    int64_t size;
    int64_t width, height; /* 0 = NULL */
    const char *thumb;     /* may be NULL */
    const char *alt;
    bool public;
    int64_t uploaded_by; /* 0 = NULL */
    const char *now;
} store_media_new;

/* Inserts; *id (may be NULL) gets the new id.  STORE_CONSTRAINT when the
 * stored name is taken. */
store_rc store_media_insert(store *db, const store_media_new *n, int64_t *id);

/* The row of id, trashed or not. */
store_rc store_media_get(store *db, arena *a, int64_t id, store_media_row *out);

/* What a list shows. */
typedef struct store_media_filter {
    bool trash;                /* the trash instead of the items in use */
    const char *kind;          /* "image", "other", or NULL/"" for both */
    const char *name_contains; /* part of the file name (plain text, no wildcards), or NULL/"" */
} store_media_filter;

/* Rows matching f, newest first (by id), older than before_id when it is
 * above 0, at most limit of them; *rows in a, *n set. */
store_rc store_media_list(store *db, arena *a, const store_media_filter *f, int64_t before_id,
                          int limit, store_media_row **rows, int *n);

/* The number of rows matching f; -1 on error. */
int64_t store_media_count(store *db, const store_media_filter *f);

/* Sets the alt text and the public flag of id.  STORE_DONE when there is no
 * such row. */
store_rc store_media_update(store *db, int64_t id, const char *alt, bool public);

/* Puts id in the trash (stamping now); STORE_DONE when there is no such row
 * or it is in the trash already. */
store_rc store_media_trash(store *db, int64_t id, const char *now);

/* Takes id out of the trash; STORE_DONE when there is no such row or it is
 * not in the trash. */
store_rc store_media_restore(store *db, int64_t id);

/* Removes the row of id; STORE_DONE when there is none.  The files are the
 * caller's to remove, after the commit. */
store_rc store_media_delete(store *db, int64_t id);

#endif
