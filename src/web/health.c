/* health.c - GET /healthz: 200 only when the database answers. */
#include "http/response.h"
#include "store/store.h"
#include "web/app.h"

int web_healthz(http_request *req)
{
    bool ok = req->db && store_ping(req->db);
    return http_text(req, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "db down\n")
               ? 0
               : -1;
}
