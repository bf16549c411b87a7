/*
 * content.h - the staff workflow every content type shares (issue: content
 * engine; spec 2.7; ARCHITECTURE.md decision 4), and the public reads.
 *
 * States (content_status):
 *   draft (下書) -> review (仮登録) -> published (公開) -> archived (公開終了)
 * An item also sits in the trash (ゴミ箱) when trashed_at is set, whatever its
 * state; restoring it brings it back as it was.
 *
 * Transitions (content_action), who may take them, and the mail each sends:
 *   submit     draft -> review            any staff; mails the publishers
 *   pull_back  review -> draft            the submitter (or a system admin)  引き戻し
 *   send_back  review -> draft + comment  a publisher; mails the submitter  差し戻し
 *   approve    review -> published        a publisher; mails the submitter
 *              (with publish_at in the future the item is "scheduled": it
 *              becomes visible by itself at that time)
 *              A staged copy (below) is approved by replacing the live
 *              item's fields with its own (差し替え), then it is removed.
 *   archive    published -> archived      a publisher (公開終了)
 *   reopen     archived -> draft          any staff
 *   duplicate  any -> a new draft         any staff (複製)
 *   trash      -> trash                   any staff; a publisher for a published item
 *   restore    trash -> back              any staff
 *   purge      trash -> gone for good     a system admin
 * "Publisher": a system admin, or an editor when the type's publish_role is
 * CONTENT_PUBLISH_EDITOR.  With the four-eyes rule on (config four_eyes, the
 * policy's 兼務の禁止) the approver must differ from the submitter.
 *
 * Editing: a draft, an item in review and an archived item are edited in
 * place.  Editing a published item creates (or continues) its staged copy
 * (live_id set), which goes through review on its own, so the public never
 * sees an unreviewed change.  Every save writes a revision (who, when, the
 * fields) and an audit-log line with the record before and after.  A save
 * carries the revision number it started from; if someone saved in between,
 * it is refused (CONTENT_CONFLICT) and nothing is lost.
 *
 * Edit lock: opening an item for editing takes a soft lock for
 * CONTENT_LOCK_MINUTES; another staff member opening it sees who holds it.
 *
 * Visibility on the public site is decided at read time: published, not
 * trashed, not a staged copy, publish_at (if any) passed and unpublish_at
 * (if any) not yet.  So a schedule is never missed, even on a quiet site;
 * the worker's content_run_schedule() then records the change of state
 * (published_at, archived) and sends the mails.
 *
 * Calling convention as in domain/account.h: a content_env, a content_rc,
 * err receives Japanese text for the screen.  Each call runs its own
 * transaction; none may be open on e->db.
 */
#ifndef TSUNAGU_DOMAIN_CONTENT_H
#define TSUNAGU_DOMAIN_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "content/field.h"
#include "content/record.h"
#include "content/types.h"
#include "core/arena.h"
#include "domain/account.h"
#include "store/store.h"

#define CONTENT_LOCK_MINUTES 15
#define CONTENT_COMMENT_MAX_CHARS 2000

typedef enum {
    CONTENT_DRAFT = 0,
    CONTENT_REVIEW,
    CONTENT_PUBLISHED,
    CONTENT_ARCHIVED,
} content_status;

typedef enum {
    CONTENT_OK = 0,
    CONTENT_NOT_FOUND,
    CONTENT_FORBIDDEN, /* the actor may not do this (err says why) */
    CONTENT_INVALID,   /* the request does not fit the item's state (err says why) */
    CONTENT_CONFLICT,  /* someone saved in between */
    CONTENT_ERROR,
} content_rc;

typedef enum {
    CONTENT_SUBMIT,
    CONTENT_PULL_BACK,
    CONTENT_SEND_BACK,
    CONTENT_APPROVE,
    CONTENT_ARCHIVE,
    CONTENT_REOPEN,
    CONTENT_DUPLICATE,
    CONTENT_TRASH,
    CONTENT_RESTORE,
    CONTENT_PURGE,
} content_action;

typedef struct content_env {
    store *db;
    arena *a;
    const struct mail_env *mail; /* NULL: no mails (tests, commands) */
    const char *base_url;        /* the start of links in mails */
    bool four_eyes;
    field_env fields;            /* master lists and media for the engine */
} content_env;

const char *content_status_name(content_status s);  /* "draft" ... */
const char *content_status_label(content_status s); /* 下書 ... */
bool content_status_parse(const char *s, content_status *out);
const char *content_action_name(content_action a);  /* "submit" ... (URL segment) */
const char *content_action_label(content_action a); /* 確認へ送る ... */
bool content_action_parse(const char *s, content_action *out);

/* One item as staff see it. */
typedef struct content_item {
    int64_t id;
    const content_type *type;
    int variant;
    content_status status;
    const char *title;
    const char *slug;         /* fixed pages: the path under public_path, or NULL */
    record rec;               /* every field, unfiltered: never hand it to a public view */
    int64_t live_id;          /* staged copy: the published item it will replace; else 0 */
    int64_t staged_id;        /* published item: its staged copy, if any; else 0 */
    int rev;                  /* revision number of the current fields */
    const char *publish_at, *unpublish_at; /* schedule (UTC timestamps) or NULL */
    const char *published_at; /* when it first went public, or NULL */
    const char *created_at, *updated_at, *trashed_at;
    int64_t submitted_by;     /* who sent it to review, 0 if nobody */
    const char *submitted_by_name, *updated_by_name;
    const char *comment;      /* the last send-back comment, or NULL */
    int64_t lock_by;          /* soft edit lock (0 = free or expired) */
    const char *lock_by_name, *lock_at;
    const char *menu;         /* fixed pages: menu place, or NULL */
    int menu_order;
} content_item;

/* The schedule and placement fields that are not in the record. */
typedef struct content_meta {
    const char *slug;
    const char *publish_at, *unpublish_at; /* UTC timestamps or NULL */
    const char *menu;
    int menu_order;
} content_meta;

content_rc content_get(const content_env *e, const content_type *t, int64_t id,
                       content_item *out);

/* Creates a draft of t, variant v, with rec (validated by the caller through
 * field_validate) and meta; *id set. */
content_rc content_create(const content_env *e, const account_view *actor, const content_type *t,
                          int v, const record *rec, const content_meta *meta, int64_t *id,
                          char *err, size_t errlen);

/* Saves rec over item id, which the actor opened at revision base_rev.
 * A published item is not changed: its staged copy is created or updated,
 * and *saved_id names the item that holds the save (id itself otherwise). */
content_rc content_save(const content_env *e, const account_view *actor, const content_type *t,
                        int64_t id, int base_rev, const record *rec, const content_meta *meta,
                        int64_t *saved_id, char *err, size_t errlen);

/* Takes one transition.  comment: for send_back (required) or NULL.
 * *result_id: the item to show afterwards (the new copy for duplicate, the
 * live item after a staged copy is approved); may be NULL. */
content_rc content_act(const content_env *e, const account_view *actor, const content_type *t,
                       int64_t id, content_action act, const char *comment, int64_t *result_id,
                       char *err, size_t errlen);

/* Whether actor may take act on item now (for showing only the buttons that
 * work); err (may be NULL) says why not. */
bool content_may(const content_env *e, const account_view *actor, const content_item *it,
                 content_action act, char *err, size_t errlen);

/* Takes the soft edit lock for actor unless another holds it; on return
 * it->lock_by / lock_by_name name the other holder (0 when actor holds it). */
content_rc content_lock(const content_env *e, const account_view *actor, content_item *it);

/* ---- lists ---- */

typedef struct content_list_query {
    const content_type *type;
    int status;          /* -1 = any (not trashed) */
    bool trash;          /* the trash instead */
    const char *q;       /* title contains, or NULL */
    const char *sort;    /* "updated" (default), "title", "published", "created" */
    bool asc;
    int page;            /* from 1 */
    int per_page;
} content_list_query;

typedef struct content_list {
    content_item *items; /* rec left empty */
    int n;
    int64_t total;
} content_list;

content_rc content_list_staff(const content_env *e, const content_list_query *q,
                              content_list *out);

/* Counts per type x status (dashboard, 団体数集計); counts[t][s] for the types
 * of content_types in order and the four states, trash in counts[t][4]. */
content_rc content_counts(const content_env *e, int64_t (*counts)[5], size_t ntypes);

/* ---- revisions ---- */

typedef struct content_revision {
    int rev;
    const char *title;
    record rec;          /* filled only by content_revision_get */
    const char *actor_name;
    const char *action;  /* "create", "save", "restore", "approve" ... */
    const char *created_at;
} content_revision;

content_rc content_revisions(const content_env *e, int64_t id, content_revision **out, int *n);
content_rc content_revision_get(const content_env *e, int64_t id, int rev, content_revision *out);

/* Restores revision rev as a new save (through content_save's rules). */
content_rc content_revision_restore(const content_env *e, const account_view *actor,
                                    const content_type *t, int64_t id, int rev,
                                    int64_t *saved_id, char *err, size_t errlen);

/* ---- the public site ---- */

typedef struct content_public_query {
    const content_type *type;
    int year;      /* JST calendar year, 0 = all */
    int page;      /* from 1 */
    int per_page;
    bool no_total; /* leave out->total at -1: no count query (the home page's
                    * short lists show none, and a count reads every item) */
} content_public_query;

/* Public items of a type, newest first.  Items carry their records
 * unfiltered: filter with content_filter() before building a view.
 * out->total counts every public item of the query (all pages), or is -1
 * when q->no_total. */
content_rc content_public_list(const content_env *e, const content_public_query *q,
                               content_list *out, bool with_records);

/* One public item (CONTENT_NOT_FOUND when it is not public now). */
content_rc content_public_get(const content_env *e, const content_type *t, int64_t id,
                              content_item *out);
content_rc content_public_by_slug(const content_env *e, const content_type *t, const char *slug,
                                  content_item *out);

/* Public items of t placed in menu (fixed pages: content_page_menus), by
 * their menu order then title, at most CONTENT_MENU_MAX, with records. */
#define CONTENT_MENU_MAX 200
content_rc content_public_menu(const content_env *e, const content_type *t, const char *menu,
                               content_list *out);

/* JST years holding public items of t, newest first. */
content_rc content_public_years(const content_env *e, const content_type *t, int **years, int *n);

/* ---- transactions that change what the public sees ---- */

/* The generation counter (store_generation_get) that moves with every
 * change of content or media: caches of public pages compare it. */
#define CONTENT_GENERATION "content"

/* store_tx() for a change of content or media: the same, and the
 * CONTENT_GENERATION counter moves in the same transaction, so every
 * server's page cache (web/page_cache.h) sees the change at once. */
store_rc content_tx_at(store *db, store_tx_fn fn, void *ctx, const char *file, int line);
#define content_tx(db, fn, ctx) content_tx_at((db), (fn), (ctx), __FILE__, __LINE__)

/* ---- the worker ---- */

/* Records what the schedule did since the last run: items whose publish_at
 * passed get published_at and mail the submitter; items whose unpublish_at
 * passed become archived.  *changed set.  Runs in one transaction. */
content_rc content_run_schedule(const content_env *e, int *changed);

#endif
