package cortado.cli;

import cortado.train.LrSchedule;
import cortado.train.TrainConfig;

/**
 * The training-loop flags every training command shares (pretrain, finetune, sft, dpo, reward): steps, batch,
 * learning rate and its schedule, weight decay, clipping, accumulation, seed, checkpoint interval and activation
 * checkpointing. The recipes differ only in defaults ({@link Defaults}); the optimizer's own flags are
 * {@link OptimizerOptions}.
 */
final class TrainingOptions {
    /**
     * A recipe's defaults and its words for what a batch row is and what the seed seeds.
     *
     * @param rows what one row of a micro-batch is ("sequences", "pairs")
     * @param seeds what --seed drives, for its help line
     */
    record Defaults(String steps, String batch, String lr, String schedule, String weightDecay, String saveEvery,
                    String rows, String seeds) {}

    /** Fine-tuning recipes (finetune, sft): TRL-like short runs at a constant rate. */
    static final Defaults FINETUNE = new Defaults("100", "4", "2e-4", "constant", "0", "100", "sequences",
            "the adapter initialization, dropout and the random data order");
    /** Pretraining: nanoGPT-like cosine decay and weight decay 0.1. */
    static final Defaults PRETRAIN = new Defaults("1000", "8", "6e-4", "cosine", "0.1", "500", "sequences",
            "initialisation and the random data order");

    private TrainingOptions() {}

    /** Adds the flags with {@code d}'s defaults. */
    static Args declare(Args a, Defaults d) {
        return a.option("steps", "N", "optimizer steps", d.steps())
                .option("batch", "B", d.rows() + " per micro-batch", d.batch())
                .option("lr", "X", "peak learning rate", d.lr())
                .option("warmup", "W", "linear warmup steps", "0")
                .option("schedule", "NAME", "learning-rate schedule: " + LrSchedule.HELP, d.schedule())
                .option("weight-decay", "D", "the optimizer's weight decay (matrices only): decoupled in AdamW, Lion"
                        + " and Adafactor, added to the gradient in SGD and to the update in LAMB, as their references",
                        d.weightDecay())
                .option("grad-clip", "C", "clip the global gradient norm to C; 0 turns clipping off", "1.0")
                .option("grad-accum", "K", "micro-batches per optimizer step", "1")
                .option("seed", "S", "seed for " + d.seeds(), "1337")
                .option("save-every", "N", "also write the checkpoint every N steps, so a crash loses at most N; 0:"
                        + " only at the end", d.saveEvery())
                .option("zero", "S", "ZeRO stage over data-parallel ranks (mpirun): 0 every rank holds all optimizer"
                        + " state; 1 each rank holds 1/N of it (gradients reduce-scattered, parameters all-gathered); 2 the"
                        + " gradients sharded too; 3 the parameters sharded too (each block gathered for its forward and again,"
                        + " recomputed, for its backward); needs an elementwise optimizer (adamw, sgd, sgd-nesterov, lion)", "0")
                .flag("checkpoint-activations", "keep only each block's input and recompute the block during backward:"
                        + " same gradients, much less memory, about a third more compute");
    }

    /** The --schedule value, checked: an unknown name is a usage error listing the known ones. */
    static String schedule(Args a) throws UsageException {
        String s = a.string("schedule");
        try {
            LrSchedule.validate(s);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--schedule: " + e.getMessage());
        }
        return s;
    }

    /** The --zero stage, checked: 0 to 3. */
    static int zero(Args a) throws UsageException {
        int z = a.nonNegativeInt("zero");
        if (z > 3) throw new UsageException("--zero " + z + ": stages 0, 1, 2 and 3 exist");
        return z;
    }

    /** The run's TrainConfig from the flags, rows of {@code seq} tokens, with the recipe's validation and order. */
    static TrainConfig config(Args a, int seq, int valEvery, int valBatches, boolean sequential) throws UsageException {
        return new TrainConfig(a.positiveInt("steps"), a.positiveInt("batch"), seq, (float) a.nonNegativeReal("lr"),
                a.nonNegativeInt("warmup"), schedule(a), (float) a.nonNegativeReal("weight-decay"),
                (float) a.nonNegativeReal("grad-clip"), a.positiveInt("grad-accum"), valEvery, valBatches,
                a.longValue("seed"), sequential, a.nonNegativeInt("save-every"), a.bool("checkpoint-activations"),
                zero(a));
    }
}
