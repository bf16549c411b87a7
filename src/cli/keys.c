/*
 * keys.c - `tsunagu keys rotate`: a new encryption key for secrets at rest
 * (the staff second factors), and every stored secret sealed again with it
 * (spec 3.6.2: key management; issue point "keys can rotate").
 *
 * Order of work for the operator (docs/operations/incident.md):
 *   1. tsunagu keys rotate        (writes DATA/keys/NNNN.key, re-seals)
 *   2. restart every tsunagu serve / worker, so that they load the new key
 *   3. keep the old key files until the backups made before the rotation
 *      have expired; a value sealed under a key that is gone cannot be read.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/arena.h"
#include "crypto/sealbox.h"
#include "domain/account.h"
#include "domain/session.h"

static int keys_rotate(config *cfg)
{
    char dir[4200], err[512];
    snprintf(dir, sizeof dir, "%s/keys", cfg->data_dir);
    store *db = cli_open_db(cfg);
    if (!db)
        return 1;
    sealbox_keyring *k = sealbox_keyring_load(dir, err, sizeof err);
    if (!k) {
        fprintf(stderr, "tsunagu keys rotate: %s\n", err);
        store_close(db);
        return 1;
    }
    int old = sealbox_current_key_id(k);
    if (!sealbox_keyring_rotate(k, dir, err, sizeof err)) {
        fprintf(stderr, "tsunagu keys rotate: %s\n", err);
        sealbox_keyring_free(k);
        store_close(db);
        return 1;
    }
    arena a;
    arena_init(&a);
    account_params p;
    account_params_init(&p, cfg);
    account_env e = {.db = db, .a = &a, .p = &p, .keys = k, .addr = "", .base_url = cfg->base_url};
    int resealed = 0, unreadable = 0;
    account_rc rc = session_totp_reseal(&e, k, &resealed, &unreadable);
    int now = sealbox_current_key_id(k);
    arena_free(&a);
    sealbox_keyring_free(k);
    store_close(db);
    if (rc != ACCOUNT_OK) {
        fprintf(stderr, "tsunagu keys rotate: 新しい鍵 %04d を作りましたが、暗号化し直せませんでした"
                        "（データは元の鍵のまま読めます）\n",
                now);
        return 1;
    }
    printf("鍵 %04d から %04d に切り替え、確認コードの秘密 %d 件を暗号化し直しました。\n", old, now,
           resealed);
    if (unreadable)
        printf("どの鍵でも読めなかったもの %d 件は、そのままです（管理画面で確認コードの設定を解除してください）。\n",
               unreadable);
    printf("動いている tsunagu serve と tsunagu worker を再起動してください。\n");
    return 0;
}

int cli_keys(config *cfg, const cmd_args *args)
{
    if (args->argc == 1 && strcmp(args->argv[0], "rotate") == 0)
        return keys_rotate(cfg);
    fprintf(stderr, "使い方: tsunagu keys rotate [--data DIR] [--config FILE]\n"
                    "（新しい暗号鍵を作り、保存している秘密をその鍵で暗号化し直します）\n");
    return args->argc == 0 ? 0 : EXIT_USAGE;
}
