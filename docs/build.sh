#!/usr/bin/env bash
# Build the HTML documentation with warnings as errors; the entry point is
# docs/_build/html/index.html.
#
#   bash docs/build.sh              # full build: API reference, user guide, gallery; the
#                                   # paper-figure examples use the real data when
#                                   # CCAFUSION_SHL_DIR / CCAFUSION_CIFAR_DIR name it
#                                   # (on CCAFUSION_DEVICE), else their quick stand-ins
#   bash docs/build.sh --quick      # what CI runs: every example in its quick CPU mode
#   bash docs/build.sh --no-gallery # text only, examples not run (fastest, for writing)
#
# Needs the package's "docs" extra (pip install -e ".[docs]"). Offline-safe:
# intersphinx inventories are fetched only when reachable (CCAFUSION_DOCS_OFFLINE=1
# forbids it), MathJax is served with the site, and the build fails when a page loads
# anything from the network (check_offline.py). Benchmark tables and the numbers
# quoted from them come from the CSV committed in docs/benchmarks/. A clean build
# every time (CCAFUSION_DOCS_KEEP=1 reuses the last one).
set -euo pipefail
cd "$(dirname "$0")"

quick=0
gallery=1
for arg in "$@"; do
    case "$arg" in
        --quick) quick=1 ;;
        --no-gallery) gallery=0 ;;
        *) echo "usage: $0 [--quick] [--no-gallery]" >&2; exit 2 ;;
    esac
done

if [ "${CCAFUSION_DOCS_KEEP:-0}" != 1 ]; then
    printf '[%(%H:%M:%S)T] docs: removing the last build\n' -1
    rm -rf _build/html _build/doctrees api/generated auto_examples sg_execution_times.rst
fi

export CCAFUSION_DOCS_QUICK="$quick"
# the package from this checkout, installed or not
export PYTHONPATH="$(cd .. && pwd)${PYTHONPATH:+:$PYTHONPATH}"
# one BLAS thread per process: the examples are small and CI's cores are shared
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
export MKL_NUM_THREADS="${MKL_NUM_THREADS:-1}"

start=$(date +%s)
# every line says when it was printed, so a long build shows where it is and for how long
stamp() { while IFS= read -r line || [ -n "$line" ]; do printf '[%(%H:%M:%S)T] %s\n' -1 "$line"; done; }
step() { echo "docs: $*" | stamp; }
mode="full"; [ "$quick" = 1 ] && mode="quick"; [ "$gallery" = 0 ] && mode="text only"
step "building the HTML ($mode): sphinx reads every page, then runs the gallery's examples"
set +e
python -m sphinx -b html -W --keep-going -D plot_gallery="$gallery" . _build/html 2>&1 | stamp
status=${PIPESTATUS[0]}
set -e
if [ "$status" != 0 ]; then
    step "sphinx failed (exit $status)"
    exit "$status"
fi
step "checking that no page loads anything from the network"
python check_offline.py _build/html 2>&1 | stamp
step "built in $(( $(date +%s) - start )) s: $(pwd)/_build/html/index.html"
