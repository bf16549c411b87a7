/*
 * types_spec.c - the registration items of both sites as content types:
 * organisations and companies of Super Net (別紙3, spec 5.1) and the members
 * of Aikasanet (別紙4, spec 5.2).  One descriptor per row, in the rows'
 * order, the row number in a comment; value lists from spec 5.3.
 *
 * Lists the source "presents separately" come from master data
 * (the .tsv files of data/master, ARCHITECTURE.md decision 5): activity_field (19
 * fields, 別紙3 #8), volunteer_field (20 fields, 別紙4 #35), time_slot
 * (別紙4 #37), probono_field (別紙4 #39), registration_requirement (別紙3
 * #38, 別紙4 #18); the municipalities and prefectures as everywhere.
 *
 * Visibility.
 *   別紙3: 'S' for the rows the source marks private (#34-37) and for those
 *   the public directory does not show for that kind of body (spec 2.3.1
 *   lists what it shows; §6.1 reserves "contact details and other
 *   registered information" to administrators); 'P' for what 2.3.1 shows,
 *   plus the parts of the public address 住所 (#18-20), the reading of the
 *   name (#3) and the municipalities that refine the public target area
 *   (#10).  The consent tick and the registration requirements are records
 *   of a declaration, kept for staff.
 *   別紙4: 'S' for the rows marked (非公開), and for individuals the rows
 *   marked (非公開) in their column only (#12, #13, #19-21).  For groups and
 *   companies those contact rows carry no mark, yet §6.1 keeps contact
 *   details from the public: they are 'M' (signed-in members) until the
 *   commissioner decides (spec 5.2 note).  Other rows are public.
 *
 * Not records: 別紙4 #1 (login ID) and #2 (password) belong to the member's
 * account (domain/account.h: the ID checked for duplicates, the password
 * only as an argon2id hash), never to a record that revisions, the audit
 * log and CSV files copy.  #38 is a heading (the group of #39-41).
 */
#include "content/types.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- value lists (spec 5.3) ---- */

/* 別紙3 #1 (G): the NPO form starts with NPO法人 (※NPO法人は初期設定), so it
 * leads the list as in 別紙4 #5; the form for NPO corporations preselects it. */
static const char *const group_kinds[] = {
    "NPO法人",      "任意団体",     "財団法人",     "社団法人", "一般財団法人", "一般社団法人",
    "公益財団法人", "公益社団法人", "社会福祉法人", "行政",     "その他",       NULL,
};

/* 別紙3 #1 (C), 別紙4 #5 (C) */
static const char *const company_kinds[] = {
    "株式会社", "合同会社", "合名会社", "合資会社", "その他", NULL,
};

/* 別紙3 #9 */
static const char *const target_areas[] = {
    "山口県内市町", "県内全域", "中四国地域", "西日本", "全国", NULL,
};

/* 別紙3 #26 */
static const char *const settlements[] = {
    "10万円未満",        "10万円～30万円未満",      "30万円～50万円未満", "50万円～100万円未満",
    "100万円～500万円未満", "500万円～1,000万円未満", "1,000万円以上",      NULL,
};

/* 別紙3 #33 */
static const char *const features[] = {
    "連携・協働の実績がある",
    "CSR・社会貢献の実績がある",
    "助成団体である",
    "活動団体である",
    "支援団体である",
    "企業の社会貢献活動による地域づくり支援事業への参加を希望する",
    NULL,
};

/* Appended to the master lists: prefectures "—" (別紙3 #19, 別紙4 #10);
 * municipalities 山口県外 (別紙3 #20, 別紙4 #11 I) or "—" (別紙4 #11 G, C). */
static const char *const dash[] = {"—", NULL};
static const char *const outside[] = {"山口県外", NULL};

/* 別紙3 #32 (G), 別紙4 #17 */
static const char *const group_file_slots[] = {
    "団体の定款又は規約ファイル",
    "活動内容が分かる資料ファイル",
    "その他参考ファイル",
    NULL,
};

/* 別紙4 #14: the source's 空欄 is the empty first entry of the pulldown. */
static const char *const genders[] = {"男性", "女性", "回答しない", NULL};

/* 別紙4 #16 */
static const char *const volunteer_roles[] = {
    "ボランティアを募集する", "ボランティアに参加する", NULL,
};

/* 別紙4 #36 */
static const char *const weekdays[] = {
    "月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日", "日曜日", NULL,
};

/* 別紙4 #42 */
static const char *const mail_magazine[] = {"メルマガ配信を希望する", NULL};

/* Spec 5.4, shown with 別紙3 #4 and 別紙4 #8, #15 (its tick box is the
 * FIELD_AGREE checkbox itself). */
#define MINORS_NOTICE                                                                            \
    "（未成年者の方へ）\n"                                                                       \
    "親権者など保護者の同意を得たうえで、本サイトの会員登録及び利用を行ってください。"           \
    "また、本サイトを利用し、ボランティアに参加する際には、親権者など保護者の同意を得て申し込んで" \
    "ください。\n"                                                                               \
    "※未成年者からの申込みであって、親権者など保護者の同意を得ていると判断できない場合は、"     \
    "本サイトの利用停止、又は会員資格の取消しを行うことがございます。ご注意ください。"

/* ---- 別紙3: organisations and companies of Super Net (spec 5.1) ---- */

static const char *const org_variants[] = {"group", "company", NULL};
static const char *const org_variant_labels[] = {"県民活動団体・NPO法人", "企業", NULL};

static const field_desc org_fields[] = {
    /* 1 */
    {.name = "kind", .label = "団体の分類／企業のカテゴリ", .labels = "団体の分類|企業のカテゴリ",
     .type = FIELD_SELECT, .use = "RR", .vis = "PP", .flags = FIELD_LISTED,
     .variant_choices = {group_kinds, company_kinds}},
    /* 2 */
    {.name = "name", .label = "団体名／企業名", .labels = "団体名|企業名", .type = FIELD_TEXT,
     .use = "RR", .vis = "PP", .flags = FIELD_LISTED | FIELD_SEARCHABLE, .max_len = 100},
    /* 3 */
    {.name = "name_kana", .label = "団体名ふりがな／企業名ふりがな",
     .labels = "団体名ふりがな|企業名ふりがな", .type = FIELD_TEXT, .use = "RR", .vis = "PP",
     .flags = FIELD_SEARCHABLE, .max_len = 200, .hint = "ひらがなで入力してください。"},
    /* 4, and its notes: the minors' notice with a mandatory 「上記に同意する」 */
    {.name = "representative", .label = "代表者名", .type = FIELD_TEXT, .use = "RR",
     .vis = "PP", .max_len = 100},
    {.name = "minors_consent", .label = "未成年者の方への注意事項", .type = FIELD_AGREE,
     .use = "RR", .vis = "S", .flags = FIELD_NO_EXPORT, .hint = MINORS_NOTICE},
    /* 5 */
    {.name = "representative_title", .label = "役職名", .type = FIELD_TEXT, .use = "OO",
     .vis = "PS", .max_len = 100},
    /* 6 */
    {.name = "contact_name", .label = "担当者名", .type = FIELD_TEXT, .use = "RR", .vis = "PS",
     .max_len = 100},
    /* 7 */
    {.name = "contact_title", .label = "担当者役職", .type = FIELD_TEXT, .use = "OO", .vis = "S",
     .max_len = 100},
    /* 8 */
    {.name = "activity_fields", .label = "活動分野", .type = FIELD_CHECKS, .use = "R-",
     .vis = "P", .master = "activity_field", .flags = FIELD_SEARCHABLE},
    /* 9 */
    {.name = "target_area", .label = "対象エリア", .type = FIELD_SELECT, .use = "R-", .vis = "P",
     .choices = target_areas},
    /* 10: required when 対象エリア is 山口県内市町 */
    {.name = "target_municipalities", .label = "対象市町", .type = FIELD_CHECKS, .use = "O-",
     .vis = "P", .master = "municipality", .required_if = "target_area=山口県内市町"},
    /* 11 */
    {.name = "purpose", .label = "活動目的", .type = FIELD_TEXTAREA, .use = "R-", .vis = "P",
     .flags = FIELD_SEARCHABLE, .max_len = 2000},
    /* 12 */
    {.name = "activities", .label = "活動内容／業務内容", .labels = "活動内容|業務内容",
     .type = FIELD_TEXTAREA, .use = "RR", .vis = "PP", .flags = FIELD_SEARCHABLE,
     .max_len = 2000},
    /* 13 */
    {.name = "csr", .label = "CSR活動（CSRの取り組み、社会貢献活動等の概要）",
     .type = FIELD_TEXTAREA, .use = "-R", .vis = "P", .flags = FIELD_SEARCHABLE,
     .max_len = 2000},
    /* 14 */
    {.name = "collaboration", .label = "協働・連携実績", .type = FIELD_TEXTAREA, .use = "OO",
     .vis = "S", .max_len = 2000},
    /* 15 */
    {.name = "appeal", .label = "アピールポイント・広報・設立の経緯など", .type = FIELD_TEXTAREA,
     .use = "OO", .vis = "PP", .flags = FIELD_SEARCHABLE, .max_len = 2000},
    /* 16 */
    {.name = "main_office", .label = "主たる事務所", .type = FIELD_TEXT, .use = "O-", .vis = "P"},
    /* 17 */
    {.name = "secondary_office", .label = "従たる事務所", .type = FIELD_TEXT, .use = "O-",
     .vis = "S"},
    /* 18 */
    {.name = "postal_code", .label = "郵便番号", .type = FIELD_POSTAL, .use = "OO", .vis = "PP",
     .group = "所在地"},
    /* 19 */
    {.name = "prefecture", .label = "都道府県", .type = FIELD_PREFECTURE, .use = "RR",
     .vis = "PP", .choices = dash},
    /* 20 */
    {.name = "municipality", .label = "市町", .type = FIELD_MUNICIPALITY, .use = "RR",
     .vis = "PP", .choices = outside},
    /* 21 */
    {.name = "address", .label = "住所", .type = FIELD_TEXT, .use = "RR", .vis = "PP",
     .hint = "市町より後の住所を入力してください。"},
    /* 22 */
    {.name = "phone", .label = "電話番号", .type = FIELD_PHONE, .use = "OO", .vis = "PP",
     .group = ""},
    /* 23 */
    {.name = "fax", .label = "FAX", .type = FIELD_PHONE, .use = "OO", .vis = "SP"},
    /* 24 */
    {.name = "email", .label = "Eメール", .type = FIELD_EMAIL, .use = "OO", .vis = "PS"},
    /* 25 */
    {.name = "established", .label = "設立年月日・発足年月日", .type = FIELD_DATE, .use = "OO",
     .vis = "PP"},
    /* 26 */
    {.name = "settlement", .label = "前年度総決算", .type = FIELD_SELECT, .use = "O-", .vis = "S",
     .choices = settlements},
    /* 27 */
    {.name = "members", .label = "会員数／従業員数", .labels = "会員数|従業員数",
     .type = FIELD_INT, .use = "OO", .vis = "PS"},
    /* 28 */
    {.name = "fee", .label = "会費", .type = FIELD_TEXT, .use = "O-", .vis = "P",
     .hint = "例：年会費 1,000 円"},
    /* 29 */
    {.name = "qualification", .label = "会員資格", .type = FIELD_TEXT, .use = "O-", .vis = "P"},
    /* 30 */
    {.name = "activity_times", .label = "活動日時", .type = FIELD_TEXT, .use = "O-", .vis = "S",
     .hint = "例：毎月第 2 土曜日 10 時～12 時"},
    /* 31: up to three, each with a description */
    {.name = "urls", .label = "URL", .type = FIELD_URLS, .use = "OO", .vis = "SP", .count = 3},
    /* 32: three named files for groups, three attachments for companies */
    {.name = "files", .label = "参考ファイル", .type = FIELD_FILES, .use = "OO", .vis = "S",
     .count = 3, .variant_slot_labels = {group_file_slots}},
    /* 33 */
    {.name = "features", .label = "特徴", .type = FIELD_CHECKS, .use = "OO", .vis = "PP",
     .choices = features},
    /* 34-37: 一般非公開 */
    {.name = "registrant_name", .label = "登録担当者名", .type = FIELD_TEXT, .use = "RR",
     .vis = "S", .max_len = 100, .group = "登録担当者（一般には公開されません）"},
    {.name = "registrant_title", .label = "登録担当者役職", .type = FIELD_TEXT, .use = "OO",
     .vis = "S", .max_len = 100},
    {.name = "registrant_phone", .label = "登録担当者電話番号", .type = FIELD_PHONE, .use = "RR",
     .vis = "S"},
    {.name = "registrant_email", .label = "登録担当者Eメール", .type = FIELD_EMAIL, .use = "RR",
     .vis = "S"},
    /* 38: each requirement ticked, or no registration */
    {.name = "requirements", .label = "登録要件", .type = FIELD_CHECKS, .use = "R-", .vis = "S",
     .master = "registration_requirement", .flags = FIELD_ALL | FIELD_NO_EXPORT,
     .hint = "すべての要件にチェックが入っていないと登録できません。", .group = ""},
};

const content_type content_type_organisation = {
    .name = "organisation",
    .label = "団体・企業",
    .fields = org_fields,
    .nfields = N(org_fields),
    .title_field = "name",
    .variants = org_variants,
    .variant_labels = org_variant_labels,
    .public_path = NULL, /* the directory's screens will set it */
};

/* ---- 別紙4: members of Aikasanet (spec 5.2) ---- */

static const char *const member_variants[] = {"individual", "group", "company", NULL};
static const char *const member_variant_labels[] = {"個人", "団体", "企業", NULL};

static const field_desc member_fields[] = {
    /* 1 ログインID, 2 パスワード: the account's (see the top of this file). */
    /* 5 (listed first: for groups and companies the rows run 5, 6, 7) */
    {.name = "kind", .label = "団体の分類／企業の分類", .labels = "団体の分類|団体の分類|企業の分類",
     .type = FIELD_SELECT, .use = "-RR", .vis = "P", .flags = FIELD_LISTED,
     .variant_choices = {NULL, group_kinds, company_kinds}},
    /* 3 (I, 非公開) and 6 (G, C): the name the item is known by */
    {.name = "name", .label = "氏名・団体名・企業名", .labels = "氏名|団体名|企業名",
     .type = FIELD_TEXT, .use = "RRR", .vis = "SPP", .flags = FIELD_LISTED | FIELD_SEARCHABLE,
     .max_len = 100},
    /* 4 (I, 非公開) and 7 (G, C) */
    {.name = "name_kana", .label = "ふりがな", .labels = "ふりがな|団体名ふりがな|企業名ふりがな",
     .type = FIELD_TEXT, .use = "RRR", .vis = "SPP", .flags = FIELD_SEARCHABLE, .max_len = 200,
     .hint = "ひらがなで入力してください。"},
    /* 8, with the minors' notice (its tick is not marked mandatory here) */
    {.name = "representative", .label = "代表者名", .type = FIELD_TEXT, .use = "-RR",
     .vis = "P", .max_len = 100},
    {.name = "representative_consent", .label = "未成年者の方への注意事項", .type = FIELD_AGREE,
     .use = "-OO", .vis = "S", .flags = FIELD_NO_EXPORT, .hint = MINORS_NOTICE},
    /* 9: the representative's title (spec 5.2 note on rows 9 and 32) */
    {.name = "representative_title", .label = "役職名", .type = FIELD_TEXT, .use = "-RR",
     .vis = "P", .max_len = 100},
    /* 10 */
    {.name = "prefecture", .label = "都道府県", .type = FIELD_PREFECTURE, .use = "RRR",
     .vis = "P", .choices = dash},
    /* 11: 山口県外 for individuals, "—" for groups and companies */
    {.name = "municipality", .label = "市町", .type = FIELD_MUNICIPALITY, .use = "RRR",
     .vis = "P", .variant_choices = {outside, dash, dash}},
    /* 12 (非公開 for I) */
    {.name = "phone", .label = "電話番号", .type = FIELD_PHONE, .use = "RRR", .vis = "SMM"},
    /* 13 (非公開 for I) */
    {.name = "email", .label = "Eメール", .type = FIELD_EMAIL, .use = "RRR", .vis = "SMM"},
    /* 14 */
    {.name = "gender", .label = "性別", .type = FIELD_SELECT, .use = "R--", .vis = "P",
     .choices = genders},
    /* 15 (非公開), with the minors' notice */
    {.name = "birth_date", .label = "生年月日", .type = FIELD_DATE, .use = "R--", .vis = "S"},
    {.name = "birth_consent", .label = "未成年者の方への注意事項", .type = FIELD_AGREE,
     .use = "O--", .vis = "S", .flags = FIELD_NO_EXPORT, .hint = MINORS_NOTICE},
    /* 16 */
    {.name = "volunteer_roles", .label = "ボランティアを募集する・ボランティアに参加する",
     .type = FIELD_CHECKS, .use = "-O-", .vis = "P", .choices = volunteer_roles},
    /* 17 */
    {.name = "files", .label = "参考ファイル", .type = FIELD_FILES, .use = "-O-", .vis = "P",
     .count = 3, .slot_labels = group_file_slots},
    /* 18 */
    {.name = "requirements", .label = "登録要件", .type = FIELD_CHECKS, .use = "-R-", .vis = "S",
     .master = "registration_requirement", .flags = FIELD_ALL | FIELD_NO_EXPORT,
     .hint = "すべての要件にチェックが入っていないと登録できません。"},
    /* ＜以下、詳細登録画面で入力＞: 19-42 */
    /* 19 (非公開 for I) */
    {.name = "postal_code", .label = "郵便番号", .type = FIELD_POSTAL, .use = "RRR", .vis = "SMM",
     .flags = FIELD_DETAIL},
    /* 20 (非公開 for I) */
    {.name = "address", .label = "住所", .type = FIELD_TEXT, .use = "RRR", .vis = "SMM",
     .flags = FIELD_DETAIL},
    /* 21 (非公開 for I) */
    {.name = "fax", .label = "FAX", .type = FIELD_PHONE, .use = "OOO", .vis = "SMM",
     .flags = FIELD_DETAIL},
    /* 22 */
    {.name = "urls", .label = "URL", .type = FIELD_URLS, .use = "OOO", .vis = "P", .count = 3,
     .flags = FIELD_DETAIL},
    /* 23 */
    {.name = "occupation", .label = "職業", .type = FIELD_TEXT, .use = "R--", .vis = "P",
     .max_len = 100, .flags = FIELD_DETAIL},
    /* 24 */
    {.name = "qualifications", .label = "資格", .type = FIELD_TEXT, .use = "O--", .vis = "P",
     .flags = FIELD_DETAIL | FIELD_SEARCHABLE},
    /* 25 */
    {.name = "selling_points", .label = "セールスポイント", .type = FIELD_TEXTAREA, .use = "OOO",
     .vis = "P", .max_len = 2000, .flags = FIELD_DETAIL | FIELD_SEARCHABLE},
    /* 26 */
    {.name = "members", .label = "会員数・社員数", .labels = "会員数・社員数|会員数|社員数",
     .type = FIELD_INT, .use = "-RR", .vis = "P", .flags = FIELD_DETAIL},
    /* 27 */
    {.name = "established", .label = "設立年月日・創立年月日",
     .labels = "設立年月日・創立年月日|設立年月日|創立年月日", .type = FIELD_DATE, .use = "-RR",
     .vis = "P", .flags = FIELD_DETAIL},
    /* 28 */
    {.name = "founding_purpose", .label = "設立目的", .type = FIELD_TEXTAREA, .use = "-RR",
     .vis = "P", .max_len = 2000, .flags = FIELD_DETAIL | FIELD_SEARCHABLE},
    /* 29 */
    {.name = "activities", .label = "主な活動内容・事業概要",
     .labels = "主な活動内容・事業概要|主な活動内容|事業概要", .type = FIELD_TEXTAREA,
     .use = "-RR", .vis = "P", .max_len = 2000, .flags = FIELD_DETAIL | FIELD_SEARCHABLE},
    /* 30-32 (非公開) */
    {.name = "department", .label = "担当部署名", .type = FIELD_TEXT, .use = "-OO", .vis = "S",
     .max_len = 100, .flags = FIELD_DETAIL},
    {.name = "contact_name", .label = "担当者名", .type = FIELD_TEXT, .use = "-RR", .vis = "S",
     .max_len = 100, .flags = FIELD_DETAIL},
    {.name = "contact_title", .label = "担当者の役職名", .type = FIELD_TEXT, .use = "-OO",
     .vis = "S", .max_len = 100, .flags = FIELD_DETAIL},
    /* 33 */
    {.name = "volunteer_record", .label = "ボランティア実績", .type = FIELD_TEXTAREA,
     .use = "--O", .vis = "P", .max_len = 2000, .flags = FIELD_DETAIL},
    /* ボランティアに参加する場合の希望詳細: 34-37 */
    {.name = "regions", .label = "活動可能地域", .type = FIELD_CHECKS, .use = "RRR", .vis = "P",
     .master = "municipality", .flags = FIELD_DETAIL,
     .group = "ボランティアに参加する場合の希望詳細"},
    {.name = "fields_wanted", .label = "活動希望分野", .type = FIELD_CHECKS, .use = "RRR",
     .vis = "P", .master = "volunteer_field", .flags = FIELD_DETAIL | FIELD_SEARCHABLE},
    {.name = "weekdays", .label = "活動可能曜日", .type = FIELD_CHECKS, .use = "RRR", .vis = "P",
     .choices = weekdays, .flags = FIELD_DETAIL},
    {.name = "time_slot", .label = "活動可能時間帯", .type = FIELD_SELECT, .use = "RRR",
     .vis = "P", .master = "time_slot", .flags = FIELD_DETAIL},
    /* 38 (heading) 趣味・特技・専門性を活かした一芸ボランティア・プロボノ詳細: 39-41 */
    {.name = "probono_field", .label = "分野", .type = FIELD_SELECT, .use = "O--", .vis = "P",
     .master = "probono_field", .flags = FIELD_DETAIL,
     .group = "趣味・特技・専門性を活かした一芸ボランティア・プロボノ詳細"},
    {.name = "probono_content", .label = "内容や対象", .type = FIELD_TEXTAREA, .use = "O--",
     .vis = "P", .max_len = 2000, .flags = FIELD_DETAIL | FIELD_SEARCHABLE},
    {.name = "probono_preparation", .label = "準備するもの・経費", .type = FIELD_TEXTAREA,
     .use = "O--", .vis = "P", .max_len = 2000, .flags = FIELD_DETAIL},
    /* 42 その他 (非公開) */
    {.name = "mail_magazine", .label = "その他", .type = FIELD_CHECKS, .use = "OOO", .vis = "S",
     .choices = mail_magazine, .flags = FIELD_DETAIL, .group = "",
     .hint = "希望する場合はチェックしてください。"},
};

const content_type content_type_member = {
    .name = "member",
    .label = "会員",
    .fields = member_fields,
    .nfields = N(member_fields),
    .title_field = "name",
    .variants = member_variants,
    .variant_labels = member_variant_labels,
    .public_path = NULL, /* the matching site's screens will set it */
};
