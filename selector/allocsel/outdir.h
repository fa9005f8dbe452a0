/* The directory --compare writes its results to, and the files in it.
 * allocsel may run as root and the directory may be named in a place
 * other users can write (/tmp/cmp): everything is written through a
 * descriptor of a directory the caller owns and nobody else can write,
 * and no link, FIFO or other user's file is ever opened for writing. */
#ifndef ALLOCSEL_OUTDIR_H
#define ALLOCSEL_OUTDIR_H

/* Creates path (mode 0755) unless it exists, and opens it without
 * following a link in its place. Refuses (-EPERM, *ret_why a sentence
 * naming path) a directory not owned by the user allocsel runs as or
 * writable by group or others, and (-ELOOP) a symbolic link. */
int outdir_open(const char *path, int *ret_dirfd, char **ret_why);

/* Opens name in the directory dirfd (opened by outdir_open() as dir) for
 * writing, empty: created (0644) if missing; else only a regular file of
 * the caller's with no other link, truncated after those checks. Refuses
 * (-EPERM, *ret_why naming dir/name) anything else; a FIFO never blocks. */
int outdir_create(int dirfd, const char *dir, const char *name, int *ret_fd, char **ret_why);

#endif
