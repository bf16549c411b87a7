/*
 * settings.h - staff-editable site settings as the handlers read them.
 *
 * Each request thread keeps a copy of the setting table and reloads it only
 * when the database's "setting" generation counter has moved, checked once
 * per request (ARCHITECTURE.md
 * decision 2): one indexed read per request instead of one query per key, and
 * a change made by any process is seen on the next request.
 */
#ifndef TSUNAGU_WEB_SETTINGS_H
#define TSUNAGU_WEB_SETTINGS_H

#include "http/request.h"

/* The value of key, or fallback when it is unset or the database is
 * unavailable.  The string is valid until the next web_setting() call on this
 * thread: copy it (tv_set_str does) before asking for another.  Whoever
 * changes a setting bumps the "setting" generation in the same transaction. */
const char *web_setting(http_request *req, const char *key, const char *fallback);

#endif
