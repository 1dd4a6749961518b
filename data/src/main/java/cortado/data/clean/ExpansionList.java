package cortado.data.clean;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A list of {@code short<TAB>expansion[<TAB>flag]} lines from a resource; '#' starts a comment line. */
record ExpansionList(List<String[]> entries) {
    static ExpansionList resource(String name) {
        try (InputStream in = ExpansionList.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            List<String[]> out = new ArrayList<>();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            int no = 0;
            for (String line; (line = r.readLine()) != null; ) {
                no++;
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split("\t");
                if (f.length < 2) throw new IllegalStateException(name + ":" + no + ": expected short<TAB>expansion");
                out.add(f);
            }
            return new ExpansionList(List.copyOf(out));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
