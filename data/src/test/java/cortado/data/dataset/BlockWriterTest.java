package cortado.data.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockWriterTest {
    @TempDir Path dir;
    static final int EOT = 99;

    private int[] readAll(List<Path> shards) throws IOException {
        List<Integer> out = new ArrayList<>();
        for (Path p : shards) try (TokenShard s = TokenShard.openRaw(p, 2)) { for (long i = 0; i < s.size(); i++) out.add(s.get(i)); }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void concatPrefixesEachDocumentWithEndOfTextAndCutsWholeBlocks() throws IOException {
        var out = new ShardedTokenWriter(dir, "t", ShardFormat.NANOGPT, 2, 1000);
        BlockWriter w = new BlockWriter(out, Chunking.CONCAT, 4, EOT);
        w.add(new int[] {1, 2, 3});
        w.add(new int[] {4, 5});
        w.add(new int[] {6, 7, 8, 9});
        w.finish();
        w.close();
        // stream: 99 1 2 3 | 99 4 5 99 | 6 7 8 9 -> three full blocks, no tail
        assertThat(readAll(out.shards())).containsExactly(EOT, 1, 2, 3, EOT, 4, 5, EOT, 6, 7, 8, 9);
        assertThat(w.blocks()).isEqualTo(3);
        assertThat(w.droppedTokens()).isZero();

        var out2 = new ShardedTokenWriter(dir, "u", ShardFormat.NANOGPT, 2, 1000);
        BlockWriter w2 = new BlockWriter(out2, Chunking.CONCAT, 5, EOT);
        w2.add(new int[] {1, 2, 3});
        w2.add(new int[] {4, 5});
        w2.finish();
        w2.close();
        assertThat(readAll(out2.shards())).containsExactly(EOT, 1, 2, 3, EOT);
        assertThat(w2.droppedTokens()).isEqualTo(2);
    }

    @Test
    void unblockedConcatKeepsEveryToken() throws IOException {
        var out = new ShardedTokenWriter(dir, "v", ShardFormat.NANOGPT, 2, 1000);
        BlockWriter w = new BlockWriter(out, Chunking.CONCAT, 0, EOT);
        w.add(new int[] {1, 2, 3});
        w.add(new int[] {4});
        w.finish();
        w.close();
        assertThat(readAll(out.shards())).containsExactly(EOT, 1, 2, 3, EOT, 4);
    }

    @Test
    void packingNeverSplitsADocumentThatFitsAndPadsWithEndOfText() throws IOException {
        int seq = 16;
        var out = new ShardedTokenWriter(dir, "p", ShardFormat.NANOGPT, 2, 1 << 20);
        BlockWriter w = new BlockWriter(out, Chunking.PACK, seq, EOT);
        Random rnd = new Random(1);
        List<int[]> docs = new ArrayList<>();
        int next = 0;
        for (int d = 0; d < 300; d++) {
            int[] doc = new int[1 + rnd.nextInt(d % 10 == 0 ? 40 : 12)];
            for (int i = 0; i < doc.length; i++) doc[i] = next++ % 90; // ids below EOT
            docs.add(doc);
            w.add(doc);
        }
        w.finish();
        w.close();
        int[] all = readAll(out.shards());
        assertThat(all.length % seq).isZero();
        assertThat(w.blocks()).isEqualTo(all.length / seq);
        long content = docs.stream().mapToLong(d -> d.length + 1).sum();
        assertThat(all.length).isEqualTo(content + w.paddingTokens());
        // Every document of at most seq-1 tokens appears contiguously, followed by EOT, inside one block.
        for (int[] doc : docs) {
            if (doc.length + 1 > seq) continue;
            boolean found = false;
            for (int b = 0; b < all.length / seq && !found; b++) {
                for (int s = b * seq; s + doc.length < (b + 1) * seq && !found; s++) {
                    boolean eq = true;
                    for (int i = 0; i < doc.length && eq; i++) eq = all[s + i] == doc[i];
                    found = eq && all[s + doc.length] == EOT;
                }
            }
            assertThat(found).as("document of %d tokens inside one block", doc.length).isTrue();
        }
        // first-fit over 64 open blocks packs well: padding under 10% here
        assertThat((double) w.paddingTokens() / all.length).isLessThan(0.10);
    }
}
