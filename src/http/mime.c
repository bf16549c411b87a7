/*
 * mime.c - what a static file's name says: its media type and whether it is
 * fingerprinted (see static.h).
 */
#include "http/static.h"

#include <string.h>
#include <strings.h>

typedef struct mime_ext {
    const char *ext;
    const char *type;
} mime_ext;

/* Types as registered with IANA; JavaScript is text/javascript (RFC 9239). */
static const mime_ext mime_table[] = {
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"xml", "application/xml"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/vnd.microsoft.icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"pdf", "application/pdf"},
};

#define MIME_DEFAULT "application/octet-stream"

/* The last path segment of name. */
static const char *base_name(const char *name)
{
    const char *slash = strrchr(name, '/');
    return slash ? slash + 1 : name;
}

const char *static_mime_type(const char *name)
{
    if (!name)
        return MIME_DEFAULT;
    const char *base = base_name(name);
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        return MIME_DEFAULT;   /* no extension, or a dot file */
    for (size_t i = 0; i < sizeof mime_table / sizeof mime_table[0]; i++)
        if (strcasecmp(dot + 1, mime_table[i].ext) == 0)
            return mime_table[i].type;
    return MIME_DEFAULT;
}

/* True if s[0..n) looks like a hash: hex digits only, long enough, with at
 * least one decimal digit and one letter. */
static bool looks_like_hash(const char *s, size_t n)
{
    if (n < STATIC_FINGERPRINT_MIN)
        return false;
    bool digit = false, letter = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9')
            digit = true;
        else if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
            letter = true;
        else
            return false;
    }
    return digit && letter;
}

bool static_is_fingerprinted(const char *name)
{
    if (!name)
        return false;
    const char *base = base_name(name);
    const char *ext = strrchr(base, '.');
    if (!ext || ext == base)
        return false;
    /* Pieces of base[0..ext) split at '.' and '-'; the first piece is the
     * name proper, so only pieces after a separator may be the hash. */
    const char *p = base;
    while (p < ext && *p != '.' && *p != '-')
        p++;
    while (p < ext) {
        const char *piece = ++p;
        while (p < ext && *p != '.' && *p != '-')
            p++;
        if (looks_like_hash(piece, (size_t)(p - piece)))
            return true;
    }
    return false;
}
