/* Unit tests of core/jst and core/log: JST formatting, HTTP dates, log files,
 * line hygiene, personal-data masking, the access log, threads. */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fault.h"
#include "core/jst.h"
#include "core/log.h"
#include "tap.h"

/* --- helpers --- */

static char tmp_root[64];

/* A fresh empty directory under the test's private temporary directory. */
static const char *fresh_dir(const char *name)
{
    static char path[256];
    if (!tmp_root[0]) {
        snprintf(tmp_root, sizeof tmp_root, "/tmp/tsunagu-test-log-XXXXXX");
        if (!mkdtemp(tmp_root))
            abort();
    }
    snprintf(path, sizeof path, "%s/%s", tmp_root, name);
    mkdir(path, 0755);
    return path;
}

/* The whole file as a malloc'd NUL-terminated string (NULL if unreadable). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    if (!b.data)
        buf_puts(&b, "");
    return buf_steal(&b, NULL);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static int file_mode(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static char log_path[300];
static const char *path_in(const char *dir, const char *rel)
{
    snprintf(log_path, sizeof log_path, "%s/%s", dir, rel);
    return log_path;
}

/* log_mask() of a C string, in a static buffer. */
static const char *mask(const char *in)
{
    static char out[1024];
    buf b = BUF_INIT;
    log_mask(in, strlen(in), &b);
    snprintf(out, sizeof out, "%s", b.data ? b.data : "");
    buf_free(&b);
    return out;
}

static void use_foreign_zone(void)
{
    setenv("TZ", "America/Los_Angeles", 1);
    tzset();
}

/* --- JST --- */

TEST(jst_iso8601_is_utc_plus_9_whatever_tz_says)
{
    char out[JST_ISO_LEN];
    const char *zones[] = {"America/Los_Angeles", "UTC", "Asia/Tokyo", "Europe/London"};
    for (int i = 0; i < 4; i++) {
        setenv("TZ", zones[i], 1);
        tzset();
        jst_iso8601((struct timespec){0, 0}, out);
        CHECK_STR(out, "1970-01-01T09:00:00.000+09:00");
        jst_iso8601((struct timespec){1795392303, 123456789}, out);
        CHECK_STR(out, "2026-11-23T09:05:03.123+09:00");
    }
    /* 2025-02-28T15:00:00Z is already 1 March in Japan */
    jst_iso8601((struct timespec){1740754800, 999999999}, out);
    CHECK_STR(out, "2025-03-01T00:00:00.999+09:00");
}

TEST(jst_iso8601_clamps_absurd_times_to_a_fixed_width)
{
    char out[JST_ISO_LEN];
    jst_iso8601((struct timespec){INT64_MAX, 0}, out);
    CHECK_STR(out, "9999-12-31T23:59:59.000+09:00");
    jst_iso8601((struct timespec){INT64_MIN, -5}, out);
    CHECK_STR(out, "0000-01-01T00:00:00.000+09:00");
    jst_iso8601((struct timespec){0, 2000000000L}, out);
    CHECK_STR(out, "1970-01-01T09:00:00.999+09:00");
    CHECK_INT(strlen(out), JST_ISO_LEN - 1);
}

TEST(jst_rfc5322_and_japanese_date)
{
    use_foreign_zone();
    char out[JST_RFC5322_LEN];
    jst_rfc5322(1795392303, out);
    CHECK_STR(out, "Mon, 23 Nov 2026 09:05:03 +0900");
    char ja[JST_DATE_JA_LEN];
    jst_date_ja(1795392303, ja, sizeof ja);
    CHECK_STR(ja, "2026年11月23日（月）");
    jst_date_ja(1740754800, ja, sizeof ja);
    CHECK_STR(ja, "2025年3月1日（土）");
    char small[10] = "xxxxxxxxx";
    jst_date_ja(1740754800, small, sizeof small);
    CHECK_STR(small, "");   /* no half characters */
}

TEST(http_date_formats_gmt_and_round_trips)
{
    use_foreign_zone();
    char out[HTTP_DATE_LEN];
    http_date(784111777, out);
    CHECK_STR(out, "Sun, 06 Nov 1994 08:49:37 GMT");
    CHECK_INT(http_date_parse(out), 784111777);
    for (time_t t = 0; t < (time_t)4102444800; t += 86400 * 37 + 3601 * 7 + 13) {
        http_date(t, out);
        CHECK_INT(http_date_parse(out), t);
    }
    /* leap days */
    CHECK_INT(http_date_parse("Thu, 29 Feb 2024 00:00:00 GMT"), 1709164800);
    CHECK_INT(http_date_parse("Tue, 29 Feb 2000 12:00:00 GMT"), 951825600);
}

TEST(http_date_parse_accepts_the_three_rfc9110_forms)
{
    CHECK_INT(http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
    CHECK_INT(http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
    CHECK_INT(http_date_parse("Sun Nov  6 08:49:37 1994"), 784111777);
    CHECK_INT(http_date_parse("  Sun, 06 Nov 1994 08:49:37 GMT \t"), 784111777);
    CHECK_INT(http_date_parse("Mon, 23 Nov 2026 00:05:03 GMT"), 1795392303);
    CHECK_INT(http_date_parse("Mon Nov 23 00:05:03 2026"), 1795392303);
}

TEST(http_date_parse_refuses_everything_else)
{
    const char *bad[] = {
        "",
        "garbage",
        "Sun, 06 Nov 1994 08:49:37",          /* no zone */
        "Sun, 06 Nov 1994 08:49:37 JST",      /* not GMT */
        "Sun, 6 Nov 1994 08:49:37 GMT",       /* one-digit day */
        "sun, 06 nov 1994 08:49:37 GMT",      /* names are case-sensitive */
        "Sun, 31 Feb 1994 08:49:37 GMT",      /* no such day */
        "Sun, 29 Feb 2023 08:49:37 GMT",      /* not a leap year */
        "Sun, 29 Feb 1900 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 1994 08:49:61 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1969 08:49:37 GMT",      /* before 1970 */
        "Sun, 06 Nov 1994 08:49:37 GMTx",
        "Sun, 06 Nov 1994 08:49:37 GMT, again",
        "Sun Nov 6 08:49:37 1994",            /* asctime day must be 2 wide */
        "Sun Nov ",
        "Sun Nov  ",
        "Sunday, 06-Nov-94 08:49:37",
        "2026-11-23T09:05:03+09:00",
        "Sun, 06 Nov +994 08:49:37 GMT",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (http_date_parse(bad[i]) != -1)
            printf("# accepted: \"%s\"\n", bad[i]);
        CHECK_INT(http_date_parse(bad[i]), -1);
    }
    CHECK_INT(http_date_parse(NULL), -1);
    /* a leap second is read as :59 */
    CHECK_INT(http_date_parse("Sat, 31 Dec 2016 23:59:60 GMT"), 1483228799);
}

/* --- masking --- */

TEST(mask_hides_mail_addresses_keeping_first_char_and_domain)
{
    CHECK_STR(mask("taro.yamada@example.jp"), "t***@example.jp");
    CHECK_STR(mask("連絡先: taro.yamada@example.jp まで"), "連絡先: t***@example.jp まで");
    CHECK_STR(mask("メールhanako@example.com"), "メールh***@example.com");
    CHECK_STR(mask("mailto:hanako+news@mail.example.co.jp"),
              "mailto:h***@mail.example.co.jp");
    CHECK_STR(mask("<a_b-c@x.example>"), "<a***@x.example>");
    CHECK_STR(mask("/member?q=taro%40example.jp&x=1"), "/member?q=t***%40example.jp&x=1");
    CHECK_STR(mask("taro＠example.jp"), "t***＠example.jp");
    CHECK_STR(mask("a@b.jp, c@d.jp"), "a***@b.jp, c***@d.jp");
    CHECK_STR(mask("09012345678@docomo.ne.jp"), "0***@docomo.ne.jp");
    CHECK_STR(mask("yamada@総務課"), "y***@総務課");
    CHECK_STR(mask("x@y"), "x***@y");
}

TEST(mask_hides_japanese_phone_numbers_but_the_last_two_digits)
{
    static const char *const cases[][2] = {
        {"083-933-2700", "***-**00"},
        {"0839332700", "***-**00"},
        {"090-1234-5678", "***-**78"},
        {"090 1234 5678", "***-**78"},
        {"+81-90-1234-5678", "***-**78"},
        {"+81 90 1234 5678", "***-**78"},
        {"+81-83-933-2700", "***-**00"},
        {"(083)933-2700", "***-**00"},
        {"(083) 933-2700", "***-**00"},
        {"０８３－９３３－２７００", "***-**00"},
        {"０９０ー１２３４ー５６７８", "***-**78"},
        {"（０８３）９３３－２７００", "***-**00"},
        {"＋８１－９０－１２３４－５６７８", "***-**78"},
        {"電話番号は０９０－１２３４－５６７８です", "電話番号は***-**78です"},
        {"電話: 083-933-2700（代表）", "電話: ***-**00（代表）"},
        {"携帯09012345678に", "携帯***-**78に"},
        {"TEL:083-933-2700", "TEL:***-**00"},
        {"TEL083-933-2700", "TEL***-**00"},
        {"tel 0120-123-456 (free)", "tel ***-**56 (free)"},
        {"0570-000-123", "***-**23"},
        {"050-1234-5678", "***-**78"},
        {"090-1234-5678-1", "***-**78-1"},
        {"q=090+1234+5678&x", "q=***-**78&x"},
        {"a 083-933-2700, b 090-1234-5678.", "a ***-**00, b ***-**78."},
        {"090‐1234‐5678", "***-**78"},   /* U+2010 hyphen */
        {"090−1234−5678", "***-**78"},   /* U+2212 minus */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = mask(cases[i][0]);
        if (strcmp(got, cases[i][1]) != 0)
            printf("# mask(\"%s\") = \"%s\"\n", cases[i][0], got);
        CHECK_STR(got, cases[i][1]);
    }
}

TEST(mask_leaves_ordinary_numbers_alone)
{
    static const char *const keep[] = {
        "GET /org/123 200 1234 bytes 187 us",
        "2026-11-23T09:05:03.123+09:00 ERROR x",
        "2026-11-23 09:05:03",
        "2026年11月23日",
        "２０２６年１１月２３日",
        "id=12345678",
        "1234567890 bytes",
        "0839332700123",                        /* 13 digits: not a phone number */
        "A0123456789",                          /* glued to a letter */
        "0123456789B",
        "req 0234-4567-89ab",                   /* hex ID */
        "12345678-0234-4567-8901-234567890123", /* UUID-shaped digits */
        "082-1234",                             /* too short */
        "0 1 2 3 4 5 6 7 8 9",
        "version 0.9.75, sqlite 3.40",
        "0.1234567890",
        "@user and user@ and a @ b",
        "x@-",
        "10.0.0.1:8080 ::1 fe80::1",
        "日本語のテキスト、数字なし",
        "",
    };
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        const char *got = mask(keep[i]);
        if (strcmp(got, keep[i]) != 0)
            printf("# mask(\"%s\") = \"%s\"\n", keep[i], got);
        CHECK_STR(got, keep[i]);
    }
}

TEST(mask_appends_and_survives_invalid_utf8)
{
    buf b = BUF_INIT;
    buf_puts(&b, "prefix:");
    const char in[] = "\xff\xfe 090-1234-5678 \xc3";
    log_mask(in, sizeof in - 1, &b);
    CHECK_STR(b.data, "prefix:\xff\xfe ***-**78 \xc3");
    buf_free(&b);
}

/* --- log files --- */

TEST(log_open_creates_0700_dir_and_0600_files)
{
    const char *dir = fresh_dir("modes");
    char err[256] = "";
    CHECK(log_open(dir, LOG_INFO, false, err, sizeof err));
    CHECK_STR(err, "");
    CHECK_INT(file_mode(path_in(dir, "log")), 0700);
    CHECK_INT(file_mode(path_in(dir, "log/error.log")), 0600);
    CHECK_INT(file_mode(path_in(dir, "log/access.log")), 0600);
    CHECK(log_healthy());
    log_close();
}

TEST(log_open_fixes_modes_of_existing_dir_and_files)
{
    const char *dir = fresh_dir("fixmodes");
    char logdir[300];
    snprintf(logdir, sizeof logdir, "%s/log", dir);
    mkdir(logdir, 0755);
    chmod(logdir, 0755);
    int fd = open(path_in(dir, "log/error.log"), O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0);
    if (write(fd, "old line\n", 9) != 9)
        CHECK(0);
    close(fd);
    chmod(path_in(dir, "log/error.log"), 0644);
    CHECK_INT(file_mode(path_in(dir, "log/error.log")), 0644);
    char err[256];
    CHECK(log_open(dir, LOG_INFO, false, err, sizeof err));
    CHECK_INT(file_mode(logdir), 0700);
    CHECK_INT(file_mode(path_in(dir, "log/error.log")), 0600);
    log_error("new line");
    log_close();
    char *s = slurp(path_in(dir, "log/error.log"));
    CHECK(s && strncmp(s, "old line\n", 9) == 0);   /* appended, not truncated */
    CHECK(s && strstr(s, " ERROR new line\n"));
    free(s);
}

TEST(log_open_refuses_symlinked_log_file)
{
    const char *dir = fresh_dir("symlink");
    char logdir[300], target[300];
    snprintf(logdir, sizeof logdir, "%s/log", dir);
    mkdir(logdir, 0700);
    snprintf(target, sizeof target, "%s/elsewhere", dir);
    CHECK(symlink(target, path_in(dir, "log/error.log")) == 0);
    char err[256] = "";
    CHECK(!log_open(dir, LOG_INFO, false, err, sizeof err));
    CHECK(strstr(err, "error.log") != NULL);
    CHECK(access(target, F_OK) != 0);   /* nothing created through the link */
}

TEST(log_open_reports_unusable_data_dir)
{
    char err[256] = "";
    CHECK(!log_open("/proc/version/x", LOG_INFO, false, err, sizeof err));
    CHECK(strstr(err, "/proc/version/x") != NULL);
}

TEST(one_line_per_call_with_timestamp_and_level)
{
    const char *dir = fresh_dir("lines");
    char err[256];
    CHECK(log_open(dir, LOG_INFO, false, err, sizeof err));
    log_debug("hidden %d", 1);
    log_info("info %d", 2);
    log_warn("warn %s", "三");
    log_error("error %s", "four");
    log_msg((log_level)42, "odd level");
    log_close();
    char *s = slurp(path_in(dir, "log/error.log"));
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_INT(count_lines(s), 4);
    CHECK(strstr(s, "hidden") == NULL);
    CHECK(strstr(s, "+09:00 INFO info 2\n") != NULL);
    CHECK(strstr(s, "+09:00 WARN warn 三\n") != NULL);
    CHECK(strstr(s, "+09:00 ERROR error four\n") != NULL);
    CHECK(strstr(s, "+09:00 ERROR odd level\n") != NULL);
    /* each line starts with a JST timestamp */
    for (char *line = s; *line; line = strchr(line, '\n') + 1) {
        CHECK(strlen(line) > 30 && line[4] == '-' && line[10] == 'T');
        CHECK(strncmp(line + 23, "+09:00 ", 7) == 0);
    }
    free(s);
}

TEST(crlf_and_controls_cannot_forge_a_line)
{
    const char *dir = fresh_dir("inject");
    char err[256];
    CHECK(log_open(dir, LOG_INFO, false, err, sizeof err));
    log_error("user=%s", "x\r\n2026-01-01T00:00:00.000+09:00 INFO admin logged in");
    log_error("tab\there nel\xc2\x85 ls\xe2\x80\xa8 rlo\xe2\x80\xae bad\xff end");
    log_close();
    char *s = slurp(path_in(dir, "log/error.log"));
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_INT(count_lines(s), 2);
    CHECK(strstr(s, "ERROR user=x  2026-01-01T00:00:00.000+09:00 INFO admin logged in\n"));
    CHECK(strstr(s, "ERROR tab here nel  ls  rlo  bad\xef\xbf\xbd end\n"));
    CHECK(strchr(s, '\r') == NULL);
    free(s);
}

TEST(messages_are_masked_before_writing)
{
    const char *dir = fresh_dir("masked");
    char err[256];
    CHECK(log_open(dir, LOG_INFO, false, err, sizeof err));
    log_warn("登録失敗: %s / %s", "taro.yamada@example.jp", "090-1234-5678");
    log_close();
    char *s = slurp(path_in(dir, "log/error.log"));
    CHECK(s && strstr(s, "WARN 登録失敗: t***@example.jp / ***-**78\n"));
    CHECK(s && !strstr(s, "yamada"));
    CHECK(s && !strstr(s, "1234"));
    free(s);
}

TEST(long_messages_are_cut)
{
    const char *dir = fresh_dir("long");
    char err[256];
    CHECK(log_open(dir, LOG_INFO, false, err, sizeof err));
    char *big = malloc(100000);
    memset(big, 'a', 99999);
    big[99999] = '\0';
    log_error("%s", big);
    free(big);
    log_close();
    char *s = slurp(path_in(dir, "log/error.log"));
    CHECK(s && count_lines(s) == 1);
    CHECK(s && strlen(s) < 9000);
    CHECK(s && strstr(s, "…(省略)\n"));
    free(s);
}

TEST(out_of_memory_writes_a_note_not_the_message)
{
    const char *dir = fresh_dir("oom");
    char err[256];
    CHECK(log_open(dir, LOG_INFO, false, err, sizeof err));
    for (long nth = 1; nth <= 4; nth++) {
        fault_fail_nth(nth);
        log_error("secret-free message %ld", nth);
    }
    fault_fail_nth(0);
    log_close();
    char *s = slurp(path_in(dir, "log/error.log"));
    CHECK(s && count_lines(s) == 4);
    CHECK(s && strstr(s, "メモリ不足"));
    free(s);
}

TEST(before_log_open_lines_go_to_stderr)
{
    const char *dir = fresh_dir("stderr");
    char path[300];
    snprintf(path, sizeof path, "%s/captured", dir);
    fflush(stderr);
    int saved = dup(2);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    log_error("to stderr %d", 7);
    log_access(&(log_access_entry){.method = "GET", .path = "/", .status = 200});
    dup2(saved, 2);
    close(saved);
    char *s = slurp(path);
    CHECK(s && strstr(s, "+09:00 ERROR to stderr 7\n"));
    CHECK(s && strstr(s, "\"path\":\"/\""));
    free(s);
}

TEST(also_stderr_copies_error_lines)
{
    const char *dir = fresh_dir("copy");
    char path[300];
    snprintf(path, sizeof path, "%s/captured", dir);
    fflush(stderr);
    int saved = dup(2);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    char err[256];
    CHECK(log_open(dir, LOG_INFO, true, err, sizeof err));
    log_error("both places");
    log_access(&(log_access_entry){.method = "GET", .path = "/only-access", .status = 200});
    log_close();
    dup2(saved, 2);
    close(saved);
    char *s = slurp(path);
    CHECK(s && strstr(s, "ERROR both places\n"));
    CHECK(s && !strstr(s, "only-access"));
    free(s);
    s = slurp(path_in(dir, "log/error.log"));
    CHECK(s && strstr(s, "ERROR both places\n"));
    free(s);
}

TEST(log_reopen_follows_logrotate)
{
    const char *dir = fresh_dir("rotate");
    char err[256], old[300], cur[300];
    CHECK(log_open(dir, LOG_INFO, false, err, sizeof err));
    log_error("before rotation");
    snprintf(cur, sizeof cur, "%s/log/error.log", dir);
    snprintf(old, sizeof old, "%s/log/error.log.1", dir);
    CHECK(rename(cur, old) == 0);
    log_error("still to the moved file");
    log_reopen();
    log_error("after rotation");
    log_close();
    char *a = slurp(old), *b = slurp(cur);
    CHECK(a && strstr(a, "before rotation") && strstr(a, "still to the moved file"));
    CHECK(a && !strstr(a, "after rotation"));
    CHECK(b && count_lines(b) == 1 && strstr(b, "after rotation"));
    CHECK_INT(file_mode(cur), 0600);
    free(a);
    free(b);
}

/* --- access log --- */

static bool python_validates_json_lines(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import json,sys\n"
             "for l in open(sys.argv[1], encoding=\"utf-8\"):\n"
             "    o = json.loads(l)\n"
             "    assert sorted(o) == sorted([\"time\",\"method\",\"path\",\"status\",\"bytes\","
             "\"us\",\"addr\"]), o\n"
             "    assert isinstance(o[\"status\"], int) and isinstance(o[\"bytes\"], int)\n' %s",
             path);
    int rc = system(cmd);
    return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

TEST(access_log_is_valid_json_lines)
{
    const char *dir = fresh_dir("access");
    char err[256];
    CHECK(log_open(dir, LOG_INFO, false, err, sizeof err));
    log_access(&(log_access_entry){.method = "GET", .path = "/org", .query = "q=%E5%B1%B1",
                                   .status = 200, .bytes = 1234, .duration_us = 187,
                                   .addr = "127.0.0.1"});
    log_access(&(log_access_entry){.method = "P\"O\\ST", .path = "/団体/\"x\"\\\x01\x7f\xff",
                                   .query = "", .status = 404, .bytes = 0, .duration_us = 5,
                                   .addr = "::1"});
    log_access(&(log_access_entry){.method = NULL, .path = NULL, .query = NULL, .status = 0,
                                   .bytes = UINT64_MAX, .duration_us = 0, .addr = NULL});
    log_access(&(log_access_entry){.method = "GET", .path = "/\xe2\x80\xa8\xc2\x85",
                                   .status = 200, .addr = "1.2.3.4"});
    log_close();
    char *s = slurp(path_in(dir, "log/access.log"));
    CHECK(s && count_lines(s) == 4);
    CHECK(s && strstr(s, "{\"time\":\""));
    CHECK(s && strstr(s, "+09:00\",\"method\":\"GET\",\"path\":\"/org?q=%E5%B1%B1\","
                         "\"status\":200,\"bytes\":1234,\"us\":187,\"addr\":\"127.0.0.1\"}\n"));
    CHECK(s && strstr(s, "\"method\":\"P\\\"O\\\\ST\",\"path\":\"/団体/\\\"x\\\"\\\\"
                         "\\u0001\\u007f\\ufffd\""));
    CHECK(s && strstr(s, "\"method\":\"-\",\"path\":\"-\",\"status\":0,"
                         "\"bytes\":18446744073709551615"));
    CHECK(s && strstr(s, "\"path\":\"/\\u2028\\u0085\""));
    free(s);
    CHECK(python_validates_json_lines(path_in(dir, "log/access.log")));
}

TEST(access_log_keeps_a_line_when_memory_runs_out)
{
    const char *dir = fresh_dir("access-oom");
    char err[256];
    CHECK(log_open(dir, LOG_INFO, false, err, sizeof err));
    for (long nth = 1; nth <= 8; nth++) {
        fault_fail_nth(nth);
        log_access(&(log_access_entry){.method = "GET", .path = "/org/taro@example.jp",
                                       .query = "q=090-1234-5678&token=abc", .status = 200,
                                       .bytes = 10, .duration_us = 1, .addr = "::1"});
    }
    fault_fail_nth(0);
    log_close();
    char *s = slurp(path_in(dir, "log/access.log"));
    CHECK(s && count_lines(s) == 8);
    CHECK(s && strstr(s, "\"path\":\"-\"") != NULL);
    CHECK(s && !strstr(s, "taro") && !strstr(s, "1234-5678") && !strstr(s, "abc"));
    free(s);
    CHECK(python_validates_json_lines(path_in(dir, "log/access.log")));
}

static const char *access_path(const char *path, const char *query)
{
    static char out[2048];
    buf b = BUF_INIT;
    log_access_entry e = {.method = "GET", .path = path, .query = query, .status = 200,
                          .addr = "127.0.0.1"};
    CHECK(log_access_format(&e, (struct timespec){0, 0}, &b));
    const char *p = b.data ? strstr(b.data, "\"path\":\"") : NULL;
    const char *q = p ? strstr(p, "\",\"status\"") : NULL;
    if (p && q) {
        p += 8;
        snprintf(out, sizeof out, "%.*s", (int)(q - p), p);
    } else {
        out[0] = '\0';
    }
    buf_free(&b);
    return out;
}

TEST(access_log_hides_secret_query_values)
{
    CHECK_STR(access_path("/login", "token=abc123&next=%2Fmypage"),
              "/login?token=***&next=%2Fmypage");
    CHECK_STR(access_path("/reset", "t=9f8e7d6c5b4a"), "/reset?t=***");
    CHECK_STR(access_path("/x", "Password=hunter2&PASS=a&pw=b&key=c&secret=d&code=e"),
              "/x?Password=***&PASS=***&pw=***&key=***&secret=***&code=***");
    CHECK_STR(access_path("/x", "session=1&sid=2&csrf=3&_csrf=4&mail=5&email=6&tel=7&phone=8"),
              "/x?session=***&sid=***&csrf=***&_csrf=***&mail=***&email=***&tel=***&phone=***");
    CHECK_STR(access_path("/x", "new_password=a&user%5Bemail%5D=b&password2=c&sessionId=d"),
              "/x?new_password=***&user%5Bemail%5D=***&password2=***&sessionId=***");
    CHECK_STR(access_path("/x", "pass%77ord=a&%74oken=b"), "/x?pass%77ord=***&%74oken=***");
    CHECK_STR(access_path("/x", "token"), "/x?token");   /* no value, nothing to hide */
    CHECK_STR(access_path("/x", "token=&page=2&&sort=name"), "/x?token=***&page=2&&sort=name");
    /* names that merely contain a short secret word stay */
    CHECK_STR(access_path("/x", "keyword=NPO&type=event&hotel=1"),
              "/x?keyword=NPO&type=event&hotel=1");
}

TEST(access_log_masks_personal_data_in_other_values_and_path)
{
    CHECK_STR(access_path("/search", "q=090-1234-5678"), "/search?q=***-**78");
    CHECK_STR(access_path("/search", "q=090%2D1234%2D5678&p=1"), "/search?q=***-**78&p=1");
    CHECK_STR(access_path("/search",
                          "q=%EF%BC%90%EF%BC%98%EF%BC%93%EF%BC%8D%EF%BC%99%EF%BC%93%EF%BC%93"
                          "%EF%BC%8D%EF%BC%92%EF%BC%97%EF%BC%90%EF%BC%90"),
              "/search?q=***-**00");
    CHECK_STR(access_path("/search", "q=taro%40example.jp"), "/search?q=t***@example.jp");
    CHECK_STR(access_path("/search", "q=%E5%B1%B1%E5%8F%A3+taro%40example.jp"),
              "/search?q=%E5%B1%B1%E5%8F%A3%20t***@example.jp");
    CHECK_STR(access_path("/member/taro@example.jp", NULL), "/member/t***@example.jp");
    CHECK_STR(access_path("/org/12345", "page=2&year=2026"), "/org/12345?page=2&year=2026");
    /* Unicode in the raw path passes through */
    CHECK_STR(access_path("/団体/山口", "q=あ"), "/団体/山口?q=あ");
}

/* --- threads --- */

#define THREADS 8
#define LINES_PER_THREAD 2000

static void *writer(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < LINES_PER_THREAD; i++)
        log_info("thread %d line %d %s", id, i,
                 "padding-padding-padding-padding-padding-padding-padding-padding-padding-"
                 "padding-padding-padding-padding-padding-padding-padding-padding-padding-");
    return NULL;
}

TEST(eight_threads_write_whole_lines_only)
{
    const char *dir = fresh_dir("threads");
    char err[256];
    CHECK(log_open(dir, LOG_INFO, false, err, sizeof err));
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, writer, (void *)(intptr_t)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    log_close();
    char *s = slurp(path_in(dir, "log/error.log"));
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_INT(count_lines(s), THREADS * LINES_PER_THREAD);
    static unsigned char seen[THREADS][LINES_PER_THREAD];
    int bad = 0;
    for (char *line = s; *line;) {
        char *nl = strchr(line, '\n');
        *nl = '\0';
        int id = -1, n = -1, used = 0;
        if (strlen(line) < 30 ||
            sscanf(line + 30, "INFO thread %d line %d %n", &id, &n, &used) != 2 ||
            id < 0 || id >= THREADS || n < 0 || n >= LINES_PER_THREAD ||
            strlen(line + 30 + used) != 144)
            bad++;
        else
            seen[id][n]++;
        line = nl + 1;
    }
    CHECK_INT(bad, 0);
    int missing = 0;
    for (int i = 0; i < THREADS; i++)
        for (int k = 0; k < LINES_PER_THREAD; k++)
            missing += seen[i][k] != 1;
    CHECK_INT(missing, 0);
    free(s);
}

TEST(cleanup_temporary_directory)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
    CHECK(tmp_root[0] && system(cmd) == 0);
}

int main(void)
{
    return tap_run();
}
