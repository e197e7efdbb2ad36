/* rng.h: reproducible random numbers for `connc synth`.
 *
 * Generator: the shared xoshiro256** of common/xoshiro.h, seeded per part of
 * the generator with rng_init_stream(seed, stream): every (seed, stream) pair
 * gives its own sequence, so independent parts of a generator draw from
 * independent streams and changing one part does not shift the others.  This
 * header adds the deviates `connc synth` needs, built so that a seed gives
 * the same synthetic connectome on every machine.
 *
 * Portability: the generator's integers and rng_double are exact; everything
 * below uses integer arithmetic and the IEEE-754 basic operations (+ - * / and
 * sqrt, which are correctly rounded), plus the exact frexp/ldexp/floor.  log
 * and exp are implemented here instead of taken from libm, because C
 * libraries differ in the last bit of those (which is also why the libm-based
 * rng_gauss and rng_between of xoshiro.h are not used by the synth code).
 * A seed therefore gives the same numbers on every machine whose doubles are
 * evaluated in double precision (FLT_EVAL_METHOD 0, all 64-bit targets) and
 * whose compiler does not fuse a*b+c into one rounding: gcc does not in ISO C
 * mode (-std=c11 implies -ffp-contract=off); clang is told so below, for every
 * file that includes this header.
 */
#ifndef CONNC_RNG_H
#define CONNC_RNG_H

#include "xoshiro.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* Standard normal deviate (Marsaglia's polar method, one value per call). */
double rng_normal(rng_state *r);
/* Exponential deviate with mean 1. */
double rng_exponential(rng_state *r);

/* Natural logarithm (x > 0, finite) and exponential, both to within a few
 * ulp, from basic operations only (see above). */
double rng_log(double x);
double rng_exp(double x);

#endif
