"""Data augmentation as the trainer draws it: random crops, flips and zooms, per image, a whole batch at a time.

The same as torchvision's ``RandomCrop(size, padding)``, ``RandomHorizontalFlip()`` and ``RandomAffine`` image by
image, but done with one gather for the whole batch on the device, from the run's own generator
(so a resumed run draws exactly what the uninterrupted one would have).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def epoch_seed(seed: int, epoch: int) -> int:
    """Return the seed of one epoch's shuffle, augmentation and dropout: distinct for every (seed, epoch) a run can have."""
    return (seed << 20) + epoch


def augment(
    x: torch.Tensor, crop_padding: int, flip: bool, generator: torch.Generator, zoom: float = 0.0
) -> torch.Tensor:
    """Return a batch (N, C, H, W) as the trainer augments it: zoom, random crop, then flip, each when asked."""
    if zoom:
        x = random_zoom(x, zoom, generator)
    if crop_padding:
        x = random_crop(x, crop_padding, generator)
    if flip:
        x = random_flip(x, generator)
    return x


def random_crop(x: torch.Tensor, padding: int, generator: torch.Generator) -> torch.Tensor:
    """Return each image shifted by its own random offset: zero-pad, then crop back to size.

    The same as torchvision's ``RandomCrop(size, padding)`` image by image, but done with one
    gather for the whole batch. Zero is the data set's mean after normalisation.
    """
    n, c, h, w = x.shape
    padded = F.pad(x, (padding, padding, padding, padding))  # (N, C, H, W) -> (N, C, H + 2p, W + 2p)
    dy = torch.randint(0, 2 * padding + 1, (n,), generator=generator).to(x.device)
    dx = torch.randint(0, 2 * padding + 1, (n,), generator=generator).to(x.device)
    rows = dy[:, None] + torch.arange(h, device=x.device)  # (N, H): the rows each image keeps
    cols = dx[:, None] + torch.arange(w, device=x.device)  # (N, W)
    batch = torch.arange(n, device=x.device)[:, None, None]
    crops = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]  # (N, H, W, C)
    return crops.permute(0, 3, 1, 2)  # (N, C, H, W), stored channels_last


def random_flip(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Return the batch with a random half of its images mirrored left to right."""
    flip = (torch.rand(x.shape[0], generator=generator) < 0.5).to(x.device)
    return torch.where(flip[:, None, None, None], x.flip(3), x)


def random_zoom(x: torch.Tensor, zoom: float, generator: torch.Generator) -> torch.Tensor:
    """Return each image scaled about its centre by its own random factor in [1 - zoom, 1 + zoom].

    Bilinear; what comes in from outside repeats the edge (the paper, for a digit). The same as
    torchvision's ``RandomAffine(0, scale=(1 - zoom, 1 + zoom))`` image by image, for the whole
    batch in one ``grid_sample``.
    """
    n = x.shape[0]
    factor = 1 + (torch.rand(n, generator=generator) * 2 - 1) * zoom  # (N,)
    theta = torch.zeros(n, 2, 3)  # maps each output position to where it samples the input
    theta[:, 0, 0] = theta[:, 1, 1] = 1 / factor
    grid = F.affine_grid(theta.to(x.device, x.dtype), list(x.shape), align_corners=False)  # (N, H, W, 2)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
