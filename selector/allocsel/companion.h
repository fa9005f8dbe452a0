/* Locating files shipped with allocsel. */
#ifndef ALLOCSEL_COMPANION_H
#define ALLOCSEL_COMPANION_H

/* A file shipped with allocsel: beside the allocsel binary (a build tree),
 * else in installed_dir. Returns 0, or -errno when neither is readable;
 * *ret is set in both cases unless -ENOMEM. */
int companion_path(const char *name, const char *installed_dir, char **ret);

#endif
