#!/usr/bin/python3
"""torch_reference.py: a PyTorch reference of the BioNIC network that connc
trains (docs: ../../shared/spec/BIONIC.md section 2-3), used ONLY as a
throughput benchmark next to connc.  It is not part of the build or tests.

    /usr/bin/python3 bench/torch_reference.py EXPORT_DIR [--threads 2] [--reps 5]
        [--train-batches N] [--infer-batches N] [--sparse] [--flops]

EXPORT_DIR is the output of `connc export C.cir --format npz -o EXPORT_DIR`:
the layer names come from its metadata.json (mapping order), the layer sizes
from inhibition_<L>.npy, the masks from mask_<L>_inter.npz / mask_<L>_intra.npz.

The images are random synthetic 48x48 uint8 images with random labels: the
throughput of this network does not depend on the pixel values (no data-
dependent branches), so the real FER-2013 is not needed.

Measures (median, min and max over --reps repetitions, after a warm-up):
  train_img_per_s: batch 32 training steps: augmentation + forward + backward
                   + Adam + a_k clamp + Hebbian update, as connc's train step;
  infer_img_per_s: batch 256 forward passes in eval mode under no_grad.
Output lines are machine readable (key=value).

Needs Debian's python3-torch (`apt-get install python3-torch`, 1.13.1 in
Debian 12) and python3-numpy / python3-scipy.  Without torch it says so on
stderr and exits with code 3.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

SIDE = 48
CLASSES = 7
TRAIN_BATCH = 32
INFER_BATCH = 256

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    sys.stderr.write("bench: PyTorch not installed; apt-get install python3-torch to add the reference column\n")
    sys.exit(3)

import numpy as np
import scipy.sparse


# ----------------------------------------------------------------- connectome

def load_connectome(d):
    """[(name, size, inter mask or None, intra mask or None, inhibition)], in
    the mapping's order; masks are scipy CSR (rows = post, cols = pre)."""
    with open(os.path.join(d, "metadata.json")) as f:
        names = [layer["name"] for layer in json.load(f)["mapping"]["layers"]]

    def mask(path):
        path = os.path.join(d, path)
        return scipy.sparse.load_npz(path).tocsr() if os.path.exists(path) else None

    layers = []
    for name in names:
        inhib = np.load(os.path.join(d, "inhibition_%s.npy" % name), allow_pickle=False)
        layers.append((name, len(inhib), mask("mask_%s_inter.npz" % name), mask("mask_%s_intra.npz" % name), inhib))
    return layers


# ----------------------------------------------------------------- the model

def uniform(shape, fan_in):
    """PyTorch's default Linear init, U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    bound = 1.0 / math.sqrt(fan_in)
    return nn.Parameter(torch.empty(shape).uniform_(-bound, bound))


class BioNIC(nn.Module):
    """Conv stage, CBAM attention, input projection, bio layers A..D, classifier.

    A masked weight (inter W_k, intra U_k) is stored either dense (default:
    a full n_out x n_in parameter multiplied by its 0/1 mask in every forward,
    the usual PyTorch way; masked entries start at zero, get zero gradient and
    zero weight decay, so they stay zero) or, with sparse=True, as a vector of
    the nnz mask entries applied by gather + index_add (torch 1.13 has no
    autograd for the values of a sparse CSR matmul, so this is the plain
    differentiable sparse form)."""

    def __init__(self, layers, sparse=False, lateral_alpha=0.5, noise_std=0.06):
        super().__init__()
        self.sparse, self.lateral_alpha, self.noise_std = sparse, lateral_alpha, noise_std
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.ca1 = nn.Linear(16, 2)  # channel attention 16 -> 2 -> 16
        self.ca2 = nn.Linear(2, 16)
        self.sa = nn.Conv2d(16, 1, 3, padding=1)  # spatial attention
        flat = 16 * (SIDE // 4) * (SIDE // 4)  # 2304
        self.ln_in = nn.LayerNorm(flat)
        self.proj = nn.Linear(flat, layers[0][1])
        self.names = [name for name, *_ in layers]
        self.masked = []  # (parameter name, mask nnz, dense numel) for the parameter count
        prev = None
        for name, n, inter, intra, inhib in layers:
            if prev is not None and inter is not None:
                self.add_masked("inter_" + name, inter)
                self.register_parameter("b_" + name, uniform((n,), prev))
            if intra is not None:
                self.add_masked("intra_" + name, intra)
                self.register_parameter("c_" + name, uniform((n,), n))
            self.register_buffer("inhib_" + name, torch.tensor(inhib / (inhib.max() + 1e-8), dtype=torch.float32))
            self.register_parameter("a_" + name, nn.Parameter(torch.tensor(0.5)))
            self.add_module("ln_" + name, nn.LayerNorm(n))
            self.register_buffer("favg_" + name, torch.zeros(n))  # Hebbian f_avg of the post neurons
            prev = n
        self.ln_out = nn.LayerNorm(prev)
        self.fc = nn.Linear(prev, CLASSES)
        self.h = {}  # each bio layer's ReLU output (before noise) of the last forward, for Hebbian

    def add_masked(self, key, m):
        rows, cols = m.nonzero()  # CSR order: by row, then column
        n_out, n_in = m.shape
        self.register_buffer(key + "_rows", torch.from_numpy(rows.astype(np.int64)))
        self.register_buffer(key + "_cols", torch.from_numpy(cols.astype(np.int64)))
        if self.sparse:
            self.register_parameter(key, uniform((len(rows),), n_in))
        else:
            mask = torch.zeros(n_out, n_in)
            mask[self.get_buffer(key + "_rows"), self.get_buffer(key + "_cols")] = 1
            self.register_buffer(key + "_mask", mask)
            w = uniform((n_out, n_in), n_in)
            with torch.no_grad():
                w.mul_(mask)
            self.register_parameter(key, w)
        self.masked.append((key, len(rows), n_out * n_in))

    def masked_mm(self, key, x, n_out):
        """x (B x n_in) -> (W*M) x (B x n_out), no bias."""
        w = getattr(self, key)
        if not self.sparse:
            return F.linear(x, w * getattr(self, key + "_mask"))
        rows, cols = getattr(self, key + "_rows"), getattr(self, key + "_cols")
        return x.new_zeros(x.shape[0], n_out).index_add_(1, rows, x[:, cols] * w)

    def forward(self, x):
        # 1. conv stage with lateral inhibition
        h = self.conv1(x)
        h = h - self.lateral_alpha * F.avg_pool2d(h, 3, stride=1, padding=1, count_include_pad=False)
        h = F.max_pool2d(F.relu(h), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        # 2. CBAM attention: channel, then spatial
        s = torch.sigmoid(self.ca2(F.relu(self.ca1(h.mean(dim=(2, 3))))))
        h = h * s[:, :, None, None]
        h = h * torch.sigmoid(self.sa(h))
        # 3. flatten, LayerNorm, input projection
        h = F.relu(self.proj(self.ln_in(h.flatten(1))))
        # 4. bio layers
        for name in self.names:
            n = getattr(self, "inhib_" + name).shape[0]
            if hasattr(self, "inter_" + name):
                h = F.relu(self.masked_mm("inter_" + name, h, n) + getattr(self, "b_" + name))
            if hasattr(self, "intra_" + name):
                h = h + self.masked_mm("intra_" + name, h, n) + getattr(self, "c_" + name)
            h = F.relu(h * (1 - getattr(self, "a_" + name) * getattr(self, "inhib_" + name)))
            self.h[name] = h.detach()
            if self.training:
                h = h + self.noise_std * torch.randn_like(h)
            h = getattr(self, "ln_" + name)(h)
        # 5. classifier
        return self.fc(self.ln_out(h))

    @torch.no_grad()
    def clamp_alphas(self):
        for name in self.names:
            getattr(self, "a_" + name).clamp_(0, 1)

    @torch.no_grad()
    def hebbian(self, rate=5e-4, homeo_rate=5e-4, target=0.35, momentum=0.99):
        """dW = rate * mean_batch(post^T pre) - homeo_rate * (f_avg - target),
        masked; pre/post scaled to [0,1] by each neuron's batch max (connc's
        default, hebb_scale_per_neuron = 1)."""
        for prev, name in zip(self.names, self.names[1:]):
            key = "inter_" + name
            if not hasattr(self, key):
                continue
            pre, post = self.h[prev], self.h[name]
            pre = pre / (pre.max(dim=0, keepdim=True).values + 1e-8)
            post = post / (post.max(dim=0, keepdim=True).values + 1e-8)
            favg = getattr(self, "favg_" + name)
            favg.mul_(momentum).add_((1 - momentum) * post.mean(0))
            home = homeo_rate * (favg - target)
            w = getattr(self, key)
            if self.sparse:
                rows, cols = getattr(self, key + "_rows"), getattr(self, key + "_cols")
                corr = (post[:, rows] * pre[:, cols]).mean(0)
                w.add_(rate * corr - home[rows])
            else:
                dw = rate * (post.t() @ pre) / post.shape[0] - home[:, None]
                w.add_(dw * getattr(self, key + "_mask"))

    def trainable_parameters(self):
        """Parameter count with masked-out entries excluded (as connc counts)."""
        total = sum(p.numel() for p in self.parameters())
        if not self.sparse:
            total -= sum(dense - nnz for _, nnz, dense in self.masked)
        return total


# ----------------------------------------------------------------- augmentation

def augment(img, mean, std):
    """uint8 B x 1 x 48 x 48 -> standardised float, augmented per image.

    For a benchmark, the random resized crop (scale 0.8-1.0, ratio 3/4-4/3),
    the rotation (+-15 degrees) and the horizontal flip are folded into ONE
    affine map per image and applied by a single bilinear grid_sample with
    zero fill (connc resamples twice: crop, then rotation; the pixels differ
    slightly, the work is comparable).  Then brightness and contrast jitter
    0.15 each (brightness first), clamped to [0,1], then standardised."""
    B = img.shape[0]
    x = img.float() / 255
    scale = torch.empty(B).uniform_(0.8, 1.0)
    ratio = torch.exp(torch.empty(B).uniform_(math.log(3 / 4), math.log(4 / 3)))
    sw = torch.sqrt(scale * ratio).clamp(max=1)  # crop width / 48
    sh = torch.sqrt(scale / ratio).clamp(max=1)
    cx = (torch.rand(B) * 2 - 1) * (1 - sw)  # crop centre in [-1, 1] coordinates
    cy = (torch.rand(B) * 2 - 1) * (1 - sh)
    a = torch.empty(B).uniform_(-15, 15) * (math.pi / 180)
    flip = torch.where(torch.rand(B) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(a), torch.sin(a)
    # input = crop(rotate(flip(output))): rows of the 2x3 theta of affine_grid
    theta = torch.stack([
        torch.stack([sw * cos * flip, -sw * sin, cx], 1),
        torch.stack([sh * sin * flip, sh * cos, cy], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    x = x * torch.empty(B, 1, 1, 1).uniform_(0.85, 1.15)
    m = x.mean(dim=(1, 2, 3), keepdim=True)
    x = ((x - m) * torch.empty(B, 1, 1, 1).uniform_(0.85, 1.15) + m).clamp(0, 1)
    return (x - mean) / std


def prepare(img, mean, std):
    """uint8 -> standardised float, no augmentation (evaluation)."""
    return (img.float() / 255 - mean) / std


# ----------------------------------------------------------------- FLOPs

def count_macs(layers):
    """Multiply-adds per image, counted analytically.

    Counted: convolutions as dense (out pixels x out channels x in channels x
    9), the attention MLP, the input projection, the masked inter and intra
    products (once dense n_out x n_in, once only the mask's nnz, which is all a
    sparse kernel needs), and the classifier.  Not counted: biases, pooling,
    ReLU, sigmoid, LayerNorm, the inhibition scaling and noise (elementwise,
    O(activations): about 0.3 M operations per image forward, under 10% of
    the forward flops), the augmentation, Adam (O(parameters) per step, not
    per image) and the loss.
    Backward: every weight layer costs two forward-sized products (input
    gradient and weight gradient), except conv1, whose input needs no
    gradient (one product).  Training = forward + backward, plus the Hebbian
    post^T pre products of the inter layers (dense, or nnz only)."""
    n = SIDE
    conv1 = n * n * 8 * 1 * 9
    conv2 = (n // 2) ** 2 * 16 * 8 * 9
    sa = (n // 4) ** 2 * 1 * 16 * 9
    mlp = 16 * 2 + 2 * 16
    proj = 16 * (n // 4) ** 2 * layers[0][1]
    fc = layers[-1][1] * CLASSES
    masked_dense = masked_nnz = 0
    hebb_dense = hebb_nnz = 0
    for k, (_, _, inter, intra, _) in enumerate(layers):
        if k > 0 and inter is not None:  # the first layer takes the projection output
            masked_dense += inter.shape[0] * inter.shape[1]
            masked_nnz += inter.nnz
            hebb_dense += inter.shape[0] * inter.shape[1]
            hebb_nnz += inter.nnz
        if intra is not None:
            masked_dense += intra.shape[0] * intra.shape[1]
            masked_nnz += intra.nnz
    fixed = conv1 + conv2 + sa + mlp + proj + fc
    out = {}
    for kind, masked, hebb in (("dense", masked_dense, hebb_dense), ("nnz", masked_nnz, hebb_nnz)):
        fwd = fixed + masked
        out[kind] = (fwd, 3 * fwd - conv1, 3 * fwd - conv1 + hebb)
    return out


def print_flops(layers):
    macs = count_macs(layers)
    for unit, k in (("macs", 1), ("flops", 2)):
        print("%s_per_image forward_dense=%d forward_nnz=%d fwd_bwd_dense=%d fwd_bwd_nnz=%d "
              "train_step_dense=%d train_step_nnz=%d" % (
                  unit, k * macs["dense"][0], k * macs["nnz"][0], k * macs["dense"][1], k * macs["nnz"][1],
                  k * macs["dense"][2], k * macs["nnz"][2]))
    print("# 1 multiply-add = 2 flops; train_step = fwd_bwd + Hebbian post^T pre; "
          "elementwise ops (pool, norm, activations) not counted")


# ----------------------------------------------------------------- timing

def class_weights(labels):
    counts = torch.bincount(labels, minlength=CLASSES).float().clamp(min=1)
    return len(labels) / (CLASSES * counts)


def train_steps(model, opt, images, labels, weights, steps, mean, std):
    model.train()
    for _ in range(steps):
        idx = torch.randint(len(images), (TRAIN_BATCH,))
        x = augment(images[idx], mean, std)
        loss = F.cross_entropy(model(x), labels[idx], weight=weights, label_smoothing=0.1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        model.clamp_alphas()
        model.hebbian()


@torch.no_grad()
def infer_batches(model, images, batches, mean, std):
    model.eval()
    for i in range(batches):
        start = (i * INFER_BATCH) % (len(images) - INFER_BATCH + 1)
        model(prepare(images[start:start + INFER_BATCH], mean, std)).argmax(1)


def timed(fn, images_done):
    t = time.perf_counter()
    fn()
    return images_done / (time.perf_counter() - t)


def summary(key, rates):
    print("%s median=%.1f min=%.1f max=%.1f reps=%d" % (key, statistics.median(rates), min(rates), max(rates),
                                                        len(rates)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("export_dir", help="output of `connc export C.cir --format npz -o DIR`")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5, help="timed repetitions; 0: only print params (and flops)")
    ap.add_argument("--train-batches", type=int, default=50, help="training steps (batch 32) per rep")
    ap.add_argument("--infer-batches", type=int, default=10, help="inference batches (256) per rep")
    ap.add_argument("--sparse", action="store_true", help="masked weights as nnz vectors (gather + index_add)")
    ap.add_argument("--flops", action="store_true", help="also print multiply-adds per image")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)
    layers = load_connectome(args.export_dir)
    model = BioNIC(layers, sparse=args.sparse)
    print("torch=%s threads=%d variant=%s" % (torch.__version__, torch.get_num_threads(),
                                              "sparse" if args.sparse else "dense-masked"))
    print("params=%d" % model.trainable_parameters())
    print("layers=" + ",".join("%s:%d" % (name, size) for name, size, *_ in layers))
    if args.flops:
        print_flops(layers)
    if args.reps <= 0:
        return

    # synthetic data: FER-2013-sized uint8 images, random labels; mean/std
    # are FER-2013's approximate statistics (values do not affect speed)
    images = torch.randint(0, 256, (2048, 1, SIDE, SIDE), dtype=torch.uint8)
    labels = torch.randint(0, CLASSES, (len(images),))
    weights = class_weights(labels)
    mean, std = 0.508, 0.255
    opt = torch.optim.Adam(model.parameters(), lr=6e-4, weight_decay=1e-4)

    train_steps(model, opt, images, labels, weights, 3, mean, std)  # warm-up
    infer_batches(model, images, 1, mean, std)
    tr, inf = [], []
    for _ in range(args.reps):
        tr.append(timed(lambda: train_steps(model, opt, images, labels, weights, args.train_batches, mean, std),
                        args.train_batches * TRAIN_BATCH))
        inf.append(timed(lambda: infer_batches(model, images, args.infer_batches, mean, std),
                         args.infer_batches * INFER_BATCH))
    summary("train_img_per_s", tr)
    summary("infer_img_per_s", inf)


if __name__ == "__main__":
    main()
