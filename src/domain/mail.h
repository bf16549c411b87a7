/*
 * mail.h - putting mail in the outbox (ARCHITECTURE.md decision 7).
 *
 * Every automatic mail of both sites goes through mail_enqueue(): it renders
 * the mail kind's template, composes the finished RFC 5322 message and
 * inserts it into the outbox with the caller's database connection, inside
 * the caller's transaction.  So a mail exists if and only if the change that
 * caused it was committed: roll the transaction back and the mail is gone
 * with it.  The worker (domain/mail_deliver.h) sends it later.
 *
 * Mail texts are templates/mail/KIND.txt (format: mail/template.h): header
 * lines (Subject, Bcc-Centre), a blank line, the body.  Files starting with
 * '_' are shared parts for {% include %} ("mail/_footer.txt").  Subject and
 * body are compiled separately, so a value printed into the body can never
 * become a header, and a value with a line break in the subject is refused.
 * A template sees:
 *   the caller's values (the map passed in),
 *   settings.*   every site setting, split at dots: settings.centre.name,
 *                settings.supernet.name ... (staff edit them in the admin)
 *   base_url     the configured public URL ("" when not configured)
 *   to.address, to.name   the recipient
 *
 * Ownership: a mail_env is built once at start-up, read-only afterwards and
 * shared by every thread.
 */
#ifndef TSUNAGU_DOMAIN_MAIL_H
#define TSUNAGU_DOMAIN_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/config.h"
#include "store/store.h"
#include "tmpl/value.h"

typedef struct mail_env mail_env;

/* Compiles every mail template under cfg->share_dir/templates/mail and keeps
 * the sender settings of cfg.  NULL with a Japanese message ("FILE:LINE:
 * ...") in err when a template is wrong or memory runs out. */
mail_env *mail_env_load(const config *cfg, char *err, size_t errlen);
void mail_env_free(mail_env *e);

/* True if templates/mail/KIND.txt exists. */
bool mail_kind_exists(const mail_env *e, const char *kind);

/* The envelope and From address the outbox uses: smtp_from, or
 * "noreply@HOST" of base_url, or "noreply@localhost". */
const char *mail_env_from(const mail_env *e);

/* The same address worked out from cfg alone, into out (n bytes); false when
 * it is not a valid address. */
bool mail_from_address(const config *cfg, char *out, size_t n);

/* Renders mail kind for one recipient and inserts it, due now.  values is the
 * caller's map of template values (arena a's, may be NULL); the keys listed
 * above are added to it.  Call inside store_tx(): the mail commits or rolls
 * back with the caller's change.  Returns STORE_OK and *id (if not NULL), or
 * STORE_ERROR with a Japanese message in err for a mistake the caller must
 * show or log: an invalid address, a CR or LF in a header value (mail header
 * injection, spec vulnerability class 7), an unknown kind, a template that
 * fails to render; or the database's code. */
store_rc mail_enqueue(store *db, const mail_env *e, arena *a, const char *kind,
                      const char *to_addr, const char *to_name, tv *values, int64_t *id, char *err,
                      size_t errlen);

/* One recipient of a bulk send. values: extra template values (may be NULL). */
typedef struct mail_recipient {
    const char *addr;
    const char *name;
    tv *values;
} mail_recipient;

/* What mail_enqueue_bulk() did. */
typedef struct mail_bulk_result {
    int64_t bulk_id;
    size_t queued;  /* messages put in the outbox */
    size_t stopped; /* recipients left out: mail-stopped (メール停止) */
} mail_bulk_result;

/* Starts a bulk send of kind to n recipients, titled title (for staff):
 * one outbox message per recipient, in the caller's transaction like
 * mail_enqueue(), leaving out mail-stopped addresses.  The worker delivers
 * them at mail_bulk_rate and skips an address stopped in the meantime.  Any
 * invalid recipient fails the whole call (err names it). */
store_rc mail_enqueue_bulk(store *db, const mail_env *e, arena *a, const char *kind,
                           const char *title, const mail_recipient *r, size_t n,
                           mail_bulk_result *res, char *err, size_t errlen);

#endif
