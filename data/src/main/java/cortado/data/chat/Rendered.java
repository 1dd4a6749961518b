package cortado.data.chat;

import java.util.List;

/**
 * A rendered template: the text, and the character ranges produced inside {@code {% generation %}} blocks, the
 * assistant's part of the conversation (transformers' {@code generation_indices}, from which
 * {@code return_assistant_tokens_mask} builds SFT loss masks).
 */
public record Rendered(String text, List<Span> generationSpans) {
    /**
     * Characters {@code [start, end)} of {@link #text()}, as Java string (UTF-16) indices; transformers reports the
     * same spans in code points, which differ after a character outside the BMP (an emoji).
     */
    public record Span(int start, int end) {}
}
