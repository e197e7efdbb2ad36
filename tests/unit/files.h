/* files.h: whole files in the unit tests - read, written, compared. */
#ifndef CONNC_TEST_FILES_H
#define CONNC_TEST_FILES_H

#include <stddef.h>

/* The whole file, NUL-terminated so that text reads as a string (caller
 * frees); its length goes to *n unless n is NULL.  NULL if unreadable. */
char *slurp(const char *path, size_t *n);
/* 1 if both files can be read and hold the same bytes. */
int same_file(const char *a, const char *b);
/* Writes n bytes to path (failing to is a test failure) and returns path. */
const char *spit(const char *path, const void *bytes, size_t n);

#endif
