package cortado.eval.safety;

import java.util.List;

/** A check of generated text: what it finds in one completion, nothing when the text passes. */
public interface Screen {
    /** A finding: the screen that made it and what it saw (an entry, a pattern's match, a probability). */
    record Flag(String screen, String detail) {}

    String name();

    /** The findings in {@code text}; empty when it passes. */
    List<Flag> screen(String text);
}
