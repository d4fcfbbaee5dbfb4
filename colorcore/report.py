"""How good a colorizer is: metrics against the originals, the validation curve, comparison grids."""
import numpy as np
from skimage.metrics import structural_similarity

from .features import to_gray


def colourfulness(rgb):
    """Hasler & Suesstrunk (2003) colourfulness of an RGB image in [0, 1], on their 0..255 scale."""
    rgb = np.asarray(rgb, dtype=np.float64) * 255
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def psnr_from_mse(mse):
    return float("inf") if mse == 0 else float(10 * np.log10(1.0 / mse))


def quality(predicted, originals):
    """Metrics over a set of images, all (N, H, W, 3) in [0, 1]: pooled MSE and PSNR over every pixel,
    mean SSIM, and colourfulness relative to the originals (1.0 = as colourful as the photos)."""
    predicted = np.asarray(predicted, dtype=np.float64)
    originals = np.asarray(originals, dtype=np.float64)
    mse = float(np.mean((predicted - originals) ** 2))
    win = min(7, *originals.shape[1:3])
    win -= 1 - win % 2
    ssim = float(np.mean([structural_similarity(p, o, channel_axis=-1, data_range=1.0, win_size=win)
                          for p, o in zip(predicted, originals)]))
    original_colour = np.mean([colourfulness(o) for o in originals])
    colour = np.mean([colourfulness(p) for p in predicted])
    return {"mse": mse, "psnr": psnr_from_mse(mse), "ssim": ssim,
            "colourfulness_ratio": float(colour / original_colour) if original_colour else float("nan"),
            "images": int(len(originals))}


def gray_baseline(originals):
    """The gray image itself, as RGB: what a colorizer has to beat."""
    gray = to_gray(np.asarray(originals, dtype=np.float64))
    return np.repeat(gray[..., None], 3, axis=-1)


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
    ax.set_ylabel("error  1/(2m) sum (y - t)^2")
    ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)


def comparison_grid(originals, predicted, rows=8, gap=2):
    """uint8 image with one row per example: gray input | predicted | original (the seed's figure)."""
    from .images import to_uint8

    n = min(rows, len(originals))
    h, w = originals.shape[1:3]
    grid = np.full((n * (h + gap) - gap, 3 * (w + gap) - gap, 3), 255, np.uint8)
    for i in range(n):
        panels = (gray_baseline(originals[i:i + 1])[0], predicted[i], originals[i])
        for j, panel in enumerate(panels):
            grid[i * (h + gap):i * (h + gap) + h, j * (w + gap):j * (w + gap) + w] = to_uint8(panel)
    return grid
