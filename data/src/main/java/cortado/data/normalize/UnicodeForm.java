package cortado.data.normalize;

import java.text.Normalizer;
import java.util.BitSet;

/**
 * Unicode normalization forms (UAX #15): NFC/NFD compose/decompose; NFKC/NFKD also fold compatibility characters.
 *
 * <p>As HF tokenizers applies them: its normalization tables (the crate unicode-normalization-alignments) are older
 * than the JDK's, so a code point that gained a decomposition since (U+32FF ㋿ NFKD = 令和, for one) is left alone
 * there. Such code points are kept as they are here too: the text is normalized in stretches between them. Which code
 * points HF changes is probed from tokenizers ({@code <form>_changes} in hf_char_classes.txt); the ones the JDK
 * changes besides are found once, on first use.
 */
public enum UnicodeForm implements TextNormalizer {
    NFC(Normalizer.Form.NFC, "nfc_changes"), NFD(Normalizer.Form.NFD, "nfd_changes"),
    NFKC(Normalizer.Form.NFKC, "nfkc_changes"), NFKD(Normalizer.Form.NFKD, "nfkd_changes");

    private final Normalizer.Form form;
    private final String hfClass;
    private volatile BitSet frozen;

    UnicodeForm(Normalizer.Form form, String hfClass) {
        this.form = form;
        this.hfClass = hfClass;
    }

    @Override
    public String normalize(String text) {
        if (Normalizer.isNormalized(text, form)) return text;
        BitSet keep = frozen();
        int at = -1;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (keep.get(cp)) { at = i; break; }
            i += Character.charCount(cp);
        }
        if (at < 0) return Normalizer.normalize(text, form);
        StringBuilder b = new StringBuilder(text.length() + 16);
        int start = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            if (keep.get(cp)) {
                b.append(Normalizer.normalize(text.substring(start, i), form)).appendCodePoint(cp);
                start = i + n;
            }
            i += n;
        }
        return b.append(Normalizer.normalize(text.substring(start), form)).toString();
    }

    /** Code points the JDK changes under this form and HF tokenizers does not. */
    private BitSet frozen() {
        BitSet f = frozen;
        if (f != null) return f;
        HfCharClasses hf = HfCharClasses.named(hfClass);
        f = new BitSet(0x110000);
        for (int cp = 0; cp < 0x110000; cp++) {
            if (cp >= 0xD800 && cp <= 0xDFFF) continue;
            if (hf.contains(cp)) continue;
            int t = Character.getType(cp);
            if (t == Character.UNASSIGNED || t == Character.PRIVATE_USE) continue;
            String s = Character.toString(cp);
            if (!Normalizer.isNormalized(s, form)) f.set(cp);
        }
        frozen = f;
        return f;
    }
}
