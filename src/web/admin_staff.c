/*
 * admin_staff.c - creating a staff account from the admin (issue: "staff
 * user management (admin / editor, suspend, delete)"; spec 3.3.6; SEC-18:
 * staff accounts are made by staff, never by self-registration).
 *
 *   GET  /admin/accounts/new   the form: login ID, name, mail address, role
 *   POST /admin/accounts/new   creates the account active, with a random
 *                              initial password shown once on the result page
 *
 * The account is made the way `tsunagu user add` makes one (cli/user.c),
 * through account_create_verified(), but with must_change_password set
 * (SEC-15): at the first sign-in the new staff member sets up the second
 * factor and then must choose their own password before any other screen
 * opens.  The password is never mailed (3.3.1(3)) and never logged; the
 * page that shows it is not cached (http/request.h CACHE_NONE).
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "domain/account.h"
#include "mail/addr.h"
#include "web/account.h"
#include "web/admin_io.h"
#include "web/auth.h"
#include "web/page.h"

/* Initial passwords: 16 characters of an alphabet without look-alikes
 * (0/O, 1/l/I), about 93 bits, read aloud or typed from paper without
 * mistakes. */
#define INITIAL_PASSWORD_CHARS 16
static const char initial_alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/* Writes a fresh initial password; false when the random generator fails
 * (then no account may be created: never fall back to a weaker source). */
static bool initial_password(char out[INITIAL_PASSWORD_CHARS + 1])
{
    const unsigned n = sizeof initial_alphabet - 1; /* 57 */
    /* Rejection sampling: bytes >= 228 (4 * 57) would favour the first
     * characters, so they are drawn again. */
    const unsigned limit = 256 - 256 % n;
    size_t k = 0;
    while (k < INITIAL_PASSWORD_CHARS) {
        unsigned char bytes[32];
        if (RAND_bytes(bytes, sizeof bytes) != 1) {
            out[0] = '\0';
            return false;
        }
        for (size_t i = 0; i < sizeof bytes && k < INITIAL_PASSWORD_CHARS; i++)
            if (bytes[i] < limit)
                out[k++] = initial_alphabet[bytes[i] % n];
        OPENSSL_cleanse(bytes, sizeof bytes);
    }
    out[k] = '\0';
    return true;
}

static tv *staff_form_page(http_request *req)
{
    crumb c[] = {{"管理画面", "/admin"},
                 {"アカウント管理", "/admin/accounts"},
                 {"職員アカウントの作成", NULL}};
    tv *root = web_page(req, "職員アカウントの作成", c, 3);
    if (!root || !web_page_form(req, root) || !tv_set(req->a, root, "errors", tv_list(req->a)) ||
        !tv_set(req->a, root, "ferr", tv_map(req->a)) ||
        !tv_set(req->a, root, "form", tv_map(req->a)))
        return NULL;
    return root;
}

int web_admin_staff_new_form(http_request *req)
{
    tv *root = staff_form_page(req);
    if (!root || !web_form_keep(req, root, "role", "editor"))
        return -1;
    return web_form_render(req, root, "admin/staff_new.html");
}

int web_admin_staff_create(http_request *req)
{
    const char *login = http_form_get(req, "login");
    const char *name = http_form_get(req, "name");
    const char *email = http_form_get(req, "email");
    const char *role_s = http_form_get(req, "role");
    tv *root = staff_form_page(req);
    if (!root || !web_form_keep(req, root, "login", login) ||
        !web_form_keep(req, root, "name", name) || !web_form_keep(req, root, "email", email) ||
        !web_form_keep(req, root, "role", role_s))
        return -1;

    /* Every field is checked here so that all mistakes are listed at once;
     * account_create_verified() checks them again. */
    char err[256];
    account_role role = ACCOUNT_ROLE_MEMBER;
    if (!account_login_valid(login ? login : "", err, sizeof err) &&
        !web_form_error(req, root, "staff-login", err))
        return -1;
    if ((!name || !*name) && !web_form_error(req, root, "staff-name", "氏名を入力してください"))
        return -1;
    if ((!email || !mail_addr_valid(email)) &&
        !web_form_error(req, root, "staff-email",
                        email && *email ? "メールアドレスの形式が正しくありません"
                                        : "メールアドレスを入力してください"))
        return -1;
    /* Staff roles only: members register themselves (SEC-18). */
    if ((!role_s || !account_role_parse(role_s, &role) || role == ACCOUNT_ROLE_MEMBER) &&
        !web_form_error(req, root, "staff-role-editor", "権限を選んでください"))
        return -1;
    if (web_form_has_errors(root))
        return web_form_render(req, root, "admin/staff_new.html");

    char pw[INITIAL_PASSWORD_CHARS + 1];
    if (!initial_password(pw))
        return -1;
    account_env e;
    web_account_env(req, &e);
    const account_view *me = web_actor(req);
    account_new n = {
        .login = login,
        .password = pw,
        .password_len = strlen(pw),
        .email = email,
        .name = name,
        .role = role,
        .member_type = ACCOUNT_TYPE_NONE,
    };
    int64_t id = 0;
    account_rc rc = account_create_verified(&e, &n, true, me ? me->id : 0, &id, err, sizeof err);
    if (rc == ACCOUNT_ERROR) {
        OPENSSL_cleanse(pw, sizeof pw);
        return -1;
    }
    if (rc != ACCOUNT_OK) {
        OPENSSL_cleanse(pw, sizeof pw);
        /* ACCOUNT_TAKEN or a rule: the message says which field. */
        const char *field = strstr(err, "メール")                     ? "staff-email"
                            : strstr(err, "名") && !strstr(err, "ID") ? "staff-name"
                                                                      : "staff-login";
        if (!web_form_error(req, root, field, err))
            return -1;
        return web_form_render(req, root, "admin/staff_new.html");
    }

    crumb c[] = {{"管理画面", "/admin"},
                 {"アカウント管理", "/admin/accounts"},
                 {"職員アカウントを作成しました", NULL}};
    tv *done = web_page(req, "職員アカウントを作成しました", c, 3);
    tv *acc = tv_map(req->a);
    bool ok = done && acc && tv_set_int(req->a, acc, "id", (long long)id) &&
              tv_set_str(req->a, acc, "login", login) && tv_set_str(req->a, acc, "name", name) &&
              tv_set_str(req->a, acc, "email", email) &&
              tv_set_str(req->a, acc, "role_label", account_role_label(role)) &&
              tv_set_str(req->a, acc, "password", pw) && tv_set(req->a, done, "account", acc);
    OPENSSL_cleanse(pw, sizeof pw);
    if (!ok)
        return -1;
    return web_render(req, 200, "admin/staff_created.html", done) ? 0 : -1;
}
