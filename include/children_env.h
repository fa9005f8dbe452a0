/* children = "clean": the programs a service starts get the environment it
 * had before allocsel. allocsel records, in ALLOCSEL_CHILDREN, the service's
 * PID and the value before allocsel of every variable it changed; the
 * preloaded liballocsel-children.so undoes those changes in the environment
 * of every program started from another process (a fork, vfork, posix_spawn,
 * system, popen), while an exec in the service's own PID keeps them.
 *
 *   ALLOCSEL_CHILDREN=1234;LD_PRELOAD=/opt/keep.so;MALLOC_CONF;ALLOCSEL_SERVICE;...
 *
 * NAME alone: it was unset. In values, '%' and ';' are written %25 and %3B. */
#ifndef ALLOCSEL_CHILDREN_ENV_H
#define ALLOCSEL_CHILDREN_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CHILDREN_VAR "ALLOCSEL_CHILDREN"
#define CHILDREN_LIBRARY "liballocsel-children.so"

/* allocsel: ALLOCSEL_CHILDREN's value after the PID (";NAME=value;NAME..."),
 * given the changes ("NAME=value" or "NAME", NULL-terminated) it makes to
 * envp; ALLOCSEL_CHILDREN itself is always among them. Caller frees. */
int children_spec_encode(char *const *changes, char *const *envp, char **ret);

struct children_var {
        char *name;
        size_t len;             /* of name */
        char *original;         /* "NAME=value" before allocsel, or NULL: unset */
        char *ours;             /* "NAME=value" as the program started, or NULL */
};

struct children_spec {
        pid_t pid;
        struct children_var *v;
        size_t n;
        char **added;           /* LD_PRELOAD entries allocsel added */
        size_t n_added;
};

/* The library: parses the value, with environ as the program started (what
 * allocsel set). 0, or -EINVAL / -ENOMEM. */
int children_spec_parse(const char *value, char *const *start_env, struct children_spec *ret);
void children_spec_free(struct children_spec *s);

/* Length of envp's LD_PRELOAD entry (0 when none), and how many entries envp has. */
size_t children_preload_len(char *const *envp, size_t *ret_count);

/* envp with allocsel's changes undone, into out (room for every entry of
 * envp and a NULL); buf (at least children_preload_len + 1 bytes) holds an
 * LD_PRELOAD the program changed, with allocsel's entries taken out.
 * A variable with the value allocsel gave it gets its value from before
 * allocsel, or goes; one the program changed itself is kept. Allocates
 * nothing: it runs in vfork children. */
void children_clean(const struct children_spec *s, char *const *envp, char **out, char *buf, size_t size);

#endif
