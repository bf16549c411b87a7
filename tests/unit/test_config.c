/* Unit tests of core/ini and core/config: syntax, sources and their order,
 * validation of every key, error messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/fault.h"
#include "core/ini.h"
#include "core/limits.h"
#include "tap.h"

/* --- helpers --- */

static char tmp_dir[64];

/* Writes text to a file in the test's temporary directory; returns its path. */
static const char *write_file(const char *name, const char *text)
{
    static char path[256];
    if (!tmp_dir[0]) {
        snprintf(tmp_dir, sizeof tmp_dir, "/tmp/tsunagu-test-config-XXXXXX");
        if (!mkdtemp(tmp_dir))
            abort();
    }
    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
    return path;
}

/* Collects "key=value;" for every pair ini_parse() reports. */
typedef struct collected {
    buf out;
    int stop_at;   /* return false at this pair (1-based); 0 = never */
    int count;
} collected;

static bool collect(void *ctx, const char *key, const char *value, char *err, size_t errlen)
{
    collected *c = ctx;
    c->count++;
    if (c->count == c->stop_at) {
        snprintf(err, errlen, "%s: いやです", key);
        return false;
    }
    buf_printf(&c->out, "%s=%s;", key, value);
    return true;
}

static char ini_err[256];

/* ini_parse() of a C string; returns the collected pairs or "ERR:" + message. */
static const char *parse(const char *text, int stop_at)
{
    static char result[1024];
    collected c = {BUF_INIT, stop_at, 0};
    ini_err[0] = '\0';
    bool ok = ini_parse(text, strlen(text), collect, &c, ini_err, sizeof ini_err);
    if (ok)
        snprintf(result, sizeof result, "%s", c.out.data ? c.out.data : "");
    else
        snprintf(result, sizeof result, "ERR:%s", ini_err);
    buf_free(&c.out);
    return result;
}

static char *describe(const config *c)
{
    buf b = BUF_INIT;
    config_describe(c, &b);
    return buf_steal(&b, NULL);
}

/* --- INI --- */

TEST(ini_reads_pairs_sections_comments_quotes)
{
    CHECK_STR(parse("", 0), "");
    CHECK_STR(parse("a=1", 0), "a=1;");
    CHECK_STR(parse("  key  =  value with spaces  \n", 0), "key=value with spaces;");
    CHECK_STR(parse("; comment\n# another\n\n\t\nx = y\n", 0), "x=y;");
    CHECK_STR(parse("[smtp]\nurl = smtp://h\n[ web ]\nport=80\n", 0),
              "smtp.url=smtp://h;web.port=80;");
    CHECK_STR(parse("a = \"  padded  \"\nb = \"\"\nc = \"x\"y\"\n", 0),
              "a=  padded  ;b=;c=x\"y;");
    CHECK_STR(parse("a =\n", 0), "a=;");
    CHECK_STR(parse("url = http://x/?a=b\n", 0), "url=http://x/?a=b;");
    CHECK_STR(parse("a = b ; not a comment\n", 0), "a=b ; not a comment;");
    CHECK_STR(parse("win = 1\r\nnext = 2\r\n", 0), "win=1;next=2;");
    CHECK_STR(parse("\xEF\xBB\xBF" "bom = yes\n", 0), "bom=yes;");
    CHECK_STR(parse("名前 = 値\n", 0), "ERR:line 1: キーには英数字と _ - . だけが使えます");
    CHECK_STR(parse("name = 山口県 つなぐ\n", 0), "name=山口県 つなぐ;");
    CHECK_STR(parse("last = no newline", 0), "last=no newline;");
}

TEST(ini_reports_syntax_errors_with_line_numbers)
{
    CHECK_STR(parse("a=1\njust words\n", 0),
              "ERR:line 2: 「キー = 値」の形で書いてください（= がありません）");
    CHECK_STR(parse("\n\n[unclosed\n", 0), "ERR:line 3: 節の見出しは [名前] の形で書いてください");
    CHECK_STR(parse("[]\n", 0), "ERR:line 1: 節の名前には英数字と _ - . だけが使えます");
    CHECK_STR(parse("[a b]\n", 0), "ERR:line 1: 節の名前には英数字と _ - . だけが使えます");
    CHECK_STR(parse(" = value\n", 0), "ERR:line 1: キーには英数字と _ - . だけが使えます");
    CHECK_STR(parse("a b = c\n", 0), "ERR:line 1: キーには英数字と _ - . だけが使えます");
    CHECK_STR(parse("a = \"open\n", 0), "ERR:line 1: 値の終わりの \" がありません");
    CHECK_STR(parse("a = \"\n", 0), "ERR:line 1: 値の終わりの \" がありません");
    CHECK_STR(parse("ok = 1\nbad = \xff\n", 0), "ERR:line 2: UTF-8 として正しくない文字があります");
    CHECK_STR(parse("a = \xc0\xaf\n", 0), "ERR:line 1: UTF-8 として正しくない文字があります");
    CHECK_STR(parse("a = x\x01y\n", 0), "ERR:line 1: 制御文字は使えません");
    CHECK_STR(parse("a = x\x7fy\n", 0), "ERR:line 1: 制御文字は使えません");
    CHECK_STR(parse("a = x\ry\n", 0), "ERR:line 1: 制御文字は使えません");
    char text[LIMIT_INI_KEY + 16];
    memset(text, 'k', LIMIT_INI_KEY + 1);
    snprintf(text + LIMIT_INI_KEY + 1, 8, " = v\n");
    CHECK_STR(parse(text, 0), "ERR:line 1: キーが長すぎます（最大 128 バイト）");
    text[LIMIT_INI_KEY] = ' ';   /* exactly LIMIT_INI_KEY bytes is fine */
    CHECK(strncmp(parse(text, 0), "kkk", 3) == 0);
    /* a NUL byte inside the text is not UTF-8 for us */
    collected c = {BUF_INIT, 0, 0};
    CHECK(!ini_parse("a = b\0c\n", 8, collect, &c, ini_err, sizeof ini_err));
    CHECK_STR(ini_err, "line 1: UTF-8 として正しくない文字があります");
    buf_free(&c.out);
}

TEST(ini_prefixes_callback_errors_with_the_line)
{
    CHECK_STR(parse("a=1\n\n; c\nb=2\nc=3\n", 2), "ERR:line 4: b: いやです");
    /* a tiny err buffer still gets a terminated, cut message */
    collected c = {BUF_INIT, 1, 0};
    char small[12];
    CHECK(!ini_parse("key=1\n", 6, collect, &c, small, sizeof small));
    CHECK_STR(small, "line 1: key");
    c.count = 0;
    CHECK(!ini_parse("key=1\n", 6, collect, &c, small, 0));   /* errlen 0: nothing written */
    buf_free(&c.out);
}

TEST(ini_survives_allocation_failure)
{
    collected c = {BUF_INIT, 0, 0};
    fault_fail_nth(1);
    CHECK(!ini_parse("a = 1\n", 6, collect, &c, ini_err, sizeof ini_err));
    fault_fail_nth(0);
    CHECK_STR(ini_err, "line 1: メモリが足りません");
    buf_free(&c.out);
}

/* --- config: defaults and sources --- */

TEST(defaults_are_the_documented_ones)
{
    config c;
    config_defaults(&c);
    CHECK_STR(c.listen_host, "127.0.0.1");
    CHECK_INT(c.port, 8080);
    CHECK_STR(c.data_dir, "./var");
    CHECK(c.share_dir[0] != '\0');
    CHECK_INT(c.threads, 16);
    CHECK_STR(c.trusted_proxies, "");
    CHECK_STR(c.base_url, "");
    CHECK_INT(c.log_level, LOG_INFO);
    CHECK_STR(c.smtp_url, "smtp://127.0.0.1:2525");
    CHECK_STR(c.smtp_from, "");
    CHECK_STR(c.smtp_user, "");
    CHECK_STR(c.smtp_password_file, "");
    CHECK_STR(c.centre_bcc, "");
    CHECK_INT(c.session_idle_min, 30);
    CHECK_INT(c.session_abs_hours, 12);
    CHECK_INT(c.lockout_failures, 5);
    CHECK_INT(c.lockout_min, 30);
}

TEST(file_sets_every_key)
{
    const char *path = write_file("full.ini",
                                  "; Tsunagu settings\n"
                                  "listen = 0.0.0.0:9090\n"
                                  "data_dir = /srv/tsunagu/var\n"
                                  "share_dir = /usr/share/tsunagu\n"
                                  "threads = 32\n"
                                  "trusted_proxies = 10.0.0.1, ::1\n"
                                  "base_url = https://www.kenmin-katsudo.jp/\n"
                                  "log_level = debug\n"
                                  "smtp_url = smtps://mail.example.jp:465\n"
                                  "smtp_from = \"info@kenmin-katsudo.jp\"\n"
                                  "smtp_user = tsunagu\n"
                                  "smtp_password_file = /etc/tsunagu/smtp-password\n"
                                  "centre_bcc = centre@kenmin-katsudo.jp\n"
                                  "session_idle_min = 20\n"
                                  "session_abs_hours = 8\n"
                                  "lockout_failures = 10\n"
                                  "lockout_min = 60\n");
    config c;
    config_defaults(&c);
    char err[256] = "";
    CHECK(config_load_file(&c, path, err, sizeof err));
    CHECK_STR(err, "");
    CHECK_STR(c.listen_host, "0.0.0.0");
    CHECK_INT(c.port, 9090);
    CHECK_STR(c.data_dir, "/srv/tsunagu/var");
    CHECK_STR(c.share_dir, "/usr/share/tsunagu");
    CHECK_INT(c.threads, 32);
    CHECK_STR(c.trusted_proxies, "10.0.0.1,::1");
    CHECK_STR(c.base_url, "https://www.kenmin-katsudo.jp");
    CHECK_INT(c.log_level, LOG_DEBUG);
    CHECK_STR(c.smtp_url, "smtps://mail.example.jp:465");
    CHECK_STR(c.smtp_from, "info@kenmin-katsudo.jp");
    CHECK_STR(c.smtp_user, "tsunagu");
    CHECK_STR(c.smtp_password_file, "/etc/tsunagu/smtp-password");
    CHECK_STR(c.centre_bcc, "centre@kenmin-katsudo.jp");
    CHECK_INT(c.session_idle_min, 20);
    CHECK_INT(c.session_abs_hours, 8);
    CHECK_INT(c.lockout_failures, 10);
    CHECK_INT(c.lockout_min, 60);
}

TEST(env_overrides_file_and_flags_override_env)
{
    const char *path = write_file("order.ini", "threads = 8\nport = 8001\nlog_level = warn\n");
    config c;
    config_defaults(&c);
    char err[256] = "";
    CHECK(config_load_file(&c, path, err, sizeof err));
    CHECK_INT(c.threads, 8);
    char *env[] = {"HOME=/root", "TSUNAGU_THREADS=4", "TSUNAGU_FAIL_ALLOC=0",
                   "TSUNAGU_SOMETHING_ELSE=x", "TSUNAGU_DATA_DIR=/env/var",
                   "TSUNAGU_THREADS=99", "TSUNAGU_THREADSX=1", NULL};
    CHECK(config_load_env(&c, env, err, sizeof err));
    CHECK_INT(c.threads, 4);          /* env over file; first occurrence counts */
    CHECK_STR(c.data_dir, "/env/var");
    CHECK_INT(c.port, 8001);          /* untouched by env */
    CHECK_INT(c.log_level, LOG_WARN);
    CHECK(config_set(&c, "threads", "2", "コマンドライン", err, sizeof err));
    CHECK_INT(c.threads, 2);          /* flag over env */
    CHECK(config_load_env(&c, NULL, err, sizeof err));
    CHECK_INT(c.threads, 2);
}

TEST(env_errors_name_the_variable_and_change_nothing)
{
    config c, before;
    config_defaults(&c);
    before = c;
    char *env[] = {"TSUNAGU_DATA_DIR=/ok", "TSUNAGU_THREADS=0", NULL};
    char err[256] = "";
    CHECK(!config_load_env(&c, env, err, sizeof err));
    CHECK_STR(err, "環境変数 TSUNAGU_THREADS: threads: 0 は 1 から 256 の整数で指定してください");
    CHECK(memcmp(&c, &before, sizeof c) == 0);
}

TEST(file_errors_name_path_line_and_key)
{
    const char *path = write_file("bad.ini", "; settings\nport = 8080\n\nthreads = 0\n");
    config c, before;
    config_defaults(&c);
    before = c;
    char err[512] = "", want[512];
    CHECK(!config_load_file(&c, path, err, sizeof err));
    snprintf(want, sizeof want, "%s line 4: threads: 0 は 1 から 256 の整数で指定してください",
             path);
    CHECK_STR(err, want);
    CHECK(memcmp(&c, &before, sizeof c) == 0);   /* all or nothing */

    path = write_file("unknown.ini", "port = 8080\n\n\nfoo = 1\n");
    CHECK(!config_load_file(&c, path, err, sizeof err));
    snprintf(want, sizeof want, "%s line 4: foo: 不明な設定項目です", path);
    CHECK_STR(err, want);

    path = write_file("syntax.ini", "port 8080\n");
    CHECK(!config_load_file(&c, path, err, sizeof err));
    snprintf(want, sizeof want, "%s line 1: 「キー = 値」の形で書いてください（= がありません）",
             path);
    CHECK_STR(err, want);

    path = write_file("section.ini", "[smtp]\nurl = smtp://x\n");
    CHECK(!config_load_file(&c, path, err, sizeof err));
    snprintf(want, sizeof want, "%s line 2: smtp.url: 不明な設定項目です", path);
    CHECK_STR(err, want);
}

TEST(missing_huge_or_odd_files_are_errors)
{
    config c;
    config_defaults(&c);
    char err[512] = "";
    CHECK(!config_load_file(&c, "/nonexistent/tsunagu.ini", err, sizeof err));
    CHECK(strstr(err, "設定ファイル /nonexistent/tsunagu.ini を開けません") == err);
    CHECK(!config_load_file(&c, "/tmp", err, sizeof err));
    CHECK(strstr(err, "通常のファイルではありません") != NULL);
    char *big = malloc(LIMIT_CONFIG_FILE + 100);
    memset(big, ';', LIMIT_CONFIG_FILE + 99);
    big[LIMIT_CONFIG_FILE + 99] = '\0';
    const char *path = write_file("big.ini", big);
    free(big);
    CHECK(!config_load_file(&c, path, err, sizeof err));
    CHECK(strstr(err, "大きすぎます") != NULL);
    path = write_file("empty.ini", "");
    CHECK(config_load_file(&c, path, err, sizeof err));
}

TEST(file_load_survives_allocation_failures)
{
    const char *path = write_file("oom.ini", "threads = 3\nbase_url = http://x\n");
    for (long nth = 1; nth <= 6; nth++) {
        config c, before;
        config_defaults(&c);
        before = c;
        char err[256] = "";
        fault_fail_nth(nth);
        bool ok = config_load_file(&c, path, err, sizeof err);
        bool fired = fault_fired();
        fault_fail_nth(0);
        if (fired) {
            CHECK(!ok);
            CHECK(strstr(err, "メモリが足りません") != NULL);
            CHECK(memcmp(&c, &before, sizeof c) == 0);
        } else {
            CHECK(ok);
            CHECK_INT(c.threads, 3);
        }
    }
}

/* --- config: validation --- */

TEST(listen_accepts_host_port_v6_and_port_only)
{
    config c;
    config_defaults(&c);
    char err[256] = "";
    CHECK(config_set(&c, "listen", "0.0.0.0:80", NULL, err, sizeof err));
    CHECK_STR(c.listen_host, "0.0.0.0");
    CHECK_INT(c.port, 80);
    CHECK(config_set(&c, "listen", "[::1]:8443", NULL, err, sizeof err));
    CHECK_STR(c.listen_host, "::1");
    CHECK_INT(c.port, 8443);
    CHECK(config_set(&c, "listen", "[::]:65535", NULL, err, sizeof err));
    CHECK_STR(c.listen_host, "::");
    CHECK(config_set(&c, "listen", "[2001:db8::a:b]:1", NULL, err, sizeof err));
    CHECK_STR(c.listen_host, "2001:db8::a:b");
    CHECK_INT(c.port, 1);
    CHECK(config_set(&c, "listen", ":9000", NULL, err, sizeof err));
    CHECK_STR(c.listen_host, "2001:db8::a:b");   /* ":PORT" keeps the host */
    CHECK_INT(c.port, 9000);
    CHECK(config_set(&c, "listen", "localhost:8080", NULL, err, sizeof err));
    CHECK_STR(c.listen_host, "localhost");
    CHECK(config_set(&c, "listen", "www.example-1.jp:8080", NULL, err, sizeof err));
    CHECK_STR(c.listen_host, "www.example-1.jp");
    CHECK(config_set(&c, "port", "8081", NULL, err, sizeof err));
    CHECK_INT(c.port, 8081);
}

TEST(listen_refuses_malformed_forms)
{
    static const char *const bad[][2] = {
        {"::1:8080", "listen: IPv6 アドレスは [::1]:8080 のように [ ] で囲んでください"},
        {"[::1]8080", "listen: [::1]8080 は [IPv6アドレス]:ポート の形で指定してください"},
        {"[::1", "listen: [::1 は [IPv6アドレス]:ポート の形で指定してください"},
        {"[zz]:80", "listen: zz は IPv6 アドレスではありません"},
        {"[1.2.3.4]:80", "listen: 1.2.3.4 は IPv6 アドレスではありません"},
        {"host:0", "listen: ポート番号 0 は 1 から 65535 の整数で指定してください"},
        {"host:65536", "listen: ポート番号 65536 は 1 から 65535 の整数で指定してください"},
        {"host:-1", "listen: ポート番号 -1 は 1 から 65535 の整数で指定してください"},
        {"host: 80", "listen: ポート番号  80 は 1 から 65535 の整数で指定してください"},
        {"1.2.3.4:", "listen: ポート番号  は 1 から 65535 の整数で指定してください"},
        {"host", "listen: host は ホスト:ポート、[IPv6アドレス]:ポート、:ポート のいずれかの形で"
                 "指定してください"},
        {"-bad-:80", "listen: -bad- は IP アドレスでもホスト名でもありません"},
        {"a..b:80", "listen: a..b は IP アドレスでもホスト名でもありません"},
        {"ホスト:80", "listen: ホスト は IP アドレスでもホスト名でもありません"},
        {"", "listen: 空にはできません"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        config c, before;
        config_defaults(&c);
        before = c;
        char err[512] = "";
        CHECK(!config_set(&c, "listen", bad[i][0], NULL, err, sizeof err));
        CHECK_STR(err, bad[i][1]);
        CHECK(memcmp(&c, &before, sizeof c) == 0);
    }
}

/* Every validation rule: key, value, the message expected after "SRC: key: ". */
TEST(every_validation_error_has_a_clear_message)
{
    static const char *const bad[][3] = {
        {"threads", "0", "0 は 1 から 256 の整数で指定してください"},
        {"threads", "257", "257 は 1 から 256 の整数で指定してください"},
        {"threads", "16x", "16x は 1 から 256 の整数で指定してください"},
        {"threads", "+16", "+16 は 1 から 256 の整数で指定してください"},
        {"threads", "", " は 1 から 256 の整数で指定してください"},
        {"threads", "99999999999999999999", "99999999999999999999 は 1 から 256 の整数で"
                                            "指定してください"},
        {"port", "0", "0 は 1 から 65535 の整数で指定してください"},
        {"session_idle_min", "0", "0 は 1 から 1440 の整数で指定してください"},
        {"session_abs_hours", "721", "721 は 1 から 720 の整数で指定してください"},
        {"lockout_failures", "101", "101 は 1 から 100 の整数で指定してください"},
        {"lockout_min", "1441", "1441 は 1 から 1440 の整数で指定してください"},
        {"log_level", "verbose",
         "verbose は debug、info、warn、error のいずれかで指定してください"},
        {"base_url", "ftp://x", "ftp://x は http:// か https:// で始まる URL で指定してください"},
        {"base_url", "www.example.jp", "www.example.jp は http:// か https:// で始まる URL で"
                                       "指定してください"},
        {"base_url", "https://", "https:// は http:// か https:// で始まる URL で指定してください"},
        {"base_url", "https://u:p@x.jp", "URL に利用者名やパスワードを書かないでください"
                                         "（smtp_user と smtp_password_file を使います）"},
        {"base_url", "https://x.jp/a b", "URL に空白や \" ' < > \\ などの文字は使えません"},
        {"base_url", "https://x.jp/\"><script>", "URL に空白や \" ' < > \\ などの文字は使えません"},
        {"smtp_url", "http://x", "http://x は smtp:// か smtps:// で始まる URL で指定してください"},
        {"smtp_url", "smtp://user:secret@x", "URL に利用者名やパスワードを書かないでください"
                                             "（smtp_user と smtp_password_file を使います）"},
        {"smtp_url", "", "空にはできません"},
        {"trusted_proxies", "10.0.0.0/8", "10.0.0.0/8 は IP アドレスではありません"
                                          "（CIDR やホスト名は使えません）"},
        {"trusted_proxies", "proxy.local", "proxy.local は IP アドレスではありません"
                                           "（CIDR やホスト名は使えません）"},
        {"trusted_proxies", "10.0.0.1,,10.0.0.2", "空の項目があります（, が余分です）"},
        {"trusted_proxies", "10.0.0.1,", "空の項目があります（, が余分です）"},
        {"smtp_from", "nobody", "nobody はメールアドレスとして正しくありません"},
        {"smtp_from", "a@b@c.jp", "a@b@c.jp はメールアドレスとして正しくありません"},
        {"smtp_from", "Taro <t@x.jp>", "Taro <t@x.jp> はメールアドレスとして正しくありません"},
        {"centre_bcc", "a@", "a@ はメールアドレスとして正しくありません"},
        {"centre_bcc", "a@x.jp\r\nBcc: evil@x.jp", "制御文字は使えません"},
        {"data_dir", "", "空にはできません"},
        {"share_dir", "/a\nb", "制御文字は使えません"},
        {"smtp_user", "u\x01", "制御文字は使えません"},
        {"trusted_proxies", "10.0.0.1,\t::1", "制御文字は使えません"},
        {"smtp_user", "u\xc2\x85", "制御文字は使えません"},
        {"smtp_user", "u\xff", "UTF-8 として正しくない文字があります"},
        {"smtp_user", "u\xe3\x81", "UTF-8 として正しくない文字があります"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        config c, before;
        config_defaults(&c);
        before = c;
        char err[512] = "", want[512];
        CHECK(!config_set(&c, bad[i][0], bad[i][1], "コマンドライン", err, sizeof err));
        snprintf(want, sizeof want, "コマンドライン: %s: %s", bad[i][0], bad[i][2]);
        if (strcmp(err, want) != 0)
            printf("# case %zu\n", i);
        CHECK_STR(err, want);
        CHECK(memcmp(&c, &before, sizeof c) == 0);
    }
}

TEST(values_too_long_for_their_field_are_refused)
{
    config c;
    config_defaults(&c);
    char err[512] = "";
    char *v = malloc(5000);
    memset(v, 'a', 4999);
    v[0] = '/';
    v[4999] = '\0';
    CHECK(!config_set(&c, "data_dir", v, NULL, err, sizeof err));
    CHECK_STR(err, "data_dir: 長すぎます（最大 4095 バイト）");
    v[4095] = '\0';
    CHECK(config_set(&c, "data_dir", v, NULL, err, sizeof err));
    CHECK_INT(strlen(c.data_dir), 4095);
    /* long values are shown cut in messages */
    memset(v, '9', 300);
    v[300] = '\0';
    CHECK(!config_set(&c, "threads", v, NULL, err, sizeof err));
    CHECK(strlen(err) < 200);
    CHECK(strstr(err, "…") != NULL);
    free(v);
    /* a list that only grows too long once normalised... cannot: it shrinks */
    char proxies[2000] = "";
    for (int i = 0; i < 100; i++)
        strcat(proxies, "192.168.100.200,");
    strcat(proxies, "::1");
    CHECK(!config_set(&c, "trusted_proxies", proxies, NULL, err, sizeof err));
    CHECK_STR(err, "trusted_proxies: 長すぎます（最大 1023 バイト）");
}

TEST(unknown_keys_are_refused_by_name)
{
    config c;
    config_defaults(&c);
    char err[256] = "";
    CHECK(!config_set(&c, "thread", "4", "コマンドライン", err, sizeof err));
    CHECK_STR(err, "コマンドライン: thread: 不明な設定項目です");
    CHECK(!config_set(&c, "bad\nkey", "4", NULL, err, sizeof err));
    CHECK_STR(err, "(不正な名前): 不明な設定項目です");
    /* a tiny buffer gets a terminated, cut message and no half characters */
    char small[20];
    CHECK(!config_set(&c, "threads", "0", "コマンドライン", small, sizeof small));
    CHECK_STR(small, "コマンドライ");   /* 20 bytes cannot hold the 7th character */
    CHECK(!config_set(&c, "threads", "0", NULL, err, 0));
}

TEST(accepted_values_are_normalised)
{
    config c;
    config_defaults(&c);
    char err[256] = "";
    CHECK(config_set(&c, "log_level", "WARN", NULL, err, sizeof err));
    CHECK_INT(c.log_level, LOG_WARN);
    CHECK(config_set(&c, "log_level", "warning", NULL, err, sizeof err));
    CHECK_INT(c.log_level, LOG_WARN);
    CHECK(config_set(&c, "log_level", "Error", NULL, err, sizeof err));
    CHECK_INT(c.log_level, LOG_ERROR);
    CHECK(config_set(&c, "base_url", "http://localhost:8080///", NULL, err, sizeof err));
    CHECK_STR(c.base_url, "http://localhost:8080");
    CHECK(config_set(&c, "base_url", "https://x.jp/tsunagu/", NULL, err, sizeof err));
    CHECK_STR(c.base_url, "https://x.jp/tsunagu");
    CHECK(config_set(&c, "base_url", "", NULL, err, sizeof err));
    CHECK_STR(c.base_url, "");
    CHECK(config_set(&c, "trusted_proxies", " 192.0.2.1 ,  2001:db8::1 ", NULL, err, sizeof err));
    CHECK_STR(c.trusted_proxies, "192.0.2.1,2001:db8::1");
    CHECK(config_set(&c, "trusted_proxies", "", NULL, err, sizeof err));
    CHECK_STR(c.trusted_proxies, "");
    CHECK(config_set(&c, "threads", "0256", NULL, err, sizeof err));
    CHECK_INT(c.threads, 256);
    CHECK(config_set(&c, "centre_bcc", "", NULL, err, sizeof err));
    CHECK(config_set(&c, "smtp_user", "つなぐ", NULL, err, sizeof err));
    CHECK_STR(c.smtp_user, "つなぐ");
}

TEST(describe_round_trips_through_the_file_format)
{
    config a;
    config_defaults(&a);
    char err[512] = "";
    CHECK(config_set(&a, "listen", "[::1]:8443", NULL, err, sizeof err));
    CHECK(config_set(&a, "trusted_proxies", "10.0.0.1,::1", NULL, err, sizeof err));
    CHECK(config_set(&a, "smtp_user", " spaced user ", NULL, err, sizeof err));
    CHECK(config_set(&a, "smtp_from", "info@example.jp", NULL, err, sizeof err));
    CHECK(config_set(&a, "log_level", "error", NULL, err, sizeof err));
    CHECK(config_set(&a, "data_dir", "\"quoted\"", NULL, err, sizeof err));
    char *text = describe(&a);
    CHECK(text != NULL);
    if (!text)
        return;
    CHECK(strstr(text, "listen = [::1]:8443\n") != NULL);
    CHECK(strstr(text, "base_url = \"\"\n") != NULL);
    CHECK(strstr(text, "smtp_user = \" spaced user \"\n") != NULL);
    CHECK(strstr(text, "log_level = error\n") != NULL);
    CHECK(strstr(text, "threads = 16\n") != NULL);
    CHECK(strstr(text, "port =") == NULL);   /* part of listen */
    const char *path = write_file("described.ini", text);
    config b;
    config_defaults(&b);
    CHECK(config_set(&b, "threads", "99", NULL, err, sizeof err));
    CHECK(config_load_file(&b, path, err, sizeof err));
    char *again = describe(&b);
    CHECK_STR(again, text);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    free(text);
    free(again);
}

TEST(cleanup_temporary_directory)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    CHECK(tmp_dir[0] && system(cmd) == 0);
}

int main(void)
{
    return tap_run();
}
