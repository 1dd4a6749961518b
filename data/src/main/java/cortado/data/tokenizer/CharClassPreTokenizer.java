package cortado.data.tokenizer;

import cortado.data.normalize.HfCharClasses;
import cortado.data.normalize.WhitespaceCleanup;

import java.util.function.IntPredicate;
import java.util.regex.Pattern;

/**
 * HF's pre-tokenizers that split on a class of characters: Digits (Unicode N*, isolated one by one or as runs),
 * Punctuation (tokenizers' own punctuation class), WhitespaceSplit (White_Space, removed), CharDelimiterSplit (one
 * character, removed), BertPreTokenizer (whitespace removed, then punctuation isolated) and Whitespace
 * ({@code \w+|[^\w\s]+}, everything else removed).
 */
public final class CharClassPreTokenizer implements PreTokenizerStep {
    private static final Pattern WORDS = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);

    private final IntPredicate chars;
    private final SplitBehavior behavior;

    private CharClassPreTokenizer(IntPredicate chars, SplitBehavior behavior) {
        this.chars = chars;
        this.behavior = behavior;
    }

    public static boolean isNumeric(int cp) {
        int t = Character.getType(cp);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    public static PreTokenizerStep digits(boolean individual) {
        return new CharClassPreTokenizer(CharClassPreTokenizer::isNumeric,
                individual ? SplitBehavior.ISOLATED : SplitBehavior.CONTIGUOUS);
    }

    public static PreTokenizerStep punctuation(SplitBehavior behavior) {
        return new CharClassPreTokenizer(HfCharClasses.PUNCTUATION::contains, behavior);
    }

    public static PreTokenizerStep whitespaceSplit() {
        return new CharClassPreTokenizer(WhitespaceCleanup::isWhitespace, SplitBehavior.REMOVED);
    }

    public static PreTokenizerStep charDelimiter(int delimiter) {
        return new CharClassPreTokenizer(c -> c == delimiter, SplitBehavior.REMOVED);
    }

    public static PreTokenizerStep bert() {
        return PreTokenizerStep.sequence(java.util.List.of(whitespaceSplit(), punctuation(SplitBehavior.ISOLATED)));
    }

    public static PreTokenizerStep whitespace() {
        return (text, offset, out) -> SplitBehavior.REMOVED.emit(text, offset,
                SplitBehavior.invert(SplitBehavior.regexMatches(text, WORDS)), out);
    }

    @Override
    public void split(String text, int offset, Sink out) {
        behavior.emit(text, offset, SplitBehavior.charMatches(text, chars), out);
    }
}
