package cortado.data.normalize;

import java.text.Normalizer;

/** Unicode normalization forms (UAX #15): NFC/NFD compose/decompose; NFKC/NFKD also fold compatibility characters. */
public enum UnicodeForm implements TextNormalizer {
    NFC(Normalizer.Form.NFC), NFD(Normalizer.Form.NFD), NFKC(Normalizer.Form.NFKC), NFKD(Normalizer.Form.NFKD);

    private final Normalizer.Form form;

    UnicodeForm(Normalizer.Form form) { this.form = form; }

    @Override
    public String normalize(String text) {
        return Normalizer.isNormalized(text, form) ? text : Normalizer.normalize(text, form);
    }
}
