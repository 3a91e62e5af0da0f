#!/usr/bin/env bash
# The GPU check in one command, for a machine with an NVIDIA GPU and the package
# installed (pip install -e ".[test]"):
#
#     bash benchmarks/gpu_check.sh [RESULT_FILE]     # default: gpu_check.txt
#
# 1. the distribution, mixed-precision and XLA tests (every model's `mirrored`,
#    `mixed_precision` and `xla` conformance checks, the multi-worker test and
#    the strategy helpers), in one process: tests/conftest.py splits the first
#    GPU into 2 logical GPUs, so the mirrored checks run on 2 GPU replicas;
# 2. benchmarks/precision_xla.py (fp32 vs mixed_float16, XLA off/on, fit vs a
#    hand loop) on the first GPU, with fewer rounds than its defaults.
#
# Each part has its own time limit (270 + 190 s, under 8 minutes in all); every
# line of output goes to RESULT_FILE, which ends with one status line per part
# (124: over its limit).
set -uo pipefail
cd "$(dirname "$0")/.."
result=${1:-gpu_check.txt}
: > "$result"

part() {  # part NAME SECONDS COMMAND...
  local name=$1 limit=$2
  shift 2
  echo "== $name: $*" | tee -a "$result"
  timeout "$limit" "$@" 2>&1 | tee -a "$result"
  local status=${PIPESTATUS[0]}
  statuses+=("$name: exit $status$([ "$status" -eq 124 ] && echo " (over ${limit} s)")")
}

statuses=()
{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
  python -c "import tensorflow as tf, keras; print('tensorflow', tf.__version__, \
'keras', keras.__version__, tf.config.list_physical_devices('GPU'))"
} 2>&1 | tee -a "$result"

part tests 270 python -m pytest -n 0 -p no:cacheprovider -q --durations=10 \
  tests/test_models_*.py tests/test_multiworker.py tests/test_distribute.py \
  -k "mirrored or mixed or xla or two_workers or strategy or distribute"
part benchmark 190 python benchmarks/precision_xla.py --rounds 1 --steps 10 \
  --warmup 2

printf '%s\n' "== summary" "${statuses[@]}" | tee -a "$result"
for s in "${statuses[@]}"; do
  case "$s" in *"exit 0") ;; *) exit 1 ;; esac
done
