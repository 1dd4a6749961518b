package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.data.tokenizer.ByteTokenizer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenDataTest {
    @TempDir Path dir;

    /** An llm.c token file: 256 int32 header (magic, version, count), then the tokens. */
    static byte[] llmc(int magic, int version, int count, int[] tokens, int width) {
        ByteBuffer b = ByteBuffer.allocate(TokenData.LLMC_HEADER_BYTES + tokens.length * width)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(magic).putInt(version).putInt(count);
        b.position(TokenData.LLMC_HEADER_BYTES);
        for (int t : tokens) {
            if (width == 2) b.putShort((short) t); else b.putInt(t);
        }
        return b.array();
    }

    static byte[] rawUint16(int... tokens) {
        ByteBuffer b = ByteBuffer.allocate(tokens.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int t : tokens) b.putShort((short) t);
        return b.array();
    }

    Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void readsLlmcFileIncludingTokensAbove32767() throws IOException {
        int[] toks = {0, 1, 50256, 40000, 7};
        Path p = write("train.bin", llmc(20240520, 1, toks.length, toks, 2));
        TokenData d = TokenData.load(p, null, 50257);
        assertThat(d.size()).isEqualTo(5);
        for (int i = 0; i < toks.length; i++) assertThat(d.get(i)).isEqualTo(toks[i]);
    }

    @Test
    void readsLlmcVersion2Uint32Tokens() throws IOException {
        int[] toks = {128000, 5, 9};
        TokenData d = TokenData.load(write("l3.bin", llmc(20240520, 2, 3, toks, 4)), null, 128256);
        assertThat(new int[] {d.get(0), d.get(1), d.get(2)}).containsExactly(toks);
    }

    @Test
    void readsNanoGptRawUint16() throws IOException {
        TokenData d = TokenData.load(write("val.bin", rawUint16(3, 65535, 2)), null, 65536);
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.get(1)).isEqualTo(65535);
        assertThat(d.source()).endsWith("val.bin");
    }

    @Test
    void readsUtf8TextWithTheTokenizer() throws IOException {
        Path p = dir.resolve("t.txt");
        Files.writeString(p, "hé!", StandardCharsets.UTF_8);
        TokenData d = TokenData.load(p, new ByteTokenizer(), 257);
        assertThat(d.size()).isEqualTo(4); // h, two bytes of é, !
        assertThat(d.get(0)).isEqualTo('h');
        assertThat(d.get(1)).isEqualTo(0xC3);
    }

    @Test
    void badHeadersAndSizesNameTheFileAndTheProblem() throws IOException {
        int[] toks = {1, 2, 3};
        Path wrongCount = write("count.bin", llmc(20240520, 1, 1_000_000_000, toks, 2)); // lying header
        assertThatThrownBy(() -> TokenData.load(wrongCount, null, 50257))
                .isInstanceOf(TokenDataException.class)
                .hasMessageContaining("count.bin")
                .hasMessageContaining("header says 1000000000 tokens")
                .hasMessageContaining("6 bytes after the header");
        Path badVersion = write("ver.bin", llmc(20240520, 7, 3, toks, 2));
        assertThatThrownBy(() -> TokenData.load(badVersion, null, 50257))
                .hasMessageContaining("ver.bin").hasMessageContaining("version 7");
        byte[] full = llmc(20240520, 1, 3, toks, 2);
        Path truncated = write("trunc.bin", java.util.Arrays.copyOf(full, 100));
        assertThatThrownBy(() -> TokenData.load(truncated, null, 50257))
                .hasMessageContaining("trunc.bin").hasMessageContaining("header truncated");
        Path odd = write("odd.bin", new byte[] {1, 0, 2});
        assertThatThrownBy(() -> TokenData.load(odd, null, 50257))
                .hasMessageContaining("odd.bin").hasMessageContaining("3 bytes is not a whole number of uint16");
        Path empty = write("empty.bin", new byte[0]);
        assertThatThrownBy(() -> TokenData.load(empty, null, 50257))
                .hasMessageContaining("empty.bin").hasMessageContaining("empty");
        assertThatThrownBy(() -> TokenData.load(dir.resolve("missing.bin"), null, 50257))
                .hasMessageContaining("missing.bin").hasMessageContaining("no such file");
    }

    @Test
    void tokensOutsideTheVocabularyAreRefused() throws IOException {
        Path p = write("big.bin", rawUint16(1, 2, 300));
        assertThatThrownBy(() -> TokenData.load(p, null, 257))
                .hasMessageContaining("big.bin").hasMessageContaining("token 300 at position 2")
                .hasMessageContaining("vocabulary of 257");
    }

    @Test
    void invalidUtf8TextIsRefused() throws IOException {
        Path p = write("bad.txt", new byte[] {'a', (byte) 0xFF, 'b'});
        assertThatThrownBy(() -> TokenData.load(p, new ByteTokenizer(), 257))
                .hasMessageContaining("bad.txt").hasMessageContaining("not valid UTF-8");
    }
}
