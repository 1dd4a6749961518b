package cortado.data.dataset;

import cortado.data.clean.CleaningConfig;
import cortado.data.clean.GopherQualityFilter;
import cortado.data.clean.GopherRepetitionFilter;
import cortado.data.clean.MinHashConfig;
import cortado.data.json.Json;
import cortado.data.text.ReadOptions;
import cortado.data.tokenizer.ByteTokenizer;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Child-JVM entry of {@link PrepareJobTest#preparesAnInputLargerThanTheHeap}: every step on, small heap. */
public final class SmallHeapPrepareMain {
    public static void main(String[] args) throws IOException {
        CleaningConfig cleaning = CleaningConfig.none().withPii(true)
                .withQuality(GopherQualityFilter.Config.gopher())
                .withRepetition(GopherRepetitionFilter.Config.gopher())
                .withExactDedup(128).withNearDup(MinHashConfig.forThreshold(0.8));
        PrepareConfig c = new PrepareConfig(List.of(Path.of(args[0])), ReadOptions.defaults(), cleaning,
                new ByteTokenizer(), "bytes", Path.of(args[1]), 0.01, 1024, Chunking.CONCAT, ShardFormat.LLMC, true,
                1, 10_000_000, 2 << 20);
        new PrepareJob(c, PrepareJobTest.QUIET).run();
    }

    /** English-like JSONL documents of ~4 KB; every 50th an exact copy, every 50th (offset) a one-word edit. */
    static void writeCorpus(Path file, long bytes, long seed) throws IOException {
        Random rnd = new Random(seed);
        String[] common = {"the", "of", "and", "to", "in", "that", "with", "have", "be", "for", "was", "on", "as"};
        String prev = null;
        long written = 0;
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int d = 0; written < bytes; d++) {
                String text;
                if (prev != null && d % 50 == 0) text = prev;
                else if (prev != null && d % 50 == 25) text = prev.replaceFirst(" \\w+ ", " edited ");
                else {
                    StringBuilder b = new StringBuilder();
                    for (int i = 0; i < 700; i++) {
                        if (rnd.nextInt(3) == 0) b.append(common[rnd.nextInt(common.length)]);
                        else for (int k = 3 + rnd.nextInt(6); k > 0; k--) b.append((char) ('a' + rnd.nextInt(26)));
                        b.append(i % 12 == 11 ? ". " : " ");
                    }
                    text = b.toString();
                }
                prev = text;
                String line = Json.write(Map.of("text", text)) + "\n";
                w.write(line);
                written += line.length();
            }
        }
    }
}
