package cortado.data.clean;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Removes documents containing blocked words or phrases, in the way C4 removes pages with a word from its "bad words"
 * list (Raffel et al. 2020, section 2.2). Entries are matched as whole lower-cased words (letter/digit runs); an entry
 * of several words matches that sequence. A document is removed at {@code minHits} matches ({@code blocklist}).
 *
 * <p>The default list is deliberately small (explicit adult-content terms); real use brings its own lists, one entry
 * per line, '#' starting a comment.
 */
public final class BlocklistFilter implements DocumentFilter {
    /** A small seed list; not meant to be complete. */
    public static final List<String> DEFAULT_LIST = List.of(
            "porn", "porno", "pornography", "pornographic", "xxx", "hentai", "nsfw", "camgirl", "camgirls",
            "milf", "gangbang", "blowjob", "handjob", "cumshot", "bdsm", "escort service", "sex cam", "nude pics",
            "child pornography");

    private final Set<String> single = new HashSet<>();
    private final Set<String> phrases = new HashSet<>();
    private final int maxPhraseWords;
    private final int minHits;

    public BlocklistFilter(List<String> entries, int minHits) {
        if (minHits < 1) throw new IllegalArgumentException("minHits must be >= 1");
        int maxWords = 1;
        for (String e : entries) {
            List<String> w = words(e);
            if (w.isEmpty()) continue;
            if (w.size() == 1) single.add(w.getFirst());
            else phrases.add(String.join(" ", w));
            maxWords = Math.max(maxWords, w.size());
        }
        this.maxPhraseWords = maxWords;
        this.minHits = minHits;
    }

    /** Reads a word list: one entry per line, blank lines and lines starting with '#' ignored. */
    public static List<String> readList(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("#")) out.add(t);
        }
        return out;
    }

    @Override
    public String reject(String text) {
        List<String> w = words(text);
        int hits = 0;
        for (int i = 0; i < w.size(); i++) {
            if (single.contains(w.get(i)) && ++hits >= minHits) return "blocklist";
            if (!phrases.isEmpty()) {
                StringBuilder p = new StringBuilder(w.get(i));
                for (int k = 1; k < maxPhraseWords && i + k < w.size(); k++) {
                    p.append(' ').append(w.get(i + k));
                    if (phrases.contains(p.toString()) && ++hits >= minHits) return "blocklist";
                }
            }
        }
        return null;
    }

    private static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        int i = 0, n = text.length();
        while (i < n) {
            while (i < n && !Character.isLetterOrDigit(text.charAt(i))) i++;
            int s = i;
            while (i < n && Character.isLetterOrDigit(text.charAt(i))) i++;
            if (i > s) out.add(text.substring(s, i).toLowerCase(Locale.ROOT));
        }
        return out;
    }
}
