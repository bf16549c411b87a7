/*
 * ini.h - a small INI parser for the configuration file.
 *
 * Grammar, one construct per line (LF or CRLF):
 *   ; comment            # comment          (only at the start of a line)
 *   [section]            keys below become "section.key"
 *   key = value          value may be wrapped in double quotes, which are
 *                        removed ("" is an empty value; quotes keep spaces)
 * Spaces and tabs around names and values are ignored; a UTF-8 byte order
 * mark at the start of the text is skipped (Windows editors write one).
 * Names are ASCII letters, digits, '_', '-' and '.'; at most LIMIT_INI_KEY
 * bytes with the section.  Values are any UTF-8 without control characters
 * other than TAB.
 * There is no escaping and no inline comment: "a = b ; c" has value "b ; c".
 */
#ifndef TSUNAGU_CORE_INI_H
#define TSUNAGU_CORE_INI_H

#include <stdbool.h>
#include <stddef.h>

/* Called once per pair, in file order.  key and value are NUL-terminated and
 * valid only during the call.  Return false to stop, with a message in err
 * (ini_parse() then puts "line N: " in front of it). */
typedef bool (*ini_fn)(void *ctx, const char *key, const char *value, char *err, size_t errlen);

/* Parses text[0..n) (need not be NUL-terminated) and calls fn for each pair.
 * Returns true when the whole text was read.  Returns false with
 * "line N: message" in err (Japanese) on invalid UTF-8, a syntax error, a
 * name too long, running out of memory, or when fn returned false. */
bool ini_parse(const char *text, size_t n, ini_fn fn, void *ctx, char *err, size_t errlen);

#endif
