/* A library with nothing in it: a test program links it for its soname. */
int allocsel_test_empty_library;
