/* types.c - the content types of both sites.  See types.h. */
#include <string.h>

#include "content/types.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- notices (spec 2.3.6): お知らせ and センターからのお知らせ share fields ---- */

static const field_desc notice_fields[] = {
    {.name = "title", .label = "タイトル", .type = FIELD_TEXT, .use = "R",
     .flags = FIELD_SEARCHABLE | FIELD_LISTED, .max_len = 120},
    {.name = "body", .label = "本文", .type = FIELD_RICH, .use = "R", .flags = FIELD_SEARCHABLE,
     .hint = "Markdown で書けます。見出しは「## 」、箇条書きは「- 」で始めます。"},
    {.name = "image", .label = "画像", .type = FIELD_IMAGE,
     .hint = "メディアライブラリの画像を選びます。画像の内容を表す代替テキストも入れてください。"},
    {.name = "files", .label = "添付ファイル", .type = FIELD_FILES, .count = 3},
    {.name = "links", .label = "関連リンク", .type = FIELD_URLS, .count = 3},
};

const content_type content_type_notice = {
    .name = "notice",
    .label = "お知らせ",
    .fields = notice_fields,
    .nfields = N(notice_fields),
    .title_field = "title",
    .public_path = "/notices",
};

const content_type content_type_centre_notice = {
    .name = "centre_notice",
    .label = "センターからのお知らせ",
    .fields = notice_fields,
    .nfields = N(notice_fields),
    .title_field = "title",
    .public_path = "/centre-news",
};

/* ---- fixed pages (spec 2.3.8): the centre's pages, guides, terms ... ---- */

static const field_desc page_fields[] = {
    {.name = "title", .label = "ページの題名", .type = FIELD_TEXT, .use = "R",
     .flags = FIELD_SEARCHABLE | FIELD_LISTED, .max_len = 120},
    {.name = "summary", .label = "概要", .type = FIELD_TEXTAREA, .max_len = 300,
     .hint = "一覧やサイトマップに出る短い説明です（300 文字まで）。"},
    {.name = "body", .label = "本文", .type = FIELD_RICH, .use = "R", .flags = FIELD_SEARCHABLE,
     .hint = "Markdown で書けます。見出しは「## 」、箇条書きは「- 」で始めます。"},
    {.name = "files", .label = "添付ファイル", .type = FIELD_FILES, .count = 3},
};

const content_type content_type_page = {
    .name = "page",
    .label = "固定ページ",
    .fields = page_fields,
    .nfields = N(page_fields),
    .title_field = "title",
    .public_path = "/pages",
    .publish_role = CONTENT_PUBLISH_ADMIN,
};

const char *const content_page_menus[][2] = {
    {"", "メニューに出さない"},
    {"centre", "やまぐち県民活動支援センター"},
    {"consult", "相談する"},
    {"guide", "掲載登録の案内"},
    {"footer", "フッター"},
    {NULL, NULL},
};

/* ---- related links (関連団体リンク, spec 2.2.2 相談する) ---- */

static const char *const link_categories[] = {
    "行政・公的機関", "中間支援組織", "社会福祉協議会", "ボランティア・市民活動", "その他", NULL,
};

static const field_desc link_fields[] = {
    {.name = "title", .label = "団体名", .type = FIELD_TEXT, .use = "R",
     .flags = FIELD_SEARCHABLE | FIELD_LISTED, .max_len = 120},
    {.name = "url", .label = "URL", .type = FIELD_URL, .use = "R", .flags = FIELD_LISTED},
    {.name = "category", .label = "分類", .type = FIELD_SELECT, .use = "R",
     .choices = link_categories, .flags = FIELD_LISTED},
    {.name = "description", .label = "説明", .type = FIELD_TEXTAREA, .max_len = 500},
};

const content_type content_type_link = {
    .name = "link",
    .label = "関連団体リンク",
    .fields = link_fields,
    .nfields = N(link_fields),
    .title_field = "title",
    .public_path = "/links",
    .list_only = true,
};

/* ---- the home page's slots (spec 2.2.1, 2.6: 緊急のお知らせ掲載枠, 可変枠) ---- */

static const field_desc slot_fields[] = {
    {.name = "title", .label = "見出し", .type = FIELD_TEXT, .use = "R",
     .flags = FIELD_LISTED, .max_len = 120},
    {.name = "body", .label = "本文", .type = FIELD_RICH, .use = "R",
     .hint = "Markdown で書けます。表も使えます。"},
};

const content_type content_type_emergency = {
    .name = "emergency",
    .label = "緊急のお知らせ掲載枠",
    .fields = slot_fields,
    .nfields = N(slot_fields),
    .title_field = "title",
    .singleton_slots = true,
};

const content_type content_type_home_frame = {
    .name = "home_frame",
    .label = "トップページ可変枠",
    .fields = slot_fields,
    .nfields = N(slot_fields),
    .title_field = "title",
    .singleton_slots = true,
};

const content_type *const content_types[] = {
    &content_type_notice,
    &content_type_centre_notice,
    &content_type_page,
    &content_type_link,
    &content_type_emergency,
    &content_type_home_frame,
#ifdef TSUNAGU_TEST_ROUTES
    &content_type_test,
#endif
    NULL,
};

const size_t content_types_count = N(content_types) - 1;

const content_type *content_type_find(const char *name)
{
    for (size_t i = 0; name && content_types[i]; i++)
        if (strcmp(content_types[i]->name, name) == 0)
            return content_types[i];
    return NULL;
}
