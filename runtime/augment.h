/* augment.h: training-time augmentation of 48x48 grey images (BIONIC.md §3).
 *
 * The pipeline is torchvision's
 *     RandomResizedCrop(48, scale, ratio) -> RandomRotation(degrees, BILINEAR, fill 0)
 *     -> RandomHorizontalFlip(p) -> ColorJitter(brightness, contrast)
 * applied to one uint8 image, giving floats in [0, 1] (the caller then
 * standardises with the training-set mean and std).  Semantics, step by step:
 *   - crop: torchvision's RandomResizedCrop.get_params, including its ten tries
 *     and the central-crop fallback; the crop is resized back to 48x48 with
 *     bilinear interpolation, pixel centres aligned (align_corners=False) and
 *     edge pixels repeated, which is what PIL and torch both do when enlarging.
 *   - rotation: PIL's Image.rotate(angle, BILINEAR) as torchvision calls it on
 *     PIL images: counter-clockwise about the image centre; a sample point
 *     inside the image is interpolated with edges repeated, one outside is 0.
 *   - flip: left-right mirror.
 *   - jitter: torchvision's tensor semantics: brightness multiplies by a
 *     factor; contrast blends with the image mean, x' = c x + (1 - c) mean;
 *     each clamps to [0, 1]; the two are applied in random order, as
 *     ColorJitter does.
 * Everything is computed in float; torchvision on PIL images rounds to 8 bits
 * after each step, which differs from this by at most a grey level or two.
 *
 * Randomness is drawn first (augment_sample) and applied second
 * (augment_apply), so a given draw can be tested or replayed.  Nothing is
 * allocated per image.
 */
#ifndef CONNC_AUGMENT_H
#define CONNC_AUGMENT_H

#include "fer2013.h"
#include "real.h"
#include "xoshiro.h"

#include <stdint.h>

typedef struct {
    double scale_min, scale_max; /* crop area as a fraction of the image: 0.8, 1.0 */
    double ratio_min, ratio_max; /* crop aspect ratio width/height: 3/4, 4/3 */
    double degrees;              /* rotation angle uniform in [-degrees, degrees]: 15 */
    double flip_p;               /* probability of a horizontal flip: 0.5 */
    double brightness;           /* factor uniform in [max(0, 1 - b), 1 + b]: 0.15 */
    double contrast;             /* factor uniform in [max(0, 1 - c), 1 + c]: 0.15 */
} augment_params;

/* The values of BIONIC.md §3, listed above. */
void augment_defaults(augment_params *p);
/* CONNC_ERR_USAGE naming the first out-of-range parameter. */
int augment_check(const augment_params *p);

/* One image's random choices. */
typedef struct {
    int top, left, height, width; /* crop rectangle, in input pixels */
    double angle;                 /* rotation, degrees counter-clockwise */
    int flip;                     /* mirror left-right after rotating */
    double brightness, contrast;  /* jitter factors; 1 leaves the image alone */
    int contrast_first;           /* order of the two jitter steps */
} augment_draw;

/* A draw that changes nothing (full crop, no rotation, flip or jitter). */
void augment_identity(augment_draw *d);
void augment_sample(rng_state *r, const augment_params *p, augment_draw *d);
/* in: FER_PIXELS grey levels; out: FER_PIXELS floats in [0, 1]. */
void augment_apply(const uint8_t *in, const augment_draw *d, float *out);
/* The evaluation path: grey / 255, bit-identical to augment_apply of the identity draw. */
void augment_plain(const uint8_t *in, float *out);
/* The network's input from an image in [0, 1]: (x - mean) / std with the
 * training set's pixel statistics.  Training, evaluation and
 * connc_model_predict all go through this one expression, so their inputs
 * are bit-identical. */
void augment_standardise(const float *in, real mean, real std, real *out);

#endif
