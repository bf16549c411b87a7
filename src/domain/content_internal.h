/*
 * content_internal.h - what the files of the content workflow share
 * (domain/content.c, domain/content_import.c): the context of one change
 * and the two changes that run inside a caller's transaction.  Nothing
 * outside src/domain includes it.
 */
#ifndef TSUNAGU_DOMAIN_CONTENT_INTERNAL_H
#define TSUNAGU_DOMAIN_CONTENT_INTERNAL_H

#include "domain/content.h"

/* One change of one item. */
typedef struct tx_ctx {
    const content_env *e;
    const account_view *actor;
    const content_type *t;
    int64_t id;
    int variant;
    const record *rec;
    const content_meta *meta; /* NULL: the schedule and placement stay as they are */
    int base_rev;
    content_action act;
    const char *comment;
    const char *action_name; /* revision action: "create", "save", "restore", "import" */
    int64_t result_id;       /* the item that holds the change */
    content_rc crc;          /* why it was refused (with err), CONTENT_OK otherwise */
    char *err;
    size_t errlen;
} tx_ctx;

/* content_create() and content_save() without their transaction: run inside
 * the caller's store_tx (content_tx).  STORE_OK, or an error code with
 * c->crc and c->err saying why when the change was refused. */
store_rc content_tx_create(tx_ctx *c);
store_rc content_tx_save(tx_ctx *c);

#endif
