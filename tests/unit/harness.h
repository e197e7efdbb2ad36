/* harness.h: a tiny unit-test harness (after redis' testhelp.h).
 *
 *   TEST(adjacency_counts) { EXPECT(x == 1); EXPECT_EQ_INT(a, b); }
 *
 * Tests are found by the Makefile from their TEST( lines; each prints one
 * PASS / FAIL line, and the runner (tests/run.sh) totals them.
 */
#ifndef CONNC_HARNESS_H
#define CONNC_HARNESS_H

#include <stdio.h>

extern int harness_failed;          /* failures in the current test */
extern const char *harness_tmpdir;  /* a scratch directory for this run */
extern const char *harness_shared;  /* ../shared (reference data), may not exist */

void harness_fail(const char *file, int line, const char *msg);
/* Path inside the scratch directory (static buffer rotated over 8 slots). */
const char *tmp_path(const char *name);
/* Writes text to a file in the scratch directory and returns its path. */
const char *tmp_file(const char *name, const char *text);
/* Marks the current test skipped with a reason. */
void harness_skip(const char *why);

#define TEST(name) void test_##name(void)
#define EXPECT(cond) do { if (!(cond)) harness_fail(__FILE__, __LINE__, #cond); } while (0)
#define EXPECT_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
    if (a_ != b_) { char m_[256]; snprintf(m_, sizeof m_, "%s == %s (%lld vs %lld)", #a, #b, a_, b_); \
    harness_fail(__FILE__, __LINE__, m_); } } while (0)
#define EXPECT_NEAR(a, b, tol) do { double a_ = (a), b_ = (b); \
    if (!(a_ - b_ <= (tol) && b_ - a_ <= (tol))) { char m_[256]; \
    snprintf(m_, sizeof m_, "%s ~ %s (%.9g vs %.9g)", #a, #b, a_, b_); harness_fail(__FILE__, __LINE__, m_); } } while (0)
/* The call must fail with status st and its message must contain text. */
#define EXPECT_ERR(call, st, text) do { int r_ = (call); EXPECT_EQ_INT(r_, st); \
    if (!strstr(connc_errmsg(), text)) { char m_[600]; snprintf(m_, sizeof m_, "message '%s' lacks '%s'", \
    connc_errmsg(), text); harness_fail(__FILE__, __LINE__, m_); } } while (0)

#endif
