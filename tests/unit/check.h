/*
 * check.h - the smallest unit-test harness that tells the truth.
 *
 *   static void test_distance(void) { CHECK(x == 1); CHECK_STR(a, "b"); }
 *   int main(void) { RUN(test_distance); return check_done(); }
 *
 * Each RUN() prints one TAP line, "ok - name" or "not ok - name", which
 * tests/run.sh counts.  A failed CHECK prints where and what, and the test
 * goes on, so one run shows every failure.
 */
#ifndef CLUBMATCH_CHECK_H
#define CLUBMATCH_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_failed_now;	/* failures in the running test */
static int check_failed_tests;	/* tests with at least one failure */

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "# %s:%d: check failed: %s\n", \
		    __FILE__, __LINE__, #cond); \
		check_failed_now++; \
	} \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *check_a_ = (a), *check_b_ = (b); \
	if (check_a_ == NULL || check_b_ == NULL || \
	    strcmp(check_a_, check_b_) != 0) { \
		fprintf(stderr, "# %s:%d: '%s' != '%s' (%s vs %s)\n", \
		    __FILE__, __LINE__, check_a_ ? check_a_ : "(null)", \
		    check_b_ ? check_b_ : "(null)", #a, #b); \
		check_failed_now++; \
	} \
} while (0)

#define CHECK_NEAR(a, b, eps) do { \
	double check_x_ = (a), check_y_ = (b); \
	if (!(fabs(check_x_ - check_y_) <= (eps))) { \
		fprintf(stderr, "# %s:%d: %g != %g within %g (%s)\n", \
		    __FILE__, __LINE__, check_x_, check_y_, (double)(eps), #a); \
		check_failed_now++; \
	} \
} while (0)

#define RUN(fn) do { \
	check_failed_now = 0; \
	fn(); \
	printf("%s - %s\n", check_failed_now ? "not ok" : "ok", #fn); \
	fflush(stdout); \
	if (check_failed_now) \
		check_failed_tests++; \
} while (0)

static inline int
check_done(void)
{
	return check_failed_tests ? 1 : 0;
}

/* A set-up that failed before any test ran: one TAP line saying what and
 * why; main returns what this returns. */
static inline int
check_setup_failed(const char *what, const char *why)
{
	printf("not ok - %s: %s\n", what, why);
	return 1;
}

#endif
