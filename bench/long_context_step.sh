#!/usr/bin/env bash
# Must-show of the chunked loss: a training step of a Llama (hidden 512, 4 layers, 128,256-token vocabulary) at B=1,
# T=32,768, whose full logits (4.2e9 floats) could not exist; prints the step's JSON lines and /usr/bin/time's peak RSS.
#   bench/long_context_step.sh [seq=32768] [steps=1] [threads=all]     (heap: JAVA_OPTS, default -Xmx16g)
# Needs the bench jar: mvn -B -q -pl bench -am package -DskipTests. One step takes minutes on 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seq=${1:-32768}; steps=${2:-1}; threads=${3:-$(nproc)}
. bench/compare/find_java.sh
jar=bench/target/benchmarks.jar
[ -f "$jar" ] || { echo "build first: mvn -B -q -pl bench -am package -DskipTests" >&2; exit 1; }
opts=${JAVA_OPTS:--Xmx16g -XX:+UseParallelGC}
# shellcheck disable=SC2086
/usr/bin/time -v "$java" --add-modules jdk.incubator.vector $opts -cp "$jar" cortado.bench.LongContextTrainStepMain \
    --seq "$seq" --steps "$steps" --threads "$threads" 2> >(grep -v '^WARNING: Using incubator' | \
    grep -E 'Maximum resident set size|Elapsed \(wall|Exit status|rror|Exception|at ' >&2)
