package cortado.data.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenShardTest {
    @TempDir Path dir;

    private Path write(String name, ShardFormat f, int width, int[] ids) throws IOException {
        Path p = dir.resolve(name);
        try (TokenShardWriter w = new TokenShardWriter(p, f, width)) { w.write(ids, 0, ids.length); }
        return p;
    }

    @Test
    void llmcUint16ShardHasTheGpt2HeaderAndRoundTrips() throws IOException {
        int[] ids = {0, 1, 50256, 65535, 42};
        Path p = write("a.bin", ShardFormat.LLMC, 2, ids);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.capacity()).isEqualTo(1024 + 2 * ids.length);
        assertThat(b.getInt(0)).isEqualTo(20240520);
        assertThat(b.getInt(4)).isEqualTo(1);
        assertThat(b.getInt(8)).isEqualTo(ids.length);
        for (int i = 3; i < 256; i++) assertThat(b.getInt(4 * i)).isZero();
        assertThat(Short.toUnsignedInt(b.getShort(1024 + 2 * 2))).isEqualTo(50256);
        try (TokenShard s = TokenShard.openLlmc(p)) {
            assertThat(s.size()).isEqualTo(ids.length);
            assertThat(s.bytesPerToken()).isEqualTo(2);
            int[] back = new int[ids.length];
            s.read(0, back, 0, ids.length);
            assertThat(back).containsExactly(ids);
            assertThat(s.get(3)).isEqualTo(65535);
        }
        assertThat(Files.exists(dir.resolve("a.bin.tmp"))).isFalse();
    }

    @Test
    void largeVocabulariesUseUint32WithLlmcsLlama3Header() throws IOException {
        assertThat(ShardFormat.bytesPerToken(65536)).isEqualTo(2);
        assertThat(ShardFormat.bytesPerToken(65537)).isEqualTo(4);
        int[] ids = {128000, 5, 128255, 70000};
        Path p = write("b.bin", ShardFormat.LLMC, 4, ids);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(0)).isEqualTo(20240801);
        assertThat(b.getInt(4)).isEqualTo(7);
        assertThat(b.getInt(8)).isEqualTo(4);
        try (TokenShard s = TokenShard.openLlmc(p)) {
            assertThat(s.bytesPerToken()).isEqualTo(4);
            assertThat(s.get(0)).isEqualTo(128000);
            assertThat(s.get(3)).isEqualTo(70000);
        }
    }

    @Test
    void nanogptRawShardsAreJustTokens() throws IOException {
        int[] ids = {1, 2, 3, 65535};
        Path p16 = write("c.bin", ShardFormat.NANOGPT, 2, ids);
        assertThat(Files.size(p16)).isEqualTo(8);
        try (TokenShard s = TokenShard.openRaw(p16, 2)) {
            assertThat(s.size()).isEqualTo(4);
            assertThat(s.get(3)).isEqualTo(65535);
        }
        Path p32 = write("d.bin", ShardFormat.NANOGPT, 4, new int[] {100000, 7});
        try (TokenShard s = TokenShard.openRaw(p32, 4)) {
            assertThat(s.get(0)).isEqualTo(100000);
        }
    }

    @Test
    void tokensThatDoNotFitAreRejected() throws IOException {
        try (TokenShardWriter w = new TokenShardWriter(dir.resolve("e.bin"), ShardFormat.NANOGPT, 2)) {
            assertThatThrownBy(() -> w.write(65536)).hasMessageContaining("does not fit in uint16");
        }
    }

    @Test
    void lyingOrDamagedHeadersAreClearErrors() throws IOException {
        Path p = write("f.bin", ShardFormat.LLMC, 2, new int[] {1, 2, 3});
        byte[] b = Files.readAllBytes(p);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 1_000_000_000);
        Files.write(p, b);
        assertThatThrownBy(() -> TokenShard.openLlmc(p)).isInstanceOf(IOException.class)
                .hasMessage(p + ": header says 1000000000 tokens (2000001024 bytes) but the file has 1030 bytes");
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 12345);
        Files.write(p, b);
        assertThatThrownBy(() -> TokenShard.openLlmc(p)).hasMessageStartingWith(p + ": not an llm.c token shard");
        Files.write(p, new byte[10]);
        assertThatThrownBy(() -> TokenShard.openLlmc(p)).hasMessageContaining("too short");
        Files.write(p, new byte[5]);
        assertThatThrownBy(() -> TokenShard.openRaw(p, 2)).hasMessageContaining("not a multiple of 2");
    }

    @Test
    void shardedWriterRotatesOnlyBetweenBlocks() throws IOException {
        try (ShardedTokenWriter w = new ShardedTokenWriter(dir, "train", ShardFormat.LLMC, 2, 10)) {
            int[] block = {1, 2, 3, 4};
            for (int i = 0; i < 7; i++) { w.write(block, 0, 4); w.endBlock(); }
            w.close();
            assertThat(w.shards()).extracting(Path::getFileName).extracting(Path::toString)
                    .containsExactly("train_000000.bin", "train_000001.bin", "train_000002.bin");
            long total = 0;
            for (Path p : w.shards()) try (TokenShard s = TokenShard.openLlmc(p)) { total += s.size(); assertThat(s.size() % 4).isZero(); }
            assertThat(total).isEqualTo(28);
        }
    }
}
