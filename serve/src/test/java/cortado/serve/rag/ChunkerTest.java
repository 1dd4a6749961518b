package cortado.serve.rag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.data.tokenizer.ByteTokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Chunk boundaries and offsets, worked out by hand. */
class ChunkerTest {
    private static final String TEXT = """
            First paragraph here. It has two sentences.

            Second paragraph is longer. It goes on and on. And on.
            """;

    @Test
    void prefersParagraphThenSentenceThenWordBoundaries() {
        // 50 characters reach past the first paragraph (43 chars) into "Second": the paragraph end wins.
        List<Chunk> chunks = Chunker.ofChars(50, 0).split("a.md", TEXT);
        assertThat(chunks.get(0).text()).isEqualTo("First paragraph here. It has two sentences.");
        assertThat(chunks.get(0).start()).isZero();
        assertThat(chunks.get(0).end()).isEqualTo(43);
        // Then "Second paragraph is longer. It goes on and on." (47) ends at a sentence within 50.
        assertThat(chunks.get(1).text()).isEqualTo("Second paragraph is longer. It goes on and on.");
        assertThat(chunks.get(2).text()).isEqualTo("And on.");
        for (Chunk c : chunks) {
            assertThat(TEXT.substring(c.start(), c.end())).isEqualTo(c.text());
            assertThat(c.source()).isEqualTo("a.md");
        }
        assertThat(chunks).extracting(Chunk::id).containsExactly("a.md#0", "a.md#1", "a.md#2");
        // Size 15: no sentence end in the span's second half, so word boundaries.
        assertThat(Chunker.ofChars(15, 0).split("a", "alpha beta gamma delta epsilon")).extracting(Chunk::text)
                .containsExactly("alpha beta", "gamma delta", "epsilon");
    }

    @Test
    void aSingleLineBreakIsNoParagraphEnd() {
        // Size 34 reaches "epsilon." (ends at 32); the line break after "gamma." (17) lies in the span's second half
        // but only a blank line ends a paragraph, so the later sentence end wins.
        String t = "Alpha beta gamma.\nDelta epsilon. Zeta eta theta";
        assertThat(Chunker.ofChars(34, 0).split("x", t)).extracting(Chunk::text)
                .containsExactly("Alpha beta gamma.\nDelta epsilon.", "Zeta eta theta");
        // With a blank line there, the paragraph end wins over the sentence end.
        assertThat(Chunker.ofChars(35, 0).split("x", t.replace("\n", "\n\n"))).extracting(Chunk::text)
                .containsExactly("Alpha beta gamma.", "Delta epsilon. Zeta eta theta");
    }

    @Test
    void aBoundaryInTheSpansFirstHalfIsNotTaken() {
        // Size 20 reaches "gamma" (ends at 20); the sentence end after "Hi." (3) is in the first half [0, 10], so
        // ending there would waste most of the chunk: the word end wins.
        assertThat(Chunker.ofChars(20, 0).split("x", "Hi. alpha beta gamma delta")).extracting(Chunk::text)
                .containsExactly("Hi. alpha beta gamma", "delta");
        assertThat(Chunker.ofChars(21, 0).split("x", "Hi.\n\nalpha beta gamma delta")).extracting(Chunk::text)
                .containsExactly("Hi.\n\nalpha beta gamma", "delta");
    }

    @Test
    void overlapRepeatsTheWordsThatFit() {
        String t = "one two three four five six seven eight";
        List<Chunk> chunks = Chunker.ofChars(14, 6).split("x", t);
        // [one two three] (13); overlap 6 from its end: "three" (5) fits, "two three" (9) does not
        assertThat(chunks).extracting(Chunk::text)
                .containsExactly("one two three", "three four", "four five six", "six seven", "seven eight");
        for (Chunk c : chunks) assertThat(t.substring(c.start(), c.end())).isEqualTo(c.text());
        assertThat(chunks.get(1).start()).isEqualTo(8);
    }

    @Test
    void cutsAWordLongerThanTheSizeAndSkipsBlankText() {
        assertThat(Chunker.ofChars(4, 0).split("x", "abcdefghij kl")).extracting(Chunk::text)
                .containsExactly("abcd", "efgh", "ij", "kl");
        assertThat(Chunker.ofChars(4, 0).split("x", " \n\n  ")).isEmpty();
        assertThatThrownBy(() -> Chunker.ofChars(4, 4)).hasMessageContaining("overlap");
    }

    @Test
    void countsTokensWhenAskedTo() {
        // The byte tokenizer has one token per UTF-8 byte: "héllo" is 6 tokens, 5 characters.
        Chunker byTokens = new Chunker(ChunkUnit.TOKENS, 6, 0, new ByteTokenizer());
        assertThat(byTokens.split("x", "héllo wörld")).extracting(Chunk::text).containsExactly("héllo", "wörld");
        assertThat(Chunker.ofChars(6, 0).split("x", "héllo wörld")).extracting(Chunk::text).containsExactly("héllo", "wörld");
        // the whole text: 11 characters, 13 bytes
        assertThat(new Chunker(ChunkUnit.TOKENS, 13, 0, new ByteTokenizer()).split("x", "héllo wörld")).hasSize(1);
        assertThat(Chunker.ofChars(11, 0).split("x", "héllo wörld")).hasSize(1);
        assertThat(new Chunker(ChunkUnit.TOKENS, 12, 0, new ByteTokenizer()).split("x", "héllo wörld")).hasSize(2);
    }
}
