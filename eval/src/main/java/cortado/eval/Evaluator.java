package cortado.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * lm-eval-harness's evaluation loop for multiple_choice tasks (lm_eval/evaluator.py {@code evaluate}, 0.4.13): per
 * task a few-shot sampler seeded once ({@code fewshot_random_seed}, 1234 by default), the first {@code limit}
 * evaluation documents in order, each one's prompt and one request per choice; every task's requests go to the model
 * in one call (sorted and batched across tasks, as lm-eval does); then acc / acc_norm per document and their means
 * with standard errors.
 */
public final class Evaluator {
    /** One document's outcome. */
    public record DocResult(int docId, String context, List<String> choices, int gold, double[] logLikelihoods,
                            boolean[] greedy, MultipleChoiceScore score) {}

    /**
     * One task's outcome.
     *
     * @param original  evaluation documents in the split; {@code effective} of them were scored (--limit)
     * @param metrics   metric name to its mean and standard error, in the task's metric_list order
     */
    public record TaskResult(Task task, int shots, int original, int effective, Map<String, MeanWithStderr> metrics,
                             List<DocResult> docs) {}

    private final LoglikelihoodScorer scorer;
    private final RequestEncoder encoder;
    private final long fewshotSeed;

    public Evaluator(LoglikelihoodScorer scorer, RequestEncoder encoder, long fewshotSeed) {
        this.scorer = scorer;
        this.encoder = encoder;
        this.fewshotSeed = fewshotSeed;
    }

    /**
     * @param shots the number of few-shot examples, overriding each task's num_fewshot; null: the task's (else 0)
     * @param limit at most this many evaluation documents per task; null: all
     */
    public List<TaskResult> run(List<Task> tasks, Integer shots, Integer limit) {
        return run(tasks, shots, limit, PromptDocument.AS_IS);
    }

    /**
     * The document whose fields fill the prompt's doc_to_text, given the evaluation document (robustness probes
     * perturb its text fields); the choices and the gold answer always come from the evaluation document.
     */
    @FunctionalInterface
    public interface PromptDocument {
        PromptDocument AS_IS = (task, index, doc) -> doc;

        /** @param index the document's index in the task's evaluation split */
        Map<String, Object> of(Task task, int index, Map<String, Object> doc);
    }

    /** As {@link #run(List, Integer, Integer)}, each prompt filled from {@code promptDocument}'s document. */
    public List<TaskResult> run(List<Task> tasks, Integer shots, Integer limit, PromptDocument promptDocument) {
        record Pending(Task task, MultipleChoiceTask prompt, int shots, List<Map<String, Object>> docs, List<String> contexts,
                       int firstRequest) {}
        List<Pending> pending = new ArrayList<>();
        List<EncodedRequest> requests = new ArrayList<>();
        for (Task t : tasks) {
            TaskConfig c = t.config();
            MultipleChoiceTask prompt = c.prompt();
            int k = shots != null ? shots : c.numFewshot() != null ? c.numFewshot() : 0;
            List<Map<String, Object>> all = t.evalDocs();
            List<Map<String, Object>> docs = limit == null ? all : all.subList(0, Math.min(limit, all.size()));
            FewshotSampler<Map<String, Object>> sampler = new FewshotSampler<>(c.sampler(), t.fewshotDocs(), fewshotSeed);
            List<String> contexts = new ArrayList<>();
            int first = requests.size();
            for (int i = 0; i < docs.size(); i++) {
                Map<String, Object> doc = docs.get(i);
                try {
                    List<Map<String, Object>> fewshot = sampler.sample(k, c.excludeEvalDoc() ? doc : null);
                    String ctx = prompt.context(promptDocument.of(t, i, doc), fewshot);
                    contexts.add(ctx);
                    prompt.gold(doc);   // a bad target fails here, before the model runs
                    for (MultipleChoiceTask.Request r : prompt.requests(ctx, doc))
                        requests.add(encoder.encode(r.context(), r.continuation()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(c.source() + ": document " + i + " of split '" + c.evalSplit()
                            + "': " + e.getMessage(), e);
                }
            }
            pending.add(new Pending(t, prompt, k, docs, contexts, first));
        }
        List<Loglikelihood> lls = scorer.loglikelihood(requests);
        List<TaskResult> out = new ArrayList<>();
        for (Pending p : pending) {
            MultipleChoiceTask prompt = p.prompt;
            int at = p.firstRequest;
            List<DocResult> docs = new ArrayList<>();
            for (int i = 0; i < p.docs.size(); i++) {
                Map<String, Object> doc = p.docs.get(i);
                List<String> choices = prompt.choices(doc);
                double[] ll = new double[choices.size()];
                boolean[] greedy = new boolean[choices.size()];
                for (int j = 0; j < ll.length; j++, at++) {
                    ll[j] = lls.get(at).logLikelihood();
                    greedy[j] = lls.get(at).isGreedy();
                }
                int gold = prompt.gold(doc);
                docs.add(new DocResult(i, p.contexts.get(i), choices, gold, ll, greedy, MultipleChoiceScore.of(ll, choices, gold)));
            }
            Map<String, MeanWithStderr> metrics = new LinkedHashMap<>();
            for (String m : p.task.config().metrics()) {
                double[] v = docs.stream().mapToDouble(d -> m.equals("acc") ? d.score().acc() : d.score().accNorm()).toArray();
                metrics.put(m, MeanWithStderr.of(v));
            }
            out.add(new TaskResult(p.task, p.shots, p.task.evalDocs().size(), p.docs.size(), metrics, docs));
        }
        return out;
    }
}
