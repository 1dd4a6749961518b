#!/usr/bin/env bash
# Side-by-side sgemm throughput: Cortado (Vector API) vs numpy/OpenBLAS, same sizes, same thread counts, timed call by
# call in alternation inside one run (the machine is shared and noisy; only same-run ratios mean anything).
#
#   bench/compare/sgemm_vs_numpy.sh [--sizes 256,512,1024,2048] [--threads 1,2] [--repeats R] [--peak-per-core G]
#   bench/compare/sgemm_vs_numpy.sh --gpt2      # the matmul shapes of a GPT-2 124M training step (B*T=256)
#
# numpy side: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed (this machine sets them to Haswell values, which
# would pin OpenBLAS to its AVX2 kernels); OPENBLAS_NUM_THREADS/OMP_NUM_THREADS = thread count. The script prints the
# OpenBLAS kernel actually selected ("corename"), expect SkylakeX on an AVX-512 CPU.
# Cortado side: cortado.jar if up to date, else tensor/target/classes (compiled with Maven).
# Also prints the CPU model, whether it has avx512f, and a 1- vs N-thread FMA probe: if N threads do not reach about
# N x the 1-thread FMA rate, the vCPUs share a core and N-thread figures are not comparable between runs.
set -euo pipefail
cd "$(dirname "$0")/../.."

SIZES=256,512,1024,2048
THREADS="1,$(nproc)"
REPEATS=0
PEAK=218   # GFLOP/s per core quoted by issue 2 (two 512-bit FMA pipes at ~3.4 GHz); the probe below measures it
           # (a Zen 4 core splits each 512-bit FMA into two 256-bit halves: ~117 GFLOP/s measured here)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sizes) SIZES="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --repeats) REPEATS="$2"; shift 2 ;;
    --peak-per-core) PEAK="$2"; shift 2 ;;
    --gpt2) # m:n:k:transA:transB -- forward c_attn, attn c_proj, mlp c_fc, mlp c_proj, lm_head; backward dX and dW
      SIZES=256:2304:768:0:0,256:768:768:0:0,256:3072:768:0:0,256:768:3072:0:0,256:50257:768:0:1
      SIZES+=,256:768:2304:0:1,768:2304:256:1:0,256:768:50257:0:0,50257:768:256:1:0
      shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "error: unknown argument $1" >&2; exit 2 ;;
  esac
done

JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAVA="$JAVA_HOME/bin/java"
"$JAVA" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])' || { echo "error: need JDK >= 25 at JAVA_HOME=$JAVA_HOME" >&2; exit 1; }
PY="${PYTHON:-python3}"
"$PY" -c 'import numpy' 2>/dev/null || { echo "error: $PY has no numpy" >&2; exit 1; }

# The module classes: tensor (kernels), cli (SgemmTimer), bench (FmaProbe); compiled when stale (Maven skips
# up-to-date sources, so this is quick).
JAVA_HOME="$JAVA_HOME" mvn -B -q -pl cli,bench -am compile >&2
CP=tensor/target/classes:cli/target/classes:bench/target/classes
JCMD="$JAVA --add-modules jdk.incubator.vector -XX:+UseParallelGC -Xmx2g -cp $CP"

echo "# cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) vCPUs, avx512f: $(grep -qw avx512f /proc/cpuinfo && echo yes || echo no)"
echo "# cortado classes: $CP; java: $("$JAVA" -version 2>&1 | head -1)"
echo "# FMA probe (registers only, no memory): 1 thread vs $(nproc) threads. gflops_per_thread_cpu is per second of"
echo "# CPU time: it stays at the 1-thread value when the vCPUs are separate cores, and halves when they share one."
PROBE=$($JCMD cortado.bench.FmaProbe "$(nproc)" 2>/dev/null)
echo "$PROBE" | sed 's/^/# fma /'
MEASURED=$(echo "$PROBE" | head -1 | sed -n 's/.*"gflops_per_thread_cpu": \([0-9.]*\).*/\1/p')

IFS=, read -ra TLIST <<< "$THREADS"
for t in "${TLIST[@]}"; do
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$t" OMP_NUM_THREADS="$t" \
    "$PY" bench/compare/sgemm_numpy.py --sizes "$SIZES" --repeats "$REPEATS" --peak-per-core "$PEAK" \
    --measured-peak-per-core "${MEASURED:-0}" \
    --java "$JCMD cortado.cli.SgemmTimer --serve --threads $t"
done
