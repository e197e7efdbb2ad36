/* xoshiro.h: the one random-number generator of connc, shared by the
 * compiler (`connc synth`, on top of which compiler/rng.h adds its portable
 * deviates) and the runtime (initialisation, shuffling, noise, augmentation).
 *
 * Generator: xoshiro256** 1.0 (Blackman & Vigna, "Scrambled linear
 * pseudorandom number generators", ACM TOMS 2021; https://prng.di.unimi.it/),
 * 256 bits of state, period 2^256 - 1.  Seeding, as its authors recommend,
 * fills the state with four successive outputs of splitmix64 (Steele, Lea &
 * Flood, OOPSLA 2014); that never gives the all-zero state.  The two seeding
 * functions differ only in where splitmix64 starts, and each fixes the
 * numbers of one side: the runtime's runs (rng_init) and the shipped synthetic
 * column (rng_init_stream), so neither may change.
 *
 * The state is a plain struct: a checkpoint saves and restores it by value
 * (four little-endian uint64 words) and the sequence goes on exactly.  The
 * integer stream, rng_double and rng_float are identical on every platform;
 * rng_between and the Gaussian deviates also depend on the compiler (a*b+c may
 * be fused) and on the C library's log/exp/sqrt, so code whose numbers must
 * match across machines (compiler/rng.h) uses only the exact functions.
 */
#ifndef CONNC_XOSHIRO_H
#define CONNC_XOSHIRO_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} rng_state;

/* One splitmix64 step: advances *state and returns the next output. */
uint64_t splitmix64_next(uint64_t *state);

/* splitmix64 started from seed. */
void rng_init(rng_state *r, uint64_t seed);
/* splitmix64 started from seed XOR splitmix64(stream): every (seed, stream)
 * pair gives its own sequence, so independent parts of a computation draw
 * from independent streams and changing one part does not shift the others. */
void rng_init_stream(rng_state *r, uint64_t seed, uint64_t stream);

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
/* Standard normal deviate (ziggurat; thread-safe, its tables are built once). */
double rng_gauss(rng_state *r);
/* x[i] = mean + sd * N(0,1) for n values, as n calls of rng_gauss. */
void rng_gauss_fill(rng_state *r, float *x, size_t n, float mean, float sd);
/* Fisher-Yates shuffle of a[0..n) (e.g. the training order of an epoch). */
void rng_shuffle(rng_state *r, uint32_t *a, size_t n);
/* Advances the state by 2^128 steps: calling it k times on copies of one
 * state gives k non-overlapping streams (e.g. one per worker thread). */
void rng_jump(rng_state *r);

#endif
