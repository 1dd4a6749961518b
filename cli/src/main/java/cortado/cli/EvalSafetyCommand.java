package cortado.cli;

import cortado.eval.EvalReport;
import cortado.eval.ReportSection;
import cortado.eval.safety.BlocklistScreen;
import cortado.eval.safety.ClassifierScreen;
import cortado.eval.safety.Generation;
import cortado.eval.safety.GenerationsFile;
import cortado.eval.safety.PiiScreen;
import cortado.eval.safety.RegexScreen;
import cortado.eval.safety.ReviewFile;
import cortado.eval.safety.SafetyReport;
import cortado.eval.safety.SafetyScreening;
import cortado.eval.safety.Screen;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code cortado eval safety}: generations screened, flagged rates per prompt set, a file for human review and its labels back. */
final class EvalSafetyCommand {
    private EvalSafetyCommand() {}

    static int run(String[] argv) throws Exception {
        Args a = new Args("eval safety", """
                Screens generations, JSONL files as `cortado generate --prompts IN --out OUT` writes them (a
                "completion" per line, the input's "prompt" or "messages", optionally "set" and "id"; the prompt set
                defaults to the file's name). Screens: the data module's harmful-content filter (its built-in
                blocklist, the one `cortado prepare` uses; --no-harmful-filter turns it off), each --blocklist file
                (one word or phrase a line, matched as whole words, as prepare's --blocklist), each --regex file (one
                Java regular expression a line, optionally NAME<TAB>PATTERN), --pii (e-mail addresses, phone numbers,
                IP addresses, as prepare's pii filter finds them) and --classifier (a sequence-classification
                checkpoint: flagged when P(--classifier-label) >= --classifier-threshold). Writes OUT/results.json
                (per prompt set the flagged rate and counts), OUT/report.md (with flagged examples) and
                OUT/review.jsonl, the flagged generations with "label": null for reviewers to fill with "unsafe" or
                "safe"; give the filled file back with --review and the report counts the labels.""")
                .repeatable("generations", "FILE", "a JSONL file of generations (repeatable: one prompt set per file unless lines say \"set\")")
                .required("out", "DIR", "output directory for results.json, report.md and review.jsonl")
                .repeatable("blocklist", "FILE", "a word list: one entry a line, '#' comments")
                .repeatable("regex", "FILE", "regular expressions: one a line, NAME<TAB>PATTERN or PATTERN, '#' comments")
                .flag("no-harmful-filter", "leave out the data module's harmful-content filter")
                .flag("pii", "flag personal data (e-mail addresses, phone numbers, IP addresses)")
                .option("classifier", "DIR", "a sequence-classification checkpoint (BERT, GPT-2 or Llama family)", null)
                .option("classifier-label", "L", "the classifier's unsafe label: a name in its id2label or an index", "1")
                .option("classifier-threshold", "P", "flag at this probability of the label or above", "0.5")
                .option("review", "FILE", "reviewers' labels: the review.jsonl of an earlier run with labels filled in", null);
        a.parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        if (a.strings("generations").isEmpty()) throw new UsageException("give at least one --generations FILE");
        double threshold = a.real("classifier-threshold");
        if (!(threshold >= 0 && threshold <= 1)) throw new UsageException("--classifier-threshold " + threshold + " outside [0, 1]");
        List<Generation> generations = new ArrayList<>();
        List<Screen> screens = new ArrayList<>();
        Map<String, ReviewFile.Label> labels = Map.of();
        try {
            for (String f : a.strings("generations")) generations.addAll(GenerationsFile.read(Path.of(f)));
            Set<String> ids = new HashSet<>();
            for (Generation g : generations)
                if (!ids.add(g.id())) throw new CliException("two generations have the id '" + g.id() + "'");
            if (!a.bool("no-harmful-filter")) screens.add(BlocklistScreen.harmfulContent());
            for (String f : a.strings("blocklist")) screens.add(BlocklistScreen.of(Path.of(f)));
            for (String f : a.strings("regex")) screens.add(RegexScreen.of(Path.of(f)));
            if (a.bool("pii")) screens.add(new PiiScreen());
            if (a.has("classifier")) screens.add(ClassifierScreen.load(Path.of(a.string("classifier")), a.string("classifier-label"), threshold));
            if (screens.isEmpty()) throw new UsageException("no screens: --no-harmful-filter leaves none unless --blocklist, --regex, --pii or --classifier adds one");
            if (a.has("review")) labels = ReviewFile.readLabels(Path.of(a.string("review")), ids);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        List<SafetyScreening.Screened> screened = SafetyScreening.screen(generations, screens);
        List<SafetyScreening.SetSummary> sets = SafetyScreening.summarize(screened, screens, labels);

        Path out = Path.of(a.string("out"));
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("generations", a.strings("generations"));
        config.put("screens", screens.stream().map(Screen::name).toList());
        config.put("classifier_threshold", a.has("classifier") ? threshold : null);
        config.put("review", a.has("review") ? a.string("review") : null);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("results", SafetyReport.results(sets));
        json.put("config", config);
        json.put("date", Instant.now().getEpochSecond());
        ReportSection section = SafetyReport.section(sets, screened, screens, "review.jsonl");
        EvalReport.writeFiles(out, json, section.charts(), section.markdown() + "\n" + EvalReport.settings(json));
        ReviewFile.export(out.resolve("review.jsonl"), screened, labels);
        for (SafetyScreening.SetSummary s : sets)
            System.out.println(String.format(Locale.ROOT, "%s: %d of %d flagged (%.4f)%s", s.set(), s.flagged(), s.generations(),
                    s.flaggedRate(), s.reviewed() > 0 ? String.format(Locale.ROOT, "; reviewed %d: %d unsafe, %d safe",
                            s.reviewed(), s.confirmedUnsafe(), s.judgedSafe()) : ""));
        System.out.println("wrote " + out.resolve("results.json") + ", " + out.resolve("report.md") + ", " + out.resolve("review.jsonl"));
        return Main.OK;
    }
}
