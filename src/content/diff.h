/*
 * diff.h - a line diff of two texts, for the revision and audit-log screens
 * (issue: "revisions with who and when, a diff view and restore").
 *
 * diff_lines() compares two field values line by line and says, for every
 * line, whether it is in both (DIFF_SAME), only in the first (DIFF_DEL) or
 * only in the second (DIFF_ADD), in an order that reads as an edit of the
 * first into the second: a changed block lists its deleted lines before its
 * added ones.  The lines kept are a longest common subsequence (LCS) of the
 * two, after the common first and last lines are set aside.
 *
 * Cost: the LCS table is (n+1) x (m+1) 16-bit cells for the n and m lines
 * between the common head and tail, so it is capped: when either side has
 * more than DIFF_MAX_LINES such lines (8 MiB of table at the cap, about 50 ms
 * on a loaded development machine, -O2) the result is "whole": every line of
 * the first text as DIFF_DEL, then every line of the second as DIFF_ADD, and
 * the screen shows both texts entire instead of marking lines.
 *
 * Lines end at LF; a CR before the LF is not part of the line (text typed on
 * Windows and on a phone compare equal).  A final line end does not start
 * another, empty, line; an empty text has no lines.
 *
 * Ownership: the result array is in the arena given; each line points into
 * the caller's text (not copied, not NUL-terminated), which must outlive it.
 * The LCS table is malloc'd (fault_malloc) and freed before returning, so a
 * large comparison does not stay in the request's arena.  No global state.
 */
#ifndef TSUNAGU_CONTENT_DIFF_H
#define TSUNAGU_CONTENT_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

/* Lines on either side (after the common head and tail) beyond which two
 * texts are shown whole.  2000 lines is several times a long fixed page, and
 * keeps the table at 8 MiB for the request that needs it.  (A candidate for
 * core/limits.h.) */
#define DIFF_MAX_LINES 2000

typedef enum { DIFF_SAME = 0, DIFF_DEL, DIFF_ADD } diff_op;

typedef struct diff_line {
    diff_op op;
    const char *s; /* into the caller's text; not NUL-terminated */
    size_t len;    /* bytes, without the line end */
} diff_line;

typedef struct diff_result {
    diff_line *lines; /* in the arena; NULL when n == 0 */
    size_t n;
    bool whole;        /* over the cap: not compared line by line (see above) */
    size_t ndel, nadd; /* lines only in the first / only in the second */
} diff_result;

/* Compares before[0..blen) with after[0..alen) (either may be NULL when its
 * length is 0) into *out.  False on OOM, with *out empty. */
bool diff_lines(arena *a, const char *before, size_t blen, const char *after, size_t alen,
                diff_result *out);

#endif
