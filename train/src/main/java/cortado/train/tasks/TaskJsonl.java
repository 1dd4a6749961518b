package cortado.train.tasks;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import cortado.data.tokenizer.Encoding;
import cortado.data.tokenizer.HfTokenizer;
import cortado.nn.models.TaskLabels;
import cortado.train.Batches;
import cortado.train.TokenDataException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Task fine-tuning data as JSON Lines, encoded as transformers' example scripts encode it for BERT (the tokenizer's
 * post-processor adds [CLS]/[SEP] and the segment ids; rows longer than {@code maxLength} are cut):
 * <ul>
 *   <li>{@code classify}: {@code {"text": ..., "label": ...}} (run_glue: one sequence, truncated at the end);</li>
 *   <li>{@code tokens}: {@code {"tokens": [words], "labels": [one per word]}} (run_ner: each word encoded on its
 *       own, its first sub-token labelled, the other sub-tokens and the special tokens -100);</li>
 *   <li>{@code qa}: SQuAD's {@code {"question", "context", "answers": {"text": [..], "answer_start": [..]}}}
 *       (run_qa: question then context, only the context truncated; the first answer is the target, as its
 *       training features use; a span cut away by truncation points at [CLS], index 0). The context is encoded in
 *       three pieces, before, inside and after the answer's characters, which gives the same tokens as the whole
 *       context when the answer starts and ends at word boundaries (SQuAD's answers do); one-window only: no
 *       doc_stride windows over long contexts;</li>
 *   <li>{@code choice}: {@code {"question" (or "context"), "choices": [..], "label": i}} (run_swag: each choice
 *       paired with the question; every row of a file has the same number of choices).</li>
 * </ul>
 * Labels may be strings or integers; their names come from the training file (strings sorted, integers 0..max as
 * {@code LABEL_i}) unless given, as for validation data, where an unknown label is an error. Every bad line is one
 * error naming the file, the line and the field.
 */
public final class TaskJsonl {
    private TaskJsonl() {}

    public static TaskData load(Path file, TaskHead head, HfTokenizer tok, int maxLength, TaskLabels labels) {
        List<Map<String, Object>> objs = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < all.size(); i++) {
                if (all.get(i).isBlank()) continue;
                try {
                    objs.add(Json.parseObject(all.get(i)));
                } catch (JsonException e) {
                    throw new TokenDataException(file + ":" + (i + 1) + ": not a JSON object: " + e.getMessage());
                }
                lines.add(i + 1);
            }
        } catch (NoSuchFileException e) {
            throw new TokenDataException(file + ": no such file");
        } catch (IOException e) {
            throw new TokenDataException(file + ": cannot read (" + e.getMessage() + ")");
        }
        if (objs.isEmpty()) throw new TokenDataException(file + ": holds no examples");
        Encoder enc = new Encoder(tok, maxLength);
        String[] where = new String[objs.size()];
        for (int i = 0; i < where.length; i++) where[i] = file + ":" + lines.get(i) + ": ";
        return switch (head) {
            case CLASSIFY -> classify(objs, where, enc, labels, file);
            case TOKENS -> tokens(objs, where, enc, labels, file);
            case QA -> qa(objs, where, enc, file);
            case CHOICE -> choice(objs, where, enc, file);
        };
    }

    private static TaskData classify(List<Map<String, Object>> objs, String[] where, Encoder enc, TaskLabels given, Path file) {
        List<Object> raw = new ArrayList<>();
        for (int i = 0; i < objs.size(); i++) raw.add(labelValue(objs.get(i), "label", where[i]));
        TaskLabels labels = given != null ? given : labelsOf(raw);
        List<Batches.EncoderRow> rows = new ArrayList<>();
        int seq = 0;
        for (int i = 0; i < objs.size(); i++) {
            Encoding e = enc.single(string(objs.get(i), "text", where[i]));
            rows.add(new Batches.EncoderRow(e.ids(), e.typeIds(), null, new int[] {labelId(raw.get(i), labels, where[i] + "field label: ")}));
            seq = Math.max(seq, e.length());
        }
        return new TaskData(TaskHead.CLASSIFY, rows, labels, seq, 1, file.toString());
    }

    private static TaskData tokens(List<Map<String, Object>> objs, String[] where, Encoder enc, TaskLabels given, Path file) {
        List<List<?>> words = new ArrayList<>(), tags = new ArrayList<>();
        List<Object> allTags = new ArrayList<>();
        for (int i = 0; i < objs.size(); i++) {
            List<?> w = list(objs.get(i), "tokens", where[i]), t = list(objs.get(i), "labels", where[i]);
            if (w.size() != t.size())
                throw new TokenDataException(where[i] + "field labels has " + t.size() + " entries for " + w.size() + " tokens");
            for (int j = 0; j < t.size(); j++) {
                if (!(w.get(j) instanceof String))
                    throw new TokenDataException(where[i] + "field tokens: entry " + j + " is not a string");
                Object v = t.get(j);
                if (!(v instanceof String) && !isInteger(v))
                    throw new TokenDataException(where[i] + "field labels: entry " + j + " is not a string or an integer");
                allTags.add(v);
            }
            words.add(w);
            tags.add(t);
        }
        TaskLabels labels = given != null ? given : labelsOf(allTags);
        List<Batches.EncoderRow> rows = new ArrayList<>();
        int seq = 0;
        for (int i = 0; i < objs.size(); i++) {
            List<Integer> ids = new ArrayList<>(), lab = new ArrayList<>();
            for (int j = 0; j < words.get(i).size(); j++) {
                int[] piece = enc.tok.encode((String) words.get(i).get(j));
                int id = labelId(tags.get(i).get(j), labels, where[i] + "field labels: entry " + j + ": ");
                for (int k = 0; k < piece.length; k++) {
                    ids.add(piece[k]);
                    lab.add(k == 0 ? id : IGNORE);   // run_ner's label_all_tokens=False
                }
            }
            int[] content = ids.stream().mapToInt(Integer::intValue).toArray();
            int[] contentLabels = lab.stream().mapToInt(Integer::intValue).toArray();
            int keep = Math.min(content.length, enc.maxLength - enc.singleSpecials);
            Encoding e = enc.tok.postProcessor().process(Arrays.copyOf(content, keep), null, true);
            int at = indexOf(e.ids(), Arrays.copyOf(content, keep), 0);
            int[] targets = new int[e.length()];
            Arrays.fill(targets, IGNORE);
            System.arraycopy(contentLabels, 0, targets, at, keep);
            rows.add(new Batches.EncoderRow(e.ids(), e.typeIds(), null, targets));
            seq = Math.max(seq, e.length());
        }
        return new TaskData(TaskHead.TOKENS, rows, labels, seq, 1, file.toString());
    }

    private static TaskData qa(List<Map<String, Object>> objs, String[] where, Encoder enc, Path file) {
        List<Batches.EncoderRow> rows = new ArrayList<>();
        int seq = 0;
        for (int i = 0; i < objs.size(); i++) {
            Map<String, Object> o = objs.get(i);
            String question = string(o, "question", where[i]), context = string(o, "context", where[i]);
            if (!(o.get("answers") instanceof Map<?, ?> answers))
                throw new TokenDataException(where[i] + "field answers is missing or not an object");
            if (!(answers.get("text") instanceof List<?> texts) || texts.isEmpty() || !(texts.get(0) instanceof String answer))
                throw new TokenDataException(where[i] + "field answers.text must be a non-empty list of strings");
            if (!(answers.get("answer_start") instanceof List<?> starts) || starts.size() != texts.size() || !isInteger(starts.get(0)))
                throw new TokenDataException(where[i] + "field answers.answer_start must list one integer per answer");
            int start = ((Number) starts.get(0)).intValue();
            if (start < 0 || start + answer.length() > context.length() || !context.startsWith(answer, start))
                throw new TokenDataException(where[i] + "field answers: \"" + answer + "\" is not at character " + start
                        + " of the context");
            int[] q = enc.tok.encode(question), before = enc.tok.encode(context.substring(0, start)),
                    span = enc.tok.encode(answer), after = enc.tok.encode(context.substring(start + answer.length()));
            int[] c = concat(before, span, after);
            int room = enc.maxLength - enc.pairSpecials - q.length;
            if (room < 1)
                throw new TokenDataException(where[i] + "field question: " + q.length + " tokens leave no room for the"
                        + " context in " + enc.maxLength);
            int keep = Math.min(c.length, room);
            Encoding e = enc.tok.postProcessor().process(q, Arrays.copyOf(c, keep), true);
            int at = indexOf(e.ids(), Arrays.copyOf(c, keep), q.length);
            int s = at + before.length, t = s + span.length - 1;
            if (span.length == 0 || before.length + span.length > keep) s = t = 0;   // cut away: [CLS]
            rows.add(new Batches.EncoderRow(e.ids(), e.typeIds(), null, new int[] {s, t}));
            seq = Math.max(seq, e.length());
        }
        return new TaskData(TaskHead.QA, rows, null, seq, 1, file.toString());
    }

    private static TaskData choice(List<Map<String, Object>> objs, String[] where, Encoder enc, Path file) {
        int choices = -1, longest = 0;
        List<Encoding[]> encoded = new ArrayList<>();
        int[] labels = new int[objs.size()];
        for (int i = 0; i < objs.size(); i++) {
            Map<String, Object> o = objs.get(i);
            String stem = o.containsKey("question") ? string(o, "question", where[i]) : string(o, "context", where[i]);
            List<?> cs = list(o, "choices", where[i]);
            if (cs.size() < 2) throw new TokenDataException(where[i] + "field choices must hold at least 2 entries");
            if (choices < 0) choices = cs.size();
            else if (cs.size() != choices)
                throw new TokenDataException(where[i] + "field choices has " + cs.size() + " entries, earlier rows "
                        + choices + " (one number of choices per file)");
            if (!isInteger(o.get("label")) || ((Number) o.get("label")).intValue() < 0 || ((Number) o.get("label")).intValue() >= choices)
                throw new TokenDataException(where[i] + "field label must be an integer in [0, " + choices + ")");
            labels[i] = ((Number) o.get("label")).intValue();
            Encoding[] row = new Encoding[choices];
            int[] q = enc.tok.encode(stem);
            for (int k = 0; k < choices; k++) {
                if (!(cs.get(k) instanceof String choice))
                    throw new TokenDataException(where[i] + "field choices: entry " + k + " is not a string");
                int[] a = enc.tok.encode(choice);
                int room = enc.maxLength - enc.pairSpecials;
                int keepA = Math.min(a.length, Math.max(room / 2, room - q.length));   // longest_first, roughly
                int keepQ = Math.min(q.length, room - keepA);
                row[k] = enc.tok.postProcessor().process(Arrays.copyOf(q, keepQ), Arrays.copyOf(a, keepA), true);
                longest = Math.max(longest, row[k].length());
            }
            encoded.add(row);
        }
        List<Batches.EncoderRow> rows = new ArrayList<>();
        for (int i = 0; i < encoded.size(); i++) {
            int[] ids = new int[choices * longest], types = new int[choices * longest], mask = new int[choices * longest];
            for (int k = 0; k < choices; k++) {
                Encoding e = encoded.get(i)[k];
                System.arraycopy(e.ids(), 0, ids, k * longest, e.length());
                System.arraycopy(e.typeIds(), 0, types, k * longest, e.length());
                Arrays.fill(mask, k * longest, k * longest + e.length(), 1);
            }
            rows.add(new Batches.EncoderRow(ids, types, mask, new int[] {labels[i]}));
        }
        return new TaskData(TaskHead.CHOICE, rows, null, choices * longest, choices, file.toString());
    }

    static final int IGNORE = cortado.nn.models.CausalLm.IGNORE_INDEX;

    /** The tokenizer and how many special tokens its post-processor adds to one sequence and to a pair. */
    private static final class Encoder {
        final HfTokenizer tok;
        final int maxLength, singleSpecials, pairSpecials;

        Encoder(HfTokenizer tok, int maxLength) {
            this.tok = tok;
            this.maxLength = maxLength;
            this.singleSpecials = tok.postProcessor().addedTokens(false);
            this.pairSpecials = tok.postProcessor().addedTokens(true);
            if (maxLength <= pairSpecials + 1)
                throw new IllegalArgumentException("--max-length " + maxLength + " leaves no room for the text");
        }

        Encoding single(String text) {
            int[] ids = tok.encode(text);
            return tok.postProcessor().process(Arrays.copyOf(ids, Math.min(ids.length, maxLength - singleSpecials)), null, true);
        }
    }

    private static TaskLabels labelsOf(List<Object> raw) {
        boolean ints = raw.stream().allMatch(TaskJsonl::isInteger);
        if (ints) {
            int max = 0;
            for (Object v : raw) max = Math.max(max, ((Number) v).intValue());
            return TaskLabels.numbered(max + 1);
        }
        TreeSet<String> names = new TreeSet<>();
        for (Object v : raw) names.add(String.valueOf(v));
        return new TaskLabels(List.copyOf(names));
    }

    private static int labelId(Object v, TaskLabels labels, String where) {
        if (isInteger(v)) {
            int id = ((Number) v).intValue();
            if (id < 0 || id >= labels.size())
                throw new TokenDataException(where + "label " + id + " is outside [0, " + labels.size() + ")");
            return id;
        }
        int id = labels.id(String.valueOf(v));
        if (id < 0) throw new TokenDataException(where + "label \"" + v + "\" is not one of " + labels.names());
        return id;
    }

    private static Object labelValue(Map<String, Object> o, String field, String where) {
        Object v = o.get(field);
        if (!(v instanceof String) && !isInteger(v))
            throw new TokenDataException(where + "field " + field + " is missing or not a string or an integer");
        return v;
    }

    private static boolean isInteger(Object v) {
        return v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < 1e9;
    }

    private static String string(Map<String, Object> o, String field, String where) {
        if (!(o.get(field) instanceof String s)) throw new TokenDataException(where + "field " + field + " is missing or not a string");
        return s;
    }

    private static List<?> list(Map<String, Object> o, String field, String where) {
        if (!(o.get(field) instanceof List<?> l)) throw new TokenDataException(where + "field " + field + " is missing or not a list");
        return l;
    }

    private static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) n += p.length;
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Where {@code part} starts in {@code whole} at or after {@code from} (the post-processor only adds tokens around it). */
    private static int indexOf(int[] whole, int[] part, int from) {
        outer:
        for (int i = from; i + part.length <= whole.length; i++) {
            for (int j = 0; j < part.length; j++) if (whole[i + j] != part[j]) continue outer;
            return i;
        }
        throw new IllegalStateException("the post-processor changed the tokens it wraps");
    }
}
