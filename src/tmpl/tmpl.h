/*
 * tmpl.h - HTML and plain-text templates with context-aware escaping.
 *
 * The only way Tsunagu produces HTML (and mail bodies).  Templates are
 * compiled once at start-up; every value is escaped for the place it is
 * printed (HTML text, quoted attribute, URL), and a template that prints a
 * value where no escaping is safe (inside <script>, an event handler, an
 * unquoted attribute, ...) does not compile.  See html_ctx.h for the list.
 *
 * Syntax (Jinja-like, fixed):
 *   {{ path }}  {{ "literal" }}  {{ path | filter }}     print a value
 *   {% if EXPR %} ... {% elif EXPR %} ... {% else %} ... {% endif %}
 *       EXPR: path | not path | X == Y | X != Y    (X, Y: a path or "literal")
 *   {% for x in path %} ... {% else %} (list empty) ... {% endfor %}
 *       inside: x, loop.index (from 1), loop.index0, loop.first, loop.last,
 *       loop.length; "loop" is reserved
 *   {% include "name.html" %}              same values, same loop variables
 *   {% extends "layout/base.html" %}       first tag; then only blocks
 *   {% block NAME %} default {% endblock %}    (endblock may repeat NAME)
 *   {# comment #}
 * A path is identifiers joined by dots: org.name, item.title.  It is looked
 * up in the loop variables (innermost first), then in the root map; a
 * missing value prints nothing.  Integers print in decimal, booleans as
 * "true"/"false", lists, maps and null as nothing.  Truthiness: null, false,
 * 0, "", an empty list and an empty map are false.  == and != compare the
 * printed text of two scalars (a missing value is "", a list or map equals
 * nothing).  String literals have no escapes: "..." or '...'.
 *
 * Escaping, decided at compile time from where each {{ }} sits: HTML text
 * and quoted attribute values get & < > " ' as entities; <title> and
 * <textarea> the same.  In a URL attribute (href, src, action, ...) a value
 * at the very start of the value is taken as a whole URL: relative, http,
 * https, mailto or tel passes (entity-escaped), anything else (javascript:,
 * data:, ...) prints as "#"; a value later in the URL is percent-encoded as
 * one component, so "/" in it becomes %2F: print a whole URL with one value.
 * Markup from tv_html_sanitised() prints raw in HTML text only.  Branches
 * of {% if %} and the body of {% for %} must leave the HTML where they
 * found it (a tag, attribute or comment opened inside is closed inside);
 * attributes may be added conditionally: <input {% if c %}checked{% endif %}>.
 *
 * Whitespace: a line that holds only {% %} tags and {# #} comments (and
 * spaces or tabs) leaves no trace in the output, newline included.  Every
 * other byte is kept as written.
 *
 * Names are paths relative to the template directory ("org/show.html").
 * Templates ending in .txt are plain text (mail): nothing is escaped there,
 * and they can include and extend only other .txt templates.
 *
 * Ownership and threads: a tmpl_set is built once, is read-only afterwards
 * and may be shared by every thread; tmpl_set_free() it when no render is
 * running.
 */
#ifndef TSUNAGU_TMPL_TMPL_H
#define TSUNAGU_TMPL_TMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "tmpl/value.h"

typedef struct tmpl_set tmpl_set;

/* Compiles every *.html and *.txt file under dir (recursively; names and
 * directories starting with '.' are skipped).  Returns NULL on any error
 * (a template error, an unreadable file, out of memory, a limit of
 * core/limits.h) and writes "file:line: message" into err[0..errlen). */
tmpl_set *tmpl_set_load(const char *dir, char *err, size_t errlen);

/* As tmpl_set_load(), from memory: template names[i] has the source
 * sources[i] (NUL-terminated).  The strings are copied. */
tmpl_set *tmpl_set_from_strings(const char *const *names, const char *const *sources, size_t n,
                                char *err, size_t errlen);

/* Frees the set and everything compiled into it; NULL is fine. */
void tmpl_set_free(tmpl_set *s);

/* True if the set holds a template of that name. */
bool tmpl_exists(const tmpl_set *s, const char *name);

/* Renders template name with the values of root (a map; see value.h) and
 * appends the result to out.  Returns false, with a message in err, when
 * there is no such template, root is NULL or not a map, or memory ran out
 * (out has then failed or holds a partial page: discard it).  Allocates
 * only by growing out (and a scratch arena if a filter needs one). */
bool tmpl_render(const tmpl_set *s, const char *name, const tv *root, buf *out, char *err,
                 size_t errlen);

#endif
