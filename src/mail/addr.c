/* addr.c - see addr.h. */
#include "mail/addr.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

static bool is_alpha(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

bool mail_atext(unsigned char c)
{
    return is_alpha(c) || is_digit(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

bool mail_dot_atom_valid(const char *s, size_t n)
{
    if (n == 0 || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (s[i + 1] == '.')   /* i + 1 < n: the last byte is not a dot */
                return false;
        } else if (!mail_atext(c)) {
            return false;
        }
    }
    return true;
}

/* One LDH label: 1..63 letters, digits, hyphens; no hyphen first or last. */
static bool label_valid(const char *s, size_t n)
{
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_alpha(c) && !is_digit(c) && c != '-')
            return false;
    }
    return true;
}

/* The top-level label: letters only (at least two), or an A-label.  This is
 * what refuses numeric "domains" such as 192.0.2.1. */
static bool tld_valid(const char *s, size_t n)
{
    if (n >= 5 && strncasecmp(s, "xn--", 4) == 0)
        return true;   /* LDH already checked by label_valid() */
    if (n < 2)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alpha((unsigned char)s[i]))
            return false;
    return true;
}

static bool domain_valid_n(const char *s, size_t n)
{
    if (n == 9 && strncasecmp(s, "localhost", 9) == 0)
        return true;
    if (n == 0 || n > MAIL_DOMAIN_MAX)
        return false;
    size_t labels = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        if (!label_valid(s + start, i - start))
            return false;
        labels++;
        if (i == n && !tld_valid(s + start, i - start))
            return false;
        start = i + 1;
    }
    return labels >= 2;
}

bool mail_domain_valid(const char *domain)
{
    return domain && domain_valid_n(domain, strnlen(domain, MAIL_DOMAIN_MAX + 1));
}

bool mail_addr_valid(const char *addr)
{
    if (!addr)
        return false;
    size_t n = strnlen(addr, MAIL_ADDR_MAX + 1);
    if (n > MAIL_ADDR_MAX)
        return false;
    const char *at = memchr(addr, '@', n);
    if (!at)
        return false;
    size_t local = (size_t)(at - addr);
    /* A second '@' is not atext, so it fails in the domain check. */
    return local <= MAIL_LOCAL_MAX && mail_dot_atom_valid(addr, local) &&
           domain_valid_n(at + 1, n - local - 1);
}

const char *mail_addr_domain(const char *addr)
{
    if (!addr)
        return NULL;
    const char *at = strrchr(addr, '@');
    return at ? at + 1 : NULL;
}
