/*
 * content_import.c - a whole CSV import in one transaction.  See
 * content_import.h.  Each line is the create or the save of
 * domain/content.c (content_tx_create / content_tx_save), run inside the
 * import's one transaction, so an imported line follows exactly the rules
 * of a save from the edit screen.
 */
#include "domain/content_import.h"

#include <string.h>

#include "core/utf8.h"
#include "domain/content_internal.h"

typedef struct import_ctx {
    const content_env *e;
    const account_view *actor;
    const content_type *t;
    const content_import_line *lines;
    size_t n;
    int64_t *ids;
    size_t failed;
    content_rc crc;
    char *err;
    size_t errlen;
} import_ctx;

static store_rc tx_import(store *db, void *ctx)
{
    import_ctx *c = ctx;
    (void)db;
    /* store_tx() may run this again after a busy database: start clean. */
    c->failed = c->n;
    c->crc = CONTENT_OK;
    for (size_t i = 0; i < c->n; i++) {
        const content_import_line *l = &c->lines[i];
        tx_ctx one = {
            .e = c->e,
            .actor = c->actor,
            .t = c->t,
            .id = l->id,
            .variant = l->variant,
            .rec = l->rec,
            .meta = NULL,
            .base_rev = l->base_rev,
            .action_name = "import",
            .crc = CONTENT_OK,
            .err = c->err,
            .errlen = c->errlen,
        };
        store_rc rc = l->id ? content_tx_save(&one) : content_tx_create(&one);
        if (rc != STORE_OK) {
            c->crc = one.crc;
            c->failed = i;
            if (one.crc != CONTENT_OK && c->err && c->errlen) {
                /* The message names the line of the file it is about. */
                char why[512];
                utf8_format(why, sizeof why, "%s", c->err);
                utf8_format(c->err, c->errlen, "%zu 行目: %s", l->line, why);
            }
            return rc;
        }
        if (c->ids)
            c->ids[i] = one.result_id;
    }
    return STORE_OK;
}

content_rc content_import(const content_env *e, const account_view *actor, const content_type *t,
                          const content_import_line *lines, size_t n, int64_t *ids, size_t *failed,
                          char *err, size_t errlen)
{
    if (failed)
        *failed = n;
    if (!account_is_staff(actor)) {
        if (err && errlen)
            utf8_format(err, errlen, "%s", "この操作はセンター職員だけが行えます。");
        return CONTENT_FORBIDDEN;
    }
    if (ids && n)
        memset(ids, 0, n * sizeof *ids);
    import_ctx c = {.e = e,
                    .actor = actor,
                    .t = t,
                    .lines = lines,
                    .n = n,
                    .ids = ids,
                    .failed = n,
                    .crc = CONTENT_OK,
                    .err = err,
                    .errlen = errlen};
    store_rc rc = content_tx(e->db, tx_import, &c);
    if (failed)
        *failed = c.failed;
    if ((c.crc != CONTENT_OK || rc != STORE_OK) && ids && n)
        memset(ids, 0, n * sizeof *ids); /* rolled back: none of them exists */
    if (c.crc != CONTENT_OK)
        return c.crc;
    if (rc != STORE_OK) {
        if (err && errlen)
            utf8_format(
                err, errlen, "%s",
                "取り込めませんでした。何も変更していません。時間をおいてもう一度お試しください。");
        return CONTENT_ERROR;
    }
    return CONTENT_OK;
}
