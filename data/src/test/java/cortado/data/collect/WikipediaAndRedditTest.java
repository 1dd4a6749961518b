package cortado.data.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.data.text.BadInputException;
import cortado.data.text.Document;
import cortado.data.text.DocumentReader;
import cortado.data.text.ReadOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WikipediaAndRedditTest {
    @TempDir Path dir;

    static final String ARTICLE = """
            {{Short description|Town in England}}
            {{Infobox settlement
            | name = Alnbury
            | population = {{formatnum:12345}}
            }}
            '''Alnbury''' is a market town on the [[River Aln]] in [[Northumberland|the county of Northumberland]],\
             England.<ref name="census">{{cite web |url=http://example.org |title=Census}}</ref> It had a population of \
            12,345 at the [[2021 United Kingdom census|2021 census]].<ref>Local history, p. 4.</ref>
            [[File:Alnbury bridge.jpg|thumb|The old bridge over the [[River Aln]]]]
            == History ==
            The town grew around a ''medieval'' bridge.<!-- citation needed --> See [https://example.org/history the \
            history society] and [[Bridge (structure)|]].
            {| class="wikitable"
            |-
            ! Year !! Population
            |-
            | 1901 || {{formatnum:4000}}
            |}
            * Markets are held on Thursdays.
            * A fair&nbsp;takes place in May.
            == References ==
            {{Reflist}}
            == External links ==
            * {{Official website|http://example.org}}
            [[Category:Towns in Northumberland]]
            [[de:Alnbury]]
            __NOTOC__
            """;

    static final String PLAIN = """
            Alnbury is a market town on the River Aln in the county of Northumberland, England. It had a population \
            of 12,345 at the 2021 census.

            History

            The town grew around a medieval bridge. See the history society and Bridge.

            Markets are held on Thursdays.
            A fair\u00a0takes place in May.""";

    @Test
    void wikitextBecomesPlainText() {
        assertThat(WikitextToText.convert(ARTICLE)).isEqualTo(PLAIN);
        assertThat(WikitextToText.convert("an {{unclosed template and [[a link]]")).isEqualTo("an {{unclosed template and a link");
        assertThat(WikitextToText.convert("one<br/>two <small>three</small>")).isEqualTo("one\ntwo three");
    }

    static String dump(String... pages) {
        StringBuilder b = new StringBuilder("""
                <mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="en">
                  <siteinfo><sitename>Wikipedia</sitename><base>https://en.wikipedia.org/wiki/Main_Page</base></siteinfo>
                """);
        for (String p : pages) b.append(p);
        return b.append("</mediawiki>\n").toString();
    }

    static String page(String title, int ns, int id, String redirect, String... revisions) {
        StringBuilder b = new StringBuilder("  <page>\n    <title>" + title + "</title>\n    <ns>" + ns + "</ns>\n    <id>" + id + "</id>\n");
        if (redirect != null) b.append("    <redirect title=\"").append(redirect).append("\" />\n");
        int rev = id * 100;
        for (String text : revisions) {
            b.append("    <revision><id>").append(rev++).append("</id><contributor><username>X</username><id>7</id></contributor>")
                    .append("<text bytes=\"").append(text.length()).append("\" xml:space=\"preserve\">")
                    .append(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")).append("</text></revision>\n");
        }
        return b.append("  </page>\n").toString();
    }

    static List<Document> read(Path f, DocumentReader[] keep) throws IOException {
        List<Document> out = new ArrayList<>();
        DocumentReader r = new DocumentReader(List.of(f), ReadOptions.defaults(), w -> { throw new AssertionError(w); });
        try (r) {
            while (r.hasNext()) out.add(r.next());
        }
        keep[0] = r;
        return out;
    }

    @Test
    void dumpPagesStreamedArticlesOnlyLastRevisionWithProvenance() throws IOException {
        Path f = dir.resolve("enwiki-test-pages-articles.xml.gz");
        String xml = dump(page("Alnbury", 0, 12, null, "old text", ARTICLE),
                page("Alnbury Town", 0, 13, "Alnbury", "#REDIRECT [[Alnbury]]"),
                page("Talk:Alnbury", 1, 14, null, "Is the population right? ~~~~"),
                page("Empty stub", 0, 15, null, "{{stub}}"));
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(f))) {
            o.write(xml.getBytes(StandardCharsets.UTF_8));
        }
        DocumentReader[] r = new DocumentReader[1];
        List<Document> docs = read(f, r);
        assertThat(docs).singleElement().satisfies(d -> {
            assertThat(d.text()).isEqualTo(PLAIN);
            assertThat(d.provenance()).isEqualTo(new Provenance(SourceKind.WIKIPEDIA, f.toString(), "12",
                    "https://en.wikipedia.org/wiki/Alnbury", "Alnbury"));
            assertThat(d.provenance().domain()).isEqualTo("en.wikipedia.org");
        });
        assertThat(r[0].stats().skippedRecords()).isEqualTo(Map.of("wikipedia.redirect", 1L,
                "wikipedia.namespace", 1L, "wikipedia.empty", 1L));
    }

    @Test
    void malformedXmlNamesFileLineAndPage() throws IOException {
        Path f = dir.resolve("bad.xml");
        Files.writeString(f, dump(page("Good", 0, 1, null, "Fine text."))
                .replace("</mediawiki>", "<page><title>Broken</title><ns>0</ns><text>unclosed</page></mediawiki>"));
        assertThatThrownBy(() -> read(f, new DocumentReader[1])).isInstanceOf(BadInputException.class)
                .hasMessageMatching(java.util.regex.Pattern.quote(f.toString()) + ":9:\\d+: invalid XML in page 'Broken': .*");
        Path g = dir.resolve("other.xml"); // XML that is not a dump stays plain text, as before dumps were read
        Files.writeString(g, "<?xml version=\"1.0\"?>\n<!-- feed -->\n<rss><channel/></rss>");
        assertThat(read(g, new DocumentReader[1])).singleElement()
                .satisfies(d -> assertThat(d.provenance().kind()).isEqualTo(SourceKind.TEXT));
        assertThatThrownBy(() -> new WikipediaDumpReader(Files.newInputStream(g), g.toString(), s -> { }))
                .hasMessage(g + ": not a MediaWiki XML dump (no <mediawiki> root element)");
        Path x = dir.resolve("xxe.xml");
        Files.writeString(x, "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
                + "<mediawiki><page><title>T</title><ns>0</ns><revision><text>&e;</text></revision></page></mediawiki>");
        assertThatThrownBy(() -> read(x, new DocumentReader[1])).isInstanceOf(BadInputException.class);
    }

    @Test
    void redditCommentsAndSubmissionsDeletedAndRemovedSkipped() throws IOException {
        Path f = dir.resolve("RC_2026-01.jsonl");
        Files.writeString(f, String.join("\n",
                "{\"id\":\"c1\",\"name\":\"t1_c1\",\"author\":\"ann\",\"subreddit\":\"baking\",\"body\":\"Use less water in winter.\","
                        + "\"permalink\":\"/r/baking/comments/x1/bread/c1/\"}",
                "{\"id\":\"c2\",\"author\":\"[deleted]\",\"body\":\"[deleted]\"}",
                "{\"id\":\"c3\",\"author\":\"mod\",\"body\":\"[removed]\"}",
                "{\"id\":\"c4\",\"author\":\"[deleted]\",\"body\":\"The text stays when only the account is gone.\"}",
                "{\"id\":\"x1\",\"title\":\"Why did my bread collapse?\",\"selftext\":\"It rose well, then fell in the oven.\","
                        + "\"permalink\":\"/r/baking/comments/x1/bread/\"}",
                "{\"id\":\"x2\",\"title\":\"A link post\",\"selftext\":\"\",\"url\":\"https://example.org\"}",
                "{\"id\":\"x3\",\"title\":\"Removed post\",\"selftext\":\"[removed]\"}",
                "{\"text\":\"an ordinary record\"}"));
        DocumentReader[] r = new DocumentReader[1];
        List<Document> docs = read(f, r);
        assertThat(docs).extracting(Document::text).containsExactly("Use less water in winter.",
                "The text stays when only the account is gone.", "Why did my bread collapse?\n\nIt rose well, then fell in the oven.",
                "A link post", "an ordinary record");
        assertThat(docs.get(0).provenance()).isEqualTo(new Provenance(SourceKind.REDDIT, f.toString(), "t1_c1",
                "https://www.reddit.com/r/baking/comments/x1/bread/c1/", null));
        assertThat(docs.get(2).provenance().title()).isEqualTo("Why did my bread collapse?");
        assertThat(docs.get(4).provenance()).isEqualTo(new Provenance(SourceKind.JSONL, f.toString(), "8", null, null));
        assertThat(r[0].stats().skippedRecords()).isEqualTo(Map.of("reddit.deleted", 1L, "reddit.removed", 2L));
    }
}
