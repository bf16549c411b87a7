/*
 * master.h - master data (municipalities, prefectures, activity fields ...)
 * loaded from data files, never from C literals (ARCHITECTURE.md decision 5),
 * so another prefecture changes files, not code.
 *
 * Each file data/master/KIND.tsv has a header line "code<TAB>label<TAB>kana"
 * and one item per line; the line order is the display order.
 */
#ifndef TSUNAGU_DOMAIN_MASTER_H
#define TSUNAGU_DOMAIN_MASTER_H

#include <stdbool.h>
#include <stddef.h>

struct store;

/* Loads every *.tsv of dir in one transaction (all or nothing); returns the
 * number of items loaded, or -1 with "file:line: message" in err. */
long master_load_dir(struct store *db, const char *dir, char *err, size_t errlen);

#endif
