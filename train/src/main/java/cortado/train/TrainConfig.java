package cortado.train;

/**
 * The settings of a pretraining run (the {@code cortado pretrain} flags).
 *
 * @param steps        optimizer updates in the whole run
 * @param batch        rows per micro-batch (B)
 * @param seq          tokens per row (T)
 * @param lr           peak learning rate
 * @param warmup       linear warmup steps
 * @param schedule     a name {@link LrSchedule#named} knows ("cosine", "linear", "cosine-with-restarts:3", ...)
 * @param weightDecay  the optimizer's weight decay (matrices only, unless parameter groups say otherwise)
 * @param gradClip     global-norm clip; 0 turns clipping off
 * @param gradAccum    micro-batches per update (K); each micro-batch loss is scaled by 1/K
 * @param valEvery     validate every N steps (and after step 1 and the last step); 0 turns validation off
 * @param valBatches   batches of B x T tokens per validation (fewer when the validation data is shorter)
 * @param seed         seed for the random batch order and the dropout masks
 * @param sequential   llm.c's sequential batch order instead of random windows
 * @param saveEvery    write a checkpoint every N steps (and after the last); 0: only after the last
 * @param checkpointActivations recompute each block's activations during backward instead of keeping them
 *                     ({@code F.checkpoint}): the same gradients for about a third more compute and far less memory
 * @param zero         ZeRO stage across data-parallel ranks: 0 none (every rank holds all optimizer state), 1 the
 *                     optimizer state sharded, 2 the gradients too ({@link cortado.train.dist.ZeroOptimizer}), 3 the
 *                     parameters too ({@link cortado.train.dist.ZeroStage3})
 */
public record TrainConfig(int steps, int batch, int seq, float lr, int warmup, String schedule, float weightDecay,
                          float gradClip, int gradAccum, int valEvery, int valBatches, long seed, boolean sequential,
                          int saveEvery, boolean checkpointActivations, int zero) {
    public TrainConfig {
        if (zero < 0 || zero > 3) throw new IllegalArgumentException("ZeRO stage must be 0, 1, 2 or 3, got " + zero);
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        if (batch < 1 || seq < 1) throw new IllegalArgumentException("batch and seq must be >= 1");
        if (gradAccum < 1) throw new IllegalArgumentException("grad accumulation must be >= 1, got " + gradAccum);
        if (valEvery < 0 || valBatches < 1 || saveEvery < 0 || warmup < 0)
            throw new IllegalArgumentException("negative interval");
        LrSchedule.validate(schedule);   // an unknown name is an error listing the known ones
    }

    /** Without ZeRO. */
    public TrainConfig(int steps, int batch, int seq, float lr, int warmup, String schedule, float weightDecay,
                       float gradClip, int gradAccum, int valEvery, int valBatches, long seed, boolean sequential,
                       int saveEvery, boolean checkpointActivations) {
        this(steps, batch, seq, lr, warmup, schedule, weightDecay, gradClip, gradAccum, valEvery, valBatches, seed,
                sequential, saveEvery, checkpointActivations, 0);
    }

    /** Without activation checkpointing or ZeRO. */
    public TrainConfig(int steps, int batch, int seq, float lr, int warmup, String schedule, float weightDecay,
                       float gradClip, int gradAccum, int valEvery, int valBatches, long seed, boolean sequential,
                       int saveEvery) {
        this(steps, batch, seq, lr, warmup, schedule, weightDecay, gradClip, gradAccum, valEvery, valBatches, seed,
                sequential, saveEvery, false, 0);
    }

    /** Tokens consumed by one optimizer update. */
    public long tokensPerStep() { return (long) batch * seq * gradAccum; }

    public LrSchedule lrSchedule() { return LrSchedule.named(schedule, lr, warmup, steps); }
}
