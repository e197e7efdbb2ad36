/* test_bio_neuron_grads.c: the BioLogicalNeuron layer (BIO_LAYERS.md §1),
 * y = GELU(x W^T + b) with W = g V / ||V|| row by row, against central
 * differences in double precision, for x, V, g and b. */
#include "bio_neuron.h"
#include "gradcheck.h"
#include "harness.h"

#include <string.h>

#define TOL 1e-6
#define NB 3
#define NIN 4
#define NOUT 2

typedef struct {
    real x[NB * NIN], V[NOUT * NIN], g[NOUT], b[NOUT];
    real w[NOUT * NIN], z[NB * NOUT], y[NB * NOUT], r[NB * NOUT];
} bn_case;

static double bn_loss(void *ctx)
{
    bn_case *c = ctx;
    bio_neuron_forward(c->V, c->g, c->b, c->x, c->w, c->z, c->y, NB, NIN, NOUT);
    return dot(c->y, c->r, NB * NOUT);
}

/* Analytic gradients of sum(y * r); dV, dg, db start from `base` to check
 * that they accumulate. */
static void bn_grads(bn_case *c, real base, real *dx, real *dV, real *dg, real *db)
{
    real scratch[NB * NOUT];
    for (int k = 0; k < NOUT * NIN; k++) dV[k] = base;
    for (int k = 0; k < NOUT; k++) dg[k] = db[k] = base;
    bn_loss(c);
    bio_neuron_backward(c->V, c->g, c->x, c->w, c->z, c->r, dV, dg, db, dx, scratch, NB, NIN, NOUT);
    for (int k = 0; k < NOUT * NIN; k++) dV[k] -= base;
    for (int k = 0; k < NOUT; k++) dg[k] -= base, db[k] -= base;
}

static void bn_check(unsigned seed)
{
    bn_case c;
    real dx[NB * NIN], dV[NOUT * NIN], dg[NOUT], db[NOUT];
    fill_uniform(c.x, NB * NIN, -1.5, 1.5, &seed);
    fill_uniform(c.V, NOUT * NIN, -1, 1, &seed);
    fill_uniform(c.g, NOUT, 0.5, 2, &seed);
    c.g[1] = -c.g[1]; /* a negative gain too */
    fill_uniform(c.b, NOUT, -0.5, 0.5, &seed);
    fill_uniform(c.r, NB * NOUT, -1, 1, &seed);
    bn_grads(&c, (real)0.25, dx, dV, dg, db);
    EXPECT(grad_error(bn_loss, &c, c.x, dx, NB * NIN) < TOL);
    EXPECT(grad_error(bn_loss, &c, c.V, dV, NOUT * NIN) < TOL);
    EXPECT(grad_error(bn_loss, &c, c.g, dg, NOUT) < TOL);
    EXPECT(grad_error(bn_loss, &c, c.b, db, NOUT) < TOL);
}

TEST(grad_bio_neuron)
{
    bn_check(11);
    bn_check(12);
}

/* The gradient of V is orthogonal to V row by row (scaling V_i leaves W
 * unchanged), and a zero row of V gives W_i = 0 and no V, g gradient. */
TEST(grad_bio_neuron_invariances)
{
    bn_case c;
    unsigned seed = 13;
    real dx[NB * NIN], dV[NOUT * NIN], dg[NOUT], db[NOUT];
    fill_uniform(c.x, NB * NIN, -1, 1, &seed);
    fill_uniform(c.V, NOUT * NIN, -1, 1, &seed);
    fill_uniform(c.g, NOUT, 0.5, 2, &seed);
    fill_uniform(c.b, NOUT, -0.5, 0.5, &seed);
    fill_uniform(c.r, NB * NOUT, -1, 1, &seed);
    memset(c.V + NIN, 0, sizeof(real) * NIN);
    bn_grads(&c, 0, dx, dV, dg, db);
    double vd = 0;
    for (int k = 0; k < NIN; k++) vd += c.V[k] * dV[k];
    EXPECT(vd < 1e-12 && vd > -1e-12);
    for (int k = 0; k < NIN; k++) {
        EXPECT(c.w[NIN + k] == 0);
        EXPECT(dV[NIN + k] == 0);
    }
    EXPECT(dg[1] == 0);
    EXPECT(grad_error(bn_loss, &c, c.x, dx, NB * NIN) < TOL);
    EXPECT(grad_error(bn_loss, &c, c.b, db, NOUT) < TOL);
    EXPECT(grad_error(bn_loss, &c, c.g, dg, NOUT) < TOL);
}
