/* jst.c - see jst.h. */
#include "core/jst.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(time_t) >= 8, "time_t must be 64-bit (Y2038)");

#define JST_OFFSET_S (9 * 3600)

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z as Unix times. */
#define UNIX_YEAR_0 INT64_C(-62167219200)
#define UNIX_YEAR_9999_END INT64_C(253402300799)

static const char *const wday_en[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const wday_long[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday"};
static const char *const wday_ja[7] = {"日", "月", "火", "水", "木", "金", "土"};
static const char *const month_en[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Breaks t + offset down as UTC, clamped so the year stays within 0..9999.
 * The clamp keeps every format below at its fixed width and makes gmtime_r()
 * unable to fail. */
static void broken_down(time_t t, int offset, struct tm *tm)
{
    int64_t s = (int64_t)t;
    if (s < UNIX_YEAR_0 - offset)
        s = UNIX_YEAR_0 - offset;
    if (s > UNIX_YEAR_9999_END - offset)
        s = UNIX_YEAR_9999_END - offset;
    time_t shifted = (time_t)(s + offset);
    if (!gmtime_r(&shifted, tm))
        memset(tm, 0, sizeof *tm);   /* unreachable within the clamped range */
}

/* Writes v as exactly width decimal digits (v is within range: the clamp in
 * broken_down() guarantees it) and returns the position after them. */
static char *put_digits(char *p, int v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

static char *put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

/* "2026-11-23T09:05:03" (19 bytes, no NUL) */
static char *put_iso_datetime(char *p, const struct tm *tm)
{
    p = put_digits(p, tm->tm_year + 1900, 4);
    *p++ = '-';
    p = put_digits(p, tm->tm_mon + 1, 2);
    *p++ = '-';
    p = put_digits(p, tm->tm_mday, 2);
    *p++ = 'T';
    p = put_digits(p, tm->tm_hour, 2);
    *p++ = ':';
    p = put_digits(p, tm->tm_min, 2);
    *p++ = ':';
    return put_digits(p, tm->tm_sec, 2);
}

/* "Mon, 23 Nov 2026 09:05:03" (25 bytes, no NUL), the RFC 5322 / IMF form */
static char *put_imf_datetime(char *p, const struct tm *tm)
{
    p = put_str(p, wday_en[tm->tm_wday]);
    p = put_str(p, ", ");
    p = put_digits(p, tm->tm_mday, 2);
    *p++ = ' ';
    p = put_str(p, month_en[tm->tm_mon]);
    *p++ = ' ';
    p = put_digits(p, tm->tm_year + 1900, 4);
    *p++ = ' ';
    p = put_digits(p, tm->tm_hour, 2);
    *p++ = ':';
    p = put_digits(p, tm->tm_min, 2);
    *p++ = ':';
    return put_digits(p, tm->tm_sec, 2);
}

void jst_iso8601(struct timespec t, char out[static JST_ISO_LEN])
{
    struct tm tm;
    broken_down(t.tv_sec, JST_OFFSET_S, &tm);
    long ns = t.tv_nsec;
    int ms = ns < 0 ? 0 : ns > 999999999L ? 999 : (int)(ns / 1000000L);
    char *p = put_iso_datetime(out, &tm);
    *p++ = '.';
    p = put_digits(p, ms, 3);
    p = put_str(p, "+09:00");
    *p = '\0';
}

void jst_rfc5322(time_t t, char out[static JST_RFC5322_LEN])
{
    struct tm tm;
    broken_down(t, JST_OFFSET_S, &tm);
    char *p = put_imf_datetime(out, &tm);
    p = put_str(p, " +0900");
    *p = '\0';
}

void jst_date_ja(time_t t, char *out, size_t n)
{
    if (n == 0)
        return;
    struct tm tm;
    broken_down(t, JST_OFFSET_S, &tm);
    int len = snprintf(out, n, "%d年%d月%d日（%s）", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, wday_ja[tm.tm_wday]);
    if (len < 0 || (size_t)len >= n)
        out[0] = '\0';   /* never leave half a character */
}

void http_date(time_t t, char out[static HTTP_DATE_LEN])
{
    struct tm tm;
    broken_down(t, 0, &tm);
    char *p = put_imf_datetime(out, &tm);
    p = put_str(p, " GMT");
    *p = '\0';
}

/* --- parsing --- */

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil; exact for every year we accept). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* A cursor over the input; every helper advances it only on success. */
typedef struct cursor {
    const char *p;
} cursor;

static bool take_lit(cursor *c, const char *lit)
{
    size_t n = strlen(lit);
    if (strncmp(c->p, lit, n) != 0)
        return false;
    c->p += n;
    return true;
}

/* Exactly n ASCII digits. */
static bool take_digits(cursor *c, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (c->p[i] < '0' || c->p[i] > '9')
            return false;
        v = v * 10 + (c->p[i] - '0');
    }
    c->p += n;
    *out = v;
    return true;
}

/* One name of the table (case-sensitive, RFC 9110 section 5.6.7); its index. */
static bool take_name(cursor *c, const char *const *names, int count, int *index)
{
    for (int i = 0; i < count; i++) {
        if (take_lit(c, names[i])) {
            *index = i;
            return true;
        }
    }
    return false;
}

/* "HH:MM:SS" */
static bool take_time(cursor *c, int *h, int *mi, int *s)
{
    return take_digits(c, 2, h) && take_lit(c, ":") && take_digits(c, 2, mi) &&
           take_lit(c, ":") && take_digits(c, 2, s);
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
static bool parse_imf(cursor *c, int *y, int *mo, int *d, int *h, int *mi, int *s)
{
    int wd;
    return take_name(c, wday_en, 7, &wd) && take_lit(c, ", ") && take_digits(c, 2, d) &&
           take_lit(c, " ") && take_name(c, month_en, 12, mo) && take_lit(c, " ") &&
           take_digits(c, 4, y) && take_lit(c, " ") && take_time(c, h, mi, s) &&
           take_lit(c, " GMT");
}

/* "Sunday, 06-Nov-94 08:49:37 GMT" */
static bool parse_rfc850(cursor *c, int *y, int *mo, int *d, int *h, int *mi, int *s)
{
    int wd;
    return take_name(c, wday_long, 7, &wd) && take_lit(c, ", ") && take_digits(c, 2, d) &&
           take_lit(c, "-") && take_name(c, month_en, 12, mo) && take_lit(c, "-") &&
           take_digits(c, 2, y) && take_lit(c, " ") && take_time(c, h, mi, s) &&
           take_lit(c, " GMT");
}

/* "Sun Nov  6 08:49:37 1994" (day space-padded) */
static bool parse_asctime(cursor *c, int *y, int *mo, int *d, int *h, int *mi, int *s)
{
    int wd;
    if (!(take_name(c, wday_en, 7, &wd) && take_lit(c, " ") && take_name(c, month_en, 12, mo) &&
          take_lit(c, " ")))
        return false;
    /* the day is two characters: " 6" or "16" */
    char tens = c->p[0];
    if (tens == '\0')
        return false;
    char units = c->p[1];
    if (units < '0' || units > '9' || (tens != ' ' && (tens < '0' || tens > '9')))
        return false;
    *d = (tens == ' ' ? 0 : (tens - '0') * 10) + (units - '0');
    c->p += 2;
    return take_lit(c, " ") && take_time(c, h, mi, s) && take_lit(c, " ") &&
           take_digits(c, 4, y);
}

/* RFC 9110: a two-digit year more than 50 years in the future is in the past
 * century. */
static int expand_two_digit_year(int yy)
{
    struct tm now;
    time_t t = time(NULL);
    int this_year = gmtime_r(&t, &now) ? now.tm_year + 1900 : 2000;
    int y = this_year - this_year % 100 + yy;
    if (y > this_year + 50)
        y -= 100;
    return y;
}

static bool is_ows(char ch)
{
    return ch == ' ' || ch == '\t';
}

time_t http_date_parse(const char *s)
{
    if (!s)
        return -1;
    while (is_ows(*s))
        s++;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    cursor c = {s};
    bool ok = parse_imf(&c, &y, &mo, &d, &h, &mi, &sec);
    if (!ok) {
        c.p = s;
        ok = parse_rfc850(&c, &y, &mo, &d, &h, &mi, &sec);
        if (ok)
            y = expand_two_digit_year(y);
    }
    if (!ok) {
        c.p = s;
        ok = parse_asctime(&c, &y, &mo, &d, &h, &mi, &sec);
    }
    if (!ok)
        return -1;
    while (is_ows(*c.p))
        c.p++;
    if (*c.p != '\0')
        return -1;
    mo += 1;   /* take_name gave the index */
    /* second 60 is a leap second (RFC 5322 section 3.3); it reads as :59 */
    if (y < 1970 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
        return -1;
    if (sec == 60)
        sec = 59;
    int64_t days = days_from_civil(y, mo, d);
    return (time_t)(days * 86400 + h * 3600 + mi * 60 + sec);
}
