package cortado.peft.multitaskprompttuning;

import cortado.autograd.F;
import cortado.nn.Init;
import cortado.nn.Parameter;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.peft.PeftException;
import cortado.peft.prompt.BasePromptEncoder;
import cortado.peft.prompttuning.PromptEmbedding;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * peft's {@code MultitaskPromptEmbedding}: the shared table {@code embedding [P, C]} (prompt tuning's, initialized
 * N(0, 1) or from the init text), {@code prefix_task_cols [tasks, P, r]} and {@code prefix_task_rows [tasks, r, C]},
 * both N(0, 0.02) (Cortado's seed, not torch's generator). Row b's prompt is
 * {@code embedding * (cols[task_b] @ rows[task_b])}. The source inits read a peft MPT adapter's safetensors
 * ({@code prompt_embeddings}, {@code prefix_task_cols}, {@code prefix_task_rows}) as peft's constructor does:
 * the table from it, and the task factors averaged over the source's tasks or taken from one of them (then
 * {@code num_tasks} must be 1, peft's strict load) or, for ONLY_SOURCE_SHARED, left random.
 */
public final class MultitaskPromptEmbedding extends BasePromptEncoder {
    private final Parameter cols, rows;
    private final int numTasks, ranks;

    public MultitaskPromptEmbedding(MultitaskPromptTuningConfig c, CausalLm base, long seed) {
        super(c.fields().totalVirtualTokens(), c.fields().tokenDim());
        int p = tokens(), width = c.fields().tokenDim();
        numTasks = c.numTasks();
        ranks = c.numRanks();
        cols = param("prefix_task_cols", Backends.cpu().zeros(numTasks, p, ranks));
        rows = param("prefix_task_rows", Backends.cpu().zeros(numTasks, ranks, width));
        Tensor table = embedding.weight().value();
        boolean training = !c.fields().inferenceMode();
        if (training && c.init().equals("TEXT"))
            PromptEmbedding.copyRows(table, base, PromptEmbedding.textIds(c.initText(), c.tokenizerNameOrPath(), p));
        else Init.normal(table, 1f, seed, 0);
        Init.normal(cols.value(), 0.02f, seed, 1);
        Init.normal(rows.value(), 0.02f, seed, 2);
        // An adapter read from a file gets its tensors from the file, so its source is not read.
        if (training && MultitaskPromptTuningConfig.SOURCE_INITS.contains(c.init())) fromSource(c);
    }

    private void fromSource(MultitaskPromptTuningConfig c) {
        String path = c.initStateDictPath();
        if (path == null)
            throw new PeftException("prompt_tuning_init_state_dict_path needs to be specified with " + c.init()
                    + " init method");
        if (!path.endsWith(".safetensors"))
            throw new PeftException("prompt_tuning_init " + c.init() + ": prompt_tuning_init_state_dict_path " + path
                    + " is not a .safetensors file (torch pickles are not read)");
        if (!Files.isRegularFile(Path.of(path)))
            throw new PeftException("prompt_tuning_init_state_dict_path " + path + ": no such file");
        Map<String, Tensor> sd = Safetensors.load(Path.of(path));
        set(embedding.weight(), need(sd, "prompt_embeddings", path), "embedding.weight", path);
        if (c.init().equals("ONLY_SOURCE_SHARED")) return;
        Tensor srcCols = need(sd, "prefix_task_cols", path), srcRows = need(sd, "prefix_task_rows", path);
        if (c.init().equals("AVERAGE_SOURCE_TASKS")) {
            srcCols = meanOverTasks(srcCols);
            srcRows = meanOverTasks(srcRows);
        } else {
            int t = c.initTask(), n = srcCols.size(0);
            if (t < 0 || t >= n)
                throw new PeftException("prompt_tuning_init_task " + t + " is out of range: " + path + " has " + n
                        + " tasks");
            srcCols = taskOf(srcCols, t);
            srcRows = taskOf(srcRows, t);
        }
        set(cols, srcCols, "prefix_task_cols", path);
        set(rows, srcRows, "prefix_task_rows", path);
    }

    private static Tensor need(Map<String, Tensor> sd, String key, String path) {
        Tensor t = sd.get(key);
        if (t == null) throw new PeftException(path + ": no tensor " + key + " (not a multitask prompt tuning adapter?)");
        return t;
    }

    /** torch's strict load_state_dict: the shapes must agree. */
    private static void set(Parameter p, Tensor t, String name, String path) {
        if (!Arrays.equals(p.shape(), t.shape()))
            throw new PeftException(path + ": size mismatch for " + name + ": copying a param with shape "
                    + Arrays.toString(t.shape()) + ", the shape in the current model is " + Arrays.toString(p.shape()));
        p.set(Backends.cpu().fromArray(t.contiguous().toArray(), t.shape()));
    }

    /** {@code x.mean(0, keepdim=True)}, summed in double. */
    private static Tensor meanOverTasks(Tensor x) {
        float[] v = x.contiguous().toArray();
        int n = x.size(0), each = v.length / n;
        float[] out = new float[each];
        for (int i = 0; i < each; i++) {
            double s = 0;
            for (int t = 0; t < n; t++) s += v[t * each + i];
            out[i] = (float) (s / n);
        }
        int[] shape = x.shape().clone();
        shape[0] = 1;
        return Backends.cpu().fromArray(out, shape);
    }

    private static Tensor taskOf(Tensor x, int t) {
        float[] v = x.contiguous().toArray();
        int each = v.length / x.size(0);
        int[] shape = x.shape().clone();
        shape[0] = 1;
        return Backends.cpu().fromArray(Arrays.copyOfRange(v, t * each, (t + 1) * each), shape);
    }

    /** The tasks this prompt has (task ids 0..numTasks-1). */
    public int numTasks() { return numTasks; }

    /** The shared table, what peft saves as {@code prompt_embeddings}. */
    @Override public Tensor output() { return embedding.weight().value(); }

    /** Task {@code t}'s prompt: {@code embedding * (cols[t] @ rows[t])}. */
    public Tensor prompt(int t) {
        int p = tokens(), width = embedding.weight().shape()[1];
        Tensor c = F.reshape(F.slice(cols.value(), 0, t, t + 1), p, ranks);
        Tensor r = F.reshape(F.slice(rows.value(), 0, t, t + 1), ranks, width);
        return F.mul(output(), F.matmul(c, r));
    }

    /** peft's {@code forward(indices, task_ids)}: each row's task's prompt; every row must name a task. */
    @Override
    public List<Tensor> rowOutputs(int[] taskIds, int batch) {
        if (taskIds == null)
            throw new PeftException("task_ids cannot be None: multitask prompt tuning needs a task id for every row");
        if (taskIds.length != batch)
            throw new PeftException(taskIds.length + " task ids for a batch of " + batch + " rows (one per row)");
        Map<Integer, Tensor> byTask = new HashMap<>();
        List<Tensor> out = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            int t = taskIds[b];
            if (t < 0 || t >= numTasks)
                throw new PeftException("task id " + t + " (row " + b + ") is out of range: the adapter has "
                        + numTasks + " task(s), ids 0.." + (numTasks - 1));
            out.add(byTask.computeIfAbsent(t, this::prompt));
        }
        return out;
    }
}
