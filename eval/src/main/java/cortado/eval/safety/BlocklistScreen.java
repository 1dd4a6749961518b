package cortado.eval.safety;

import cortado.data.clean.BlocklistFilter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Word and phrase lists through the data module's {@link BlocklistFilter} (C4's bad-words rule: whole lower-cased
 * words, multi-word entries as sequences), so a generation is judged by the rule that cleans training data. With
 * no list given it is the data module's harmful-content filter with its built-in list
 * ({@link BlocklistFilter#DEFAULT_LIST}).
 */
public final class BlocklistScreen implements Screen {
    private final String name;
    private final BlocklistFilter filter;

    public BlocklistScreen(String name, List<String> entries) {
        if (entries.isEmpty()) throw new IllegalArgumentException(name + ": the blocklist is empty");
        this.name = name;
        this.filter = new BlocklistFilter(entries, 1);
    }

    /** The data module's harmful-content filter with its built-in list. */
    public static BlocklistScreen harmfulContent() { return new BlocklistScreen("harmful-content", BlocklistFilter.DEFAULT_LIST); }

    /** A list file: one entry a line, '#' comments (the format {@code cortado prepare --blocklist} reads). */
    public static BlocklistScreen of(Path file) {
        try {
            return new BlocklistScreen("blocklist:" + file.getFileName(), BlocklistFilter.readList(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    @Override public String name() { return name; }

    @Override
    public List<Flag> screen(String text) {
        return filter.reject(text) == null ? List.of() : List.of(new Flag(name, "a blocked word or phrase"));
    }
}
