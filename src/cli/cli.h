/*
 * cli.h - what the subcommands of the `tsunagu` binary share (main.c holds
 * the command table and the server commands; each other family of
 * subcommands has a file here).
 *
 * Exit status: 0 done, 1 failed (the database, the disk, the network),
 * EXIT_USAGE (2) a mistake on the command line, with a Japanese message on
 * standard error.
 */
#ifndef TSUNAGU_CLI_CLI_H
#define TSUNAGU_CLI_CLI_H

#include <stdbool.h>

#include "core/config.h"
#include "store/store.h"

enum { EXIT_USAGE = 2 };

/* The words after the subcommand that are not flags. */
typedef struct cmd_args {
    int argc;
    char **argv;
    bool once;         /* --once (worker) */
    const char *role;  /* --role (user add) */
    const char *email; /* --email (user add) */
    const char *name;  /* --name (user add) */
} cmd_args;

/* Opens the database in the data dir (created 0700) and brings it up to
 * date: migrations, then master data.  NULL after logging why. */
store *cli_open_db(const config *cfg);

/* tsunagu mail ...: the outbox from the command line (cli/mail.c). */
int cli_mail(config *cfg, const cmd_args *args);

/* tsunagu user ...: accounts from the command line (cli/user.c). */
int cli_user(config *cfg, const cmd_args *args);

/* tsunagu keys rotate: a new key for secrets at rest (cli/keys.c). */
int cli_keys(config *cfg, const cmd_args *args);

#endif
