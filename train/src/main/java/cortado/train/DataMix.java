package cortado.train;

import java.util.List;

/**
 * Several token sources trained on together, each row of a batch drawn from source i with probability
 * {@code weight_i / sum(weights)} (the mixture weights of multi-source pretraining corpora, as in the GPT-3 and Llama
 * data mixes): {@link Batches#mixed} draws them, {@link Trainer} validates on each source's held-out part and logs how
 * many rows each source gave.
 *
 * @param sources the sources, in the order given
 */
public record DataMix(List<Source> sources) {
    /**
     * One source.
     *
     * @param name   how metrics name it (its file)
     * @param train  the tokens rows are drawn from
     * @param val    its held-out tokens, or null
     * @param weight its share, any positive number (the weights are normalized)
     */
    public record Source(String name, TokenData train, TokenData val, double weight) {
        public Source {
            if (!(weight > 0) || Double.isInfinite(weight))
                throw new IllegalArgumentException(name + ": the mixture weight must be a positive number, got " + weight);
        }
    }

    public DataMix {
        sources = List.copyOf(sources);
        if (sources.isEmpty()) throw new IllegalArgumentException("a data mix needs at least one source");
        long distinct = sources.stream().map(Source::name).distinct().count();
        if (distinct != sources.size()) throw new IllegalArgumentException("a data mix names a source twice");
    }

    /** Each source's weight divided by their sum. */
    public double[] probabilities() {
        double sum = 0;
        for (Source s : sources) sum += s.weight();
        double[] p = new double[sources.size()];
        for (int i = 0; i < p.length; i++) p[i] = sources.get(i).weight() / sum;
        return p;
    }

    /** Whether every source has held-out tokens. */
    public boolean hasValidation() { return sources.stream().allMatch(s -> s.val() != null); }

    /** Training tokens of all sources. */
    public long trainTokens() { return sources.stream().mapToLong(s -> s.train().size()).sum(); }

    /** Held-out tokens of all sources. */
    public long valTokens() { return sources.stream().mapToLong(s -> s.val() == null ? 0 : s.val().size()).sum(); }
}
