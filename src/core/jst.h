/*
 * jst.h - dates and times: Japan Standard Time for people and logs, GMT for HTTP.
 *
 * Japan has had no daylight saving time since 1951, so JST is always UTC+9.
 * Every function here computes it with gmtime_r() on t + 9 hours: nothing
 * depends on the TZ environment variable or on the zone the server is set to
 * (spec SEC-33: timestamps carry an explicit +09:00 offset).
 *
 * All functions are thread-safe and allocate nothing.  Times outside the
 * years 0000..9999 are clamped to that range so every output has a fixed
 * shape and fits its buffer.
 */
#ifndef TSUNAGU_CORE_JST_H
#define TSUNAGU_CORE_JST_H

#include <stddef.h>
#include <time.h>

/* Bytes of jst_iso8601() output with its NUL: "2026-11-23T09:05:03.123+09:00". */
#define JST_ISO_LEN 30
/* Bytes of jst_rfc5322() output with its NUL: "Mon, 23 Nov 2026 09:05:03 +0900". */
#define JST_RFC5322_LEN 40
/* Bytes that always hold jst_date_ja() output: "2026年11月23日（月）" is 26. */
#define JST_DATE_JA_LEN 40
/* Bytes of http_date() output with its NUL: "Sun, 06 Nov 1994 08:49:37 GMT". */
#define HTTP_DATE_LEN 30

/* Formats t as ISO 8601 in JST with milliseconds:
 * "2026-11-23T09:05:03.123+09:00".  tv_nsec outside 0..999999999 is clamped. */
void jst_iso8601(struct timespec t, char out[static JST_ISO_LEN]);

/* RFC 5322 date in JST for mail headers: "Mon, 23 Nov 2026 09:05:03 +0900".
 * (HTTP dates are GMT: use http_date() for Last-Modified and the like.) */
void jst_rfc5322(time_t t, char out[static JST_RFC5322_LEN]);

/* Japanese display date in JST: "2026年11月23日（月）" (no zero padding, the
 * weekday in full-width parentheses, ARCHITECTURE.md decision 8).  Writes at
 * most n bytes with the NUL; if n < JST_DATE_JA_LEN and the date does not fit,
 * out becomes "" rather than a cut character. */
void jst_date_ja(time_t t, char *out, size_t n);

/* HTTP date (RFC 9110 section 5.6.7 IMF-fixdate, always GMT):
 * "Sun, 06 Nov 1994 08:49:37 GMT". */
void http_date(time_t t, char out[static HTTP_DATE_LEN]);

/* Parses an HTTP date, e.g. an If-Modified-Since value.  Accepts the three
 * forms RFC 9110 section 5.6.7 requires of a recipient: IMF-fixdate,
 * rfc850-date (two-digit year read as within 50 years of now) and asctime.
 * Surrounding spaces and tabs are ignored.  Returns -1 for anything else,
 * including impossible dates (31 Feb) and dates before 1970. */
time_t http_date_parse(const char *s);

#endif
