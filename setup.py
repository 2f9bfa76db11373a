"""Builds the C extension of the leak detector; the project's metadata is in pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("harness.detect._native", ["harness/detect/_native.c"], extra_compile_args=["-O2"])])
