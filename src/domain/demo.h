/*
 * demo.h - demo data for `tsunagu demo` and `make run`: the centre's settings
 * and sample content, so a newcomer sees a living site.  Loading twice
 * replaces, never duplicates.
 */
#ifndef TSUNAGU_DOMAIN_DEMO_H
#define TSUNAGU_DOMAIN_DEMO_H

#include <stdbool.h>
#include <stddef.h>

struct store;

/* Loads share_dir/data/demo/ (settings.ini: "[section] key = value" becomes
 * the setting "section.key") in one transaction; false with err on failure. */
bool demo_load(struct store *db, const char *share_dir, char *err, size_t errlen);

#endif
