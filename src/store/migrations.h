/*
 * migrations.h - the migrations embedded in the program.
 *
 * The table is generated at build time by scripts/embed_migrations.py from
 * src/store/migrations/NNN_name.sql: one entry per file, sorted by number,
 * numbered 1, 2, 3 ... without gaps (the script refuses anything else).  Only
 * migrate.c reads it.
 */
#ifndef TSUNAGU_STORE_MIGRATIONS_H
#define TSUNAGU_STORE_MIGRATIONS_H

#include <stddef.h>

struct store_migration {
    int number;       /* NNN of the file name; entry i has number i + 1 */
    const char *name; /* the file name between "NNN_" and ".sql" */
    const char *sql;  /* the file's text: one or more statements */
};

extern const struct store_migration store_migration_table[];
extern const size_t store_migration_count;

#endif
