package cortado.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * lm-eval-harness's few-shot example samplers (lm_eval/api/samplers.py): {@code default} draws
 * {@code random.Random(seed).sample(pool, n)} (n + 1 and drops the evaluation document when the few-shot split is
 * the test split, resampling without it when duplicates leave fewer than n); {@code first_n} takes the pool's first
 * n. One sampler is seeded once per task and then drawn for each evaluation document in order, as lm-eval's
 * evaluator does, so the contexts match its prompts exactly.
 *
 * @param <D> a document; equality is what lm-eval's {@code x != doc} on dicts compares (use maps or records)
 */
public final class FewshotSampler<D> {
    /** lm-eval's {@code DEFAULT_OTHER_SEED}: the few-shot seed unless a task or the command line sets one. */
    public static final long DEFAULT_SEED = 1234;

    /** The sampler a task's {@code fewshot_config.sampler} names. */
    public enum Kind {
        DEFAULT, FIRST_N;

        public static Kind parse(String name) {
            return switch (name) {
                case "default" -> DEFAULT;
                case "first_n" -> FIRST_N;
                default -> throw new IllegalArgumentException("unknown few-shot sampler '" + name + "' (default, first_n)");
            };
        }
    }

    private final Kind kind;
    private final List<D> pool;
    private final PythonRandom rnd;

    public FewshotSampler(Kind kind, List<D> pool, long seed) {
        this.kind = kind;
        this.pool = List.copyOf(pool);
        this.rnd = new PythonRandom(seed);
    }

    /** n examples for one evaluation document; {@code exclude} (may be null) is left out of them. */
    public List<D> sample(int n, D exclude) {
        if (n < 0) throw new IllegalArgumentException("number of few-shot samples must be >= 0, got " + n);
        if (n == 0) return List.of();
        if (pool.isEmpty()) throw new IllegalArgumentException("no documents available for few-shot sampling");
        return switch (kind) {
            case FIRST_N -> {
                List<D> p = exclude == null ? pool : without(pool, exclude);
                if (n > p.size()) {
                    throw new IllegalArgumentException("few-shot samples requested (" + n + ") exceed the " + p.size() + " available");
                }
                yield List.copyOf(p.subList(0, n));
            }
            case DEFAULT -> {
                List<D> res = exclude == null ? rnd.sample(pool, n) : head(without(rnd.sample(pool, n + 1), exclude), n);
                // Duplicate rows equal to the evaluation document can all be drawn and removed: draw again without them.
                if (res.size() < n) res = rnd.sample(without(pool, exclude), n);
                yield res;
            }
        };
    }

    private static <D> List<D> without(List<D> docs, D doc) {
        List<D> out = new ArrayList<>(docs.size());
        for (D d : docs) if (!Objects.equals(d, doc)) out.add(d);
        return out;
    }

    private static <D> List<D> head(List<D> docs, int n) {
        return docs.size() <= n ? docs : List.copyOf(docs.subList(0, n));
    }
}
