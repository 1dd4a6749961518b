package cortado.data.collect;

import java.util.List;

/**
 * The main text of an HTML page: {@link HtmlBlocks} drops scripts, forms and site furniture and cuts the rest into
 * blocks; {@link BoilerplateClassifier} keeps the blocks that read as content. Kept blocks become paragraphs
 * separated by a blank line.
 */
public final class HtmlText {
    /** The extracted text ("" when nothing was kept) and the page title (null if none). */
    public record Extracted(String title, String text) {}

    private HtmlText() {}

    public static Extracted extract(String html) {
        HtmlBlocks.Page page = HtmlBlocks.parse(html);
        List<HtmlBlocks.Block> blocks = page.blocks();
        boolean[] keep = BoilerplateClassifier.keep(blocks);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < blocks.size(); i++) {
            if (!keep[i]) continue;
            if (b.length() > 0) b.append("\n\n");
            b.append(blocks.get(i).text());
        }
        return new Extracted(page.title() == null || page.title().isEmpty() ? null : page.title(), b.toString());
    }
}
