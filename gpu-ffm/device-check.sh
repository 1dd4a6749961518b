#!/usr/bin/env bash
# The CUDA backend's device check, in two halves (issue: gpu-ffm).
#   gpu-ffm/device-check.sh build   here, with a JDK 25 and Maven: compiles gpu-ffm and its tests, makes a jlink
#                                   runtime (the modules jdeps names, plus jdk.incubator.vector) and packs it with the
#                                   jars into gpu-ffm/target/device-check/bundle.tar.gz (ignored; carry that folder).
#   gpu-ffm/device-check.sh run     on the GPU machine (CUDA and PyTorch, no JDK, no network): unpacks the bundle,
#                                   points the library search at the Python environment's nvidia wheels, runs
#                                   DeviceCheck (the conformance suite on the CUDA backend, GEMM timings) and
#                                   bench/compare/gemm_vs_torch.py (PyTorch's GEMMs), printing a short table last.
# Results land in $OUT (the device tool's folder) or gpu-ffm/target/device-check/out. One call of a few minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/gpu-ffm/target/device-check"
M2="${M2_REPO:-$HOME/.m2/repository}"

# The test runtime's jars from the local Maven repository, at the versions the build uses (junit-bom 5.11.4).
TEST_JARS=(
  org/junit/jupiter/junit-jupiter-api/5.11.4/junit-jupiter-api-5.11.4.jar
  org/junit/jupiter/junit-jupiter-engine/5.11.4/junit-jupiter-engine-5.11.4.jar
  org/junit/jupiter/junit-jupiter-params/5.11.4/junit-jupiter-params-5.11.4.jar
  org/junit/platform/junit-platform-commons/1.11.4/junit-platform-commons-1.11.4.jar
  org/junit/platform/junit-platform-engine/1.11.4/junit-platform-engine-1.11.4.jar
  org/junit/platform/junit-platform-launcher/1.11.4/junit-platform-launcher-1.11.4.jar
  org/opentest4j/opentest4j/1.3.0/opentest4j-1.3.0.jar
  org/apiguardian/apiguardian-api/1.1.2/apiguardian-api-1.1.2.jar
  org/assertj/assertj-core/3.26.3/assertj-core-3.26.3.jar
  net/bytebuddy/byte-buddy/1.14.18/byte-buddy-1.14.18.jar
)

build() {
  : "${JAVA_HOME:?set JAVA_HOME to a JDK 25}"
  (cd "$ROOT" && mvn -B -q -pl gpu-ffm -am test-compile)
  rm -rf "$DIR/bundle" && mkdir -p "$DIR/bundle/lib"
  local lib="$DIR/bundle/lib"
  "$JAVA_HOME/bin/jar" --create --file "$lib/cortado-tensor.jar" -C "$ROOT/tensor/target/classes" .
  "$JAVA_HOME/bin/jar" --create --file "$lib/cortado-tensor-tests.jar" -C "$ROOT/tensor/target/test-classes" .
  "$JAVA_HOME/bin/jar" --create --file "$lib/cortado-gpu-ffm.jar" -C "$ROOT/gpu-ffm/target/classes" .
  "$JAVA_HOME/bin/jar" --create --file "$lib/cortado-gpu-ffm-tests.jar" -C "$ROOT/gpu-ffm/target/test-classes" .
  for j in "${TEST_JARS[@]}"; do
    [[ -f "$M2/$j" ]] || { echo "error: $M2/$j is missing (run the gpu-ffm tests once with Maven to fetch it)" >&2; exit 1; }
    cp "$M2/$j" "$lib/"
  done
  local mods
  mods="$("$JAVA_HOME/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps \
      --add-modules jdk.incubator.vector --class-path "$lib/*" "$lib"/*.jar 2>/dev/null | tail -n1)"
  echo "device-check: jlink modules $mods,jdk.incubator.vector" >&2
  "$JAVA_HOME/bin/jlink" --add-modules "$mods,jdk.incubator.vector" --strip-debug --no-header-files --no-man-pages \
      --compress=zip-9 --output "$DIR/bundle/jre"
  cp "$ROOT/bench/compare/gemm_vs_torch.py" "$DIR/bundle/"
  tar -czf "$DIR/bundle.tar.gz.tmp" -C "$DIR" bundle && mv -f "$DIR/bundle.tar.gz.tmp" "$DIR/bundle.tar.gz"
  rm -rf "$DIR/bundle"
  echo "device-check: $(du -h "$DIR/bundle.tar.gz" | cut -f1) in $DIR/bundle.tar.gz; on the device: bash gpu-ffm/device-check.sh run (carry gpu-ffm/target/device-check)" >&2
}

# The nvidia wheels' and torch's library folders of a Python, joined with ':'.
python_cuda_libs() {
  "$1" - <<'PY' 2>/dev/null || true
import glob, os, site, sys
dirs = []
roots = list(site.getsitepackages()) + [site.getusersitepackages()] + sys.path
for r in roots:
    dirs += sorted(glob.glob(os.path.join(r, "nvidia", "*", "lib")))
    dirs += glob.glob(os.path.join(r, "torch", "lib"))
seen = []
for d in dirs:
    if os.path.isdir(d) and d not in seen:
        seen.append(d)
print(":".join(seen))
PY
}

run() {
  [[ -f "$DIR/bundle.tar.gz" ]] || { echo "error: $DIR/bundle.tar.gz is missing; run 'gpu-ffm/device-check.sh build' first and carry gpu-ffm/target/device-check" >&2; exit 1; }
  local work="${TMPDIR:-/tmp}/cortado-device-check" out="${OUT:-$DIR/out}" python="${PYTHON:-python3}"
  rm -rf "$work" && mkdir -p "$work" "$out"
  tar -xzf "$DIR/bundle.tar.gz" -C "$work"
  local libs
  libs="$(python_cuda_libs "$python")"
  echo "device-check: CUDA libraries from $python: ${libs:-none found, using the standard places}" >&2
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  local status=0
  "$work/bundle/jre/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m \
      -Dcortado.cuda.libs="$libs" -Dcortado.cuda.python="$(command -v "$python")" -Dcortado.cuda.cache="$work/kernel-cache" \
      -cp "$work/bundle/lib/*" cortado.gpu.DeviceCheck "$out" 2>&1 | grep -v '^WARNING: Using incubator modules' \
      | tee "$out/device_check.log" || status=$?
  "$python" "$work/bundle/gemm_vs_torch.py" "$out/cortado_gemm.txt" | tee "$out/gemm_table.txt" || status=$?
  return "$status"
}

case "${1:-}" in
  build) build ;;
  run) run ;;
  *) echo "usage: gpu-ffm/device-check.sh build|run" >&2; exit 2 ;;
esac
