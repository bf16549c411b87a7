/* demo.c - see demo.h. */
#include "domain/demo.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "content/types.h"
#include "core/buf.h"
#include "core/ini.h"
#include "domain/account.h"
#include "domain/content.h"
#include "store/store.h"

typedef struct demo_ctx {
    buf text;
    char *err;
    size_t errlen;
} demo_ctx;

static bool put_setting(void *ctx, const char *key, const char *value, char *err, size_t errlen)
{
    store *db = ctx;
    store_rc rc = store_setting_put(db, key, value);
    if (rc != STORE_OK && rc != STORE_DONE) {
        snprintf(err, errlen, "%s: %s", key, store_errmsg(db));
        return false;
    }
    return true;
}

static store_rc load_settings(store *db, void *ctx)
{
    demo_ctx *c = ctx;
    if (!ini_parse(c->text.data, c->text.len, put_setting, db, c->err, c->errlen))
        return STORE_ERROR;
    return store_generation_bump(db, "setting");
}

/* ---- sample content (notices, fixed pages, links, home slots) ----
 *
 * Made the way staff make it: through domain/content.h, created, sent to
 * review and approved (by demo_actor below), so the demo exercises the
 * real workflow and never writes SQL of its own.  An item whose title is
 * already there (a second `tsunagu demo`) is left alone. */

/* Who creates and approves the demo content: the command line, as for
 * `tsunagu user add` (actor id 0, stored as no account), acting as a system
 * administrator.  No account is created for it: a demo database holds only
 * the accounts people add, and the rule "never the last administrator"
 * means what it says. */
static const account_view demo_actor = {
    .id = 0,
    .login = "tsunagu-demo",
    .name = "デモデータ",
    .role = ACCOUNT_ROLE_ADMIN,
    .member_type = ACCOUNT_TYPE_NONE,
    .status = ACCOUNT_STATUS_ACTIVE,
};

typedef struct demo_item {
    const content_type *type;
    const char *title;
    const char *body; /* Markdown */
    int days_ago;     /* publication date: this many days before now (0 = now) */
    const char *slug; /* fixed pages */
    const char *menu;
    int menu_order;
    const char *summary;     /* fixed pages */
    const char *url;         /* links */
    const char *category;    /* links */
    const char *description; /* links */
    bool draft;              /* left as a draft (staff publish it when needed) */
} demo_item;

#define NOTICE(title_, days_, body_)                                                               \
    {                                                                                              \
        .type = &content_type_notice, .title = title_, .days_ago = days_, .body = body_            \
    }
#define CENTRE(title_, days_, body_)                                                               \
    {                                                                                              \
        .type = &content_type_centre_notice, .title = title_, .days_ago = days_, .body = body_     \
    }
#define PAGE(slug_, menu_, order_, title_, summary_, body_)                                        \
    {                                                                                              \
        .type = &content_type_page, .slug = slug_, .menu = menu_, .menu_order = order_,            \
        .title = title_, .summary = summary_, .body = body_                                        \
    }
#define LINK(title_, url_, category_, description_)                                                \
    {                                                                                              \
        .type = &content_type_link, .title = title_, .url = url_, .category = category_,           \
        .description = description_                                                                \
    }

/* Dates spread over this year and the last, so the year archive has two
 * years whenever the demo is loaded. */
static const demo_item demo_items[] = {
    NOTICE("県民活動団体向け助成金説明会を開催します", 12,
           "県内の県民活動団体を対象に、来年度の助成金制度の説明会を開催します。\n\n"
           "- 会場：やまぐち県民活動支援センター 研修室\n"
           "- 内容：助成の対象、申請書の書き方、採択事例の紹介\n\n"
           "参加を希望される方は、センターまでお電話でお申し込みください。"),
    NOTICE("NPO 法人の事業報告書の提出について", 45,
           "NPO 法人は、毎事業年度の初めの 3 か月以内に事業報告書等を提出する必要があります。\n\n"
           "提出の方法や書き方について、センターの窓口でご相談をお受けしています。"),
    NOTICE("ボランティア活動保険の加入手続きが始まりました", 96,
           "新しい年度のボランティア活動保険の加入手続きが始まりました。"
           "活動を始める前に加入をお願いします。\n\n"
           "加入の窓口は、お住まいの市町の社会福祉協議会です。"),
    NOTICE("県民活動フェスタの出展団体を募集します", 158,
           "県民活動フェスタで活動を紹介する出展団体を募集します。\n\n"
           "## 募集する団体\n\n"
           "県内で活動する NPO 法人、ボランティア団体、企業の社会貢献活動の担当部署。\n\n"
           "## 申し込み\n\n"
           "スーパーネットに掲載している団体は、団体情報の画面からお申し込みください。"),
    NOTICE("掲載している団体情報の更新をお願いします", 251,
           "スーパーネットに掲載している団体の皆さまへ。"
           "代表者や連絡先、活動内容に変更があった場合は、修正依頼の画面から更新してください。"),
    NOTICE("年末年始の窓口業務について", 333,
           "年末年始は窓口業務をお休みします。"
           "お休みの間に届いたお問い合わせには、年明けの開館日から順にお答えします。"),
    NOTICE("市民活動講座「はじめての広報」の受講者を募集します", 421,
           "団体の活動を多くの人に知ってもらうための、チラシづくりと SNS 活用の講座です。\n\n"
           "- 対象：県内で活動する団体の広報担当の方\n"
           "- 定員：20 名（先着順）\n"
           "- 参加費：無料"),
    NOTICE("スーパーネットの掲載情報の登録方法が新しくなりました", 602,
           "団体情報とイベント・募集情報の登録画面を新しくしました。"
           "入力の途中で誤りがあると、その場で分かるようになっています。"),

    CENTRE("施設点検に伴う臨時休館のお知らせ", 5,
           "施設の電気設備の点検のため、臨時に休館します。"
           "ご不便をおかけしますが、ご理解とご協力をお願いします。"),
    CENTRE("交流コーナー（Zoom ルーム）の予約方法を変更しました", 61,
           "交流コーナー（Zoom ルーム）の予約は、お電話のほか、センターの窓口でも"
           "受け付けるようになりました。\n\n"
           "予約の状況はトップページのカレンダーでご確認いただけます。"),
    CENTRE("印刷機の利用料金の改定について", 203,
           "印刷機の利用料金を改定します。"
           "製版 1 回と印刷 100 枚ごとの料金は、センターの窓口に掲示しています。"),
    CENTRE("センター便り 秋号を発行しました", 384,
           "センター便りの秋号を発行しました。"
           "県内の団体の活動紹介と、講座の報告を掲載しています。"
           "センターの窓口と県内の公民館で配布しています。"),
    CENTRE("開館時間の延長を試行します", 505,
           "平日の夜の利用が多いことから、開館時間の延長を試行します。"
           "ご意見をセンターの窓口でお聞かせください。"),

    PAGE("centre", "centre", 0, "センターについて",
         "やまぐち県民活動支援センターの役割と、ご利用の案内です。",
         "やまぐち県民活動支援センターは、県民の皆さまの自主的な社会貢献活動"
         "（県民活動）を支える拠点です。\n\n"
         "活動の相談、情報の収集と提供、団体どうしの交流の場づくりを行っています。"),
    PAGE("centre-overview", "centre", 1, "センターの概要",
         "センターの目的、運営、主な事業を紹介します。",
         "## 目的\n\n"
         "県民活動の促進のため、活動に関する情報の提供、相談、研修、交流の機会を"
         "提供します。\n\n"
         "## 主な事業\n\n"
         "- 県民活動に関する相談\n"
         "- 情報の収集と提供（スーパーネット、センター便り）\n"
         "- 講座・研修の開催\n"
         "- 交流の場づくり"),
    PAGE("centre-guide", "centre", 2, "利用の手引き",
         "開館時間、休館日、設備の使い方などをまとめています。",
         "## 使える設備\n\n"
         "- 交流コーナー（Zoom ルーム）\n"
         "- 印刷機（製版・印刷）\n"
         "- 資料閲覧コーナー\n\n"
         "設備の利用には、団体の登録が必要なものがあります。窓口でおたずねください。"),
    PAGE("centre-access", "centre", 3, "アクセス", "センターへの交通手段と駐車場の案内です。",
         "## 公共交通機関\n\n"
         "最寄りの駅から徒歩約 10 分です。バスをご利用の場合は、最寄りの停留所から"
         "徒歩約 3 分です。\n\n"
         "## 駐車場\n\n"
         "専用の駐車場はありません。近くの有料駐車場をご利用ください。"),
    PAGE("centre-reservation", "centre", 4, "申し込み・予約",
         "交流コーナーや印刷機の予約、講座への申し込みの方法です。",
         "交流コーナー（Zoom ルーム）と印刷機は、利用の 1 か月前から予約できます。\n\n"
         "お電話または窓口でお申し込みください。講座への申し込みは、"
         "各講座のお知らせに書かれた方法でお願いします。"),
    PAGE("policy", "footer", 1, "情報登録規約・個人情報保護方針",
         "スーパーネットへの情報の登録と、個人情報の取り扱いについての定めです。",
         "## 情報登録規約\n\n"
         "スーパーネットに情報を登録する団体は、登録する内容に責任を持ち、"
         "事実と異なる情報を登録しないものとします。\n\n"
         "## 個人情報保護方針\n\n"
         "登録された個人情報は、スーパーネットの運営の目的にだけ使い、"
         "法令に基づく場合を除いて第三者に提供しません。"),
    PAGE("accessibility", "footer", 2, "ウェブアクセシビリティ方針",
         "高齢の方や障害のある方を含む誰もが使えるサイトにするための方針です。",
         "スーパーネットは、JIS X 8341-3:2016 の適合レベル AA に準拠することを目標とします。\n\n"
         "文字の大きさと背景の色は、ページの上部で切り替えられます。"),
    PAGE("contact", "footer", 3, "お問い合わせ",
         "スーパーネットとセンターへのお問い合わせの方法です。",
         "スーパーネットの使い方や掲載内容についてのお問い合わせは、"
         "やまぐち県民活動支援センターまでお電話ください。\n\n"
         "電話番号と開館時間は、ページの下部に掲載しています。"),

    LINK("山口県 県民活動推進担当", "https://kenmin.example.jp/", "行政・公的機関",
         "県の県民活動の推進と、NPO 法人の認証の窓口です。"),
    LINK("山口市 市民活動支援窓口", "https://yamaguchi-city.example.jp/shimin/", "行政・公的機関",
         "市内の市民活動団体の相談と、活動場所の案内をしています。"),
    LINK("県 NPO 法人認証の手引き", "https://npo-guide.example.jp/", "行政・公的機関", NULL),
    LINK("やまぐち NPO サポートネット", "https://npo-support.example.jp/", "中間支援組織",
         "県内の NPO の運営相談と、研修の開催をしています。"),
    LINK("周南市民活動センター", "https://shunan-katsudo.example.jp/", "中間支援組織",
         "周南地域の市民活動の拠点です。"),
    LINK("山口県社会福祉協議会", "https://kenshakyo.example.jp/", "社会福祉協議会",
         "ボランティア活動保険と、福祉の活動の相談の窓口です。"),
    LINK("下関市社会福祉協議会 ボランティアセンター", "https://shimonoseki-vc.example.jp/",
         "社会福祉協議会", NULL),
    LINK("あいかさねっと", "https://aikasanet.example.jp/", "ボランティア・市民活動",
         "やまぐち社会貢献活動支援ネット。ボランティアをしたい人と団体をつなぎます。"),
    LINK("やまぐち子ども食堂ネットワーク", "https://kodomo-shokudo.example.jp/",
         "ボランティア・市民活動", "県内の子ども食堂の情報と、食材の寄付の受け付けです。"),
    LINK("県民活動フェスタ実行委員会", "https://festa.example.jp/", "その他",
         "毎年秋に開く県民活動フェスタの案内です。"),

    {.type = &content_type_home_frame,
     .title = "印刷機・交流コーナーの予約状況",
     .days_ago = 1,
     .body = "今月の予約状況です。空いている日時は、お電話でご予約いただけます。\n\n"
             "- 印刷機：平日の午前は空きがあります\n"
             "- 交流コーナー（Zoom ルーム）：土曜日の午後は予約で埋まっています"},
    /* The emergency slot stays empty until staff publish this (a typhoon is
     * the usual reason): the template is there, ready. */
    {.type = &content_type_emergency,
     .title = "台風の接近に伴う臨時休館について",
     .draft = true,
     .body = "台風の接近が予想されるため、本日は臨時に休館します。"
             "予約されていた方には、センターからご連絡します。"},
};

static const char *const *no_master(void *ctx, const char *kind, size_t *n)
{
    (void)ctx;
    (void)kind;
    *n = 0;
    return NULL;
}

static const char *no_media(void *ctx, long long id, bool *is_image)
{
    (void)ctx;
    (void)id;
    *is_image = false;
    return NULL;
}

/* Whether an item of t titled title exists already (in any state). */
static bool demo_exists(const content_env *ce, const content_type *t, const char *title,
                        bool *exists)
{
    content_list_query q = {.type = t, .status = -1, .q = title, .page = 1, .per_page = 50};
    content_list l;
    if (content_list_staff(ce, &q, &l) != CONTENT_OK)
        return false;
    *exists = false;
    for (int i = 0; i < l.n; i++)
        if (l.items[i].title && strcmp(l.items[i].title, title) == 0)
            *exists = true;
    return true;
}

static bool demo_record(const demo_item *d, record *r)
{
    bool ok = record_set(r, "title", d->title);
    if (d->body)
        ok = ok && record_set(r, "body", d->body);
    if (d->type == &content_type_page && d->summary)
        ok = ok && record_set(r, "summary", d->summary);
    if (d->type == &content_type_link) {
        ok = ok && record_set(r, "url", d->url) && record_set(r, "category", d->category);
        if (d->description)
            ok = ok && record_set(r, "description", d->description);
    }
    return ok;
}

static bool demo_add(const content_env *ce, const account_view *actor, const demo_item *d,
                     time_t now, char *err, size_t errlen)
{
    bool exists;
    if (!demo_exists(ce, d->type, d->title, &exists)) {
        snprintf(err, errlen, "%s を読めません", d->type->label);
        return false;
    }
    if (exists)
        return true;
    record r;
    record_init(&r, ce->a);
    if (!demo_record(d, &r)) {
        snprintf(err, errlen, "メモリが足りません");
        return false;
    }
    field_errors errs = {0};
    if (!field_validate(&ce->fields, d->type, 0, &r, &errs)) {
        snprintf(err, errlen, "%s「%s」: %s", d->type->label, d->title,
                 errs.n ? errs.e[0].message : "メモリが足りません");
        return false;
    }
    /* A past publication date: the item is public at once and dated then. */
    char at[STORE_TIMESTAMP_LEN];
    content_meta meta = {.slug = d->slug, .menu = d->menu, .menu_order = d->menu_order};
    if (d->days_ago > 0) {
        store_timestamp_at((int64_t)now - (int64_t)d->days_ago * 86400, at);
        meta.publish_at = at;
    }
    int64_t id;
    if (content_create(ce, actor, d->type, 0, &r, &meta, &id, err, errlen) != CONTENT_OK)
        return false;
    if (d->draft)
        return true;
    return content_act(ce, actor, d->type, id, CONTENT_SUBMIT, NULL, NULL, err, errlen) ==
               CONTENT_OK &&
           content_act(ce, actor, d->type, id, CONTENT_APPROVE, NULL, NULL, err, errlen) ==
               CONTENT_OK;
}

static bool load_content(store *db, char *err, size_t errlen)
{
    arena a;
    arena_init(&a);
    bool ok = true;
    content_env ce = {
        .db = db,
        .a = &a,
        .base_url = "",
        .fields = {.a = &a, .master = no_master, .media = no_media},
    };
    time_t now = time(NULL);
    /* Oldest first, as they would have been written: items published in
     * the same second then still list newest first. */
    for (size_t i = sizeof demo_items / sizeof *demo_items; ok && i > 0; i--)
        ok = demo_add(&ce, &demo_actor, &demo_items[i - 1], now, err, errlen);
    arena_free(&a);
    return ok;
}

bool demo_load(store *db, const char *share_dir, char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/data/demo/settings.ini", share_dir);
    demo_ctx c = {.err = err, .errlen = errlen};
    buf_init(&c.text, 1024 * 1024);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s を開けません", path);
        return false;
    }
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&c.text, chunk, n);
    bool ok = !ferror(f) && buf_ok(&c.text);
    fclose(f);
    if (!ok) {
        snprintf(err, errlen, "%s を読めません", path);
        buf_free(&c.text);
        return false;
    }
    buf_putc(&c.text, '\0');
    c.text.len--;
    err[0] = '\0';
    store_rc rc = store_tx(db, load_settings, &c);
    buf_free(&c.text);
    if (rc != STORE_OK && rc != STORE_DONE) {
        if (!err[0])
            snprintf(err, errlen, "%s", store_errmsg(db));
        return false;
    }
    /* Content goes through the workflow, one transaction per step (each
     * domain call opens its own), after the settings are in. */
    return load_content(db, err, errlen);
}
