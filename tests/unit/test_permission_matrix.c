/*
 * test_permission_matrix.c - docs/security/permission-matrix.md (the spec's
 * 権限マトリックス, clause 3.2.1) lists every route of src/web/routes.c with
 * its permission and CSRF rule, and nothing else: the document and the code
 * cannot drift apart.  Routes of the test build (/_test/...) are left out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/route.h"
#include "web/app.h"
#include "tap.h"

#ifndef TEST_SOURCE_ROOT
#define TEST_SOURCE_ROOT "."
#endif

typedef struct row {
    char method[8], path[256], perm[32], csrf[64];
    int line;
    bool matched;
} row;

static row rows[512];
static size_t nrows;

/* The cells of a Markdown table row "| a | b | c |", trimmed. */
static int cells(char *line, char **out, int max)
{
    int n = 0;
    char *p = strchr(line, '|');
    while (p && n < max) {
        char *start = p + 1, *end = strchr(start, '|');
        if (!end)
            break;
        *end = '\0';
        while (*start == ' ')
            start++;
        char *e = start + strlen(start);
        while (e > start && e[-1] == ' ')
            *--e = '\0';
        out[n++] = start;
        p = end;
    }
    return n;
}

static bool load_matrix(void)
{
    FILE *f = fopen(TEST_SOURCE_ROOT "/docs/security/permission-matrix.md", "r");
    if (!f)
        return false;
    char line[1024];
    int lineno = 0;
    bool inside = false;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (strstr(line, "<!-- routes:begin -->")) {
            inside = true;
            continue;
        }
        if (strstr(line, "<!-- routes:end -->"))
            break;
        if (!inside || line[0] != '|')
            continue;
        char *c[8];
        int n = cells(line, c, 8);
        if (n < 4 || strcmp(c[0], "メソッド") == 0 || strncmp(c[0], "---", 3) == 0)
            continue;
        if (nrows == sizeof rows / sizeof *rows)
            break;
        row *r = &rows[nrows++];
        snprintf(r->method, sizeof r->method, "%s", c[0]);
        snprintf(r->path, sizeof r->path, "%s", c[1]);
        snprintf(r->perm, sizeof r->perm, "%s", c[2]);
        snprintf(r->csrf, sizeof r->csrf, "%s", c[3]);
        r->line = lineno;
    }
    fclose(f);
    return nrows > 0;
}

static const char *perm_label(perm p)
{
    switch (p) {
    case PERM_PUBLIC:
        return "公開";
    case PERM_MEMBER:
        return "会員";
    case PERM_STAFF_EDITOR:
        return "編集者";
    case PERM_STAFF_ADMIN:
        return "管理者";
    default:
        return "(未宣言)";
    }
}

/* The CSRF cell a route must have: "要", "—" (GET), or "免除" for a waiver. */
static const char *csrf_label(const route *r)
{
    if (r->csrf)
        return "要";
    if (r->csrf_waiver)
        return "免除";
    return "—";
}

TEST(spec_3_2_1_permission_matrix_lists_every_route_with_its_permission)
{
    CHECK(load_matrix());
    for (size_t i = 0; i < web_routes_count; i++) {
        const route *r = &web_routes[i];
        if (strncmp(r->path, "/_test/", 7) == 0)
            continue;
        row *found = NULL;
        for (size_t j = 0; j < nrows; j++)
            if (strcmp(rows[j].method, r->method) == 0 && strcmp(rows[j].path, r->path) == 0)
                found = &rows[j];
        if (!found) {
            printf("# %s %s is missing from docs/security/permission-matrix.md\n", r->method,
                   r->path);
            CHECK(found != NULL);
            continue;
        }
        found->matched = true;
        if (strcmp(found->perm, perm_label(r->perm)) != 0) {
            printf("# %s %s: the matrix says %s, the route table %s (line %d)\n", r->method,
                   r->path, found->perm, perm_label(r->perm), found->line);
            CHECK(false);
        }
        if (strncmp(found->csrf, csrf_label(r), strlen(csrf_label(r))) != 0) {
            printf("# %s %s: CSRF is %s in the matrix, %s in the route table (line %d)\n",
                   r->method, r->path, found->csrf, csrf_label(r), found->line);
            CHECK(false);
        }
    }
    for (size_t j = 0; j < nrows; j++)
        if (!rows[j].matched) {
            printf("# line %d: %s %s is in the matrix but not in the route table\n", rows[j].line,
                   rows[j].method, rows[j].path);
            CHECK(rows[j].matched);
        }
}

int main(void)
{
    return tap_run();
}
