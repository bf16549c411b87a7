/*
 * smtp.h - delivering a finished message over SMTP with libcurl.
 *
 * A session is one libcurl handle; consecutive smtp_send() calls on it reuse
 * the SMTP connection (one TCP/TLS handshake and one AUTH for a batch).
 * Plain SMTP is for a server on this machine; to any other host the session
 * insists on TLS (STARTTLS, or smtps:// from the start) unless the operator
 * has said otherwise (smtp_tls = none), so a password never crosses a
 * network in clear text by default.  Certificates are verified against the
 * system's CA store.
 *
 * The message bytes go out as given: composing them (headers, encoding) is
 * message.h's job, and the recipients are envelope addresses only (a BCC
 * recipient is never written into the message).
 *
 * Threads: a session is used by one thread at a time.  smtp_global_init()
 * must run once in main() before any thread starts (libcurl's rule).
 * Secrets: the password is copied into the session and wiped on close; no
 * error message contains it.
 */
#ifndef TSUNAGU_MAIL_SMTP_H
#define TSUNAGU_MAIL_SMTP_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    SMTP_TLS_AUTO,     /* none for a loopback host, required (STARTTLS) for any other */
    SMTP_TLS_STARTTLS, /* STARTTLS required */
    SMTP_TLS_NONE,     /* never (a trusted relay on a private network) */
} smtp_tls;

typedef struct smtp_opts {
    const char *url;         /* smtp://host[:port] or smtps://host[:port] */
    const char *helo_domain; /* the name we give in EHLO */
    const char *user;        /* "" or NULL: no AUTH */
    const char *password;    /* with user */
    smtp_tls tls;
    const char *ca_file; /* "" or NULL: the system's CA store */
    long timeout_s;      /* per message, connection included */
} smtp_opts;

typedef struct smtp_session smtp_session;

/* What happened to one message. */
typedef enum {
    SMTP_SENT,       /* the server accepted it (250 after DATA) */
    SMTP_TRANSIENT,  /* try the message again later (4xx, a timeout mid-message) */
    SMTP_PERMANENT,  /* the server refused this message for good (5xx to it) */
    SMTP_CONNECTION, /* no usable session (cannot connect, TLS or AUTH failed):
                        nothing was sent; later messages would fail the same way */
} smtp_result;

/* Once per process, before threads start.  False if libcurl cannot start. */
bool smtp_global_init(void);
void smtp_global_cleanup(void);

/* Creates a session (no connection yet; the first send connects).  NULL when
 * memory runs out or the URL's scheme is neither smtp nor smtps. */
smtp_session *smtp_open(const smtp_opts *o);

/* Closes the connection (QUIT) and frees the session; NULL is fine. */
void smtp_close(smtp_session *s);

/* Sends msg[0..len) from the envelope sender to the nrcpt recipients (each a
 * bare address).  Any refused recipient fails the whole message, so a mail
 * is never delivered to its BCC copy alone.  On anything but SMTP_SENT, err
 * gets a Japanese description with the server's or libcurl's detail. */
smtp_result smtp_send(smtp_session *s, const char *from, const char *const *rcpts, size_t nrcpt,
                      const char *msg, size_t len, char *err, size_t errlen);

/* True when host (as written in a URL: name, IPv4, [IPv6]) is this machine. */
bool smtp_host_is_loopback(const char *url);

#endif
