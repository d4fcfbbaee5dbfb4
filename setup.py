"""Build the Cython kernels in pyx/ as private modules colorcore._<name>.

Environment switches:
  COLORCORE_DEBUG_CYTHON=1  boundscheck/wraparound/initializedcheck on, -O1 -g (for the property tests)
  COLORCORE_PORTABLE=1      do not tune for the building CPU (-march=native is used when the compiler has it)
  COLORCORE_NO_OPENMP=1     build serial even where the compiler supports OpenMP
"""
import os
import sys
import tempfile

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

KERNELS = ["affinity", "colour", "dense", "optim", "shuffle", "ssd", "windows"]
DEBUG = os.environ.get("COLORCORE_DEBUG_CYTHON", "") not in ("", "0")


def _flag_on(name):
    return os.environ.get(name, "") not in ("", "0")


def _compiles(compiler, source, extra_compile, extra_link=()):
    """True when `compiler` builds and links `source` with the given flags."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "probe.c")
        with open(path, "w") as f:
            f.write(source)
        try:
            objects = compiler.compile([path], output_dir=tmp, extra_postargs=list(extra_compile))
            compiler.link_executable(objects, "probe", output_dir=tmp, extra_postargs=list(extra_link))
        except Exception:
            return False
    return True


OPENMP_PROBE = "#include <omp.h>\nint main(void) { return omp_get_max_threads() > 0 ? 0 : 1; }\n"
PLAIN_PROBE = "int main(void) { return 0; }\n"


class ProbingBuildExt(build_ext):
    """build_ext that picks optimisation and OpenMP flags by trying them on the actual compiler."""

    def build_extensions(self):
        msvc = self.compiler.compiler_type == "msvc"
        if msvc:
            compile_args, link_args = (["/Od", "/Zi"] if DEBUG else ["/O2", "/fp:fast"]), []
        elif DEBUG:
            compile_args, link_args = ["-O1", "-g"], []
        else:
            # -ffast-math lets gcc vectorise reductions and call glibc's vector exp; the kernels keep their
            # values finite (sigmoid clamps its input). It is a compile flag only: linking with it would
            # pull in crtfastmath.o and flush denormals for the whole Python process.
            compile_args = ["-O3", "-ffast-math"]
            link_args = []
            if not _flag_on("COLORCORE_PORTABLE") and _compiles(self.compiler, PLAIN_PROBE, ["-march=native"]):
                compile_args.append("-march=native")
        openmp = None
        if not _flag_on("COLORCORE_NO_OPENMP"):
            flag = "/openmp" if msvc else "-fopenmp"
            if _compiles(self.compiler, OPENMP_PROBE, [flag], [] if msvc else [flag]):
                openmp = flag
        print(f"colorcore: compile flags {' '.join(compile_args)}; OpenMP {'on' if openmp else 'off'}",
              file=sys.stderr)
        for ext in self.extensions:
            ext.extra_compile_args = compile_args + ([openmp] if openmp else [])
            ext.extra_link_args = link_args + ([openmp] if openmp and not msvc else [])
            ext.define_macros = [("COLORCORE_OPENMP", "1" if openmp else "0"),
                                 ("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]
        super().build_extensions()


def extensions():
    from Cython.Build import cythonize

    modules = [Extension(f"colorcore._{name}", [f"pyx/{name}.pyx"], include_dirs=["pyx"],
                         libraries=[] if sys.platform == "win32" else ["m"]) for name in KERNELS]
    directives = {
        "language_level": 3,
        "boundscheck": DEBUG,
        "wraparound": DEBUG,
        "initializedcheck": DEBUG,
        "cdivision": not DEBUG,
        "embedsignature": True,
    }
    return cythonize(modules, include_path=["pyx"], compiler_directives=directives,
                     build_dir="build/cython-debug" if DEBUG else "build/cython")


setup(ext_modules=extensions(), cmdclass={"build_ext": ProbingBuildExt})
