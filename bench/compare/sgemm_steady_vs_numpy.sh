#!/usr/bin/env bash
# Steady-state sgemm throughput, Cortado vs numpy/OpenBLAS: each side times back-to-back calls in its own process (as
# a training loop calls it), and the processes alternate for R rounds in one run; prints the median over rounds and
# the ratio. sgemm_vs_numpy.sh instead times single calls after a pause (cold thread pools): both views are useful.
#   bench/compare/sgemm_steady_vs_numpy.sh [sizes=1024,2048] [threads=2] [rounds=3] [repeats=31]
# numpy side: OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset (SkylakeX kernels), OPENBLAS_NUM_THREADS=threads.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
sizes=${1:-1024,2048}; threads=${2:-2}; rounds=${3:-3}; repeats=${4:-31}
. bench/compare/find_java.sh
[ -d cli/target/classes ] || { echo "build first: mvn -B -q -pl cli -am compile" >&2; exit 1; }
out=$(mktemp)
for r in $(seq "$rounds"); do
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" \
      python3 bench/compare/sgemm_numpy.py --sizes "$sizes" --repeats "$repeats" | grep '"gflops"' \
      | sed 's/^{/{"engine": "numpy", /' | tee -a "$out"
  "$java" --add-modules jdk.incubator.vector -cp tensor/target/classes:cli/target/classes cortado.cli.SgemmTimer \
      --sizes "$sizes" --threads "$threads" --repeats "$repeats" 2>/dev/null \
      | sed 's/^{/{"engine": "cortado", /' | tee -a "$out"
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for size in sorted({r["size"] for r in rows}):
    med = {e: statistics.median(r["gflops"] for r in rows if r["size"] == size and r["engine"] == e)
           for e in ("numpy", "cortado")}
    print(f"# size {size}: numpy {med['numpy']:.1f} GFLOP/s, cortado {med['cortado']:.1f} GFLOP/s, "
          f"ratio {med['cortado'] / med['numpy']:.2f}")
PY
