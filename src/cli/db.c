/* db.c - opening the database for a subcommand.  See cli.h. */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "domain/master.h"

/* Opens the database in the data dir (created 0700) and brings it up to date:
 * migrations, then master data. */
store *cli_open_db(const config *cfg)
{
    char err[512], dir[4200];
    if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST) {
        log_error("%s を作成できません: %s", cfg->data_dir, strerror(errno));
        return NULL;
    }
    store *db = store_open(cfg->data_dir, err, sizeof err);
    if (!db) {
        log_error("データベースを開けません: %s", err);
        return NULL;
    }
    int applied = store_migrate(db, err, sizeof err);
    if (applied < 0) {
        log_error("データベースの移行に失敗しました: %s", err);
        store_close(db);
        return NULL;
    }
    if (applied > 0)
        log_info("データベースを移行しました: %d 件（現在の版 %d）", applied,
                 store_schema_version(db));
    snprintf(dir, sizeof dir, "%s/data/master", cfg->share_dir);
    long items = master_load_dir(db, dir, err, sizeof err);
    if (items < 0) {
        log_error("マスターデータを読み込めません: %s", err);
        store_close(db);
        return NULL;
    }
    return db;
}
