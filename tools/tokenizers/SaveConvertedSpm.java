import cortado.data.tokenizer.HfTokenizerJson;
import cortado.data.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens every checkpoint directory under DIR (tokenizer.model + tokenizer_config.json) with Cortado and saves the
 * converted tokenizer through Cortado's tokenizer.json writer as OUT/NAME.json, for spm_saved_check.sh.
 * Run: java -cp data/target/classes SaveConvertedSpm.java DIR OUT
 */
public class SaveConvertedSpm {
    public static void main(String[] args) throws Exception {
        try (var dirs = Files.list(Path.of(args[0]))) {
            for (Path d : dirs.sorted().toList()) {
                HfTokenizerJson.save(Tokenizers.open(d), Path.of(args[1], d.getFileName() + ".json"));
            }
        }
    }
}
