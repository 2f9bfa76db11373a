"""Builds the C extension of the leak detector; the project's metadata is in pyproject.toml."""

from setuptools import Extension, setup

_SOURCES = "harness/detect/_native_src"

setup(
    ext_modules=[
        Extension(
            "harness.detect._native",
            [f"{_SOURCES}/{name}.c" for name in ("module", "common", "protobuf", "runs", "structural", "coordinates")],
            # the private header: an edit of it rebuilds every file, and the sdist ships it
            depends=[f"{_SOURCES}/native.h"],
            # the files share functions through native.h; only PyInit__native is exported, as from one file
            extra_compile_args=["-O2", "-fvisibility=hidden"],
        )
    ]
)
