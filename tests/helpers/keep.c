/* libkeep.so: a library of the caller's own in LD_PRELOAD, which
 * children = "clean" must leave in place. */
int allocsel_test_keep(void);

int allocsel_test_keep(void)
{
        return 1;
}
