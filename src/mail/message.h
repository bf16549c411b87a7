/*
 * message.h - composing one Internet message (RFC 5322 + MIME): header fields
 * that cannot be bent, and a whole text/plain mail ready for SMTP DATA.
 *
 * This layer is pure: no database, no network, no clock except in
 * mail_message_id().  The outbox stores what mail_compose() writes and the
 * worker hands it to libcurl unchanged.
 *
 * Header injection (security spec 8.10 class 7, SEC-50): every entry point
 * refuses a CR, LF or NUL in any value, name or address with a Japanese
 * message naming the field, e.g. "メールのヘッダー「Subject」に改行文字は使えません".
 * Text such as "%0d%0a" is not a line break and is written as the literal
 * characters.  Functions taking NUL-terminated strings cannot see a NUL (it
 * ends the string, so what follows never reaches the output); the entry points
 * with a length (mail_header_add_n(), mail_message.subject_len and body_len)
 * refuse it.  There is no Bcc header: blind copies exist only in the SMTP
 * envelope, which the caller builds (SEC-49).
 *
 * Output rules (RFC 5322 section 2.1.1, RFC 2047, RFC 2045):
 *   - Lines end in CRLF, are at most 78 characters where a fold is possible
 *     and never more than 998; the output is 7-bit ASCII without NUL.
 *   - An unstructured value (mail_header_add) is written as it is, folded
 *     before whitespace, when it is "plain": printable ASCII, space and tab
 *     only, with no "=?" (which a reader could take for an encoded word), and
 *     foldable so that no line passes 998 characters.  Any other value
 *     (non-ASCII, other control characters, "=?", or a run too long to fold)
 *     is written whole as RFC 2047 encoded words "=?UTF-8?B?...?=": each word
 *     at most 75 characters and holding whole UTF-8 characters only, one word
 *     per line, words separated by CRLF SP.  Decoding the words and joining
 *     them gives back the value exactly.
 *   - A display name (mail_header_addr) is written as atoms when it is
 *     printable ASCII words of atext separated by single spaces; as a
 *     quoted-string (\ and " escaped) when it is otherwise plain (holds an
 *     RFC 5322 special such as . , : ; @ ( ) < > [ ] " \ or extra spaces);
 *     and as encoded words by the same rule as above otherwise.
 *
 * On failure, a function returns false with a Japanese message in err (when
 * err is not NULL; at most errlen bytes, cut at a character boundary) and
 * out's content is undefined: the caller discards the whole buffer.  Out of
 * memory (out's sticky error) is reported as "メモリが足りません".
 */
#ifndef TSUNAGU_MAIL_MESSAGE_H
#define TSUNAGU_MAIL_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* The hard line limit (RFC 5322 section 2.1.1), CRLF not counted. */
#define MAIL_LINE_MAX 998
/* The line length aimed at where folding allows it (same section). */
#define MAIL_LINE_SOFT 78
/* Longest encoded word (RFC 2047 section 2). */
#define MAIL_ENCODED_WORD_MAX 75
/* Longest header field name accepted, so that "Name: " fits a 78-column line. */
#define MAIL_FIELD_NAME_MAX 76
/* Bytes a Message-ID buffer needs, NUL included:
 * "<" 32 hex "." up to 20 digits "@" up to 253-byte domain ">" NUL = 310. */
#define MAIL_MESSAGE_ID_MAX 320

/* Appends the field "name: value" CRLF to out, folded or encoded as above.
 * name: 1..76 printable ASCII characters other than ':' (RFC 5322 section
 * 3.6.8 ftext).  value: UTF-8, no CR, LF or NUL.  mail_header_add_n() takes
 * the value's length and refuses a NUL inside it. */
bool mail_header_add(buf *out, const char *name, const char *value, char *err, size_t errlen);
bool mail_header_add_n(buf *out, const char *name, const char *value, size_t value_len, char *err,
                       size_t errlen);

/* Appends "name: display_name <addr>" CRLF, or "name: addr" CRLF when
 * display_name is NULL or "".  addr must pass mail_addr_valid(); the display
 * name must be UTF-8 without CR or LF and is written as described above. */
bool mail_header_addr(buf *out, const char *name, const char *addr, const char *display_name,
                      char *err, size_t errlen);

/* Writes a fresh Message-ID "<32 random hex.unix-seconds@domain>" into out
 * (outlen bytes; MAIL_MESSAGE_ID_MAX always suffices).  The 128 random bits
 * come from secret_random(), so IDs are unique across servers without
 * coordination.  False if domain fails mail_domain_valid(), out is too small,
 * or the random generator fails; out is then "". */
bool mail_message_id(const char *domain, char *out, size_t outlen);

typedef struct mail_message {
    const char *from_addr, *from_name;   /* name may be NULL */
    const char *to_addr, *to_name;       /* name may be NULL */
    const char *reply_to;                /* may be NULL */
    const char *subject;                 /* UTF-8, required, non-empty */
    const char *body;                    /* UTF-8 text; LF, CRLF or CR line ends; "" or
                                            NULL = empty */
    const char *message_id;              /* "<...@...>", from mail_message_id(); shorter
                                            than MAIL_MESSAGE_ID_MAX */
    int64_t date;                        /* Unix seconds; written as RFC 5322 in JST (+0900) */
    const char *list_unsubscribe;        /* optional URL for List-Unsubscribe (mail magazine);
                                            NULL = none */
    /* Lengths of subject and body in bytes; 0 means strlen().  Give them when
     * the text comes from a buffer, so that a NUL inside is refused rather
     * than silently ending the text. */
    size_t subject_len, body_len;
} mail_message;

/* Appends the complete message to out: Date, From, To, [Reply-To], Subject,
 * Message-ID, MIME-Version: 1.0, Content-Type: text/plain; charset=UTF-8,
 * Content-Transfer-Encoding: base64, Auto-Submitted: auto-generated (RFC
 * 3834: automatic mail, so auto-responders stay quiet), [List-Unsubscribe:
 * <url> (RFC 2369)], a blank line and the body.  The body must be valid UTF-8
 * without NUL; every line end (LF, CR or CRLF) becomes CRLF, then the body is
 * base64 in lines of 76 characters.  list_unsubscribe must be an http:,
 * https: or mailto: URL of printable ASCII without '<', '>' or spaces. */
bool mail_compose(const mail_message *m, buf *out, char *err, size_t errlen);

#endif
