package cortado.data.clean;

/** A text after one normalization step and how many replacements the step made in it. */
public record Edit(String text, int replacements) {}
