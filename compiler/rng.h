/* rng.h: reproducible random numbers for `connc synth`.
 *
 * Generator: xoshiro256** 1.0 (Blackman & Vigna, "Scrambled linear
 * pseudorandom number generators", ACM TOMS 2021; https://prng.di.unimi.it/).
 * Seeding, as its authors recommend, fills the 256-bit state with four
 * successive outputs of splitmix64 (Steele, Lea & Flood, OOPSLA 2014),
 * started here from  seed XOR splitmix64(stream): every (seed, stream) pair
 * gives its own sequence, so independent parts of a generator can draw from
 * independent streams and changing one part does not shift the others.
 *
 * Portability: everything below uses integer arithmetic and the IEEE-754
 * basic operations (+ - * / and sqrt, which are correctly rounded), plus
 * the exact frexp/ldexp/floor.  log and exp are implemented here instead of
 * taken from libm, because C libraries differ in the last bit of those.  A
 * seed therefore gives the same numbers on every machine whose doubles are
 * evaluated in double precision (FLT_EVAL_METHOD 0, all 64-bit targets) and
 * whose compiler does not fuse a*b+c into one rounding: gcc does not in ISO C
 * mode (-std=c11 implies -ffp-contract=off); clang is told so below, for every
 * file that includes this header.
 */
#ifndef CONNC_RNG_H
#define CONNC_RNG_H

#include <stdint.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

typedef struct {
    uint64_t s[4];
} rng;

/* One splitmix64 step: advances *state and returns the next output. */
uint64_t splitmix64_next(uint64_t *state);

void rng_seed(rng *r, uint64_t seed, uint64_t stream);
/* Next 64 raw bits (xoshiro256**). */
uint64_t rng_next(rng *r);
/* Uniform on [0, 1) with 53 random bits. */
double rng_uniform(rng *r);
/* Uniform integer in [0, n), n >= 1, without modulo bias. */
uint64_t rng_below(rng *r, uint64_t n);
/* Standard normal deviate (Marsaglia's polar method, one value per call). */
double rng_normal(rng *r);
/* Exponential deviate with mean 1. */
double rng_exponential(rng *r);

/* Natural logarithm (x > 0, finite) and exponential, both to within a few
 * ulp, from basic operations only (see above). */
double rng_log(double x);
double rng_exp(double x);

#endif
