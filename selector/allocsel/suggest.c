/* Edit distance for "did you mean" hints on unknown keys and names. */
#include <stdio.h>
#include <string.h>

#include "suggest.h"

#define MAX_WORD 64

static size_t distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        size_t prev[MAX_WORD + 1], cur[MAX_WORD + 1];

        if (la > MAX_WORD || lb > MAX_WORD)
                return (size_t)-1;
        for (size_t j = 0; j <= lb; j++)
                prev[j] = j;
        for (size_t i = 1; i <= la; i++) {
                cur[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
                        size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

                        cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
                }
                memcpy(prev, cur, (lb + 1) * sizeof(*prev));
        }
        return prev[lb];
}

const char *suggest_nearest(const char *word, const char *const *candidates, size_t n)
{
        size_t best = (size_t)-1, limit = strlen(word) / 3 + 2;
        const char *found = NULL;

        for (size_t i = 0; i < n; i++) {
                size_t d = distance(word, candidates[i]);

                if (d < best) {
                        best = d;
                        found = candidates[i];
                }
        }
        return best <= limit ? found : NULL;
}

const char *suggest_hint(const char *near, char *buf, size_t size)
{
        if (!near || (size_t)snprintf(buf, size, " (did you mean \"%s\"?)", near) >= size)
                return "";
        return buf;
}
