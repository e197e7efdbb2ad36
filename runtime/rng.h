/* rng.h: the runtime's random numbers (initialisation, shuffling, noise,
 * augmentation).
 *
 * Generator: xoshiro256** 1.0 (Blackman & Vigna, "Scrambled linear
 * pseudorandom number generators", ACM TOMS 2021; https://prng.di.unimi.it/),
 * 256 bits of state, period 2^256 - 1.  rng_init() fills the state with four
 * successive outputs of splitmix64 (Steele, Lea & Flood, OOPSLA 2014) started
 * from the seed, as the authors recommend; that never gives the all-zero state.
 *
 * The state is a plain struct: a checkpoint saves and restores it by value
 * (four little-endian uint64 words) and the sequence goes on exactly.  The
 * integer stream is identical on every platform; floating-point results also
 * depend on the C library's log/cos/sqrt only in rng_gauss*.
 *
 * The names differ from compiler/rng.h on purpose: both modules end up in one
 * libconnc.a, and the two generators must not clash at link time.
 */
#ifndef CONNC_RUNTIME_RNG_H
#define CONNC_RUNTIME_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} rng_state;

void rng_init(rng_state *r, uint64_t seed);
/* Next 64 raw bits. */
uint64_t rng_u64(rng_state *r);
/* Uniform on [0, 1): 53 random bits. */
double rng_double(rng_state *r);
/* Uniform on [0, 1): 24 random bits (every value exactly representable). */
float rng_float(rng_state *r);
/* Uniform on [lo, hi). */
double rng_between(rng_state *r, double lo, double hi);
/* Uniform integer in [0, n), n >= 1, without modulo bias. */
uint64_t rng_index(rng_state *r, uint64_t n);
/* Standard normal deviate (Box-Muller; one value per call). */
double rng_gauss(rng_state *r);
/* x[i] = mean + sd * N(0,1) for n values; uses both Box-Muller outputs, so it
 * costs half of n calls to rng_gauss (synaptic noise draws millions). */
void rng_gauss_fill(rng_state *r, float *x, size_t n, float mean, float sd);
/* Fisher-Yates shuffle of a[0..n) (e.g. the training order of an epoch). */
void rng_shuffle(rng_state *r, uint32_t *a, size_t n);
/* Advances the state by 2^128 steps: calling it k times on copies of one
 * state gives k non-overlapping streams (one per worker thread). */
void rng_jump(rng_state *r);

#endif
