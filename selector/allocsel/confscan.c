/* A tokenizer for libconfig's grammar (comments, strings, names, numbers,
 * punctuation) driving a small state machine that knows which setting each
 * integer literal belongs to. It never judges syntax: libconfig does. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confscan.h"

struct frame {
        bool list;              /* ( ) or [ ]: elements have no names */
        char *path;             /* a group's own path; NULL below a list */
};

struct scanner {
        const char *p;
        int line;
        struct conf_scan *out;
        struct frame stack[CONF_MAX_DEPTH + 1];
        int depth;              /* stack[0] is the root group */
        char *name;             /* the name waiting for its value */
        bool after_eq;          /* name '=' seen: a value comes next */
        enum conf_scan_limit limit;
};

static void skip_to_eol(struct scanner *s)
{
        while (*s->p && *s->p != '\n')
                s->p++;
}

/* Whitespace and the three comment forms libconfig knows. */
static void skip_blank(struct scanner *s)
{
        for (;;) {
                if (*s->p == '\n') {
                        s->line++;
                        s->p++;
                } else if (isspace((unsigned char)*s->p)) {
                        s->p++;
                } else if (*s->p == '#' || (s->p[0] == '/' && s->p[1] == '/')) {
                        skip_to_eol(s);
                } else if (s->p[0] == '/' && s->p[1] == '*') {
                        const char *end = strstr(s->p + 2, "*/");

                        for (const char *c = s->p; *c && (!end || c < end); c++)
                                s->line += *c == '\n';
                        s->p = end ? end + 2 : s->p + strlen(s->p);
                } else {
                        return;
                }
        }
}

static void skip_string(struct scanner *s)
{
        for (s->p++; *s->p && *s->p != '"'; s->p++) {
                if (*s->p == '\\' && s->p[1])
                        s->p++;
                s->line += *s->p == '\n';
        }
        if (*s->p == '"')
                s->p++;
}

static bool name_char(char c, bool first)
{
        return isalpha((unsigned char)c) || c == '*' || (!first && (isdigit((unsigned char)c) || c == '-' || c == '_'));
}

/* A number as libconfig's scanner cuts it: sign, digits, letters, dots,
 * and a sign only right after an exponent's e. */
static size_t number_length(const char *p)
{
        size_t n = (*p == '-' || *p == '+') ? 1 : 0;

        for (; isalnum((unsigned char)p[n]) || p[n] == '.' || p[n] == '_' ||
               ((p[n] == '-' || p[n] == '+') && (p[n - 1] == 'e' || p[n - 1] == 'E') &&
                !(p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))); n++)
                ;
        return n;
}

static bool all_of(const char *p, size_t n, int (*is)(int))
{
        for (size_t i = 0; i < n; i++)
                if (!is((unsigned char)p[i]))
                        return false;
        return n > 0;
}

/* What libconfig 1.5 stores: atoi/atoll for decimal, strtoul(l) for hex,
 * cast to int unless the literal ends in L or LL. */
static bool classify_integer(const char *text, size_t n, struct conf_int *ci)
{
        bool hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
        size_t suffix = n >= 2 && text[n - 1] == 'L' && text[n - 2] == 'L' ? 2 : n >= 1 && text[n - 1] == 'L';
        const char *digits = hex ? text + 2 : text + (text[0] == '-' || text[0] == '+');
        size_t nd = n - suffix - (size_t)(digits - text);
        bool wide = suffix > 0;
        char buf[80];

        if (hex ? !all_of(digits, nd, isxdigit) : !all_of(digits, nd, isdigit))
                return false;
        if (nd >= sizeof(buf) - 2) {
                ci->exact = false;
        } else if (hex) {
                unsigned long long u;

                snprintf(buf, sizeof(buf), "%.*s", (int)nd, digits);
                errno = 0;
                u = strtoull(buf, NULL, 16);
                ci->exact = errno == 0 && u <= LLONG_MAX;
                ci->value = (long long)u;
        } else {
                snprintf(buf, sizeof(buf), "%.*s", (int)(n - suffix), text);
                errno = 0;
                ci->value = strtoll(buf, NULL, 10);
                ci->exact = errno == 0;
        }
        ci->stored = ci->exact && (wide || (ci->value >= INT32_MIN && ci->value <= INT32_MAX));
        return true;
}

static char *join_path(const char *parent, const char *name)
{
        char *p;

        if (!parent)
                return NULL;
        if (asprintf(&p, "%s%s%s", parent, parent[0] ? "." : "", name) < 0)
                return NULL;
        return p;
}

static int count_setting(struct scanner *s)
{
        if (++s->out->settings <= CONF_MAX_SETTINGS)
                return 0;
        s->limit = CONF_LIMIT_SETTINGS;
        return -E2BIG;
}

static int add_integer(struct scanner *s, const char *text, size_t n)
{
        struct frame *top = &s->stack[s->depth];
        struct conf_int ci = { .line = s->line }, *v;

        if (!classify_integer(text, n, &ci))
                return 0;
        ci.text = strndup(text, n);
        ci.path = !top->list && s->name ? join_path(top->path, s->name) : NULL;
        if (!ci.text) {
                free(ci.path);
                return -ENOMEM;
        }
        v = realloc(s->out->ints, (s->out->n_ints + 1) * sizeof(*v));
        if (!v) {
                free(ci.text);
                free(ci.path);
                return -ENOMEM;
        }
        s->out->ints = v;
        v[s->out->n_ints++] = ci;
        return 0;
}

static int push(struct scanner *s, bool list)
{
        struct frame *top = &s->stack[s->depth];
        char *path = NULL;

        if (s->depth == CONF_MAX_DEPTH) {
                s->limit = CONF_LIMIT_DEPTH;
                return -E2BIG;
        }
        if (!list && !top->list && top->path && s->name) {
                path = join_path(top->path, s->name);
                if (!path)
                        return -ENOMEM;
        }
        s->stack[++s->depth] = (struct frame){ list, path };
        return 0;
}

static void pop(struct scanner *s)
{
        if (s->depth == 0)
                return;
        free(s->stack[s->depth].path);
        s->stack[s->depth--].path = NULL;
}

/* A value starts: in a list it is an element, in a group it needs a name. */
static int value_start(struct scanner *s)
{
        if (s->stack[s->depth].list)
                return count_setting(s);
        return 0;
}

static int value_end(struct scanner *s)
{
        free(s->name);
        s->name = NULL;
        s->after_eq = false;
        return 0;
}

static int on_word(struct scanner *s)
{
        const char *start = s->p;
        size_t n = 0;
        int r;

        while (name_char(start[n], n == 0))
                n++;
        s->p += n;
        skip_blank(s);
        if (!s->stack[s->depth].list && !s->after_eq && (*s->p == '=' || *s->p == ':')) {
                free(s->name);
                s->name = strndup(start, n);
                s->after_eq = true;
                s->p++;
                if (!s->name)
                        return -ENOMEM;
                return count_setting(s);
        }
        /* true, false: a value */
        r = value_start(s);
        return r < 0 ? r : value_end(s);
}

static int on_number(struct scanner *s)
{
        size_t n = number_length(s->p);
        int r = value_start(s);

        if (r == 0)
                r = add_integer(s, s->p, n);
        s->p += n ? n : 1;
        return r < 0 ? r : value_end(s);
}

static int on_punct(struct scanner *s)
{
        char c = *s->p++;
        int r = 0;

        switch (c) {
        case '{': case '(': case '[':
                r = value_start(s);
                if (r == 0)
                        r = push(s, c != '{');
                free(s->name);
                s->name = NULL;
                s->after_eq = false;
                return r;
        case '}': case ')': case ']':
                pop(s);
                return value_end(s);
        case '"':       /* "a" "b" is one value to libconfig: counted twice is harmless */
                s->p--;
                skip_string(s);
                r = value_start(s);
                return r < 0 ? r : value_end(s);
        case '@':
                if (strncmp(s->p, "include", 7) == 0 && !s->out->include_line)
                        s->out->include_line = s->line;
                return 0;
        default:        /* ; , and whatever libconfig will refuse */
                return 0;
        }
}

static int scan_token(struct scanner *s)
{
        char c = *s->p;

        if (name_char(c, true))
                return on_word(s);
        if (isdigit((unsigned char)c) || c == '-' || c == '+' || c == '.')
                return on_number(s);
        return on_punct(s);
}

int conf_scan(const char *text, struct conf_scan *ret, enum conf_scan_limit *ret_limit, int *ret_line)
{
        struct scanner s = { .p = text, .line = 1, .out = ret };
        int r = 0;

        memset(ret, 0, sizeof(*ret));
        *ret_limit = CONF_LIMIT_NONE;
        s.stack[0].path = strdup("");
        if (!s.stack[0].path)
                return -ENOMEM;
        for (skip_blank(&s); r == 0 && *s.p; skip_blank(&s))
                r = scan_token(&s);
        if (r == -E2BIG) {
                *ret_limit = s.limit;
                *ret_line = s.line;
        }
        while (s.depth > 0)
                pop(&s);
        free(s.stack[0].path);
        free(s.name);
        if (r < 0)
                conf_scan_free(ret);
        return r;
}

void conf_scan_free(struct conf_scan *s)
{
        for (size_t i = 0; i < s->n_ints; i++) {
                free(s->ints[i].path);
                free(s->ints[i].text);
        }
        free(s->ints);
        memset(s, 0, sizeof(*s));
}

const struct conf_int *conf_scan_int(const struct conf_scan *s, const char *path)
{
        for (size_t i = 0; i < s->n_ints; i++)
                if (s->ints[i].path && strcmp(s->ints[i].path, path) == 0)
                        return &s->ints[i];
        return NULL;
}
