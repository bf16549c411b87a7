/* forms.c - the helpers the account screens share.  See account.h. */
#include <string.h>

#include "http/response.h"
#include "web/account.h"
#include "tmpl/escape.h"
#include "web/page.h"

tv *web_form_page(http_request *req, const char *title, const char *crumb_url)
{
    crumb c = {title, crumb_url};
    tv *root = web_page(req, title, &c, 1);
    if (!root || !web_page_form(req, root) || !tv_set(req->a, root, "errors", tv_list(req->a)) ||
        !tv_set(req->a, root, "ferr", tv_map(req->a)) ||
        !tv_set(req->a, root, "form", tv_map(req->a)))
        return NULL;
    return root;
}

bool web_form_error(http_request *req, tv *root, const char *field_id, const char *message)
{
    /* The summary's list, and ferr.<id with '_' for '-'> for the message
     * beside the field itself.  The first message of a field wins. */
    char *key = arena_strdup(req->a, field_id);
    tv *e = tv_map(req->a);
    if (!key || !e)
        return false;
    for (char *p = key; *p; p++)
        if (*p == '-')
            *p = '_';
    tv *ferr = (tv *)tv_get(root, "ferr");
    if (!tv_get(ferr, key) && !tv_set_str(req->a, ferr, key, message))
        return false;
    return tv_set_str(req->a, e, "field_id", field_id) &&
           tv_set_str(req->a, e, "message", message) &&
           tv_push(req->a, (tv *)tv_get(root, "errors"), e);
}

bool web_form_keep(http_request *req, tv *root, const char *name, const char *value)
{
    return tv_set_str(req->a, (tv *)tv_get(root, "form"), name, value ? value : "");
}

bool web_form_has_errors(const tv *root)
{
    return tv_len(tv_get(root, "errors")) > 0;
}

int web_form_render(http_request *req, tv *root, const char *template_name)
{
    bool errors = web_form_has_errors(root);
    if (errors) {
        /* 2.4.2 / 3.3.1: the first thing a screen reader says is that
         * something needs fixing. */
        tv *page = (tv *)tv_get(root, "page");
        const char *title = tv_text(tv_get(page, "title"), NULL);
        const char *t = arena_printf(req->a, "入力内容に誤りがあります：%s", title ? title : "");
        if (!t || !tv_set_str(req->a, page, "title", t))
            return -1;
    }
    return web_render(req, errors ? 400 : 200, template_name, root) ? 0 : -1;
}

int web_message_page(http_request *req, int status, const char *title, const char *text,
                     const char *link_url, const char *link_label)
{
    crumb c = {title, NULL};
    tv *root = web_page(req, title, &c, 1);
    tv *m = tv_map(req->a);
    if (!root || !m || !tv_set_str(req->a, m, "text", text) ||
        !tv_set_str(req->a, m, "link_url", link_url ? link_url : "") ||
        !tv_set_str(req->a, m, "link_label", link_label ? link_label : "") ||
        !tv_set(req->a, root, "message", m))
        return -1;
    return web_render(req, status, "account/message.html", root) ? 0 : -1;
}

const char *web_next_path(const char *next, const char *def)
{
    /* Only our own pages, and never back to the sign-in screens themselves. */
    if (next && http_is_local_path(next) && strncmp(next, "/login", 6) != 0 &&
        strncmp(next, "/logout", 7) != 0)
        return next;
    return def;
}

const char *web_with_next(http_request *req, const char *base, const char *next,
                          const char *query)
{
    buf b = BUF_INIT;
    buf_init(&b, 8192);
    buf_printf(&b, "%s?next=", base);
    esc_percent(&b, next, strlen(next));
    if (query && *query) {
        esc_percent(&b, "?", 1);
        esc_percent(&b, query, strlen(query));
    }
    buf_putc(&b, '\0');
    const char *out = buf_ok(&b) ? arena_strdup(req->a, b.data) : NULL;
    buf_free(&b);
    return out;
}
