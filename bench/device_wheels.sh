#!/usr/bin/env bash
# Download, into .whl/ (ignored by git), the pure-Python packages that bench/device_check.py needs and that the GPU
# machine lacks (it has Python 3.12, torch 2.11, numpy, pandas, matplotlib, pillow, scipy, scikit-learn, but no fastai).
# fastprogress 1.0.3: the 1.1 series imports python-fasthtml and its web stack, which that machine lacks.
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl \
    fastai==2.8.7 fastcore==1.14.5 fastprogress==1.0.3 fasttransform==0.0.2 fastdownload==0.0.8 \
    plum-dispatch==2.9.0 beartype==0.23.1
ls .whl
