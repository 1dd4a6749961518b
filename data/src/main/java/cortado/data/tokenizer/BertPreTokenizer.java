package cortado.data.tokenizer;

import cortado.data.normalize.HfCharClasses;
import cortado.data.normalize.WhitespaceCleanup;

import java.util.ArrayList;
import java.util.List;

/**
 * BERT's word splitter (HF's BertPreTokenizer): whitespace separates words and is dropped; each punctuation
 * character (ASCII punctuation, which includes symbols such as $ + < = > ^ ` | ~, or any Unicode P* category, as
 * HF's tables have it) becomes a word of its own. The tokenizer.json pipeline uses
 * {@link CharClassPreTokenizer#bert()}, which splits the same way.
 */
public final class BertPreTokenizer {
    private BertPreTokenizer() {}

    /** ASCII punctuation or Unicode P*, by HF tokenizers' own tables (see {@link HfCharClasses}). */
    public static boolean isPunctuation(int cp) { return HfCharClasses.PUNCTUATION.contains(cp); }

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
