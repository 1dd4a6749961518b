#!/usr/bin/env bash
# Peak resident memory per rank of GPT-2 124M full training (`./cortado pretrain --model gpt2-124m`, random init,
# AdamW) under ZeRO: one process of global batch B, one process of B with --checkpoint-activations (ZeRO-3 recomputes
# each block for its backward, so this is the single process with the same activation memory), then 2 ranks of B/2
# each with --zero 0, 1, 2 and 3. Every rank runs under /usr/bin/time -v; prints each run's maximum RSS per rank and
# its ratio to the single process's. Memory does not depend on the machine's load; the times are not reported.
#   bench/compare/zero_rss.sh [batch=4] [seq=256] [steps=3]     (needs Open MPI's mpirun and GNU time)
# Each run includes loading, the final checkpoint (model and AdamW moments, gathered on rank 0) and 1 thread per rank.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
batch=${1:-4}; seq=${2:-256}; steps=${3:-3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
command -v mpirun >/dev/null || { echo "error: mpirun not found (apt-get install openmpi-bin libopenmpi-dev)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "error: needs GNU time at /usr/bin/time" >&2; exit 1; }
(( batch % 2 == 0 )) || { echo "error: batch $batch must be even (2 ranks of batch/2)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/tokens.bin" $(( (steps + 2) * batch * (seq + 1) * 4 + 10000 )) <<'PY'
import random, struct, sys
random.seed(1)
n = int(sys.argv[2])   # uint16 GPT-2 token ids, a nanoGPT .bin
with open(sys.argv[1], "wb") as f: f.write(struct.pack(f"<{n}H", *(random.randrange(50257) for _ in range(n))))
PY
./cortado help >/dev/null 2>&1 || true   # builds the jar once, outside the measured runs
args() { echo pretrain --model gpt2-124m --data "$work/tokens.bin" --steps "$steps" --seq "$seq" --val-every 0 \
    --save-every 0 --threads 1 --batch "$1" --out "$work/$2"; }
rss() { echo $(( $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$1") / 1024 )); }
one() {   # NAME EXTRA...: one process of the whole batch
  local name=$1; shift
  env -u JAVA_OPTS /usr/bin/time -v -o "$work/$name.time" ./cortado $(args "$batch" "$name") "$@" \
      > "$work/$name.log" 2>&1 || { cat "$work/$name.log" >&2; exit 1; }
  echo "$name $(rss "$work/$name.time")"
}
two() {   # NAME EXTRA...: 2 ranks of half the batch, each under its own /usr/bin/time
  local name=$1; shift
  env -u JAVA_OPTS mpirun -np 2 --bind-to none bash -c \
      '/usr/bin/time -v -o "$0.rank$OMPI_COMM_WORLD_RANK.time" ./cortado "$@"' "$work/$name" \
      $(args $(( batch / 2 )) "$name") "$@" > "$work/$name.log" 2>&1 || { cat "$work/$name.log" >&2; exit 1; }
  echo "$name $(rss "$work/$name.rank0.time") $(rss "$work/$name.rank1.time")"
}
{
  one single
  one single-ckpt --checkpoint-activations
  for z in 0 1 2 3; do two "zero$z" --zero "$z"; done
} | tee "$work/rows"
python3 - "$work/rows" "$batch" "$seq" "$steps" <<'PY'
import sys
rows = {l.split()[0]: [int(x) for x in l.split()[1:]] for l in open(sys.argv[1])}
base, ck = rows["single"][0], rows["single-ckpt"][0]
print(f"GPT-2 124M, global batch {sys.argv[2]} x {sys.argv[3]}, {sys.argv[4]} steps, 1 thread per rank; peak RSS MiB")
print(f"  1 process: {base}; with --checkpoint-activations: {ck} ({ck / base:.2f}x)")
for z in range(4):
    r = rows[f"zero{z}"]
    print(f"  2 ranks --zero {z}: rank 0 {r[0]} ({r[0] / base:.2f}x), rank 1 {r[1]} ({r[1] / base:.2f}x)"
          f"; against the checkpointing process {max(r) / ck:.2f}x")
PY
