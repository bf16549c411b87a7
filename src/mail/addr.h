/*
 * addr.h - mail address syntax: the one rule every address must pass before
 * Tsunagu stores it (registration and staff forms) or writes it into a mail
 * header (mail/message.h).
 *
 * The rule is a strict, practical subset of the RFC 5322 addr-spec (section
 * 3.4.1) that every MTA delivers and that no header can be bent by:
 *
 *   address = local "@" domain, at most 254 bytes in all (RFC 5321 section
 *             4.5.3.1.3: a path of 256 bytes including the angle brackets).
 *   local   = a dot-atom of 1..64 bytes (RFC 5321 section 4.5.3.1.1): atext
 *             characters  A-Z a-z 0-9 ! # $ % & ' * + - / = ? ^ _ ` { | } ~
 *             and dots, with no dot first, last or twice in a row.  Quoted
 *             local parts ("a b"@x.jp), comments and obsolete forms are
 *             refused.
 *   domain  = labels separated by single dots, at least two labels, at most
 *             253 bytes; each label 1..63 bytes of letters, digits and
 *             hyphens that neither starts nor ends with a hyphen (RFC 1035
 *             section 2.3.1, RFC 1123 section 2.1).  The last label (the
 *             top-level domain) is 2..63 letters, or an IDNA A-label
 *             ("xn--" followed by letters, digits and hyphens) such as
 *             "xn--wgv71a" (.日本).  No trailing dot, no address literals
 *             ([192.0.2.1]), no all-numeric domains.  As the one exception,
 *             the single label "localhost" (any letter case) is accepted, for
 *             development set-ups.
 *
 * Only ASCII is accepted: any byte >= 0x80 (so "山田@x.jp" and internationalised
 * domains in U-label form), any control character, space, CR, LF, '<', '>'
 * and ',' are refused.  Letter case is kept as given; nothing is normalised.
 *
 * Accepted: taro.yamada+npo@example.co.jp, a_b-c@mail.example.org, dev@localhost
 * Refused:  a..b@x.jp, .a@x.jp, a.@x.jp, a@x, a@-x.jp, a@x.j, a b@x.jp,
 *           "a"@x.jp, a@[192.0.2.1], a@x.jp\r\nBcc: evil@x.jp, 山田@x.jp
 *
 * All functions are pure: no allocation, no state, thread-safe.
 */
#ifndef TSUNAGU_MAIL_ADDR_H
#define TSUNAGU_MAIL_ADDR_H

#include <stdbool.h>
#include <stddef.h>

/* Longest accepted address and domain, in bytes (without the NUL). */
#define MAIL_ADDR_MAX 254
#define MAIL_DOMAIN_MAX 253
#define MAIL_LOCAL_MAX 64

/* True if addr (NUL-terminated; NULL gives false) follows the rule above. */
bool mail_addr_valid(const char *addr);

/* True if domain follows the domain part of the rule above (used for the
 * right-hand side of Message-IDs). */
bool mail_domain_valid(const char *domain);

/* True if c is an RFC 5322 atext character (section 3.2.3): the characters
 * of a dot-atom and of an atom in a display name. */
bool mail_atext(unsigned char c);

/* True if s[0..n) is an RFC 5322 dot-atom-text: atext runs joined by single
 * dots, no dot first or last (n = 0 gives false). */
bool mail_dot_atom_valid(const char *s, size_t n);

/* The part after the last '@' of addr, pointing into addr; NULL if addr is
 * NULL or holds no '@'.  For a valid address this is its domain. */
const char *mail_addr_domain(const char *addr);

#endif
