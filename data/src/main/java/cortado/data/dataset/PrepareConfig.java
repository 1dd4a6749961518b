package cortado.data.dataset;

import cortado.data.clean.CleaningConfig;
import cortado.data.text.ReadOptions;
import cortado.data.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything {@link PrepareJob} needs.
 *
 * @param inputs            files and directories
 * @param read              how inputs become documents
 * @param cleaning          cleaning steps
 * @param tokenizer         the tokenizer, and {@code tokenizerName} to record in the report
 * @param outDir            where shards and report.json go
 * @param valFraction       share of documents in the validation split (by a seeded hash of the cleaned text, so
 *                          exact duplicates can never straddle the splits)
 * @param seq               block length T, or 0 for an unblocked stream
 * @param chunking          {@link Chunking}
 * @param format            {@link ShardFormat}
 * @param shuffle           shuffle documents within each split ({@link ExternalShuffle})
 * @param seed              seeds the split, the shuffle and nothing else
 * @param shardTokens       tokens per shard (llm.c's fineweb.py uses 10^8)
 * @param shuffleBucketBytes memory bound of one shuffle bucket
 * @param coverage          write the {@link CoverageReport} even when no input is a crawl or dump (it is written
 *                          whenever one is)
 */
public record PrepareConfig(List<Path> inputs, ReadOptions read, CleaningConfig cleaning,
                            Tokenizer tokenizer, String tokenizerName, Path outDir,
                            double valFraction, int seq, Chunking chunking, ShardFormat format,
                            boolean shuffle, long seed, long shardTokens, long shuffleBucketBytes, boolean coverage) {
    /** Without a forced coverage report. */
    public PrepareConfig(List<Path> inputs, ReadOptions read, CleaningConfig cleaning, Tokenizer tokenizer,
                         String tokenizerName, Path outDir, double valFraction, int seq, Chunking chunking,
                         ShardFormat format, boolean shuffle, long seed, long shardTokens, long shuffleBucketBytes) {
        this(inputs, read, cleaning, tokenizer, tokenizerName, outDir, valFraction, seq, chunking, format, shuffle,
                seed, shardTokens, shuffleBucketBytes, false);
    }

    public PrepareConfig {
        if (inputs.isEmpty()) throw new IllegalArgumentException("no inputs");
        if (!(valFraction >= 0 && valFraction < 1)) throw new IllegalArgumentException("val fraction must be in [0, 1)");
        if (seq < 0) throw new IllegalArgumentException("sequence length must be >= 0");
        if (shardTokens < 1) throw new IllegalArgumentException("shard size must be >= 1 token");
    }
}
