package cortado.data.collect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import cortado.data.text.Document;
import cortado.data.text.DocumentReader;
import cortado.data.text.ReadOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Main text kept, navigation and furniture dropped, on pages written for the test in three common layouts. */
class HtmlTextTest {
    @TempDir Path dir;

    static String page(String name) throws IOException {
        try (InputStream in = HtmlTextTest.class.getResourceAsStream(name)) {
            byte[] b = in.readAllBytes();
            return new String(b, HtmlCharset.detect(b, 0, b.length, null));
        }
    }

    @Test
    void newsArticleKeepsHeadlineBylineAndParagraphs() throws IOException {
        HtmlText.Extracted x = HtmlText.extract(page("news.html"));
        assertThat(x.title()).isEqualTo("River levels fall after a week of flooding | The Valley Courier");
        assertThat(x.text()).startsWith("River levels fall after a week of flooding\n\nBy Maria Keller")
                .contains("Water levels on the River Aln dropped below the flood warning mark")
                .contains("\n\nMore than two hundred homes were evacuated")
                .contains("\n\nInsurance claims\n\n")
                .contains("\u201cWe are asking people to photograph the damage before they start clearing out,\u201d")
                .endsWith("apply for the hardship grant of up to \u00a3500 per household.");
        assertThat(x.text()).doesNotContain("Sport", "Business", "Search", "Skip to content", "Home", "Share on",
                "Most read", "cycle lanes", "morning briefing", "cookies", "All rights reserved", "About us", "gtag",
                "font-size");
        assertThat(x.text().split("\n\n")).hasSize(7);
    }

    @Test
    void blogPostKeepsThePostAndDropsMenuSidebarTagsAndFooter() throws IOException {
        HtmlText.Extracted x = HtmlText.extract(page("blog.html"));
        assertThat(x.title()).isEqualTo("Sourdough without a scale - Crumb & Crust");
        assertThat(x.text()).startsWith("Sourdough without a scale\n\nI baked bread for years")
                .contains("Start with one cup of active starter")
                .contains("stretch and fold the dough every forty minutes")
                .endsWith("Bake at 230\u00b0C in a covered pot for twenty minutes, then uncover it and bake for another"
                        + " twenty-five, until the crust is deep brown.");
        assertThat(x.text()).doesNotContain("Recipes", "Contact", "Posted on", "Tags:", "About me", "home baker",
                "Archives", "February 2026", "Blogroll", "Floury", "WordPress");
    }

    @Test
    void forumThreadKeepsThePostsAndDropsUserBoxesPagingReplyFormAndAds() throws IOException {
        HtmlText.Extracted x = HtmlText.extract(page("forum.html"));
        assertThat(x.title()).isEqualTo("Boiler pressure keeps dropping - Home Repair Forum");
        assertThat(x.text()).startsWith("Our combi boiler loses pressure over about two days.")
                .contains("\n\nMost common cause is the pressure relief valve letting by.")
                .contains("\n\nThanks, it was dripping outside!\n\n") // short, kept between two good posts
                .endsWith("the heating comes on and the water expands.");
        assertThat(x.text()).doesNotContain("Forum index", "Log in", "Register", "Page 1", "Next", "gordon_h",
                "Posts:", "pipefitter", "boiler cover", "Quick reply", "Post reply", "phpBB", "Terms");
    }

    @Test
    void linkDenseAndShortBlocksFollowJusTextsRules() {
        String longText = "This paragraph is long enough to be good on its own because it runs past two hundred"
                + " characters of ordinary prose, with sentences that end in full stops and no links at all, as main"
                + " text usually does in articles.";
        String html = "<div><a href=/a>one link</a> <a href=/b>another link</a> and a few words</div>"
                + "<p>" + longText + "</p><p>Short but between good.</p><p>" + longText + "</p>"
                + "<p>Trailing short line.</p>";
        String t = HtmlText.extract(html).text();
        assertThat(t).isEqualTo(longText + "\n\nShort but between good.\n\n" + longText);

        // Nothing good by jusText's rules (one near-good paragraph between bad ends): the near-good blocks are kept.
        String medium = "This domain is for use in documentation examples, and it may be used without asking first.";
        assertThat(HtmlText.extract("<h1>Example</h1><p>" + medium + "</p><p><a href=/more>More information...</a></p>")
                .text()).isEqualTo(medium);
        assertThat(HtmlText.extract("<nav><a href=/>Home</a></nav><p><a href=/x>Only a link here</a></p>").text()).isEmpty();
    }

    @Test
    void charsetFromHeaderThenMetaThenUtf8() {
        byte[] latin = "<meta charset=\"iso-8859-1\"><p>caf\u00e9</p>".getBytes(Charset.forName("windows-1252"));
        assertThat(HtmlCharset.detect(latin, 0, latin.length, null).name()).isEqualTo("windows-1252");
        assertThat(HtmlCharset.detect(latin, 0, latin.length, "text/html; charset=UTF-8").name()).isEqualTo("UTF-8");
        byte[] plain = "<p>x</p>".getBytes();
        assertThat(HtmlCharset.detect(plain, 0, plain.length, "text/html").name()).isEqualTo("UTF-8");
        assertThat(HtmlEntities.decode("a &amp; b &#233;&#x41; &bogus; &")).isEqualTo("a & b \u00e9A &bogus; &");
    }

    @Test
    void htmlFilesInATextTreeBecomeTheirMainText() throws IOException {
        Path tree = dir.resolve("site");
        Files.createDirectories(tree.resolve("posts"));
        Files.writeString(tree.resolve("posts/news.html"), page("news.html"));
        Files.writeString(tree.resolve("posts/empty.htm"), "<nav><a href=/>Home</a></nav>");
        Files.writeString(tree.resolve("notes.txt"), "plain notes");
        List<Document> docs = new ArrayList<>();
        try (DocumentReader r = new DocumentReader(List.of(tree), ReadOptions.defaults(), w -> { })) {
            while (r.hasNext()) docs.add(r.next());
            assertThat(r.stats().skippedRecords()).isEqualTo(java.util.Map.of("html.no_main_text", 1L));
        }
        assertThat(docs).hasSize(2);
        assertThat(docs.get(1).provenance()).isEqualTo(new Provenance(SourceKind.HTML, tree.resolve("posts/news.html").toString(),
                null, null, "River levels fall after a week of flooding | The Valley Courier"));
        assertThat(docs.get(1).text()).isEqualTo(HtmlText.extract(page("news.html")).text());
        assertThat(docs.get(0).provenance().kind()).isEqualTo(SourceKind.TEXT);
    }
}
