# Helpers for the black-box tests: each check prints one line, and the
# suite ends with "N passed, N failed, N skipped". A check that cannot run
# here calls skip, so that it is counted and named, never silently left out.
passed=0
failed=0
skipped=0
failures=()
skips=()

pass() { passed=$((passed + 1)); printf 'ok   %s\n' "$1"; }
fail() {
        failed=$((failed + 1)); failures+=("$1"); printf 'FAIL %s\n' "$1"
        [ -n "${2:-}" ] && printf '     %s\n' "$2" | head -20
        return 0
}

# skip NAME WHY: a check that cannot run here
skip() {
        skipped=$((skipped + 1)); skips+=("$1: $2"); printf 'skip %s: %s\n' "$1" "$2"
}

# expect_eq NAME EXPECTED ACTUAL. An empty EXPECTED is refused: it is
# what a lookup that found nothing (a moved file, a renamed field) gives,
# and would pass against an empty ACTUAL. Say expect_empty for that.
expect_eq() {
        if [ -z "$2" ]; then fail "$1" "expect_eq with an empty expectation (use expect_empty)"
        elif [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected [$2], got [$3]"; fi
}

# expect_empty NAME ACTUAL
expect_empty() {
        if [ -z "$2" ]; then pass "$1"; else fail "$1" "expected nothing, got [$2]"; fi
}

# expect_has NAME NEEDLE HAYSTACK (fixed string); an empty NEEDLE, which
# every text contains, is refused for the same reason.
expect_has() {
        if [ -z "$2" ]; then fail "$1" "expect_has with an empty needle"
        elif grep -qF -- "$2" <<<"$3"; then pass "$1"; else fail "$1" "[$2] not in: $3"; fi
}

expect_not_has() {
        if [ -z "$2" ]; then fail "$1" "expect_not_has with an empty needle"
        elif grep -qF -- "$2" <<<"$3"; then fail "$1" "[$2] unexpectedly in: $3"; else pass "$1"; fi
}

# run_capture: sets $out, $err, $rc from running "$@"
run_capture() {
        local o e
        o=$(mktemp) e=$(mktemp)
        "$@" >"$o" 2>"$e"
        rc=$?
        out=$(cat "$o") err=$(cat "$e")
        rm -f "$o" "$e"
}

finish() {
        echo
        for s in "${skips[@]}"; do echo "skipped: $s"; done
        for f in "${failures[@]}"; do echo "failed: $f"; done
        echo "$passed passed, $failed failed, $skipped skipped"
        [ "$failed" -eq 0 ]
}

# private_journal_namespace "$0" "$@": a journal of our own. Re-executes the
# suite (once, as root) in a private mount namespace with tmpfs over the
# journal directories, so that a journald already running on the machine
# (or another test run's) neither receives its events nor shows its records.
private_journal_namespace() {
        [ -z "${ALLOCSEL_TEST_NAMESPACE:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null || return 0
        export ALLOCSEL_TEST_NAMESPACE=1
        exec unshare -m --propagation private bash -c '
                mkdir -p /run/systemd/journal /run/log/journal
                for d in /run/systemd/journal /run/log/journal /var/log/journal; do
                        [ -d "$d" ] && mount -t tmpfs -o mode=755 tmpfs "$d"
                done
                exec bash "$0" "$@"' "$@"
}
