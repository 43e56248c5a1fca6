#!/usr/bin/env bash
# The test command of the README. On a fresh machine it installs what the suite needs, then runs it:
#   1. Debian's chromium, the one system dependency (the browser test of the widgets); needs root or sudo;
#   2. the pinned development toolchain (pip install -e ".[dev]"), and onnxruntime-web from npm (the static explorer's runtime);
#   3. the whole suite (notebooks, library/notebook sync, parity, CLI, packaging, browser);
#   4. the parity tests, the compatibility tests and the notebooks that replay or compare training steps (07 fast =
#      plain, 08 exact resume, 11 the official fixtures) once more with oneDNN off on one thread
#      (the suite's own switches, see tests/conftest.py), so that no tolerance depends on the kernels.
# Extra arguments go to the first pytest run (for example -x or -k parity).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
    echo "tools/test.sh: installing Debian's chromium (system package, for the browser test)"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
pip install -e ".[dev]"
# onnxruntime-web for the static explorer (notebook 18): the npm package, fetched once into the cache the export reads
ORT_TGZ=$(python -c "from bicycle_nb.static import runtime_cache; print(runtime_cache())")
if [ ! -f "$ORT_TGZ" ]; then
    echo "tools/test.sh: fetching onnxruntime-web (npm pack) into $(dirname "$ORT_TGZ")"
    mkdir -p "$(dirname "$ORT_TGZ")"
    npm pack "onnxruntime-web@$(python -c "from bicycle_nb.static import ORT_WEB; print(ORT_WEB[1])")" --pack-destination "$(dirname "$ORT_TGZ")" >/dev/null
fi
# KaTeX for the offline website (tools/site.py, tests/test_site.py): the npm package, packed once into the same cache
KATEX_TGZ="$(dirname "$ORT_TGZ")/katex-0.16.11.tgz"
[ -f "$KATEX_TGZ" ] || npm pack katex@0.16.11 --pack-destination "$(dirname "$ORT_TGZ")" >/dev/null
python -m pytest tests/ "$@"
BICYCLE_NB_ONEDNN=0 BICYCLE_NB_THREADS=1 python -m pytest tests/test_parity_forward.py tests/test_parity_step.py \
    tests/test_compat.py "tests/test_notebooks.py::test_notebook[07_speed]" "tests/test_notebooks.py::test_notebook[08_checkpoints]" \
    "tests/test_notebooks.py::test_notebook[11_official]" -q
