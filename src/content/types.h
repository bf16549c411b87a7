/*
 * types.h - the content types of both sites, each a descriptor table
 * (content/field.h).  Adding a type is a table in content/types.c, a line in
 * content_types[] and its templates; adding a field is one line in its table.
 *
 *   notice         お知らせ                     public at /notices
 *   centre_notice  センターからのお知らせ       public at /centre-news
 *   page           固定ページ                   public at /pages/{slug}, placed in menus
 *   link           関連団体リンク               public at /links (one list)
 *   emergency      緊急のお知らせ掲載枠         the home page's top slot
 *   home_frame     可変枠                       the home page's middle slot
 * and, in builds with test routes, "test": one field of every type.
 *
 * The organisation type of 別紙3 and the member types of 別紙4 are declared
 * in content/types_spec.c; their screens come with the directory and the
 * matching sites, so they are not listed in content_types[] yet.
 */
#ifndef TSUNAGU_CONTENT_TYPES_H
#define TSUNAGU_CONTENT_TYPES_H

#include "content/field.h"

/* The types staff manage, NULL-terminated, in the admin's order. */
extern const content_type *const content_types[];
extern const size_t content_types_count;

/* The type named name (among content_types), or NULL. */
const content_type *content_type_find(const char *name);

extern const content_type content_type_notice;
extern const content_type content_type_centre_notice;
extern const content_type content_type_page;
extern const content_type content_type_link;
extern const content_type content_type_emergency;
extern const content_type content_type_home_frame;
/* One field of every type (content/types_test.c): the engine's tests, and
 * the admin in builds with test routes. */
extern const content_type content_type_test;

/* 別紙3 (spec 5.1) and 別紙4 (spec 5.2): content/types_spec.c. */
extern const content_type content_type_organisation;
extern const content_type content_type_member;

/* The menus a fixed page can sit in: value, Japanese name; NULL-terminated. */
extern const char *const content_page_menus[][2];

#endif
