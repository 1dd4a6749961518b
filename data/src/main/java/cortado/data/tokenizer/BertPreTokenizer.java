package cortado.data.tokenizer;

import cortado.data.normalize.WhitespaceCleanup;

import java.util.ArrayList;
import java.util.List;

/**
 * BERT's word splitter (HF's BertPreTokenizer): whitespace separates words and is dropped; each punctuation
 * character (ASCII punctuation, which includes symbols such as $ + < = > ^ ` | ~, or any Unicode P* category)
 * becomes a word of its own.
 */
public final class BertPreTokenizer {
    private BertPreTokenizer() {}

    public static boolean isPunctuation(int cp) {
        if (cp < 128) return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126);
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    public static List<String> split(String text) {
        List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            if (WhitespaceCleanup.isWhitespace(cp)) {
                if (start >= 0) { words.add(text.substring(start, i)); start = -1; }
            } else if (isPunctuation(cp)) {
                if (start >= 0) { words.add(text.substring(start, i)); start = -1; }
                words.add(text.substring(i, i + n));
            } else if (start < 0) {
                start = i;
            }
            i += n;
        }
        if (start >= 0) words.add(text.substring(start));
        return words;
    }
}
