#!/usr/bin/env bash
# Peak resident memory per rank of GPT-2 124M full training (`./cortado pretrain --model gpt2-124m`, random init,
# AdamW) under ZeRO: one process of global batch B, one process of B with --checkpoint-activations (ZeRO-3 recomputes
# each block for its backward, so this is the single process with the same activation memory), then 2 ranks of B/2
# each with --zero 0, 1, 2 and 3. Every rank runs under /usr/bin/time -v; prints each run's maximum RSS per rank and
# its ratio to the single process's; also each rank's own VmHWM after the last step, before the final checkpoint
# (which rank 0 writes in the single-process format). Memory does not depend on the machine's load; times are not
# reported.
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
steps_peak() {   # LOG PREFIX: the run's own VmHWM line after its last step, before the final checkpoint (MiB)
  sed -n "s/^$2peak RSS (VmHWM): \([0-9,]*\) MiB after the last step.*/\1/p" "$1" | tr -d , | head -n1
}
rss() { echo $(( $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$1") / 1024 )); }
one() {   # NAME EXTRA...: one process of the whole batch
  local name=$1; shift
  env -u JAVA_OPTS /usr/bin/time -v -o "$work/$name.time" ./cortado $(args "$batch" "$name") "$@" \
      > "$work/$name.log" 2>&1 || { cat "$work/$name.log" >&2; exit 1; }
  echo "$name $(rss "$work/$name.time") $(steps_peak "$work/$name.log" '')"
}
two() {   # NAME EXTRA...: 2 ranks of half the batch, each under its own /usr/bin/time
  local name=$1; shift
  env -u JAVA_OPTS mpirun -np 2 --bind-to none bash -c \
      '/usr/bin/time -v -o "$0.rank$OMPI_COMM_WORLD_RANK.time" ./cortado "$@"' "$work/$name" \
      $(args $(( batch / 2 )) "$name") "$@" > "$work/$name.log" 2>&1 || { cat "$work/$name.log" >&2; exit 1; }
  echo "$name $(rss "$work/$name.rank0.time") $(rss "$work/$name.rank1.time") $(steps_peak "$work/$name.log" 'rank 0 of 2: ')" \
      "$(steps_peak "$work/$name.log" 'rank 1 of 2: ')"
}
{
  one single
  one single-ckpt --checkpoint-activations
  for z in 0 1 2 3; do two "zero$z" --zero "$z"; done
} | tee "$work/rows"
python3 - "$work/rows" "$batch" "$seq" "$steps" <<'PY'
import sys
rows = {l.split()[0]: [int(x) for x in l.split()[1:]] for l in open(sys.argv[1])}
(base, base_s), (ck, ck_s) = rows["single"], rows["single-ckpt"]
print(f"GPT-2 124M, global batch {sys.argv[2]} x {sys.argv[3]}, {sys.argv[4]} steps, 1 thread per rank; peak RSS MiB"
      " whole run (/usr/bin/time) [after the last step, before the final checkpoint (VmHWM)]")
print(f"  1 process: {base} [{base_s}]; with --checkpoint-activations: {ck} ({ck / base:.2f}x) [{ck_s} ({ck_s / base_s:.2f}x)]")
for z in range(4):
    r0, r1, s0, s1 = rows[f"zero{z}"]
    print(f"  2 ranks --zero {z}: rank 0 {r0} ({r0 / base:.2f}x) [{s0} ({s0 / base_s:.2f}x)],"
          f" rank 1 {r1} ({r1 / base:.2f}x) [{s1} ({s1 / base_s:.2f}x)]")
PY
