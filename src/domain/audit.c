/* audit.c - the audit log's rules over store/audit.h.  See audit.h. */
#include <time.h>

#include "domain/audit.h"

store_rc audit_add(store *db, int64_t actor_id, const char *actor_login, const char *action,
                   const char *target_type, int64_t target_id, const char *summary,
                   const char *before, const char *after)
{
    char now[STORE_TIMESTAMP_LEN];
    store_timestamp(now);
    return store_audit_add(db, now, actor_id, actor_login, action, target_type, target_id,
                           summary, before, after);
}

store_rc audit_list(store *db, arena *a, const audit_query *q, audit_line **out, int *n,
                    int64_t *next_before)
{
    return store_audit_list(db, a, q, out, n, next_before);
}

store_rc audit_get(store *db, arena *a, int64_t id, audit_line *out)
{
    return store_audit_get(db, a, id, out);
}

store_rc audit_purge(store *db, int keep_days, int *removed)
{
    if (keep_days < 365)
        keep_days = 365; /* the policy's minimum: a year */
    char before[STORE_TIMESTAMP_LEN];
    store_timestamp_at((int64_t)time(NULL) - (int64_t)keep_days * 86400, before);
    return store_audit_purge(db, before, removed);
}
