/* Unit tests of the route table checks and matching (http/router.c). */
#include <string.h>

#include "http/response.h"
#include "http/route.h"
#include "tap.h"
#include "web/app.h"

static int h(http_request *req)
{
    (void)req;
    return 0;
}

static router *compile(const route *r, size_t n, char *err)
{
    return router_compile(r, n, err, 256);
}

TEST(default_deny_route_without_permission_stops_startup)
{
    route r[] = {{.method = "GET", .path = "/x", .handler = h}};
    char err[256];
    CHECK(compile(r, 1, err) == NULL);
    CHECK(strstr(err, "no permission declared") != NULL);
}

TEST(post_without_csrf_or_waiver_stops_startup)
{
    route r[] = {{.method = "POST", .path = "/x", .handler = h, .perm = PERM_PUBLIC}};
    char err[256];
    CHECK(compile(r, 1, err) == NULL);
    CHECK(strstr(err, "CSRF") != NULL);
    route ok[] = {{.method = "POST", .path = "/x", .handler = h, .perm = PERM_PUBLIC,
                   .csrf_waiver = "machine-to-machine endpoint with its own signature"}};
    router *rt = compile(ok, 1, err);
    CHECK(rt != NULL);
    router_free(rt);
}

TEST(bad_patterns_and_duplicates_stop_startup)
{
    char err[256];
    route bad[][1] = {
        {{.method = "GET", .path = "x", .handler = h, .perm = PERM_PUBLIC}},
        {{.method = "GET", .path = "/x/", .handler = h, .perm = PERM_PUBLIC}},
        {{.method = "GET", .path = "/{*rest}/x", .handler = h, .perm = PERM_PUBLIC}},
        {{.method = "GET", .path = "/{Bad}", .handler = h, .perm = PERM_PUBLIC}},
        {{.method = "PUT", .path = "/x", .handler = h, .perm = PERM_PUBLIC}},
        {{.method = "GET", .path = "/x", .perm = PERM_PUBLIC}},
        {{.method = "GET", .path = "/x", .handler = h, .perm = PERM_PUBLIC, .csrf = true}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(compile(bad[i], 1, err) == NULL);
    route dup[] = {{.method = "GET", .path = "/a/{id}", .handler = h, .perm = PERM_PUBLIC},
                   {.method = "GET", .path = "/a/{x}", .handler = h, .perm = PERM_PUBLIC}};
    CHECK(compile(dup, 2, err) == NULL);
    CHECK(strstr(err, "duplicates") != NULL);
}

static const route table[] = {
    {.method = "GET", .path = "/", .handler = h, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/org", .handler = h, .perm = PERM_PUBLIC},
    {.method = "GET", .path = "/org/{id}", .handler = h, .perm = PERM_PUBLIC},
    {.method = "POST", .path = "/org/{id}", .handler = h, .perm = PERM_MEMBER, .csrf = true},
    {.method = "GET", .path = "/static/{*path}", .handler = h, .perm = PERM_PUBLIC},
};

TEST(matches_literals_parameters_and_rest)
{
    char err[256];
    router *rt = compile(table, sizeof table / sizeof *table, err);
    CHECK(rt != NULL);
    arena a;
    arena_init(&a);
    http_request req = {.a = &a};
    const char *allow = NULL;
    CHECK_INT(router_find(rt, &req, "GET", "/", &allow), ROUTE_FOUND);
    CHECK(req.route == &table[0]);
    CHECK_INT(router_find(rt, &req, "HEAD", "/org", &allow), ROUTE_FOUND);
    CHECK(req.route == &table[1]);
    CHECK_INT(router_find(rt, &req, "GET", "/org/42", &allow), ROUTE_FOUND);
    CHECK_STR(http_param(&req, "id"), "42");
    CHECK_INT(router_find(rt, &req, "POST", "/org/42", &allow), ROUTE_FOUND);
    CHECK(req.route == &table[3]);
    CHECK_INT(router_find(rt, &req, "GET", "/static/css/a.css", &allow), ROUTE_FOUND);
    CHECK_STR(http_param(&req, "path"), "css/a.css");
    CHECK_INT(router_find(rt, &req, "GET", "/nope", &allow), ROUTE_NOT_FOUND);
    CHECK_INT(router_find(rt, &req, "GET", "/org/", &allow), ROUTE_NOT_FOUND);
    CHECK_INT(router_find(rt, &req, "GET", "/org/1/2", &allow), ROUTE_NOT_FOUND);
    CHECK_INT(router_find(rt, &req, "GET", "/static", &allow), ROUTE_NOT_FOUND);
    arena_free(&a);
    router_free(rt);
}

TEST(wrong_method_gives_allow_list)
{
    char err[256];
    router *rt = compile(table, sizeof table / sizeof *table, err);
    arena a;
    arena_init(&a);
    http_request req = {.a = &a};
    const char *allow = NULL;
    CHECK_INT(router_find(rt, &req, "POST", "/org", &allow), ROUTE_BAD_METHOD);
    CHECK_STR(allow, "GET, HEAD");
    CHECK_INT(router_find(rt, &req, "DELETE", "/org/1", &allow), ROUTE_BAD_METHOD);
    CHECK_STR(allow, "GET, HEAD, POST");
    arena_free(&a);
    router_free(rt);
}

TEST(the_real_route_table_compiles)
{
    char err[256];
    router *rt = compile(web_routes, web_routes_count, err);
    CHECK(rt != NULL);
    if (!rt)
        printf("# %s\n", err);
    router_free(rt);
}

TEST(local_redirect_targets_only)
{
    CHECK(http_is_local_path("/org?q=1"));
    CHECK(!http_is_local_path("//evil.example/"));
    CHECK(!http_is_local_path("/\\evil.example/"));
    CHECK(!http_is_local_path("https://evil.example/"));
    CHECK(!http_is_local_path("javascript:alert(1)"));
    CHECK(!http_is_local_path("/a\r\nSet-Cookie: x=1"));
    CHECK(!http_is_local_path(""));
    CHECK(!http_is_local_path(NULL));
}

int main(void)
{
    return tap_run();
}
