package cortado.data.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a SentencePiece {@code tokenizer.model} (the {@code ModelProto} of sentencepiece_model.proto) that the
 * slow-to-fast conversion reads: the pieces with scores and types, the trainer spec's model type, byte fallback and
 * special-piece ids, and the normalizer spec. Other fields are skipped by wire type.
 */
record SentencePieceModel(List<Piece> pieces, Trainer trainer, Normalizer normalizer) {
    /** sentencepiece_model.proto's SentencePiece.Type. */
    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;
    /** TrainerSpec.ModelType. */
    static final int UNIGRAM = 1, BPE = 2, WORD = 3, CHAR = 4;

    record Piece(String piece, float score, int type) {}

    record Trainer(int modelType, boolean byteFallback, int unkId, int bosId, int eosId, int padId,
                   String unkPiece, String bosPiece, String eosPiece, String padPiece) {}

    /** {@code precompiledCharsmap} is empty for the identity normalizer. */
    record Normalizer(String name, byte[] precompiledCharsmap, boolean addDummyPrefix, boolean removeExtraWhitespaces) {}

    /** Real models are well under this (Llama 2: 0.5 MB, Gemma: 4 MB); a larger file is not a tokenizer model. */
    static final long MAX_BYTES = 64L << 20;

    static SentencePieceModel read(Path file) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) throw TokenizerException.in(file.toString(), size + " bytes is too large for a SentencePiece model");
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw TokenizerException.in(file.toString(), "cannot read: " + e.getMessage());
        }
        if (looksLikeTiktoken(bytes)) {
            throw TokenizerException.in(file.toString(), "a tiktoken rank file (as Llama 3's original/tokenizer.model), not a "
                    + "SentencePiece model; open the checkpoint's tokenizer.json instead");
        }
        return parse(bytes, file.toString());
    }

    /** A first line "base64 rank": a ModelProto starts with a pieces tag (0x0A), never with such text. */
    static boolean looksLikeTiktoken(byte[] b) {
        int i = 0;
        while (i < b.length && i < 200 && (Character.isLetterOrDigit(b[i]) || b[i] == '+' || b[i] == '/' || b[i] == '=')) i++;
        if (i == 0 || i >= b.length || b[i] != ' ') return false;
        int j = ++i;
        while (i < b.length && b[i] >= '0' && b[i] <= '9') i++;
        return i > j && (i == b.length || b[i] == '\n' || b[i] == '\r');
    }

    static SentencePieceModel parse(byte[] bytes, String file) {
        String field = "ModelProto";
        try {
            ProtoWire w = new ProtoWire(bytes);
            List<Piece> pieces = new ArrayList<>();
            Trainer trainer = trainer(null);
            Normalizer normalizer = normalizer(null);
            while (w.hasMore()) {
                int tag = w.tag();
                switch (tag >>> 3) {
                    case 1 -> {
                        field = "pieces[" + pieces.size() + "]";
                        ProtoWire.expect(tag, ProtoWire.LENGTH_DELIMITED, field);
                        pieces.add(piece(w.message()));
                    }
                    case 2 -> {
                        field = "trainer_spec";
                        ProtoWire.expect(tag, ProtoWire.LENGTH_DELIMITED, field);
                        trainer = trainer(w.message());
                    }
                    case 3 -> {
                        field = "normalizer_spec";
                        ProtoWire.expect(tag, ProtoWire.LENGTH_DELIMITED, field);
                        normalizer = normalizer(w.message());
                    }
                    default -> {
                        field = "field " + (tag >>> 3);
                        w.skip(tag);
                    }
                }
                field = "ModelProto";
            }
            if (pieces.isEmpty()) throw TokenizerException.in(file, "not a SentencePiece model: no pieces");
            return new SentencePieceModel(List.copyOf(pieces), trainer, normalizer);
        } catch (ProtoWire.Malformed e) {
            throw TokenizerException.in(file, "malformed SentencePiece model at " + field + ": " + e.getMessage());
        }
    }

    private static Piece piece(ProtoWire w) {
        String piece = null;
        float score = 0;
        int type = NORMAL;
        while (w.hasMore()) {
            int tag = w.tag();
            switch (tag >>> 3) {
                case 1 -> { ProtoWire.expect(tag, ProtoWire.LENGTH_DELIMITED, "piece"); piece = w.string(); }
                case 2 -> { ProtoWire.expect(tag, ProtoWire.FIXED32, "score"); score = w.fixed32Float(); }
                case 3 -> { ProtoWire.expect(tag, ProtoWire.VARINT, "type"); type = w.int32(); }
                default -> w.skip(tag);
            }
        }
        if (piece == null || piece.isEmpty()) throw new ProtoWire.Malformed("piece is missing or empty");
        if (type < NORMAL || type > BYTE) throw new ProtoWire.Malformed("type " + type + " is not a SentencePiece.Type");
        return new Piece(piece, score, type);
    }

    /** The trainer spec; {@code w == null} gives the proto's defaults. */
    private static Trainer trainer(ProtoWire w) {
        int modelType = UNIGRAM, unk = 0, bos = 1, eos = 2, pad = -1;
        boolean byteFallback = false;
        String unkP = "<unk>", bosP = "<s>", eosP = "</s>", padP = "<pad>";
        while (w != null && w.hasMore()) {
            int tag = w.tag();
            int n = tag >>> 3;
            switch (n) {
                case 3, 35, 40, 41, 42, 43 -> {
                    ProtoWire.expect(tag, ProtoWire.VARINT, "trainer_spec field " + n);
                    long v = w.varint();
                    switch (n) {
                        case 3 -> modelType = (int) v;
                        case 35 -> byteFallback = v != 0;
                        case 40 -> unk = (int) v;
                        case 41 -> bos = (int) v;
                        case 42 -> eos = (int) v;
                        default -> pad = (int) v;
                    }
                }
                case 45, 46, 47, 48 -> {
                    ProtoWire.expect(tag, ProtoWire.LENGTH_DELIMITED, "trainer_spec field " + n);
                    String s = w.string();
                    switch (n) {
                        case 45 -> unkP = s;
                        case 46 -> bosP = s;
                        case 47 -> eosP = s;
                        default -> padP = s;
                    }
                }
                default -> w.skip(tag);
            }
        }
        return new Trainer(modelType, byteFallback, unk, bos, eos, pad, unkP, bosP, eosP, padP);
    }

    private static Normalizer normalizer(ProtoWire w) {
        String name = "";
        byte[] charsmap = new byte[0];
        boolean dummy = true, squeeze = true;
        while (w != null && w.hasMore()) {
            int tag = w.tag();
            switch (tag >>> 3) {
                case 1 -> { ProtoWire.expect(tag, ProtoWire.LENGTH_DELIMITED, "normalizer_spec.name"); name = w.string(); }
                case 2 -> { ProtoWire.expect(tag, ProtoWire.LENGTH_DELIMITED, "normalizer_spec.precompiled_charsmap"); charsmap = w.bytes(); }
                case 3 -> { ProtoWire.expect(tag, ProtoWire.VARINT, "normalizer_spec.add_dummy_prefix"); dummy = w.bool(); }
                case 4 -> { ProtoWire.expect(tag, ProtoWire.VARINT, "normalizer_spec.remove_extra_whitespaces"); squeeze = w.bool(); }
                default -> w.skip(tag);
            }
        }
        return new Normalizer(name, charsmap, dummy, squeeze);
    }
}
