/*
 * test_types_spec.c - the registration items of 別紙3 (spec 5.1) and 別紙4
 * (spec 5.2) as content types (content/types_spec.c): every row present,
 * required / optional / absent and visible to whom per variant as the
 * tables say; complete records of every variant through the whole way a
 * record goes (form -> field_read_form -> field_validate -> content_filter
 * -> content_create into a real store -> content_get -> content_filter
 * -> field_display_view -> the display partial, and CSV with core/csv both
 * ways), with no private value (別紙3 #34-37, the (非公開) rows of 別紙4, and
 * what else is staff-only) anywhere in what the public gets.
 */
#define FIELD_SUPPORT_ONLY
#include "test_field.c"

#include <ftw.h>
#include <unistd.h>

#include "core/csv.h"
#include "domain/content.h"

/* ---- the store step: a record is stored and read back before any view ---- */

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* Stores rec as a draft of t variant v in a fresh database (through the
 * workflow, as staff would) and reads it back into out (in a). */
static bool through_store(arena *a, const content_type *t, int v, const record *rec, record *out)
{
    char root[256], data[300], err[512];
    const char *base = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : P_tmpdir;
    snprintf(root, sizeof root, "%s/tsunagu-spec-XXXXXX", base);
    if (!mkdtemp(root))
        return false;
    snprintf(data, sizeof data, "%s/data", root);
    store *db = store_open(data, err, sizeof err);
    bool ok = db && store_migrate(db, err, sizeof err) >= 0;
    content_env e = {.db = db, .a = a};
    e.fields.a = a;
    /* A staff member who is nobody in the database (created_by NULL). */
    account_view staff = {.id = 0, .login = "spec-test", .role = ACCOUNT_ROLE_ADMIN,
                          .status = ACCOUNT_STATUS_ACTIVE};
    int64_t id = 0;
    content_item it;
    ok = ok && content_create(&e, &staff, t, v, rec, NULL, &id, err, sizeof err) == CONTENT_OK &&
         content_get(&e, t, id, &it) == CONTENT_OK && it.variant == v &&
         record_copy(out, &it.rec);
    if (!ok)
        printf("# through the store: %s\n", db ? err : "no database");
    store_close(db);
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return ok;
}

/* ---- the tables, as the spec states them ---- */

/* One row: the field, then per variant use and visibility ('-' absent). */
typedef struct row {
    int no; /* the row of the source table (0: an item of a row's notes) */
    const char *field;
    const char *use; /* per variant: R, O, - */
    const char *vis; /* per variant: P, M, S (ignored where absent) */
} row;

/* 別紙3: G (県民活動団体・NPO法人), C (企業).  Visibility: private rows and
 * what spec 2.3.1 does not show are S; see types_spec.c. */
/* clang-format off */
static const row org_rows[] = {
    {1, "kind", "RR", "PP"},
    {2, "name", "RR", "PP"},
    {3, "name_kana", "RR", "PP"},
    {4, "representative", "RR", "PP"},
    {0, "minors_consent", "RR", "SS"}, /* row 4's notes: the notice, ☑ 必須 */
    {5, "representative_title", "OO", "PS"},
    {6, "contact_name", "RR", "PS"},
    {7, "contact_title", "OO", "SS"},
    {8, "activity_fields", "R-", "P-"},
    {9, "target_area", "R-", "P-"},
    {10, "target_municipalities", "O-", "P-"}, /* required (※): required_if */
    {11, "purpose", "R-", "P-"},
    {12, "activities", "RR", "PP"},
    {13, "csr", "-R", "-P"},
    {14, "collaboration", "OO", "SS"},
    {15, "appeal", "OO", "PP"},
    {16, "main_office", "O-", "P-"},
    {17, "secondary_office", "O-", "S-"},
    {18, "postal_code", "OO", "PP"},
    {19, "prefecture", "RR", "PP"},
    {20, "municipality", "RR", "PP"},
    {21, "address", "RR", "PP"},
    {22, "phone", "OO", "PP"},
    {23, "fax", "OO", "SP"},
    {24, "email", "OO", "PS"},
    {25, "established", "OO", "PP"},
    {26, "settlement", "O-", "S-"},
    {27, "members", "OO", "PS"},
    {28, "fee", "O-", "P-"},
    {29, "qualification", "O-", "P-"},
    {30, "activity_times", "O-", "S-"},
    {31, "urls", "OO", "SP"},
    {32, "files", "OO", "SS"},
    {33, "features", "OO", "PP"},
    {34, "registrant_name", "RR", "SS"},
    {35, "registrant_title", "OO", "SS"},
    {36, "registrant_phone", "RR", "SS"},
    {37, "registrant_email", "RR", "SS"},
    {38, "requirements", "R-", "S-"},
};
/* clang-format on */

/* 別紙4: I (個人), G (団体), C (企業).  Rows 1 and 2 are the account's. */
/* clang-format off */
static const row member_rows[] = {
    {3, "name", "R--", "S--"}, /* 氏名 (非公開) ... */
    {6, "name", "-RR", "-PP"}, /* ... and 団体名/企業名: one field */
    {4, "name_kana", "R--", "S--"},
    {7, "name_kana", "-RR", "-PP"},
    {5, "kind", "-RR", "-PP"},
    {8, "representative", "-RR", "-PP"},
    {0, "representative_consent", "-OO", "-SS"}, /* row 8's notes */
    {9, "representative_title", "-RR", "-PP"},
    {10, "prefecture", "RRR", "PPP"},
    {11, "municipality", "RRR", "PPP"},
    {12, "phone", "RRR", "SMM"}, /* (非公開) for I; §6.1 for G, C */
    {13, "email", "RRR", "SMM"},
    {14, "gender", "R--", "P--"},
    {15, "birth_date", "R--", "S--"},
    {0, "birth_consent", "O--", "S--"}, /* row 15's notes */
    {16, "volunteer_roles", "-O-", "-P-"},
    {17, "files", "-O-", "-P-"},
    {18, "requirements", "-R-", "-S-"},
    {19, "postal_code", "RRR", "SMM"},
    {20, "address", "RRR", "SMM"},
    {21, "fax", "OOO", "SMM"},
    {22, "urls", "OOO", "PPP"},
    {23, "occupation", "R--", "P--"},
    {24, "qualifications", "O--", "P--"},
    {25, "selling_points", "OOO", "PPP"},
    {26, "members", "-RR", "-PP"},
    {27, "established", "-RR", "-PP"},
    {28, "founding_purpose", "-RR", "-PP"},
    {29, "activities", "-RR", "-PP"},
    {30, "department", "-OO", "-SS"},
    {31, "contact_name", "-RR", "-SS"},
    {32, "contact_title", "-OO", "-SS"},
    {33, "volunteer_record", "--O", "--P"},
    {34, "regions", "RRR", "PPP"},
    {35, "fields_wanted", "RRR", "PPP"},
    {36, "weekdays", "RRR", "PPP"},
    {37, "time_slot", "RRR", "PPP"},
    {39, "probono_field", "O--", "P--"},
    {40, "probono_content", "O--", "P--"},
    {41, "probono_preparation", "O--", "P--"},
    {42, "mail_magazine", "OOO", "SSS"},
};
/* clang-format on */

static void check_rows(const content_type *t, const row *rows, size_t nrows, int nv)
{
    for (size_t i = 0; i < nrows; i++) {
        const field_desc *f = content_field(t, rows[i].field);
        if (!f) {
            printf("# %s row %d: no field %s\n", t->name, rows[i].no, rows[i].field);
            CHECK(f != NULL);
            continue;
        }
        for (int v = 0; v < nv; v++) {
            char use = rows[i].use[v], vis = rows[i].vis[v];
            /* Two rows may share a field, each for its own variants (別紙4
             * #3 and #6): '-' then leaves the variant to the other row. */
            bool other = false;
            for (size_t k = 0; k < nrows && use == '-'; k++)
                other = other || (k != i && strcmp(rows[k].field, rows[i].field) == 0 &&
                                  rows[k].use[v] != '-');
            if (other)
                continue;
            bool ok =
                field_in_variant(f, v) == (use != '-') && field_required(f, v) == (use == 'R');
            if (use != '-') {
                ok = ok && field_visible(f, v, AUDIENCE_PUBLIC) == (vis == 'P') &&
                     field_visible(f, v, AUDIENCE_MEMBER) == (vis == 'P' || vis == 'M') &&
                     field_visible(f, v, AUDIENCE_STAFF);
            }
            if (!ok)
                printf("# %s row %d (%s), variant %d: want %c %c\n", t->name, rows[i].no,
                       rows[i].field, v, use, vis);
            CHECK(ok);
        }
    }
    /* And no field the tables do not have. */
    for (size_t k = 0; k < t->nfields; k++) {
        bool found = false;
        for (size_t i = 0; i < nrows && !found; i++)
            found = strcmp(rows[i].field, t->fields[k].name) == 0;
        if (!found)
            printf("# %s: field %s is in no row\n", t->name, t->fields[k].name);
        CHECK(found);
    }
}

TEST(spec_5_1_every_row_of_bessi_3)
{
    const content_type *t = &content_type_organisation;
    CHECK_INT(content_variant(t, "group"), 0);
    CHECK_INT(content_variant(t, "company"), 1);
    CHECK_STR(t->variant_labels[0], "県民活動団体・NPO法人");
    check_rows(t, org_rows, sizeof org_rows / sizeof org_rows[0], 2);
    /* Row numbers 1..38 all present. */
    for (int no = 1; no <= 38; no++) {
        bool found = false;
        for (size_t i = 0; i < sizeof org_rows / sizeof org_rows[0]; i++)
            found = found || org_rows[i].no == no;
        CHECK(found);
    }
    /* Labels per variant (「A／B」 in the source). */
    CHECK_STR(field_label(content_field(t, "kind"), 1), "企業のカテゴリ");
    CHECK_STR(field_label(content_field(t, "activities"), 1), "業務内容");
    CHECK_STR(field_label(content_field(t, "members"), 1), "従業員数");
    /* Row 10 is required when row 9 says 山口県内市町. */
    CHECK_STR(content_field(t, "target_municipalities")->required_if, "target_area=山口県内市町");
    CHECK_STR(content_field(t, "target_municipalities")->master, "municipality");
    /* Row 4: the minors' notice of spec 5.4, to be agreed to. */
    const field_desc *consent = content_field(t, "minors_consent");
    CHECK(consent->type == FIELD_AGREE);
    CHECK(contains(consent->hint, "親権者など保護者の同意を得たうえで"));
    CHECK(contains(consent->hint, "会員資格の取消しを行うことがございます"));
    /* Row 38: every requirement ticked. */
    const field_desc *req = content_field(t, "requirements");
    CHECK(req->type == FIELD_CHECKS && (req->flags & FIELD_ALL));
    CHECK_STR(req->master, "registration_requirement");
    /* Rows 31, 32: three slots; the group's files named. */
    CHECK_INT(content_field(t, "urls")->count, 3);
    CHECK_INT(content_field(t, "files")->count, 3);
    CHECK_STR(content_field(t, "files")->variant_slot_labels[0][0], "団体の定款又は規約ファイル");
}

TEST(spec_5_2_every_row_of_bessi_4)
{
    const content_type *t = &content_type_member;
    CHECK_INT(content_variant(t, "individual"), 0);
    CHECK_INT(content_variant(t, "group"), 1);
    CHECK_INT(content_variant(t, "company"), 2);
    check_rows(t, member_rows, sizeof member_rows / sizeof member_rows[0], 3);
    for (int no = 3; no <= 42; no++) {
        bool found = no == 38; /* a heading: the group of 39-41 */
        for (size_t i = 0; i < sizeof member_rows / sizeof member_rows[0]; i++)
            found = found || member_rows[i].no == no;
        CHECK(found);
    }
    /* Rows 1 and 2 (login ID, password) never go into a record. */
    CHECK(content_field(t, "password") == NULL);
    CHECK(content_field(t, "login") == NULL);
    CHECK_STR(field_label(content_field(t, "name"), 0), "氏名");
    CHECK_STR(field_label(content_field(t, "name"), 2), "企業名");
    /* Row 11: 山口県外 for individuals, "—" for groups and companies. */
    const field_desc *muni = content_field(t, "municipality");
    CHECK_STR(muni->variant_choices[0][0], "山口県外");
    CHECK_STR(muni->variant_choices[1][0], "—");
    /* Rows 19-42 are on the detailed registration screen (spec 3.5). */
    CHECK(!(content_field(t, "requirements")->flags & FIELD_DETAIL));
    CHECK(content_field(t, "postal_code")->flags & FIELD_DETAIL);
    CHECK(content_field(t, "mail_magazine")->flags & FIELD_DETAIL);
}

TEST(spec_5_3_value_lists)
{
    arena_free(&A);
    arena_init(&A);
    field_env env = env_of(&A);
    size_t n;
    CHECK(env.master(NULL, "activity_field", &n) && n == 19);
    CHECK(env.master(NULL, "volunteer_field", &n) && n == 20);
    CHECK(env.master(NULL, "municipality", &n) && n == 19);
    CHECK(env.master(NULL, "prefecture", &n) && n == 47);
    CHECK(env.master(NULL, "time_slot", &n) && n == 5);
    CHECK(env.master(NULL, "probono_field", &n) && n == 10);
    CHECK(env.master(NULL, "registration_requirement", &n) && n == 3);
    /* The NPO law's fields in its order, less the 19th (support of other
     * groups) for Super Net's 19. */
    const char *const *af = env.master(NULL, "activity_field", &n);
    const char *const *vf = env.master(NULL, "volunteer_field", &n);
    CHECK_STR(af[0], "保健、医療又は福祉の増進を図る活動");
    CHECK_STR(af[18], vf[19]);
    CHECK(contains(vf[18], "運営又は活動に関する連絡、助言又は援助"));
    for (size_t i = 0; i < 19; i++)
        CHECK(!contains(af[i], "運営又は活動に関する連絡、助言又は援助"));
    /* The form lists: 19 municipalities + 山口県外, 47 prefectures + "—". */
    const content_type *t = &content_type_organisation;
    record rec;
    record_init(&rec, &A);
    tv *view = field_form_view(&env, t, 0, &rec, NULL);
    for (size_t i = 0; i < tv_len(view); i++) {
        const tv *item = tv_at(view, i);
        size_t len;
        const char *name = tv_text(tv_get(item, "name"), &len);
        const tv *opts = tv_get(item, "options");
        if (strcmp(name, "municipality") == 0) {
            CHECK_INT(tv_len(opts), 20);
            CHECK_STR(tv_text(tv_get(tv_at(opts, 19), "value"), &len), "山口県外");
        }
        if (strcmp(name, "prefecture") == 0) {
            CHECK_INT(tv_len(opts), 48);
            CHECK_STR(tv_text(tv_get(tv_at(opts, 47), "value"), &len), "—");
        }
        if (strcmp(name, "kind") == 0)
            CHECK_INT(tv_len(opts), 11); /* NPO法人 and the ten of 別紙3 #1 */
        if (strcmp(name, "settlement") == 0)
            CHECK_INT(tv_len(opts), 7);
        if (strcmp(name, "features") == 0)
            CHECK_INT(tv_len(opts), 6);
    }
}

/* ---- complete records of every variant ---- */

/* clang-format off */
static const char *const org_group[] = {
    "kind", "NPO法人",
    "name", "やまぐち子ども食堂ネット",
    "name_kana", "やまぐちこどもしょくどうねっと",
    "representative", "代表者の周南一郎",
    "minors_consent", "1",
    "representative_title", "理事長の肩書",
    "contact_name", "担当者の宇部二郎",
    "contact_title", "担当者役職は非公開",
    "activity_fields", "子どもの健全育成を図る活動",
    "activity_fields", "まちづくりの推進を図る活動",
    "target_area", "山口県内市町",
    "target_municipalities", "山口市",
    "target_municipalities", "宇部市",
    "purpose", "子どもの居場所づくり",
    "activities", "毎週土曜日に食堂を開いています。\n学習支援も行います。",
    "collaboration", "協働実績は非公開の記述",
    "appeal", "どなたでもご参加ください。",
    "main_office", "山口市中央一丁目",
    "secondary_office", "従たる事務所は非公開の住所",
    "postal_code", "７５３－００７７",
    "prefecture", "山口県",
    "municipality", "山口市",
    "address", "熊野町1-10",
    "phone", "083-900-1111",
    "fax", "083-900-9999",
    "email", "kodomo@example.jp",
    "established", "2015/4/1",
    "settlement", "100万円～500万円未満",
    "members", "35",
    "fee", "年会費 1,000 円",
    "qualification", "趣旨に賛同する方",
    "activity_times", "活動日時は非公開の記述",
    "urls.1.url", "https://kodomo.example.jp/",
    "urls.1.label", "団体のサイトは非公開",
    "files.1", "3",
    "features", "活動団体である",
    "features", "連携・協働の実績がある",
    "registrant_name", "登録担当者の山田花子",
    "registrant_title", "登録担当者の役職事務局",
    "registrant_phone", "090-1111-2222",
    "registrant_email", "registrant@example.jp",
    "requirements", "営利を目的としない団体です",
    "requirements", "宗教活動や政治活動を主たる目的とする団体ではありません",
    "requirements", "特定の公職の候補者（候補者になろうとする者を含む）若しくは公職にある者又は政党を推薦し、支持し、又はこれらに反対することを目的とする団体ではありません",
    NULL,
};
/* clang-format on */

/* clang-format off */
static const char *const org_company[] = {
    "kind", "株式会社",
    "name", "株式会社つなぐ商事",
    "name_kana", "かぶしきがいしゃつなぐしょうじ",
    "representative", "代表取締役の防府三郎",
    "minors_consent", "1",
    "representative_title", "社長の肩書は非公開",
    "contact_name", "担当者の下関四郎は非公開",
    "contact_title", "担当者役職は非公開",
    "activities", "文具の製造と販売",
    "csr", "地域の清掃活動に毎月参加しています。",
    "collaboration", "協働実績は非公開の記述",
    "appeal", "地域とともに歩みます。",
    "postal_code", "7450001",
    "prefecture", "山口県",
    "municipality", "周南市",
    "address", "周南市の本社住所",
    "phone", "0834-00-1234",
    "fax", "0834-00-9876",
    "email", "csr@example.co.jp",
    "established", "1980-10-01",
    "members", "120",
    "urls.1.url", "https://example.co.jp/",
    "urls.1.label", "会社のサイト",
    "urls.2.url", "https://example.co.jp/csr",
    "files.1", "2",
    "features", "CSR・社会貢献の実績がある",
    "registrant_name", "登録担当者の山田花子",
    "registrant_title", "登録担当者の役職総務",
    "registrant_phone", "090-3333-4444",
    "registrant_email", "registrant@example.co.jp",
    NULL,
};
/* clang-format on */

/* clang-format off */
static const char *const member_individual[] = {
    "name", "個人の氏名山口太郎",
    "name_kana", "やまぐちたろうのふりがな",
    "prefecture", "山口県",
    "municipality", "山陽小野田市",
    "phone", "090-5555-6666",
    "email", "taro@example.jp",
    "gender", "回答しない",
    "birth_date", "1990-05-06",
    "birth_consent", "1",
    "postal_code", "756-0001",
    "address", "個人の住所は非公開",
    "fax", "0836-00-0000",
    "urls.1.url", "https://taro.example.jp/",
    "occupation", "会社員",
    "qualifications", "普通自動車免許",
    "selling_points", "写真が得意です。",
    "regions", "山陽小野田市",
    "regions", "宇部市",
    "fields_wanted", "環境の保全を図る活動",
    "weekdays", "土曜日",
    "weekdays", "日曜日",
    "time_slot", "午前",
    "probono_field", "写真・映像",
    "probono_content", "イベントの記録写真",
    "probono_preparation", "カメラは持参します",
    "mail_magazine", "メルマガ配信を希望する",
    NULL,
};
/* clang-format on */

/* clang-format off */
static const char *const member_group[] = {
    "kind", "任意団体",
    "name", "海辺を守る会",
    "name_kana", "うみべをまもるかい",
    "representative", "代表の萩五郎",
    "representative_consent", "1",
    "representative_title", "会長",
    "prefecture", "山口県",
    "municipality", "萩市",
    "phone", "0838-00-1111",
    "email", "umibe@example.jp",
    "volunteer_roles", "ボランティアを募集する",
    "files.1", "3",
    "requirements", "営利を目的としない団体です",
    "requirements", "宗教活動や政治活動を主たる目的とする団体ではありません",
    "requirements", "特定の公職の候補者（候補者になろうとする者を含む）若しくは公職にある者又は政党を推薦し、支持し、又はこれらに反対することを目的とする団体ではありません",
    "postal_code", "758-0001",
    "address", "団体の住所",
    "members", "12",
    "established", "2010-07-01",
    "founding_purpose", "海岸の清掃",
    "activities", "月に一度の清掃活動",
    "department", "部署名は非公開",
    "contact_name", "担当者名は非公開",
    "contact_title", "担当者役職は非公開",
    "regions", "萩市",
    "fields_wanted", "環境の保全を図る活動",
    "weekdays", "日曜日",
    "time_slot", "午前",
    NULL,
};
/* clang-format on */

/* clang-format off */
static const char *const member_company[] = {
    "kind", "合同会社",
    "name", "合同会社みなと",
    "name_kana", "ごうどうがいしゃみなと",
    "representative", "代表社員の岩国六郎",
    "representative_title", "代表社員",
    "prefecture", "—",
    "municipality", "—",
    "phone", "0827-00-2222",
    "email", "minato@example.jp",
    "postal_code", "740-0001",
    "address", "企業の住所",
    "members", "8",
    "established", "2001-01-01",
    "founding_purpose", "港の物流",
    "activities", "倉庫業",
    "contact_name", "企業の担当者名は非公開",
    "volunteer_record", "清掃活動に参加",
    "regions", "岩国市",
    "fields_wanted", "災害救援活動",
    "weekdays", "水曜日",
    "time_slot", "応相談",
    NULL,
};
/* clang-format on */

/* Whether the spec's table (not the type) lets who see field name in
 * variant v. */
static bool spec_visible(const content_type *t, const char *name, int v, content_audience who)
{
    const row *rows = t == &content_type_organisation ? org_rows : member_rows;
    size_t n = t == &content_type_organisation ? sizeof org_rows / sizeof org_rows[0]
                                               : sizeof member_rows / sizeof member_rows[0];
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].field, name) == 0 && rows[i].use[v] != '-') {
            char vis = rows[i].vis[v];
            return who == AUDIENCE_STAFF || vis == 'P' || (vis == 'M' && who == AUDIENCE_MEMBER);
        }
    return who == AUDIENCE_STAFF;
}

/* Every value of rec (each line of a multi-valued one) longer than a few
 * bytes that belongs to a field the spec keeps from who, found in text. */
static bool leaks(const content_type *t, int v, content_audience who, const record *rec,
                  const char *text)
{
    bool leaked = false;
    for (size_t i = 0; i < rec->n; i++) {
        const char *key = rec->kv[i].key;
        char name[RECORD_KEY_MAX + 1];
        size_t n = strcspn(key, ".");
        snprintf(name, sizeof name, "%.*s", (int)n, key);
        if (spec_visible(t, name, v, who))
            continue;
        for (const char *p = rec->kv[i].value; *p;) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            char part[1024];
            snprintf(part, sizeof part, "%.*s", (int)len, p);
            if (len > 4 && strstr(text, part)) {
                printf("# %s variant %d: \"%s\" (%s) reaches the public\n", t->name, v, part, key);
                leaked = true;
            }
            p = nl ? nl + 1 : p + len;
        }
    }
    return leaked;
}

/* A CSV file of rec's values under the columns of t (header, one line). */
static void csv_of(arena *a, const content_type *t, const record *rec, buf *out)
{
    size_t n;
    const char *const *labels;
    const char *const *keys = content_csv_keys(a, t, &n, &labels);
    CHECK(keys != NULL);
    const char **vals = content_csv_values(a, rec, keys, n);
    csv_write_bom(out);
    csv_write_record(out, keys, NULL, n);
    csv_write_record(out, vals, NULL, n);
    CHECK(buf_ok(out));
}

/* Reads back a CSV file csv_of() wrote: columns into a record by key, then
 * through the reader, as the importer does. */
static bool csv_read_back(arena *a, const content_type *t, int v, const buf *file, record *out)
{
    char err[256];
    csv_reader *r = csv_open(file->data, file->len, err, sizeof err);
    if (!r)
        return false;
    csv_record header, line;
    bool ok = csv_next(r, &header, err, sizeof err) == 1;
    char **names = calloc(header.n + 1, sizeof *names);
    for (size_t i = 0; ok && i < header.n; i++)
        names[i] = arena_strdup(a, header.fields[i].s);
    ok = ok && csv_next(r, &line, err, sizeof err) == 1 && line.n == header.n;
    record raw;
    record_init(&raw, a);
    for (size_t i = 0; ok && i < line.n; i++) {
        const char *s = line.fields[i].s;
        size_t len = line.fields[i].len;
        csv_unguard(&s, &len);
        ok = record_set(&raw, names[i], s);
    }
    free(names);
    csv_close(r);
    field_input in;
    field_input_record(&in, &raw);
    field_env env = env_of(a);
    return ok && field_read_form(&env, t, v, &in, out);
}

static void one_way(const content_type *t, int v, const char *const *pairs)
{
    arena_free(&A);
    arena_init(&A);
    field_env env = env_of(&A);
    record rec, pub;
    record_init(&rec, &A);
    record_init(&pub, &A);
    CHECK(read_pairs(t, v, pairs, &rec));
    field_errors errs = {0};
    bool valid = field_validate(&env, t, v, &rec, &errs);
    for (size_t i = 0; i < errs.n; i++)
        printf("# %s variant %d: %s: %s\n", t->name, v, errs.e[i].key, errs.e[i].message);
    CHECK(valid);
    /* Every required field of the variant is in the record. */
    for (size_t i = 0; i < t->nfields; i++)
        if (field_required(&t->fields[i], v) && t->fields[i].type != FIELD_URLS &&
            t->fields[i].type != FIELD_FILES)
            CHECK(record_get(&rec, t->fields[i].name) != NULL);

    /* What the public sees is built from the record as stored. */
    record stored;
    record_init(&stored, &A);
    CHECK(through_store(&A, t, v, &rec, &stored));
    buf r1 = BUF_INIT, r2 = BUF_INIT;
    CHECK(record_encode(&rec, &r1) && record_encode(&stored, &r2));
    CHECK_STR(r2.data ? r2.data : "", r1.data ? r1.data : "");
    buf_free(&r1);
    buf_free(&r2);
    CHECK(content_filter(t, v, AUDIENCE_PUBLIC, &stored, &pub));
    CHECK(pub.n > 5 && pub.n < rec.n);
    tv *view = field_display_view(&env, t, v, &pub);
    CHECK(view != NULL);
    const char *html = render(&A, "show.html", "view", view);
    CHECK(html != NULL);
    CHECK_INT(html_problems(html ? html : ""), 0);
    CHECK(!leaks(t, v, AUDIENCE_PUBLIC, &rec, html ? html : ""));
    /* What the public is shown is there. */
    CHECK(contains(html, record_get(&rec, "name")) ==
          field_visible(content_field(t, "name"), v, AUDIENCE_PUBLIC));

    /* CSV of the public record: nothing private either. */
    buf pubcsv = BUF_INIT;
    csv_of(&A, t, &pub, &pubcsv);
    CHECK(!leaks(t, v, AUDIENCE_PUBLIC, &rec, pubcsv.data ? pubcsv.data : ""));
    buf_free(&pubcsv);

    /* CSV of the whole record for staff, and back: the same record but for
     * the columns never exported (consent ticks, registration requirements). */
    buf all = BUF_INIT;
    csv_of(&A, t, &rec, &all);
    record back, want;
    record_init(&back, &A);
    record_init(&want, &A);
    CHECK(csv_read_back(&A, t, v, &all, &back));
    CHECK(record_copy(&want, &rec));
    for (size_t i = 0; i < t->nfields; i++)
        if (t->fields[i].flags & FIELD_NO_EXPORT)
            CHECK(record_set(&want, t->fields[i].name, NULL));
    buf a = BUF_INIT, b = BUF_INIT;
    CHECK(record_encode(&want, &a) && record_encode(&back, &b));
    CHECK_STR(b.data ? b.data : "", a.data ? a.data : "");
    buf_free(&a);
    buf_free(&b);
    buf_free(&all);

    /* Members see 'M' rows, staff everything. */
    record mem;
    record_init(&mem, &A);
    CHECK(content_filter(t, v, AUDIENCE_MEMBER, &rec, &mem));
    tv *mview = field_display_view(&env, t, v, &mem);
    const char *mhtml = render(&A, "show.html", "view", mview);
    CHECK(!leaks(t, v, AUDIENCE_MEMBER, &rec, mhtml ? mhtml : ""));
}

TEST(spec_5_1_a_group_and_a_company_never_show_private_rows)
{
    one_way(&content_type_organisation, 0, org_group);
    one_way(&content_type_organisation, 1, org_company);
}

TEST(spec_5_2_members_of_every_kind_never_show_private_rows)
{
    one_way(&content_type_member, 0, member_individual);
    one_way(&content_type_member, 1, member_group);
    one_way(&content_type_member, 2, member_company);
}

TEST(spec_5_1_rules_beyond_the_columns)
{
    arena_free(&A);
    arena_init(&A);
    field_env env = env_of(&A);
    const content_type *t = &content_type_organisation;
    record rec;
    record_init(&rec, &A);
    CHECK(read_pairs(t, 0, org_group, &rec));
    /* Row 10 without municipalities. */
    CHECK(record_set(&rec, "target_municipalities", NULL));
    /* Row 38 with one requirement unticked. */
    CHECK(record_set(&rec, "requirements", "営利を目的としない団体です"));
    /* Row 4 without the consent. */
    CHECK(record_set(&rec, "minors_consent", NULL));
    /* A company's item in a group's record. */
    CHECK(record_set(&rec, "csr", "CSR"));
    field_errors errs = {0};
    CHECK(!field_validate(&env, t, 0, &rec, &errs));
    CHECK_STR(error_of(&errs, "target_municipalities"), "対象市町を選んでください。");
    CHECK_STR(error_of(&errs, "requirements"), "登録要件はすべての項目にチェックが必要です。");
    CHECK_STR(error_of(&errs, "minors_consent"), "未成年者の方への注意事項に同意してください。");
    CHECK(contains(error_of(&errs, "csr"), "この区分では入力できません"));
    CHECK_INT(errs.n, 4);
    /* The company's labels in its messages. */
    record c;
    record_init(&c, &A);
    CHECK(read_pairs(t, 1, org_company, &c));
    CHECK(record_set(&c, "name", NULL));
    CHECK(record_set(&c, "kind", "NPO法人")); /* a group's kind */
    field_errors e2 = {0};
    CHECK(!field_validate(&env, t, 1, &c, &e2));
    CHECK_STR(error_of(&e2, "name"), "企業名を入力してください。");
    CHECK_STR(error_of(&e2, "kind"), "企業のカテゴリは一覧から選んでください。");
}

TEST(spec_3_5_two_stage_member_registration)
{
    arena_free(&A);
    arena_init(&A);
    field_env env = env_of(&A);
    content_type first;
    CHECK(content_type_without(&A, &content_type_member, FIELD_DETAIL, &first));
    static const char *const simple[] = {
        "name",         "山口太郎", "name_kana",  "やまぐちたろう", "prefecture", "山口県",
        "municipality", "山口市",   "phone",      "090-1234-5678",  "email",      "t@example.jp",
        "gender",       "男性",     "birth_date", "2000-01-02",     NULL,
    };
    record rec;
    record_init(&rec, &A);
    CHECK(read_pairs(&first, 0, simple, &rec));
    field_errors errs = {0};
    CHECK(field_validate(&env, &first, 0, &rec, &errs));
    /* The detailed screen then asks for the rest. */
    field_errors e2 = {0};
    CHECK(!field_validate(&env, &content_type_member, 0, &rec, &e2));
    CHECK(error_of(&e2, "postal_code") != NULL);
    CHECK(error_of(&e2, "occupation") != NULL);
    CHECK(error_of(&e2, "name") == NULL);
}

TEST(every_variant_form_with_errors_renders_cleanly)
{
    const content_type *types[] = {&content_type_organisation, &content_type_member};
    for (size_t i = 0; i < 2; i++)
        for (int v = 0; types[i]->variants[v]; v++) {
            arena_free(&A);
            arena_init(&A);
            field_env env = env_of(&A);
            record rec;
            record_init(&rec, &A);
            field_errors errs = {0};
            CHECK(!field_validate(&env, types[i], v, &rec, &errs));
            CHECK(errs.n > 5);
            tv *view = field_form_view(&env, types[i], v, &rec, &errs);
            const char *html = render(&A, "form.html", "fields", view);
            CHECK(html != NULL);
            CHECK_INT(html_problems(html ? html : ""), 0);
            /* Every error's link target exists in the form. */
            for (size_t k = 0; k < errs.n; k++)
                CHECK(id_exists(html ? html : "", errs.e[k].id));
        }
}

int main(void)
{
    arena_init(&A);
    int rc = tap_run();
    arena_free(&A);
    templates_free();
    masters_free();
    return rc;
}
