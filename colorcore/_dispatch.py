"""Load the fastest build of each kernel that this CPU can run.

A default build (setup.py) makes every kernel for the platform's baseline CPU, and the arithmetic-heavy
ones a second time for AVX2 + FMA as colorcore._avx2_<name>. Before anything imports a kernel, use_fastest()
puts those variants in place of colorcore._<name> when the CPU has AVX2 and FMA, so the rest of the
package imports them by their usual names. A native build (COLORCORE_NATIVE=1) has no variants and is
used as it is. COLORCORE_KERNELS=baseline keeps the baseline build (for comparing the two).
"""
import importlib
import os
import sys

AVX2_KERNELS = ("affinity", "colour", "dense", "optim", "ssd", "windows")  # as in setup.py


def cpu_has_avx2_fma():
    """True when the CPU runs the x86-64-v3 variants (AVX2, FMA and F16C, as NumPy's own dispatch reads
    them; every such CPU also has the BMI, LZCNT and MOVBE that x86-64-v3 adds)."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # NumPy < 2
        try:
            from numpy.core._multiarray_umath import __cpu_features__ as features
        except ImportError:
            return False
    return all(features.get(name) for name in ("AVX2", "FMA3", "F16C"))


def use_fastest(package):
    """Put the AVX2 + FMA kernels in place where they exist and the CPU can run them; the build chosen."""
    if os.environ.get("COLORCORE_KERNELS", "") == "baseline" or not cpu_has_avx2_fma():
        return "baseline"
    try:
        variants = {name: importlib.import_module(f"{package}._avx2_{name}") for name in AVX2_KERNELS}
    except ImportError:  # a native build, or a platform without the variants
        return "as-built"
    for name, module in variants.items():
        sys.modules[f"{package}._{name}"] = module
        setattr(sys.modules[package], f"_{name}", module)
    return "avx2-fma"
