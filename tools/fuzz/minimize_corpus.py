"""Picks the few fuzzer-generated inputs worth committing: a greedy edge cover over a libFuzzer merge control file.

libFuzzer's own -merge=1 keeps every input that adds a *feature* (edge hit-count buckets too), hundreds of files;
this keeps only inputs that add an *edge* not already covered by the committed seeds, preferring small ones, and
copies them into the fuzz test's Inputs directory (replayed by every mvn test). Usage:
    java ... com.code_intelligence.jazzer.Jazzer --target_class=C --target_method=M -merge=1 \\
        -merge_control_file=CTL /tmp/empty .cifuzz-corpus/C/M INPUTS_DIR
    python3 tools/fuzz/minimize_corpus.py CTL INPUTS_DIR [BYTE_BUDGET]
The budget (default 48 KB) keeps the committed corpus small: the inputs with the most new edges per byte go first.
"""
import pathlib
import shutil
import sys


def read_control(path):
    lines = pathlib.Path(path).read_text().splitlines()
    n = int(lines[0])
    files = lines[2:2 + n]
    cov = {i: set() for i in range(n)}
    for line in lines[2 + n:]:
        if line.startswith("COV "):
            parts = line.split()
            cov[int(parts[1])] = set(map(int, parts[2:]))
    return files, cov


def main(control, inputs_dir, budget=48_000):
    budget = int(budget)
    inputs = pathlib.Path(inputs_dir).resolve()
    files, cov = read_control(control)
    seeds = [i for i, f in enumerate(files) if pathlib.Path(f).resolve().parent == inputs]
    covered = set().union(*(cov[i] for i in seeds)) if seeds else set()
    candidates = {i for i in range(len(files)) if i not in seeds}
    size = {i: pathlib.Path(files[i]).stat().st_size for i in candidates}
    picked = []
    while True:
        best = max(candidates, key=lambda i: (len(cov[i] - covered) / (size[i] + 64), -size[i]), default=None)
        if best is None or not cov[best] - covered or sum(size[i] for i in picked) + size[best] > budget:
            break
        covered |= cov[best]
        candidates.discard(best)
        picked.append(best)
    for i in picked:
        shutil.copy(files[i], inputs / pathlib.Path(files[i]).name)
    print(f"{len(picked)} inputs, {sum(size[i] for i in picked)} bytes added; {len(covered)} edges covered")


if __name__ == "__main__":
    main(*sys.argv[1:])
