#!/bin/bash
# usage: glibc-symbols.sh ELF...
#
# Every glibc symbol the files import must exist in glibc $GLIBC_MAX (2.28:
# RHEL 8), and every libsystemd symbol in systemd $SYSTEMD_MAX (239). Prints
# one line per offender and exits 1 if there is any (2: cannot check).
#
# The linker binds a symbol to its newest version in the glibc at hand, so a
# symbol re-versioned later (pthread_create and dlsym moved into libc.so.6 as
# GLIBC_2.34, __libc_start_main) counts by its OLDEST version in the installed
# glibc: built against glibc 2.28 the same source binds to that one.
set -u
glibc_max=${GLIBC_MAX:-2.28}
systemd_max=${SYSTEMD_MAX:-239}

# APIs that older glibc provides another way, so the same source builds there:
# the stat family is exported as functions only since 2.33; before, <sys/stat.h>
# turned these calls into __xstat(), __fxstat(), ... (present since 2.2.5).
allowed="stat fstat lstat fstatat stat64 fstat64 lstat64 fstatat64 mknod mknodat"

[ $# -gt 0 ] || { echo "usage: glibc-symbols.sh ELF..." >&2; exit 2; }
libc=$(readlink -f "$(${CC:-cc} -print-file-name=libc.so.6)")
[ -f "$libc" ] || { echo "glibc-symbols: cannot find the installed libc.so.6" >&2; exit 2; }
libdir=$(dirname "$libc")
defined=$(mktemp)
trap 'rm -f "$defined"' EXIT

# Every version of every symbol the glibc libraries define (the dynamic loader
# included: __tls_get_addr, _dl_find_object). Columns: name version.
for lib in "$libdir"/libc.so.6 "$libdir"/libpthread.so.0 "$libdir"/libdl.so.2 "$libdir"/libm.so.6 \
        "$libdir"/librt.so.1 "$libdir"/ld-linux*.so.*; do
        [ -f "$lib" ] && readelf --dyn-syms -W "$lib"
done | awk '$7 != "UND" && $8 ~ /@GLIBC_[0-9]/ { n = $8; sub(/@.*/, "", n); v = $8; sub(/.*@GLIBC_/, "", v); print n, v }' \
        >"$defined"
[ -s "$defined" ] || { echo "glibc-symbols: no versioned symbols read from $libdir" >&2; exit 2; }

status=0
for f in "$@"; do
        syms=$(readelf --dyn-syms -W "$f" 2>&1) || { echo "glibc-symbols: $f: not an ELF file: $syms" >&2; exit 2; }
        awk -v file="$f" -v gmax="$glibc_max" -v smax="$systemd_max" -v allowed="$allowed" '
                # -1, 0, 1 as dotted version a is older than, equal to, newer than b
                function vcmp(a, b,    x, y, i, n, m) {
                        n = split(a, x, "."); m = split(b, y, "."); if (m > n) n = m
                        for (i = 1; i <= n; i++)
                                if (x[i] + 0 != y[i] + 0) return x[i] + 0 < y[i] + 0 ? -1 : 1
                        return 0
                }
                BEGIN { split(allowed, a, " "); for (i in a) ok[a[i]] = 1 }
                FNR == NR { if (!($1 in oldest) || vcmp($2, oldest[$1]) < 0) oldest[$1] = $2; next }
                $7 != "UND" || $8 !~ /@/ { next }
                {
                        name = $8; sub(/@.*/, "", name); ver = $8; sub(/^[^@]*@+/, "", ver)
                        if (ver ~ /^GLIBC_PRIVATE/) {
                                printf "%s: %s@%s: glibc-internal, not an API\n", file, name, ver; bad = 1
                        } else if (ver ~ /^GLIBC_[0-9]/ && !(name in ok)) {
                                if (!(name in oldest)) {
                                        printf "%s: %s@%s: not defined by the installed glibc\n", file, name, ver; bad = 1
                                } else if (vcmp(oldest[name], gmax) > 0) {
                                        printf "%s: %s@%s: newer than glibc %s\n", file, name, ver, gmax; bad = 1
                                }
                        } else if (ver ~ /^LIBSYSTEMD_[0-9]+$/ && substr(ver, 12) + 0 > smax + 0) {
                                printf "%s: %s@%s: newer than systemd %s\n", file, name, ver, smax; bad = 1
                        }
                }
                END { exit bad }' "$defined" - <<<"$syms" || status=1
done
exit $status
