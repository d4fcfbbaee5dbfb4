"""How good a colorizer is: metrics against the originals, the validation curve, comparison grids."""
import numpy as np
from skimage import color
from skimage.metrics import structural_similarity

from .features import GRAY_WEIGHTS, chroma_to_rgb, to_gray


def colourfulness(rgb):
    """Hasler & Suesstrunk (2003) colourfulness of an RGB image in [0, 1], on their 0..255 scale."""
    rgb = np.asarray(rgb, dtype=np.float64) * 255
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def psnr_from_mse(mse):
    return float("inf") if mse == 0 else float(10 * np.log10(1.0 / mse))


def quality(predicted, originals):
    """Metrics over a set of photos (stacks or lists of (H, W, 3) in [0, 1]; sizes may differ): pooled MSE
    and PSNR over every pixel, mean SSIM, and the pooled colourfulness ratio, the sum of the predictions'
    colourfulness over the sum of the originals' (1.0 = as colourful as the photos)."""
    squared, count, ssim, colour, original_colour = 0.0, 0, [], 0.0, 0.0
    for p, o in zip(predicted, originals):
        p, o = np.asarray(p, dtype=np.float64), np.asarray(o, dtype=np.float64)
        squared += float(np.sum((p - o) ** 2))
        count += o.size
        win = min(7, *o.shape[:2])
        win -= 1 - win % 2
        ssim.append(structural_similarity(p, o, channel_axis=-1, data_range=1.0, win_size=win) if win >= 3 else np.nan)
        colour += colourfulness(p)
        original_colour += colourfulness(o)
    mse = squared / count if count else float("nan")
    return {"mse": mse, "psnr": psnr_from_mse(mse), "ssim": float(np.nanmean(ssim)) if ssim else float("nan"),
            "colourfulness_ratio": float(colour / original_colour) if original_colour else float("nan"),
            "images": len(ssim)}


def gray_baseline(originals):
    """The gray image itself, as RGB: what a colorizer has to beat (a stack, or one photo)."""
    gray = to_gray(np.asarray(originals, dtype=np.float64))
    return np.repeat(gray[..., None], 3, axis=-1)


def as_unit_floats(photo):
    photo = np.asarray(photo)
    return photo / 255.0 if photo.dtype == np.uint8 else photo.astype(np.float64)


def mean_chroma(photos):
    """The mean Lab chroma (a*, b*) over every pixel of the photos: baseline 2's colour."""
    total, count = np.zeros(2), 0
    for photo in photos:
        ab = color.rgb2lab(as_unit_floats(photo))[..., 1:].reshape(-1, 2)
        total += ab.sum(axis=0)
        count += len(ab)
    return total / max(count, 1)


def colour_photos(photos):
    """(the photos that are not gray, as [0, 1] floats; how many gray ones were left out)."""
    from .datasets import is_gray

    originals = [as_unit_floats(p) for p in photos if not is_gray(p)]
    return originals, len(photos) - len(originals)


def baseline_scores(originals, mean_ab=(0.0, 0.0), gray_weights=GRAY_WEIGHTS):
    """The two baselines on colour photos: the gray image, and every pixel the mean training chroma on its
    own lightness."""
    grays = [to_gray(photo, gray_weights) for photo in originals]
    mean_colour = [chroma_to_rgb(gray, np.broadcast_to(np.asarray(mean_ab, float), (*gray.shape, 2)), gray_weights)
                   for gray in grays]
    return {"gray_baseline": quality([gray_baseline(o) for o in originals], originals),
            "mean_chroma_baseline": quality(mean_colour, originals)}


def model_scores(colorizer, originals, vividness=None):
    """(quality of the colorizer's predictions on colour photos, the predictions)."""
    predicted = [colorizer.predict_gray(colorizer.gray(photo), vividness) for photo in originals]
    return quality(predicted, originals), predicted


def evaluate(colorizer, photos, mean_ab=(0.0, 0.0), vividness=None):
    """metrics.json content for one test set: the colorizer and the two baselines on the photos that are
    not gray. Returns (scores, predictions, originals)."""
    originals, left_out = colour_photos(photos)
    if not originals:
        return {"note": "every test photo is gray; no colour metrics", "gray_photos_left_out": left_out}, [], []
    model, predicted = model_scores(colorizer, originals, vividness)
    scores = {"model": model, **baseline_scores(originals, mean_ab, colorizer.gray_weights),
              "gray_photos_left_out": left_out}
    return scores, predicted, originals


def plot_validation_curve(history, path):
    """Train and validation error per epoch, with the learning-rate drops marked."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .io import atomic_path

    epochs = np.arange(1, len(history) + 1)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(epochs, [h["train_error"] for h in history], label="train")
    ax.plot(epochs, [h["val_error"] for h in history], label="validation")
    for i in range(1, len(history)):
        if history[i]["round"] != history[i - 1]["round"]:
            ax.axvline(epochs[i] - 0.5, color="gray", linestyle=":", linewidth=1)
    ax.set_xlabel("epoch (dotted lines: learning rate / 10)")
    ax.set_ylabel("error: mean loss per pixel (squared error or cross-entropy)")
    ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)


def comparison_grid(originals, predicted, rows=8, gap=2):
    """uint8 image with one row per example: gray input | predicted | original (the original assignment's figure).
    Photos of different sizes are placed top-left in cells of the largest size."""
    from .images import to_uint8

    n = min(rows, len(originals))
    h = max(o.shape[0] for o in originals[:n])
    w = max(o.shape[1] for o in originals[:n])
    grid = np.full((n * (h + gap) - gap, 3 * (w + gap) - gap, 3), 255, np.uint8)
    for i in range(n):
        panels = (gray_baseline(originals[i]), predicted[i], originals[i])
        for j, panel in enumerate(panels):
            ph, pw = panel.shape[:2]
            grid[i * (h + gap):i * (h + gap) + ph, j * (w + gap):j * (w + gap) + pw] = to_uint8(panel)
    return grid


def random_hint_patches(ab, count, rng, side=3):
    """Simulated user hints (as Zhang et al. 2017 score them): `count` random side x side patches of a
    photo's chroma ab (H, W, 2), each hinted with its mean chroma. Returns (known (H, W), chroma (H, W, 2))."""
    h, w = ab.shape[:2]
    known = np.zeros((h, w), dtype=bool)
    chroma = np.zeros_like(ab)
    for _ in range(count):
        y, x = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
        patch = (slice(y, y + side), slice(x, x + side))
        known[patch] = True
        chroma[patch] = ab[patch].reshape(-1, 2).mean(axis=0)
    if known.all():  # every pixel hinted: leave one out so that the photo still needs colorizing
        known[0, 0] = False
    return known, chroma
