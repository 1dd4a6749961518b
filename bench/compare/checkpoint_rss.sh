#!/usr/bin/env bash
# Activation checkpointing's memory saving (issue 8 part 6): peak RSS of the GPT-2 124M training step with and without
# --checkpoint-activations, same shape and threads, each in its own JVM under /usr/bin/time -v (warm-up step + one
# timed step). Prints each run's JSON line and maximum RSS, and the ratio (target: at most 0.5 at B=4, T=1024).
#   bench/compare/checkpoint_rss.sh [batch=4] [seq=1024] [threads=2]
# Needs the bench jar (mvn -B -q -pl bench -am package -DskipTests). JVM memory flags: JAVA_OPTS, by default the
# cortado launcher's. At B=4, T=1024 the run without checkpointing takes several minutes on 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
batch=${1:-4}; seq=${2:-1024}; threads=${3:-2}
[ -x /usr/bin/time ] || { echo "error: needs GNU time at /usr/bin/time" >&2; exit 1; }
. bench/compare/find_java.sh
jar=bench/target/benchmarks.jar
[ -f "$jar" ] || { echo "build first: mvn -B -q -pl bench -am package -DskipTests" >&2; exit 1; }
opts=${JAVA_OPTS:--XX:MaxRAMPercentage=75 -XX:+UseSerialGC -XX:MaxNewSize=256m -XX:-UsePerfData}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for ckpt in true false; do
  # shellcheck disable=SC2086
  /usr/bin/time -v -o "$work/$ckpt.time" "$java" --add-modules jdk.incubator.vector $opts -cp "$jar" \
      cortado.bench.TrainStepMain --threads "$threads" --batch "$batch" --seq "$seq" --steps 1 --warmup 1 \
      --checkpoint-activations "$ckpt" 2>/dev/null
  echo "checkpoint-activations=$ckpt max RSS $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/$ckpt.time") KiB"
done
on=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/true.time")
off=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/false.time")
python3 -c "print(f'peak RSS with / without checkpointing at B=$batch T=$seq: {$on / 1024:.0f} / {$off / 1024:.0f} MiB = {$on / $off:.2f}x')"
