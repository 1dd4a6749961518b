package cortado.train;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.tensor.StepArena;
import cortado.tensor.Tensor;
import cortado.train.dist.Collective;
import cortado.train.dist.Collectives;
import cortado.train.dist.DataParallel;
import cortado.train.dist.ZeroOptimizer;
import cortado.train.dist.ZeroStage3;
import java.util.Map;
import java.util.function.Function;

/**
 * The training loop for a causal language model: next-token cross-entropy (or another {@link TrainingObjective})
 * on batches from {@link Batches}, K
 * micro-batches of gradient accumulation per update, global-norm clipping, a learning-rate schedule and AdamW.
 *
 * <pre>
 * for each step:
 *     for k in 1..K:  loss_k = CE(model(x_k), y_k);  backward(loss_k / K)     // grads add up to the mean
 *     norm = clip(grads);  lr = schedule(step);  adamw.step(lr);  zero grads
 * </pre>
 *
 * Dividing each micro-batch loss by K makes the accumulated gradient that of the mean loss over K·B·T tokens, i.e.
 * the same update as one batch K times larger.
 *
 * <p>Data parallelism: in a job of N ranks ({@link Collectives#world}, e.g. under {@code mpirun}) each rank takes its
 * B rows of every global batch of N x B ({@link Batches#shard}), scales its loss by 1/(K N), and after the last
 * micro-batch the gradients are summed over the ranks ({@link DataParallel}; only the optimizer's, i.e. trainable,
 * parameters), so every rank takes the update of one process with batch N x B and the parameters stay identical.
 * Only rank 0 writes metrics and checkpoints. With {@link TrainConfig#zero} 1 or 2 the optimizer is a
 * {@link ZeroOptimizer}: the gradients are reduce-scattered instead, each rank updates its shard and the parameters
 * are all-gathered; the state is gathered on rank 0 for a checkpoint. With {@code zero} 3 it is a {@link ZeroStage3}:
 * the parameters themselves are sharded, each block gathered around its forward and again for its backward; the root
 * unit (embeddings, final norm, head) is gathered before the first micro-batch and freed when the gradients are
 * reduced, and every parameter is gathered for a checkpoint and, for good, when the run ends.
 */
public final class Trainer {
    /** Told about every completed step (progress display). */
    @FunctionalInterface
    public interface Listener {
        void onStep(StepMetrics m, int totalSteps);
    }

    private final CausalLm model;        // null when training a module that is not a causal LM (an encoder's head)
    private final cortado.nn.Module module;
    private final TrainConfig config;
    private final Batches train;
    private final TokenData val;
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private final TrainingObjective objective;
    private Map<String, Object> lastObjectiveMetrics = Map.of();
    private int step; // completed updates
    private DataMix mix;                 // several sources (Batches.mixed), else null
    private long[] lastStepRows;         // mixed: rows each source gave the last step
    private float[] lastValBySource;     // mixed, validated per source: the last losses, else null
    private final Collective world;      // the job's ranks (a single process: local)
    private final DataParallel parallel; // N > 1 ranks: the gradient all-reduce, else null
    private final ZeroOptimizer zero;    // --zero 1|2: the sharded optimizer (also this.optimizer), else null
    private final ZeroStage3 zero3;      // --zero 3: the sharded parameters (also this.optimizer), else null
    private java.util.function.UnaryOperator<Tensor> lossTerm;   // a method's term on each micro-batch loss, or null
    private java.util.function.IntConsumer afterUpdate;           // told each update's 0-based index, or null

    /** AdamW with the config's weight decay. @param val validation tokens, or null for none */
    public Trainer(CausalLm model, TrainConfig config, TokenData train, TokenData val) {
        this(model, config, windows(config, train), val, adamW(config));
    }

    /**
     * @param val validation tokens, or null for none
     * @param optimizer builds the optimizer over the model's named parameters (it keeps the trainable ones), e.g.
     *     {@code p -> OptimizerKind.parse(name).create(p, config.weightDecay(), capBytes, null)}
     */
    public Trainer(CausalLm model, TrainConfig config, TokenData train, TokenData val,
                   Function<Map<String, Parameter>, Optimizer> optimizer) {
        this(model, config, windows(config, train), val, optimizer);
    }

    /** As {@link #Trainer(CausalLm, TrainConfig, Batches, TokenData, Function)} with AdamW. */
    public Trainer(CausalLm model, TrainConfig config, Batches train, TokenData val) {
        this(model, config, train, val, adamW(config));
    }

    /**
     * Trains on batches of any kind, e.g. {@link Batches#examples} for a completion-only fine-tuning; they must
     * have the config's batch and seq.
     *
     * @param val validation tokens, or null for none
     * @param optimizer builds the optimizer over the model's named parameters (it keeps the trainable ones)
     */
    public Trainer(CausalLm model, TrainConfig config, Batches train, TokenData val,
                   Function<Map<String, Parameter>, Optimizer> optimizer) {
        this(model, config, train, val, optimizer, TrainingObjective.CROSS_ENTROPY);
    }

    /**
     * As above, minimizing {@code objective} on each micro-batch (validation on {@code val}, when given, stays
     * cross-entropy).
     */
    public Trainer(CausalLm model, TrainConfig config, Batches train, TokenData val,
                   Function<Map<String, Parameter>, Optimizer> optimizer, TrainingObjective objective) {
        this(model, model.module(), config, train, val, optimizer, objective);
    }

    /**
     * Trains a module that is not a causal LM (an encoder with a task head, a masked LM): {@code objective} computes
     * each micro-batch's loss from the batch alone (its {@code model} argument is null), and validation is the
     * caller's ({@link #completedSteps()} tells when an epoch ends). Checkpoints write the model part through a
     * {@link Checkpoint.ModelFiles} that ignores its (null) argument.
     */
    public Trainer(cortado.nn.Module module, TrainConfig config, Batches train,
                   Function<Map<String, Parameter>, Optimizer> optimizer, TrainingObjective objective) {
        this(null, module, config, train, null, optimizer, objective);
    }

    private Trainer(CausalLm model, cortado.nn.Module module, TrainConfig config, Batches train, TokenData val,
                    Function<Map<String, Parameter>, Optimizer> optimizer, TrainingObjective objective) {
        if (train.batch() != config.batch() || train.seq() != config.seq())
            throw new IllegalArgumentException("batches of " + train.batch() + " x " + train.seq() + " for a config of "
                    + config.batch() + " x " + config.seq());
        this.model = model;
        this.module = module;
        this.config = config;
        this.world = Collectives.world();
        this.parallel = world.size() > 1 ? new DataParallel(world) : null;
        if (world.size() > 1 && train.shards() == 1) train.shard(world.rank(), world.size());
        this.train = train;
        this.val = val;
        this.objective = objective;
        if (val != null && val.size() < config.seq() + 1)
            throw new TokenDataException(val.source() + ": validation data holds " + val.size()
                    + " tokens, fewer than one row needs (seq+1 = " + (config.seq() + 1) + ")");
        Map<String, Parameter> params = new java.util.LinkedHashMap<>(module.namedParameters());
        for (var e : objective.parameters().entrySet())
            if (params.putIfAbsent(e.getKey(), e.getValue()) != null && params.get(e.getKey()) != e.getValue())
                throw new IllegalArgumentException("the objective's parameter " + e.getKey() + " clashes with the model's");
        this.zero = config.zero() == 1 || config.zero() == 2 ? new ZeroOptimizer(params, world, config.zero(), optimizer) : null;
        this.zero3 = config.zero() == 3 ? new ZeroStage3(module, params, world, optimizer) : null;
        this.optimizer = zero != null ? zero : zero3 != null ? zero3 : optimizer.apply(params);
        this.schedule = config.lrSchedule();
        module.train(true);
        module.seedDropout(config.seed());   // masks keyed by (seed, micro-step, layer, element)
        // ZeRO-3 recomputes every block already; what the flag still changes is the loss's smaller logits chunks.
        module.checkpointActivations(config.checkpointActivations() || zero3 != null);
    }

    /**
     * Trains on several sources mixed by weight ({@link Batches#mixed}); validation runs on {@code val} when given,
     * else on each source's held-out tokens (when every source has them), the reported loss being their mean
     * weighted by the mix.
     */
    public Trainer(CausalLm model, TrainConfig config, DataMix mix, TokenData val,
                   Function<Map<String, Parameter>, Optimizer> optimizer) {
        this(model, config, mixedWindows(config, mix), val, optimizer);
        this.mix = mix;
        for (DataMix.Source s : mix.sources())
            if (val == null && s.val() != null && s.val().size() < config.seq() + 1)
                throw new TokenDataException(s.val().source() + ": validation data holds " + s.val().size()
                        + " tokens, fewer than one row needs (seq+1 = " + (config.seq() + 1) + ")");
    }

    private static Batches mixedWindows(TrainConfig config, DataMix mix) {
        if (config.sequential())
            throw new IllegalArgumentException("a data mix draws random windows; sequential order reads one source");
        return Batches.mixed(mix, config.batch(), config.seq(), config.seed());
    }

    private static Batches windows(TrainConfig config, TokenData train) {
        return config.sequential()
                ? Batches.sequential(train, config.batch(), config.seq())
                : Batches.random(train, config.batch(), config.seq(), config.seed());
    }

    private static Function<Map<String, Parameter>, Optimizer> adamW(TrainConfig config) {
        return params -> new AdamW(params, config.weightDecay());
    }

    /**
     * Mean next-token cross-entropy of {@code batch} (F.crossEntropy over the [B*T, V] logits; records the graph);
     * packed rows go through {@link CausalLm#lossPacked}.
     */
    public static Tensor loss(CausalLm model, Batches.Batch batch) {
        if (batch.positions() != null)   // packed rows: attention stays inside each sequence
            return model.lossPacked(batch.inputs(), batch.targets(), batch.positions(), batch.batch(), batch.seq());
        return model.loss(batch.inputs(), batch.targets(), batch.batch(), batch.seq());
    }

    /**
     * A method that adds to the training loss and acts between the update and the clearing of the gradients (AdaLoRA:
     * the orthogonal regularization, and peft's {@code update_and_allocate(step)}, which reads the gradients).
     * {@code lossTerm} maps each micro-batch's loss to the one minimized (the reported loss includes it; validation
     * does not); {@code afterUpdate} gets the 0-based index of each update. Either may be null.
     */
    public void setMethodHooks(java.util.function.UnaryOperator<Tensor> lossTerm, java.util.function.IntConsumer afterUpdate) {
        this.lossTerm = lossTerm;
        this.afterUpdate = afterUpdate;
    }

    /**
     * One optimizer update; validation runs when due and is reported in the result. The step runs inside a
     * {@link StepArena}: its activations and gradients are pooled buffers that the next step reuses, released as
     * backward consumes them and all at once when the update is done.
     */
    public StepMetrics step() {
        long t0 = System.nanoTime();
        long[] rowsBefore = train.rowsPerSource();
        int k = config.gradAccum(), ranks = world.size();
        double lossSum = 0;
        float norm, lr;
        try (StepArena arena = StepArena.open()) {
            if (zero3 != null) zero3.gatherRoot();   // the embeddings and head, whole until the gradients are reduced
            for (int micro = 0; micro < k; micro++) {
                module.dropoutStep((long) step * k + micro);   // a resumed run draws the same masks
                Tensor loss = objective.loss(model, train.next());
                if (lossTerm != null) loss = lossTerm.apply(loss);
                lossSum += loss.item();
                Autograd.backward(k * ranks == 1 ? loss : F.scale(loss, 1f / (k * ranks)));
            }
            // once per update, after the last micro-batch
            if (parallel != null && zero == null && zero3 == null) parallel.sumGradients(optimizer.parameterList());
            if (parallel != null) lossSum = parallel.sum(lossSum) / ranks;
            if (!Double.isFinite(lossSum))
                throw new IllegalStateException("the training loss is " + lossSum / k + " at step " + (step + 1)
                        + "; training diverged (try a lower --lr, warmup or --grad-clip)");
            GradClip.Norm clip = zero != null ? zero.reduceGradients(config.gradClip())
                    : zero3 != null ? zero3.reduceGradients(config.gradClip())
                    : GradClip.measure(optimizer.parameterList(), config.gradClip());
            norm = clip.norm();
            if (!Float.isFinite(norm))
                throw new IllegalStateException("the gradient norm is " + norm + " at step " + (step + 1)
                        + "; training diverged (try a lower --lr, warmup or --grad-clip)");
            lr = schedule.lr(step);
            optimizer.step(lr, clip.scale()); // the clip applied inside the update's pass
            if (afterUpdate != null) afterUpdate.accept(step);
            optimizer.zeroGrad(); // the gradients are arena buffers: none may outlive the step
        }
        lastObjectiveMetrics = objective.stepMetrics();
        step++;
        if (rowsBefore != null) {
            long[] after = train.rowsPerSource();
            for (int i = 0; i < after.length; i++) after[i] -= rowsBefore[i];
            lastStepRows = after;
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        float valLoss = validationDue() ? validate() : Float.NaN;
        return new StepMetrics(step, (float) (lossSum / k), lr, norm, config.tokensPerStep() * ranks / (ms / 1000.0), ms,
                valLoss);
    }

    private boolean validatesPerSource() { return val == null && mix != null && mix.hasValidation(); }

    private boolean validationDue() {
        return (val != null || validatesPerSource()) && config.valEvery() > 0
                && (step == 1 || step % config.valEvery() == 0 || step == config.steps());
    }

    /**
     * Mean loss over the first {@code valBatches} consecutive batches of the validation tokens (always the same
     * tokens, so values are comparable across steps), without recording gradients.
     */
    public float validate() {
        if (validatesPerSource()) return validatePerSource();
        if (val == null) throw new IllegalStateException("no validation data");
        return validate(val, config.valBatches());
    }

    /**
     * Each source's held-out loss over its share of the validation batches (at least one), and their mean weighted
     * by the mix's probabilities.
     */
    private float validatePerSource() {
        double[] p = mix.probabilities();
        float[] losses = new float[p.length];
        double mean = 0;
        for (int i = 0; i < p.length; i++) {
            int n = (int) Math.max(1, Math.round(config.valBatches() * p[i]));
            losses[i] = validate(mix.sources().get(i).val(), n);
            mean += p[i] * losses[i];
        }
        lastValBySource = losses;
        return (float) mean;
    }

    /**
     * Under N ranks each batch is the one a single process of batch N x B sees, split by rows, and the batch losses are
     * averaged over the ranks (when the data holds fewer than N rows, every rank validates the whole batches).
     */
    private float validate(TokenData val, int valBatches) {
        int t = config.seq(), ranks = world.size();
        int rows = (int) Math.min((long) config.batch() * ranks, (val.size() - 1) / t);
        boolean sharded = ranks > 1 && rows >= ranks;
        if (sharded) rows -= rows % ranks;
        Batches batches = sharded ? Batches.sequential(val, rows / ranks, t).shard(world.rank(), ranks)
                : Batches.sequential(val, rows, t);
        long available = (val.size() - 1) / ((long) rows * t);
        int n = (int) Math.min(valBatches, available);
        double sum = 0;
        boolean wasTraining = module.isTraining();
        module.train(false);
        try (NoGrad g = NoGrad.enter()) {
            for (int i = 0; i < n; i++) {
                try (StepArena arena = StepArena.open()) {
                    if (zero3 != null) zero3.gatherRoot();
                    sum += loss(model, batches.next()).item();
                    if (zero3 != null) zero3.freeRoot();
                }
            }
        } finally {
            module.train(wasTraining);
        }
        if (sharded) sum = parallel.sum(sum) / ranks;
        return (float) (sum / n);
    }

    /** Runs the remaining steps, logging each one; writes a checkpoint when due and after the last step. */
    public void run(MetricsLog log, Checkpoint.Writer checkpoints, Listener listener) {
        boolean saving = checkpoints != null;   // the same on every rank
        if (world.rank() != 0) {   // one copy of the outputs: rank 0's (every rank holds the same parameters)
            log = null;
            checkpoints = null;
        }
        while (step < config.steps()) {
            StepMetrics m = step();
            if (log != null) log.log(m, extraMetrics(m));
            if (listener != null) listener.onStep(m, config.steps());
            boolean last = step == config.steps();
            boolean due = saving && (last || (config.saveEvery() > 0 && step % config.saveEvery() == 0));
            if (due && zero != null) zero.gatherState();   // every rank: the shards of the state go to rank 0
            if (due && zero3 != null) {   // every rank: the state to rank 0, the parameters whole
                zero3.gatherState();
                zero3.gatherAll();
            }
            if (due && checkpoints != null) checkpoints.save(this);
            if (due && zero3 != null && !last) zero3.freeAll();
        }
        if (zero3 != null) zero3.unshard();   // the model whole again for what follows the run (saving an adapter)
    }

    /** The objective's fields of the last step (e.g. DPO's rewards), then a data mix's ({@link #sourceMetrics}). */
    public Map<String, Object> extraMetrics(StepMetrics m) {
        Map<String, Object> out = new java.util.LinkedHashMap<>(lastObjectiveMetrics);
        out.putAll(sourceMetrics(m));
        return out;
    }

    /**
     * A mixed run's per-source fields for the step's metrics line: {@code rows_per_source} (rows each source gave
     * this step, micro-batches included) and, when validation ran per source, {@code val_loss_per_source}; empty
     * otherwise.
     */
    public Map<String, Object> sourceMetrics(StepMetrics m) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        if (mix == null || lastStepRows == null) return out;
        Map<String, Object> rows = new java.util.LinkedHashMap<>();
        for (int i = 0; i < lastStepRows.length; i++) rows.put(mix.sources().get(i).name(), lastStepRows[i]);
        out.put("rows_per_source", rows);
        if (m.hasValLoss() && lastValBySource != null) {
            Map<String, Object> v = new java.util.LinkedHashMap<>();
            for (int i = 0; i < lastValBySource.length; i++) v.put(mix.sources().get(i).name(), lastValBySource[i]);
            out.put("val_loss_per_source", v);
        }
        return out;
    }

    /** The causal LM trained, or null for a {@link #Trainer(cortado.nn.Module, TrainConfig, Batches, Function, TrainingObjective) module}. */
    public CausalLm model() { return model; }

    /** The module whose parameters train. */
    public cortado.nn.Module module() { return module; }

    public TrainConfig config() { return config; }

    public Optimizer optimizer() { return optimizer; }

    /** The ranks this trainer runs on (a single process: {@link cortado.train.dist.LocalCollective}). */
    public Collective collective() { return world; }

    public Batches batches() { return train; }

    /** Completed optimizer updates. */
    public int completedSteps() { return step; }

    /** Sets the position after restoring a checkpoint (optimizer and data state are restored by {@link Checkpoint}). */
    void restoreStep(int completed) {
        if (completed < 0) throw new IllegalArgumentException("negative step " + completed);
        this.step = completed;
    }
}
