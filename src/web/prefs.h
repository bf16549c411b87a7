/*
 * prefs.h - the reader's display preferences: text size and background colour
 * (spec 2.9, 3.17: 文字サイズ・背景色変更).  Kept in two cookies so they work
 * without JavaScript and without an account, and are remembered across pages.
 */
#ifndef TSUNAGU_WEB_PREFS_H
#define TSUNAGU_WEB_PREFS_H

#include "http/request.h"

#define PREFS_SIZE_COOKIE "tsunagu_size"
#define PREFS_COLOR_COOKIE "tsunagu_color"

typedef struct display_prefs {
    const char *size;   /* "standard" | "large" | "xlarge" (static strings) */
    const char *color;  /* "white" | "black" | "blue" */
} display_prefs;

/* The request's preferences; unknown cookie values fall back to the defaults. */
display_prefs prefs_from_request(const http_request *req);

/* The canonical static string for a size/colour value, or NULL if unknown. */
const char *prefs_size(const char *v);
const char *prefs_color(const char *v);

#endif
