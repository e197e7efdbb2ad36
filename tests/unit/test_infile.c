/* test_infile.c: opening and reading input files (common/infile.c). */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "connc.h"
#include "infile.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TEST(infile_read_whole_and_limit)
{
    char *b;
    size_t n;
    EXPECT_EQ_INT(infile_read(tmp_file("five.txt", "12345"), 5, &b, &n), 0);
    EXPECT(b && n == 5 && strcmp(b, "12345") == 0);
    free(b);
    /* one byte over the limit is refused, and nothing is returned */
    EXPECT_ERR(infile_read(tmp_path("five.txt"), 4, &b, &n), CONNC_ERR_LIMIT, "five.txt: larger than 4 bytes");
    EXPECT(b == NULL);
    EXPECT_EQ_INT(infile_read(tmp_file("empty.txt", ""), 0, &b, NULL), 0);
    EXPECT(b && b[0] == '\0');
    free(b);
    EXPECT_ERR(infile_read(tmp_path("absent.txt"), 10, &b, NULL), CONNC_ERR_IO, "absent.txt: cannot open");
    EXPECT_ERR(infile_read(harness_tmpdir, 10, &b, NULL), CONNC_ERR_IO, "cannot read");
}

TEST(infile_open_regular_only)
{
    struct stat st;
    int fd = infile_open(tmp_file("three.txt", "abc"), &st);
    EXPECT(fd >= 0 && st.st_size == 3);
    if (fd >= 0) close(fd);
    EXPECT_ERR(infile_open(tmp_path("absent.txt"), &st), CONNC_ERR_IO, "absent.txt: cannot open");
    EXPECT_ERR(infile_open(harness_tmpdir, &st), CONNC_ERR_IO, "not a regular file");
}
