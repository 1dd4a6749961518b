package cortado.data.clean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.Character.UnicodeScript;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FiltersTest {
    /** About 120 words of ordinary English prose: passes every Gopher rule. */
    static final String PROSE = """
            The history of the printing press is a story of slow change and sudden consequence. In the middle of the
            fifteenth century, a goldsmith in Mainz combined movable metal type with an oil-based ink and a press
            adapted from those used to make wine. Books that had taken scribes months to copy could now be produced
            by the hundred, and the price of a single volume fell to a fraction of what it had been.

            Within fifty years, presses were running in more than two hundred cities across Europe. Scholars could
            compare the same text in distant libraries, merchants printed price lists, and reformers found that a
            pamphlet could travel faster than any preacher. The press did not create these movements, but it gave
            them a reach that nobody had seen before, and the world that followed was shaped by that reach.
            """;

    private final GopherQualityFilter quality = new GopherQualityFilter(GopherQualityFilter.Config.gopher());
    private final GopherRepetitionFilter repetition = new GopherRepetitionFilter(GopherRepetitionFilter.Config.gopher());

    @Test
    void ordinaryProsePassesEveryGopherRule() {
        assertThat(quality.reject(PROSE)).isNull();
        assertThat(repetition.reject(PROSE)).isNull();
    }

    @Test
    void eachQualityRuleRejectsWhatItShould() {
        assertThat(quality.reject("Too short to be a document.")).isEqualTo("gopher.word_count");
        assertThat(quality.reject("the of and a " + "xy ".repeat(80))).isEqualTo("gopher.mean_word_length");
        assertThat(quality.reject("the and of " + "supercalifragilistic ".repeat(60))).isEqualTo("gopher.mean_word_length");
        assertThat(quality.reject(PROSE + " #tag".repeat(25))).isEqualTo("gopher.symbol_word_ratio");
        StringBuilder bullets = new StringBuilder();
        for (int i = 0; i < 20; i++) bullets.append("- the item number ").append(i).append(" of the list and more\n");
        assertThat(quality.reject(bullets.toString())).isEqualTo("gopher.bullet_lines");
        StringBuilder ell = new StringBuilder();
        for (int i = 0; i < 20; i++)
            ell.append("and then the long story of line number ").append(i).append(" went on and on and on...\n");
        assertThat(quality.reject(ell.toString())).isEqualTo("gopher.ellipsis_lines");
        assertThat(quality.reject("the and of to " + "1234 5678 ".repeat(40))).isEqualTo("gopher.alphabetic_words");
        assertThat(quality.reject("Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ".repeat(6)))
                .isEqualTo("gopher.stop_words");
    }

    @Test
    void thresholdsAreConfigurable() {
        var lenient = new GopherQualityFilter(new GopherQualityFilter.Config(3, 100_000, 1, 20, 1, 1, 1, 0, 0));
        assertThat(lenient.reject("Too short to be a document.")).isNull();
    }

    @Test
    void eachRepetitionRuleRejectsWhatItShould() {
        String para = "A paragraph that says something once and only once here.";
        assertThat(repetition.reject((para + "\n").repeat(5))).isEqualTo("gopher.duplicate_lines");
        // one long line repeated among many distinct short ones: few duplicate lines, but many duplicate characters
        StringBuilder chars = new StringBuilder();
        String longLine = "this long line carries most of the characters of the whole document ".repeat(3);
        for (int i = 0; i < 10; i++) chars.append("short ").append(i).append('\n');
        chars.append(longLine).append('\n').append(longLine).append('\n');
        assertThat(repetition.reject(chars.toString())).isEqualTo("gopher.duplicate_line_chars");
        StringBuilder top = new StringBuilder(PROSE.replace('\n', ' '));
        top.append(" buy now ".repeat(40));
        assertThat(repetition.reject(top.toString())).isEqualTo("gopher.top_2gram");
        // the prose twice, every 11th word changed in the copy: no duplicate line, but duplicate 5..10-grams
        String[] w = PROSE.strip().split("\\s+");
        StringBuilder copy = new StringBuilder(String.join(" ", w));
        for (int i = 0; i < w.length; i++) copy.append(' ').append(i % 11 == 0 ? "changed" + i : w[i]);
        assertThat(repetition.reject(copy.toString())).isEqualTo("gopher.duplicate_5gram");
    }

    @Test
    void blocklistMatchesWholeWordsAndPhrasesCaseInsensitively() {
        var f = new BlocklistFilter(List.of("badword", "very bad phrase"), 1);
        assertThat(f.reject("A BadWord here")).isEqualTo("blocklist");
        assertThat(f.reject("badwords is another word")).isNull();
        assertThat(f.reject("this is a Very  bad, phrase indeed")).isEqualTo("blocklist");
        assertThat(f.reject("very bad things")).isNull();
        var twice = new BlocklistFilter(List.of("badword"), 2);
        assertThat(twice.reject("badword once")).isNull();
        assertThat(twice.reject("badword and badword")).isEqualTo("blocklist");
        assertThat(new BlocklistFilter(BlocklistFilter.DEFAULT_LIST, 1).reject(PROSE)).isNull();
    }

    @Test
    void scriptFilterMeasuresTheShareOfLettersInTheRequiredScripts() {
        var latin = new ScriptFilter(Set.of(UnicodeScript.LATIN), 0.7, 5);
        assertThat(latin.reject(PROSE)).isNull();
        assertThat(latin.reject("Привет, как дела? Это текст на русском языке.")).isEqualTo("script");
        assertThat(latin.reject("12345 !!!")).isEqualTo("script.too_few_letters");
        assertThat(latin.share("abcd Жжжж")).isEqualTo(0.5);
        var cyr = new ScriptFilter(ScriptFilter.parseScripts("cyrillic, latin"), 0.9, 1);
        assertThat(cyr.reject("Привет, world")).isNull();
        assertThatThrownBy(() -> ScriptFilter.parseScripts("klingon")).hasMessageContaining("klingon");
    }

    @Test
    void piiIsReplacedAndCountedWhileLookalikesStay() {
        PiiScrubber p = new PiiScrubber();
        String in = "Mail jane.doe+x@mail.example.org or call (555) 123-4567 / +44 20 7946 0958; "
                + "server 192.168.1.20 and 2001:db8:85a3::8a2e:370:7334. Not PII: 1.2.3.456, v1.2.3, std::vector, "
                + "a::b::c, 2021-05-06, 1 000 000, $19.99, user@localhost, 12:30:45.";
        String out = p.scrub(in);
        assertThat(out).isEqualTo("Mail <EMAIL> or call <PHONE> / <PHONE>; "
                + "server <IP> and <IP>. Not PII: 1.2.3.456, v1.2.3, std::vector, "
                + "a::b::c, 2021-05-06, 1 000 000, $19.99, user@localhost, 12:30:45.");
        assertThat(p.emails()).isEqualTo(1);
        assertThat(p.phones()).isEqualTo(2);
        assertThat(p.ips()).isEqualTo(2);
    }

    @Test
    void exactDedupComparesNormalizedText() {
        for (int bits : new int[] {64, 128}) {
            ExactDeduplicator d = new ExactDeduplicator(bits);
            assertThat(d.isDuplicate("Hello   World\n")).isFalse();
            assertThat(d.isDuplicate("hello world")).isTrue();
            assertThat(d.isDuplicate("hello, world")).isFalse();
            assertThat(d.distinct()).isEqualTo(2);
        }
        assertThatThrownBy(() -> new ExactDeduplicator(32)).hasMessageContaining("64 or 128");
    }

    @Test
    void cleanerCountsEveryRemovalByReasonInOrder() throws Exception {
        CleaningConfig cfg = CleaningConfig.none().withPii(true)
                .withQuality(GopherQualityFilter.Config.gopher())
                .withRepetition(GopherRepetitionFilter.Config.gopher())
                .withBlocklist(List.of("forbidden"), 1)
                .withExactDedup(128);
        try (Cleaner c = new Cleaner(cfg, java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(c.clean(PROSE)).isEqualTo(PROSE);
            assertThat(c.clean(PROSE.toUpperCase())).isNull(); // exact duplicate after normalization
            assertThat(c.clean("short")).isNull();
            assertThat(c.clean(PROSE + " forbidden")).isNull();
            assertThat(c.clean(PROSE + " write to someone@example.com")).endsWith("write to <EMAIL>");
            CleaningReport r = c.report();
            assertThat(r.documentsIn()).isEqualTo(5);
            assertThat(r.documentsOut()).isEqualTo(2);
            assertThat(r.removed()).containsEntry("exact_duplicate", 1L).containsEntry("gopher.word_count", 1L)
                    .containsEntry("blocklist", 1L).hasSize(3);
            assertThat(r.toJson()).containsKeys("documents_in", "documents_out", "removed", "pii_replaced");
        }
    }
}
