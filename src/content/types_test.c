/*
 * types_test.c - the test-only type "test" (テスト用の型): one field of every
 * field type, for the engine's unit tests and fuzz target and, in builds
 * with test routes, the admin screens and the browser suite (types.h).
 *
 * Besides the twenty types it carries one of each rule the engine knows: a
 * required field, a required_if pair (area / areas), FIELD_ALL, a master
 * list with literal choices appended, every visibility (P, M, S), a group
 * of fields, FIELD_NO_EXPORT and FIELD_LISTED on the title.  It has no
 * variants: the types of 別紙3 and 別紙4 test those (types_spec.c).
 */
#include "content/types.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const test_categories[] = {"講座", "イベント", "募集", "その他", NULL};

static const char *const test_areas[] = {"山口県内市町", "県内全域", "全国", NULL};

static const char *const test_requirements[] = {
    "営利を目的としない",
    "宗教活動を目的としない",
    "政治活動を目的としない",
    NULL,
};

static const char *const test_outside[] = {"山口県外", NULL};
static const char *const test_dash[] = {"—", NULL};
static const char *const test_file_slots[] = {"チラシ", "申込書", NULL};

static const field_desc test_fields[] = {
    {.name = "title", .label = "タイトル", .type = FIELD_TEXT, .use = "R",
     .flags = FIELD_LISTED | FIELD_SEARCHABLE, .max_len = 120,
     .hint = "一覧と見出しに出ます（120 文字まで）。"},
    {.name = "summary", .label = "概要", .type = FIELD_TEXTAREA, .max_len = 300,
     .flags = FIELD_SEARCHABLE},
    {.name = "body", .label = "本文", .type = FIELD_RICH, .flags = FIELD_SEARCHABLE,
     .hint = "Markdown で書けます。見出しは「## 」、箇条書きは「- 」で始めます。"},
    {.name = "capacity", .label = "定員", .type = FIELD_INT, .min = 1, .max = 1000,
     .hint = "1～1000 人。"},
    {.name = "held_on", .label = "開催日", .type = FIELD_DATE},
    {.name = "period", .label = "募集期間", .type = FIELD_DATE_RANGE},
    {.name = "starts_at", .label = "開始時刻", .type = FIELD_TIME},
    {.name = "deadline", .label = "締め切り日時", .type = FIELD_DATETIME, .vis = "M"},
    {.name = "category", .label = "分類", .type = FIELD_SELECT, .use = "R",
     .choices = test_categories, .flags = FIELD_LISTED},
    {.name = "area", .label = "対象エリア", .type = FIELD_SELECT, .choices = test_areas},
    {.name = "areas", .label = "対象市町", .type = FIELD_CHECKS, .master = "municipality",
     .required_if = "area=山口県内市町"},
    {.name = "requirements", .label = "登録要件", .type = FIELD_CHECKS, .use = "R",
     .vis = "S", .choices = test_requirements, .flags = FIELD_ALL,
     .hint = "すべてにチェックしてください。"},
    {.name = "municipality", .label = "市町", .type = FIELD_MUNICIPALITY,
     .choices = test_outside, .group = "連絡先"},
    {.name = "prefecture", .label = "都道府県", .type = FIELD_PREFECTURE, .choices = test_dash},
    {.name = "postal", .label = "郵便番号", .type = FIELD_POSTAL, .vis = "M"},
    {.name = "phone", .label = "電話番号", .type = FIELD_PHONE, .vis = "S"},
    {.name = "email", .label = "メールアドレス", .type = FIELD_EMAIL, .vis = "S"},
    {.name = "url", .label = "ホームページ", .type = FIELD_URL},
    {.name = "links", .label = "関連リンク", .type = FIELD_URLS, .count = 3, .group = ""},
    {.name = "files", .label = "参考ファイル", .type = FIELD_FILES, .count = 2,
     .slot_labels = test_file_slots},
    {.name = "image", .label = "画像", .type = FIELD_IMAGE},
    {.name = "agree", .label = "注意事項", .type = FIELD_AGREE, .use = "R", .vis = "S",
     .flags = FIELD_NO_EXPORT,
     .hint = "（テスト用の注意事項）\n登録した内容は公開されます。\n個人の連絡先は書かないでください。"},
};

const content_type content_type_test = {
    .name = "test",
    .label = "テスト用の型",
    .fields = test_fields,
    .nfields = N(test_fields),
    .title_field = "title",
    .public_path = NULL,
};
