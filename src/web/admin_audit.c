/*
 * admin_audit.c - the audit log of staff changes, for system administrators
 * (issue: "Audit log of every staff change (who, what, when, the record
 * before and after), kept at least one year, readable by staff admins";
 * domain/audit.h).  See admin_io.h for the URLs.
 *
 * The list filters by target type, the actor's login and JST days, newest
 * first, 50 lines a page with a link to older ones (audit_list's paging by
 * id, so a page stays the same while new lines arrive).  A line's page shows
 * its record before and after field by field (web_record_diff), labelled
 * with the content type's descriptors when the target is a content type.
 */
#include <stdlib.h>
#include <string.h>

#include "content/types.h"
#include "domain/audit.h"
#include "domain/security_log.h"
#include "http/response.h"
#include "tmpl/escape.h"
#include "web/account.h"
#include "web/admin_io.h"
#include "web/page.h"

#define AUDIT_PAGE 50

/* Target types that are not content types, with their names. */
static const char *const other_targets[][2] = {
    {"media", "メディアライブラリ"},
    {"account", "アカウント"},
};

static const char *target_label(const char *type)
{
    const content_type *t = content_type_find(type);
    if (t)
        return t->label;
    for (size_t i = 0; i < sizeof other_targets / sizeof other_targets[0]; i++)
        if (type && strcmp(type, other_targets[i][0]) == 0)
            return other_targets[i][1];
    return type ? type : "";
}

/* A decimal id of 1..15 digits, or 0. */
static int64_t parse_id(const char *s)
{
    if (!s || s[0] < '1' || s[0] > '9' || strlen(s) > 15)
        return 0;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return (int64_t)strtoll(s, NULL, 10);
}

/* A target type filter: [a-z_] only (the stored names), else NULL. */
static const char *type_filter(const char *s)
{
    if (!s || !*s || strlen(s) > 32)
        return NULL;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
            return NULL;
    return s;
}

/* Appends "&name=value" (value percent-encoded) when value is set. */
static void add_param(buf *b, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    buf_printf(b, "&%s=", name);
    esc_percent(b, value, strlen(value));
}

static tv *types_tv(arena *a, const char *selected)
{
    tv *list = tv_list(a);
    if (!list)
        return NULL;
    for (size_t i = 0; content_types[i]; i++) {
        tv *m = tv_map(a);
        if (!m || !tv_set_str(a, m, "name", content_types[i]->name) ||
            !tv_set_str(a, m, "label", content_types[i]->label) ||
            !tv_set_bool(a, m, "selected",
                         selected && strcmp(selected, content_types[i]->name) == 0) ||
            !tv_push(a, list, m))
            return NULL;
    }
    for (size_t i = 0; i < sizeof other_targets / sizeof other_targets[0]; i++) {
        tv *m = tv_map(a);
        if (!m || !tv_set_str(a, m, "name", other_targets[i][0]) ||
            !tv_set_str(a, m, "label", other_targets[i][1]) ||
            !tv_set_bool(a, m, "selected",
                         selected && strcmp(selected, other_targets[i][0]) == 0) ||
            !tv_push(a, list, m))
            return NULL;
    }
    return list;
}

/* The admin page of a line's target, or "" when it has none. */
static const char *target_url(arena *a, const audit_line *l)
{
    if (l->target_id <= 0)
        return "";
    if (content_type_find(l->target_type))
        return arena_printf(a, "/admin/content/%s/%lld", l->target_type, (long long)l->target_id);
    return "";
}

static tv *line_tv(arena *a, const audit_line *l)
{
    tv *m = tv_map(a);
    const char *url = target_url(a, l);
    bool ok = m && url && tv_set_int(a, m, "id", (long long)l->id) &&
              tv_set_str(a, m, "url", arena_printf(a, "/admin/audit-log/%lld", (long long)l->id)) &&
              tv_set_str(a, m, "at", web_time_ja(a, l->at)) &&
              tv_set_str(a, m, "actor", l->actor_login ? l->actor_login : "") &&
              tv_set_str(a, m, "action", web_action_label(l->action)) &&
              tv_set_str(a, m, "action_name", l->action ? l->action : "") &&
              tv_set_str(a, m, "target_label", target_label(l->target_type)) &&
              tv_set_int(a, m, "target_id", (long long)l->target_id) &&
              tv_set_str(a, m, "target_url", url) &&
              tv_set_str(a, m, "summary", l->summary ? l->summary : "");
    return ok ? m : NULL;
}

int web_admin_audit_log(http_request *req)
{
    arena *a = req->a;
    const char *type = type_filter(http_query(req, "type"));
    const char *actor = http_query(req, "actor");
    if (actor && (!*actor || strlen(actor) > 256))
        actor = NULL;
    const char *from_day = http_query(req, "from"), *to_day = http_query(req, "to");
    char from[STORE_TIMESTAMP_LEN] = "", to[STORE_TIMESTAMP_LEN] = "";
    /* JST days (the form's date fields), [from, to] inclusive; a malformed
     * date is no filter. */
    if (from_day && !security_log_jst_day(from_day, false, from))
        from_day = NULL;
    if (to_day && !security_log_jst_day(to_day, true, to))
        to_day = NULL;
    audit_query q = {
        .target_type = type,
        .actor = actor,
        .since = from_day ? from : NULL,
        .until = to_day ? to : NULL,
        .before_id = parse_id(http_query(req, "before")),
        .limit = AUDIT_PAGE,
    };
    audit_line *lines;
    int n;
    int64_t next_before;
    if (audit_list(req->db, a, &q, &lines, &n, &next_before) != STORE_OK)
        return -1;
    crumb c[] = {{"管理画面", "/admin"}, {"監査ログ", NULL}};
    tv *root = web_page(req, "監査ログ", c, 2);
    tv *list = tv_list(a), *f = tv_map(a), *types = types_tv(a, type);
    if (!root || !list || !f || !types)
        return -1;
    for (int i = 0; i < n; i++)
        if (!tv_push(a, list, line_tv(a, &lines[i])))
            return -1;
    const char *next = "";
    if (next_before > 0) {
        buf b = BUF_INIT;
        buf_init(&b, 4096);
        buf_printf(&b, "/admin/audit-log?before=%lld", (long long)next_before);
        add_param(&b, "type", type);
        add_param(&b, "actor", actor);
        add_param(&b, "from", from_day);
        add_param(&b, "to", to_day);
        buf_putc(&b, '\0');
        next = buf_ok(&b) ? arena_strdup(a, b.data) : NULL;
        buf_free(&b);
    }
    bool ok = next && tv_set(a, root, "lines", list) && tv_set(a, root, "types", types) &&
              tv_set_str(a, f, "actor", actor ? actor : "") &&
              tv_set_str(a, f, "from", from_day ? from_day : "") &&
              tv_set_str(a, f, "to", to_day ? to_day : "") && tv_set(a, root, "filter", f) &&
              tv_set_bool(a, root, "older", q.before_id > 0) &&
              tv_set_str(a, root, "next_url", next);
    if (!ok)
        return -1;
    return web_render(req, 200, "admin/audit_log.html", root) ? 0 : -1;
}

/* Decodes stored record text into r (in a); false when it does not decode
 * (then the raw text is shown instead). */
static bool decode(arena *a, const char *text, record *r)
{
    record_init(r, a);
    return text && record_decode(r, text, strlen(text));
}

int web_admin_audit_line(http_request *req)
{
    arena *a = req->a;
    int64_t id = parse_id(http_param(req, "id"));
    if (!id) {
        http_error(req, 404);
        return 0;
    }
    audit_line l;
    store_rc rc = audit_get(req->db, a, id, &l);
    if (rc == STORE_DONE) {
        http_error(req, 404);
        return 0;
    }
    if (rc != STORE_OK)
        return -1;
    const content_type *t = content_type_find(l.target_type);
    record before, after;
    bool has_before = l.before != NULL, has_after = l.after != NULL;
    bool ok_before = !has_before || decode(a, l.before, &before);
    bool ok_after = !has_after || decode(a, l.after, &after);
    const char *title = arena_printf(a, "監査ログ %lld", (long long)id);
    if (!title)
        return -1;
    crumb c[] = {{"管理画面", "/admin"}, {"監査ログ", "/admin/audit-log"}, {title, NULL}};
    tv *root = web_page(req, title, c, 3);
    tv *m = line_tv(a, &l);
    if (!root || !m || !tv_set(a, root, "line", m) ||
        !tv_set_bool(a, root, "has_records", has_before || has_after) ||
        !tv_set_bool(a, root, "decoded", ok_before && ok_after) ||
        !tv_set_str(a, root, "raw_before", l.before ? l.before : "") ||
        !tv_set_str(a, root, "raw_after", l.after ? l.after : "") ||
        !tv_set_str(a, root, "diff_before_label", has_before ? "変更前" : "変更前（なし）") ||
        !tv_set_str(a, root, "diff_after_label", has_after ? "変更後" : "変更後（なし）") ||
        !tv_set_str(a, root, "diff_caption", "変わった項目"))
        return -1;
    if ((has_before || has_after) && ok_before && ok_after) {
        tv *diff =
            web_record_diff(req, t, 0, has_before ? &before : NULL, has_after ? &after : NULL);
        if (!diff || !tv_set(a, root, "diff", diff))
            return -1;
    }
    return web_render(req, 200, "admin/audit_line.html", root) ? 0 : -1;
}
