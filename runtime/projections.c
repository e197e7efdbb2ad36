/* projections.c: the weighted projections of a planned network (network.h),
 * the units the mechanisms of BIO_LAYERS.md act on. */
#define _POSIX_C_SOURCE 200809L
#include "network.h"

#include <stdio.h>

static projection *add(network *net, const net_op *op, const char *part, long offset, int rows, int cols, int taps)
{
    projection *p = &net->proj[net->nproj++];
    snprintf(p->name, sizeof p->name, "%s%s", op->name, part);
    p->op = (int)(op - net->ops);
    p->offset = offset;
    p->rows = rows, p->cols = cols, p->taps = taps;
    p->n = (long)rows * cols * taps;
    p->positions = taps > 1 ? (long)op->h * op->w : 1; /* pad 1: output size = input size */
    p->indptr = NULL, p->indices = NULL;
    p->dense = 0;
    return p;
}

/* A bio layer's inter or intra weights: CSR when masked, else dense. */
static void add_bio(network *net, const net_op *op, const char *part, long offset, const csr_mask *m,
                    const masked_dense *d, int masked, int cols)
{
    projection *p = add(net, op, part, offset, op->bio->size, cols, 1);
    if (!masked) return;
    p->indptr = m->indptr;
    p->indices = m->indices;
    p->n = m->nnz;
    p->dense = d->wd != NULL;
}

void network_list_projections(network *net)
{
    net->nproj = 0;
    for (int i = 0; i < net->nops; i++) {
        const net_op *op = &net->ops[i];
        const bio_state *b = op->bio;
        switch (op->kind) {
        case OP_CONV2D: add(net, op, "", op->pw, op->c, op->in_c, 9); break;
        case OP_SPATIAL_ATT: add(net, op, "", op->pw, 1, op->c, 9); break;
        case OP_CHANNEL_ATT:
            add(net, op, ".fc1", op->pw, op->hidden, op->c, 1);
            add(net, op, ".fc2", op->pw2, op->c, op->hidden, 1);
            break;
        case OP_LINEAR: add(net, op, "", op->pw, op->c, (int)op->in_n, 1); break;
        case OP_BIO_LAYER:
            if (b->in) add_bio(net, op, ".inter", b->w_inter, &b->inter_mask, &b->inter_dense, b->masked_inter, b->in);
            if (b->intra) add_bio(net, op, ".intra", b->w_intra, &b->intra_mask, &b->intra_dense, b->masked_intra, b->size);
            break;
        default: break;
        }
    }
}
