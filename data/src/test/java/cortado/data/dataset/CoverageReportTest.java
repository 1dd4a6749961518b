package cortado.data.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.clean.CleaningConfig;
import cortado.data.collect.WarcWriter;
import cortado.data.collect.WikitextToText;
import cortado.data.json.Json;
import cortado.data.text.ReadOptions;
import cortado.data.tokenizer.ByteTokenizer;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coverage report of {@code prepare} on a small mixed corpus (a WARC, a Wikipedia dump, a Reddit dump), checked
 * against counts made by hand from the corpus below; each count's reason is in the comment beside it.
 */
class CoverageReportTest {
    @TempDir Path dir;

    // Every text is one paragraph of a known length bucket (asserted below, so the hand counts stay true).
    static final String NEWS_A = "The harbour authority said on Monday that the new ferry terminal will open in June,"
            + " two years later than planned, after the contractor found that the old quay walls needed far more repair"
            + " than the first survey had suggested.";                                                         // 100-299
    static final String NEWS_B = "Farmers in the valley have started the harvest a fortnight early this year. The dry"
            + " and warm spring brought the wheat on quickly, and most growers expect yields close to the ten-year"
            + " average despite the lack of rain in May. The co-operative has hired extra drivers to move the grain to"
            + " the mill before the weather turns, and the mill will run a night shift for the first time since 2019,"
            + " the manager said.";                                                                          // 300-999
    static final String RUSSIAN = "Городская библиотека после ремонта снова открыта для читателей. В новом зале"
            + " можно работать с компьютерами, а детский отдел получил больше места для книг и занятий. Библиотека"
            + " будет работать без выходных до конца лета, сообщила директор.";                              // 100-299
    static final String CASINO = "Play at the best online casino tonight and win big prizes every single hour of the"
            + " day, with free spins for every new player who signs up before midnight and bonus credit on the first"
            + " deposit that you make.";                                                                     // removed
    static final String WIKI_EN = """
            '''Alnbury''' is a market town on the [[River Aln]] in Northumberland, England.<ref>Census 2021.</ref> \
            It grew around a medieval bridge and a weekly market, which is still held on Thursdays in the square in \
            front of the town hall. {{Infobox town|name=Alnbury}}
            == Economy ==
            Most people work in farming, in the small port, or in the hospitals and schools of the district.""";  // 300-999
    static final String WIKI_GREEK = "Η '''Αλνμπέρι''' είναι μικρή πόλη στη βόρεια Αγγλία, κοντά στη θάλασσα, με"
            + " παλιά γέφυρα και εβδομαδιαία αγορά.";                                                         // 100-299
    static final String REDDIT_COMMENT = "Use less water in winter, the flour is drier.";                  // 0-99
    static final String REDDIT_TITLE = "Why did my bread collapse?", REDDIT_SELF = "It rose well, then fell in the oven.";

    static String html(String body) {
        return "<html><head><title>T</title></head><body><nav><a href=/>Home</a> <a href=/news>News</a></nav>"
                + "<article><p>" + body + "</p></article><footer>&copy; 2026 Example</footer></body></html>";
    }

    @SuppressWarnings("unchecked")
    @Test
    void countsEqualHandCountsOnAMixedCorpus() throws IOException {
        assertThat(NEWS_A.length()).isBetween(100, 299);
        assertThat(NEWS_B.length()).isBetween(300, 999);
        assertThat(RUSSIAN.length()).isBetween(100, 299);
        assertThat(REDDIT_COMMENT.length()).isLessThan(100);
        assertThat((REDDIT_TITLE + "\n\n" + REDDIT_SELF).length()).isLessThan(100);
        assertThat(WikitextToText.convert(WIKI_EN).length()).isBetween(300, 999);
        assertThat(WikitextToText.convert(WIKI_GREEK).length()).isBetween(100, 299);

        Path in = dir.resolve("in");
        Files.createDirectories(in);
        try (WarcWriter w = new WarcWriter(in.resolve("crawl.warc.gz"), true)) {
            w.record("WARC/1.0", "warcinfo", null, "application/warc-fields", "software: test\r\n".getBytes()); // skipped
            w.record("WARC/1.0", "request", "https://www.news.example.com/a", "application/http; msgtype=request",
                    "GET /a HTTP/1.1\r\n\r\n".getBytes());                                                     // skipped
            w.html("https://www.news.example.com/a", html(NEWS_A));                   // kept: news.example.com, latin
            w.html("https://news.example.com/b?page=2", html(NEWS_B));                // kept: news.example.com, latin
            w.response("WARC/1.1", "https://news.example.com/gone", "HTTP/1.1 404 Not Found", "Content-Type: text/html",
                    html(NEWS_A).getBytes(StandardCharsets.UTF_8));                                            // skipped
            w.html("https://blog.example.org/c", html(RUSSIAN));                      // kept: blog.example.org, cyrillic
            w.html("https://mirror.example.net/a", html(NEWS_A));                     // removed: exact duplicate of a
            w.html("https://casino.example.net/", html(CASINO));                      // removed: blocklist
        }
        StringBuilder xml = new StringBuilder("<mediawiki><siteinfo><base>https://en.wikipedia.org/wiki/Main_Page</base></siteinfo>");
        String[][] pages = {{"Alnbury", "0", WIKI_EN}, {"Alnbury Town", "0", "#REDIRECT [[Alnbury]]"},
                {"Talk:Alnbury", "1", "Is this right?"}, {"Alnbury (Greek)", "0", WIKI_GREEK}};
        int id = 1;
        for (String[] p : pages)
            xml.append("<page><title>").append(p[0]).append("</title><ns>").append(p[1]).append("</ns><id>").append(id++)
                    .append("</id><revision><text>").append(p[2].replace("&", "&amp;").replace("<", "&lt;"))
                    .append("</text></revision></page>\n");
        Files.writeString(in.resolve("wiki.xml"), xml.append("</mediawiki>\n"));
        Files.writeString(in.resolve("RC_2026-01.jsonl"), String.join("\n",
                Json.write(Map.of("id", "c1", "body", REDDIT_COMMENT, "permalink", "/r/baking/comments/x1/b/c1/")), // kept
                Json.write(Map.of("id", "c2", "body", "[deleted]")),                                              // skipped
                Json.write(Map.of("id", "c3", "body", "Try the " + CASINO, "permalink", "/r/x/comments/c3/")),   // blocklist
                Json.write(Map.of("id", "x1", "title", REDDIT_TITLE, "selftext", REDDIT_SELF,
                        "permalink", "/r/baking/comments/x1/b/"))) + "\n");                                       // kept

        Path out = dir.resolve("out");
        CleaningConfig cleaning = CleaningConfig.none().withExactDedup(128).withBlocklist(List.of("casino"), 1);
        PrepareConfig config = new PrepareConfig(List.of(in), ReadOptions.defaults(), cleaning, new ByteTokenizer(),
                "bytes", out, 0, 0, Chunking.CONCAT, ShardFormat.LLMC, false, 1, 1_000_000, 1 << 20);
        Map<String, Object> report = new PrepareJob(config, PrepareJobTest.QUIET).run();
        assertThat((List<String>) report.get("coverage")).containsExactlyElementsOf(CoverageReport.FILES);

        String covText = Files.readString(out.resolve("coverage.json"));
        // the same bytes from every JVM (Map.of's order is salted per JVM, which made prepare's and Spark's files differ)
        assertThat(covText).contains("\"exact_duplicate\":{\"documents\":1,\"share\":0.2}");
        Map<String, Object> cov = (Map<String, Object>) Json.parse(covText);
        Map<String, Object> all = (Map<String, Object>) cov.get("all");
        Map<String, Object> src = (Map<String, Object>) cov.get("sources");
        Map<String, Object> warc = (Map<String, Object>) src.get("warc"), wiki = (Map<String, Object>) src.get("wikipedia"),
                reddit = (Map<String, Object>) src.get("reddit");
        assertThat(src.keySet()).containsExactly("warc", "wikipedia", "reddit"); // files in sorted order: RC_, crawl, wiki; kinds by enum
        // WARC: 5 HTML 200 responses; a, b, c kept; the mirror of a a duplicate; the casino page blocked.
        assertThat(warc).containsEntry("documents_in", 5L).containsEntry("documents_out", 3L);
        assertThat((Map<String, Object>) warc.get("removed")).isEqualTo(Map.of(
                "exact_duplicate", Map.of("documents", 1L, "share", 0.2), "blocklist", Map.of("documents", 1L, "share", 0.2)));
        assertThat(warc.get("scripts")).isEqualTo(Map.of("latin", 2L, "cyrillic", 1L));
        assertThat(warc.get("domains")).isEqualTo(Map.of("news.example.com", 2L, "blog.example.org", 1L));
        assertThat(warc.get("lengths")).isEqualTo(lengths(0, 2, 1));
        // Wikipedia: 4 pages, 2 articles (English, Greek); the redirect and the talk page skipped.
        assertThat(wiki).containsEntry("documents_in", 2L).containsEntry("documents_out", 2L);
        assertThat(wiki.get("scripts")).isEqualTo(Map.of("latin", 1L, "greek", 1L));
        assertThat(wiki.get("domains")).isEqualTo(Map.of("en.wikipedia.org", 2L));
        assertThat(wiki.get("lengths")).isEqualTo(lengths(0, 1, 1));
        // Reddit: 4 lines; the deleted comment skipped, the casino comment blocked, a comment and a submission kept.
        assertThat(reddit).containsEntry("documents_in", 3L).containsEntry("documents_out", 2L);
        assertThat((Map<String, Object>) reddit.get("removed")).isEqualTo(Map.of("blocklist",
                Map.of("documents", 1L, "share", 0.333333)));
        assertThat(reddit.get("scripts")).isEqualTo(Map.of("latin", 2L));
        assertThat(reddit.get("domains")).isEqualTo(Map.of("reddit.com", 2L));
        assertThat(reddit.get("lengths")).isEqualTo(lengths(2, 0, 0));
        // All: 10 documents in, 7 kept.
        assertThat(all).containsEntry("documents_in", 10L).containsEntry("documents_out", 7L);
        assertThat(all.get("scripts")).isEqualTo(Map.of("latin", 5L, "cyrillic", 1L, "greek", 1L));
        assertThat(all.get("lengths")).isEqualTo(lengths(2, 3, 2));
        assertThat(cov.get("skipped_records")).isEqualTo(Map.of("warc.warcinfo", 1L, "warc.request", 1L,
                "http.status", 1L, "wikipedia.redirect", 1L, "wikipedia.namespace", 1L, "reddit.deleted", 1L));
        assertThat(report.get("documents_in")).isEqualTo(10L);

        String md = Files.readString(out.resolve("coverage.md"));
        assertThat(md).contains("| warc | 5 | 3 | 2 |", "| wikipedia | 2 | 2 | 0 |", "| reddit | 3 | 2 | 1 |",
                "| **all** | 10 | 7 | 3 |", "| blocklist | 1 (20.0%) | 0 | 1 (33.3%) | 2 (20.0%) |",
                "| cyrillic | 1 | 0 | 0 | 1 |", "| news.example.com | 2 | 0 | 0 | 2 |");
        for (String png : List.of("coverage-scripts.png", "coverage-domains.png", "coverage-lengths.png", "coverage-removed.png")) {
            BufferedImage img = ImageIO.read(out.resolve(png).toFile());
            assertThat(img.getWidth()).as(png).isEqualTo(960);
            assertThat(img.getHeight()).as(png).isGreaterThan(100);
        }
    }

    /** A lengths map with the first three buckets given and the rest zero. */
    static Map<String, Object> lengths(long b0, long b1, long b2) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        long[] v = {b0, b1, b2};
        for (int b = 0; b < CoverageReport.LENGTH_EDGES.length; b++) m.put(CoverageReport.bucketLabel(b), b < 3 ? v[b] : 0L);
        return m;
    }
}
