#!/usr/bin/env bash
# Issue 15, must-show 4: throughput of the Spark job on embedded local[2] against `cortado prepare` in one process, on
# a generated mixed corpus (CorpusGenerator: JSONL, Reddit, gzipped WARC, MediaWiki XML and plain text, PARTS files
# of each with DOCS documents), with the same options (Gopher quality filter, exact dedup, near dedup at 0.8,
# paragraphs as text documents, the shuffle). Prints each run's wall time and input MB/s (whole process, JVM and Spark
# start included) and the pipelines' own times (prepare's report.json seconds; the job without the Spark session's
# start), the ratios against the 1.7x target, and checks that both wrote the same shards, report.json
# (but its time) and coverage.json. First the load and the FMA probe: whether the second vCPU is a core of its own.
# Do not run it on a loaded machine.
#   bench/compare/spark_vs_prepare.sh [DOCS=4000] [PARTS=4] [TOKENIZER=bytes]   (OUT=/tmp/spark-bench)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
docs=${1:-4000}; parts=${2:-4}; tok=${3:-bytes}
OUT="${OUT:-/tmp/spark-bench}"
. bench/compare/find_java.sh
export JAVA_HOME="$(dirname "$(dirname "$java")")"

# The Spark job's jar and its classpath (Spark is 'provided': a cluster brings it, here Maven's copy does).
mvn -B -q -pl data-spark -am package -DskipTests >&2
mvn -B -q -pl data-spark dependency:build-classpath -Dmdep.includeScope=compile \
    -Dmdep.outputFile=target/spark.classpath >&2
cp="data-spark/target/cortado-data-spark.jar:$(cat data-spark/target/spark.classpath)"
flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+IgnoreUnrecognizedVMOptions
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  -Dio.netty.tryReflectionSetAccessible=true -Xmx4g)

echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) vCPUs"
if [ -d bench/target/classes/cortado/bench ] && [ -d tensor/target/classes ]; then
  echo "# FMA probe, 1 thread vs 2 at once (gflops_per_thread_cpu halving means the 2 vCPUs share one core):"
  "$java" --add-modules jdk.incubator.vector -cp tensor/target/classes:bench/target/classes \
      cortado.bench.FmaProbe 2 2>/dev/null | sed 's/^/# fma /' || true
fi

rm -rf "$OUT"
mkdir -p "$OUT"
"$java" -cp "$cp" cortado.data.spark.CorpusGenerator "$OUT/corpus" "$docs" "$parts"
mb=$(du -sm "$OUT/corpus" | cut -f1)
echo "# corpus: $(ls "$OUT/corpus" | wc -l) files, ${mb} MB on disk"
opts=(--input "$OUT/corpus" --tokenizer "$tok" --filters gopher-quality --dedup --near-dup-threshold 0.8
  --text-split paragraph --seq 1024 --val-fraction 0.01 --seed 1337)

./cortado --help >/dev/null 2>&1 # builds cortado.jar now if it is stale, not inside the timing
now() { date +%s.%N; }
t0=$(now)
JAVA_OPTS="-Xmx4g" ./cortado prepare "${opts[@]}" --out "$OUT/prepare" >"$OUT/prepare.log" 2>&1 \
  || { cat "$OUT/prepare.log" >&2; exit 1; }
t1=$(now)
"$java" "${flags[@]}" -cp "$cp" cortado.data.spark.PrepareJob --master 'local[2]' "${opts[@]}" --out "$OUT/spark" \
  >"$OUT/spark.log" 2>&1 || { tail -n 30 "$OUT/spark.log" >&2; exit 1; }
t2=$(now)

python3 - "$OUT" "$t0" "$t1" "$t2" <<'PY'
import json, os, sys, filecmp
out, t0, t1, t2 = sys.argv[1], *map(float, sys.argv[2:])
a, b = os.path.join(out, "prepare"), os.path.join(out, "spark")
ra, rb = (json.load(open(os.path.join(d, "report.json"))) for d in (a, b))
mb = ra["input"]["bytes"] / 2**20
one, two = t1 - t0, t2 - t1
print(f"prepare (1 process): {one:7.2f} s  {mb / one:7.2f} MB/s   (its own timer: {ra['seconds']:.2f} s)")
job = float(next(l for l in open(os.path.join(out, "spark.log")) if l.startswith("job seconds:")).split()[2])
print(f"spark local[2]:      {two:7.2f} s  {mb / two:7.2f} MB/s   (the job without the session's start: {job:.2f} s)")
print(f"ratio spark/prepare: {one / two:.2f}x whole processes, {ra['seconds'] / job:.2f}x pipelines (target 1.7x)")
print(f"documents: {ra['documents_in']} in, {ra['documents_out']} out; removed {ra['removed']}")
shards = sorted(f for f in os.listdir(a) if f.endswith(".bin"))
same = shards == sorted(f for f in os.listdir(b) if f.endswith(".bin")) and all(
    filecmp.cmp(os.path.join(a, f), os.path.join(b, f), shallow=False) for f in shards)
for r in (ra, rb): r.pop("seconds")
cov = all(not os.path.exists(os.path.join(a, f)) or filecmp.cmp(os.path.join(a, f), os.path.join(b, f), shallow=False)
          for f in ("coverage.json", "coverage.md"))
print(f"same shards ({len(shards)}): {same}; same report.json: {ra == rb}; same coverage: {cov}")
sys.exit(0 if same and ra == rb and cov else 1)
PY
