/*
 * testroutes.c - routes that exist only in the test build (meson option
 * test_routes, used by `make test`), so the HTTP tests can drive the
 * platform's generic machinery - body limits, form and upload parsing, CSRF,
 * permissions, graceful shutdown - before the real forms of later screens
 * exist.  The release binary has none of them.
 */
#ifdef TSUNAGU_TEST_ROUTES

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/secret.h"
#include "domain/mail.h"
#include "store/store.h"
#include "domain/mail.h"
#include "http/csrf.h"
#include "http/response.h"
#include "web/app.h"
#include "web/testroutes.h"

static void json_str(buf *b, const char *s, size_t n)
{
    buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            buf_printf(b, "\\%c", c);
        else if (c < 0x20)
            buf_printf(b, "\\u%04x", c);
        else
            buf_putc(b, (char)c);
    }
    buf_putc(b, '"');
}

static void json_params(buf *b, const http_params *p)
{
    buf_putc(b, '[');
    for (size_t i = 0; i < p->count; i++) {
        buf_puts(b, i ? ",[" : "[");
        json_str(b, p->items[i].name, strlen(p->items[i].name));
        buf_putc(b, ',');
        json_str(b, p->items[i].value, p->items[i].value_len);
        buf_putc(b, ']');
    }
    buf_putc(b, ']');
}

static bool sha256_file(const char *path, char out[65])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    char chunk[8192];
    size_t n;
    while (ok && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        ok = EVP_DigestUpdate(ctx, chunk, n);
    unsigned char md[32];
    unsigned len = 0;
    ok = ok && EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    fclose(f);
    if (ok)
        secret_hex(md, 32, out);
    return ok;
}

int web_test_echo(http_request *req)
{
    buf *b = &req->resp.body;
    buf_puts(b, "{\"query\":");
    json_params(b, &req->query);
    buf_puts(b, ",\"cookies\":");
    json_params(b, &req->cookies);
    buf_puts(b, ",\"path\":");
    json_str(b, req->path, strlen(req->path));
    if (req->form) {
        buf_puts(b, ",\"fields\":");
        json_params(b, &req->form->fields);
        buf_puts(b, ",\"files\":[");
        for (size_t i = 0; i < req->form->nfiles; i++) {
            const http_upload *u = &req->form->files[i];
            char sum[65] = "";
            if (!sha256_file(u->path, sum))
                return -1;
            buf_puts(b, i ? ",{" : "{");
            buf_puts(b, "\"field\":");
            json_str(b, u->field, strlen(u->field));
            buf_puts(b, ",\"filename\":");
            json_str(b, u->filename, strlen(u->filename));
            buf_puts(b, ",\"path\":");
            json_str(b, u->path, strlen(u->path));
            buf_printf(b, ",\"size\":%zu,\"sha256\":\"%s\"}", u->size, sum);
        }
        buf_putc(b, ']');
    }
    buf_puts(b, "}");
    req->resp.status = 200;
    req->resp.content_type = "application/json";
    return buf_ok(b) ? 0 : -1;
}

int web_test_form(http_request *req)
{
    const char *tok = http_csrf_token(req);
    if (!tok)
        return -1;
    buf *b = &req->resp.body;
    buf_printf(b,
               "<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\">"
               "<title>試験用フォーム</title></head><body><main><h1>試験用フォーム</h1>"
               "<form method=\"post\" action=\"/_test/form\">"
               "<input type=\"hidden\" name=\"_csrf\" value=\"%s\">"
               "<label for=\"n\">名前</label><input id=\"n\" name=\"name\">"
               "<button>送信</button></form></main></body></html>",
               tok);
    req->resp.status = 200;
    req->resp.content_type = "text/html; charset=utf-8";
    return buf_ok(b) ? 0 : -1;
}

int web_test_slow(http_request *req)
{
    const char *ms = http_query(req, "ms");
    long n = ms ? strtol(ms, NULL, 10) : 500;
    if (n < 0 || n > 10000)
        n = 500;
    nanosleep(&(struct timespec){n / 1000, (n % 1000) * 1000000L}, NULL);
    return http_text(req, 200, "text/plain; charset=utf-8", "slept\n") ? 0 : -1;
}

/* POST /_test/mail (to, name, fail): in one transaction, records a setting
 * and queues the test mail to `to`; with fail=1 the transaction then fails.
 * Shows that a mail exists if and only if its change was committed. */
typedef struct test_mail_ctx {
    http_request *req;
    const char *to, *name;
    bool fail;
    int64_t id;
    char err[512];
} test_mail_ctx;

static store_rc test_mail_tx(store *db, void *ctx)
{
    test_mail_ctx *c = ctx;
    store_rc rc = store_setting_put(db, "test.mail_change", c->to);
    if (rc != STORE_OK)
        return rc;
    rc = mail_enqueue(db, ((app *)c->req->app)->mail, c->req->a, "test", c->to, c->name, NULL, &c->id,
                      c->err, sizeof c->err);
    if (rc != STORE_OK)
        return rc;
    return c->fail ? STORE_ERROR : STORE_OK;
}

int web_test_mail(http_request *req)
{
    const http_params *f = req->form ? &req->form->fields : NULL;
    const char *fail = f ? http_params_get(f, "fail") : NULL;
    test_mail_ctx c = {
        .req = req,
        .to = f ? http_params_get(f, "to") : NULL,
        .name = f ? http_params_get(f, "name") : NULL,
        .fail = fail && strcmp(fail, "1") == 0,
    };
    if (!c.to)
        c.to = "";
    store_rc rc = store_tx(req->db, test_mail_tx, &c);
    if (rc == STORE_OK) {
        buf_printf(&req->resp.body, "queued %lld\n", (long long)c.id);
        req->resp.status = 200;
    } else {
        buf_printf(&req->resp.body, "%s\n", c.err[0] ? c.err : "rolled back");
        req->resp.status = c.err[0] ? 400 : 500;
    }
    req->resp.content_type = "text/plain; charset=utf-8";
    return buf_ok(&req->resp.body) ? 0 : -1;
}

#endif
