package cortado.serve.json;

import java.util.ArrayList;
import java.util.List;

/**
 * A byte-level pushdown automaton for the JSON documents (RFC 8259) of one {@link SchemaNode}: fed a document's UTF-8
 * bytes one at a time, it says at each byte whether the prefix can still become such a document, and whether it is
 * one already. A state is a set of stacks (several while an {@code anyOf} or {@code enum} is undecided, as in a
 * nondeterministic pushdown automaton); each stack is immutable and shared, so a state may be kept and fed from many
 * times (the token trie walks branch from one state). Stack frames hold the construct being read; the frame below
 * is the enclosing one already in the stage it resumes at, so finishing a value is popping it.
 *
 * <p>Bounds that keep a sampled document finite where JSON has none: at most {@value #MAX_WHITESPACE} whitespace
 * bytes in a row, at most {@value #MAX_DIGITS} digits in a number's integer or fraction part and
 * {@value #MAX_EXPONENT_DIGITS} in its exponent (so every number is a finite double: below 1e115, where JSON
 * readers that parse to doubles would otherwise get infinity).
 * Strings must be valid UTF-8 (no overlong forms, no surrogates) without raw control characters. A document is the
 * value alone: nothing may follow it, not even whitespace.
 */
public final class JsonAutomaton {
    static final int MAX_WHITESPACE = 16;
    static final int MAX_DIGITS = 15;
    static final int MAX_EXPONENT_DIGITS = 2;

    /** Where a document stands after some bytes; {@link #dead} when no document starts so. */
    public record State(List<Stack> stacks) {
        public boolean dead() { return stacks.isEmpty(); }
    }

    /** An immutable stack of frames; {@code rest} null at the bottom. */
    record Stack(Frame top, Stack rest) {}

    private final SchemaNode root;
    private final State start;

    public JsonAutomaton(SchemaNode root) {
        this.root = root;
        this.start = new State(List.of(new Stack(new Value(root, 0), null)));
    }

    public SchemaNode root() { return root; }

    /** Before the first byte. */
    public State start() { return start; }

    /** The state after byte {@code b} (0..255); the same instance when nothing changes (inside a string). */
    public State feed(State s, int b) {
        List<Stack> stacks = s.stacks;
        if (stacks.size() == 1) {
            Stack only = stacks.getFirst();
            List<Stack> out = new ArrayList<>(1);
            only.top.feed(b, only, out);
            if (out.size() == 1 && out.getFirst() == only) return s;
            return new State(out);
        }
        List<Stack> out = new ArrayList<>(stacks.size());
        for (Stack st : stacks) st.top.feed(b, st, out);
        return new State(dedupe(out));
    }

    /** The state after {@code bytes} from {@code s}. */
    public State feed(State s, byte[] bytes) {
        for (int i = 0; i < bytes.length && !s.dead(); i++) s = feed(s, bytes[i] & 0xff);
        return s;
    }

    /** Whether the bytes so far are a whole document of the schema. */
    public boolean complete(State s) {
        for (Stack st : s.stacks) if (st.top.canEnd(st)) return true;
        return false;
    }

    /** Whether {@code text} (all of it) is a document of the schema. */
    public boolean accepts(byte[] text) { return complete(feed(start, text)); }

    private static List<Stack> dedupe(List<Stack> out) {
        if (out.size() < 2) return out;
        List<Stack> unique = new ArrayList<>(out.size());
        for (Stack st : out) if (!unique.contains(st)) unique.add(st);
        return unique;
    }

    /** The stack once the value on top of it is done: the enclosing frame, or the end of the document. */
    private static Stack pop(Stack st) { return st.rest == null ? END : st.rest; }

    private static final Stack END = new Stack(new End(), null);

    private static boolean whitespace(int b) { return b == ' ' || b == '\n' || b == '\r' || b == '\t'; }

    private static boolean digit(int b) { return b >= '0' && b <= '9'; }

    /** One construct being read. */
    sealed interface Frame {
        /** Appends the stacks that follow {@code self} (this frame on top) after byte {@code b}. */
        void feed(int b, Stack self, List<Stack> out);

        /** Whether the document may end here. */
        default boolean canEnd(Stack self) { return false; }
    }

    /** The document is complete; no byte may follow. */
    record End() implements Frame {
        public void feed(int b, Stack self, List<Stack> out) {}

        public boolean canEnd(Stack self) { return true; }
    }

    /** A value of {@code node} is due, after {@code ws} whitespace bytes. */
    record Value(SchemaNode node, int ws) implements Frame {
        public void feed(int b, Stack self, List<Stack> out) {
            if (whitespace(b)) {
                if (ws < MAX_WHITESPACE) out.add(new Stack(new Value(node, ws + 1), self.rest));
                return;
            }
            begin(node, b, self.rest, out);
        }
    }

    /** Starts a value of {@code node} with its first byte {@code b}, above {@code rest}. */
    static void begin(SchemaNode node, int b, Stack rest, List<Stack> out) {
        switch (node) {
            case SchemaNode.RefNode r -> begin(r.target, b, rest, out);
            case SchemaNode.AnyOfNode a -> { for (SchemaNode alt : a.alternatives) begin(alt, b, rest, out); }
            case SchemaNode.LiteralNode l -> {
                if (l.text[0] != (byte) b) return;
                out.add(l.text.length == 1 ? (rest == null ? END : rest) : new Stack(new Literal(l, 1), rest));
            }
            case SchemaNode.StringNode s -> { if (b == '"') out.add(new Stack(Str.PLAIN, rest)); }
            case SchemaNode.NumberNode n -> {
                if (b == '-') out.add(new Stack(new Num(n.integer, Num.MINUS, 0), rest));
                else if (b == '0') out.add(new Stack(new Num(n.integer, Num.ZERO, 1), rest));
                else if (digit(b)) out.add(new Stack(new Num(n.integer, Num.INT, 1), rest));
            }
            case SchemaNode.ObjectNode o -> { if (b == '{') out.add(new Stack(new Obj(o, Obj.OPEN, 0, 0, 0), rest)); }
            case SchemaNode.ArrayNode a -> { if (b == '[') out.add(new Stack(new Arr(a, Arr.OPEN, 0), rest)); }
        }
    }

    /** The literal's bytes from {@code pos} on are due. */
    record Literal(SchemaNode.LiteralNode node, int pos) implements Frame {
        public void feed(int b, Stack self, List<Stack> out) {
            if (node.text[pos] != (byte) b) return;
            out.add(pos + 1 == node.text.length ? pop(self) : new Stack(new Literal(node, pos + 1), self.rest));
        }
    }

    /**
     * Inside a string: {@code escape} 0 outside an escape, -1 right after a backslash, 1..4 hex digits of a
     * {@code \\u} escape still due; {@code need} UTF-8 continuation bytes still due, the next one in {@code [lo, hi]}.
     */
    record Str(int escape, int need, int lo, int hi) implements Frame {
        static final Str PLAIN = new Str(0, 0, 0, 0);

        public void feed(int b, Stack self, List<Stack> out) {
            if (need > 0) {
                if (b >= lo && b <= hi) out.add(need == 1 ? plain(self) : new Stack(new Str(0, need - 1, 0x80, 0xBF), self.rest));
                return;
            }
            if (escape == -1) {
                if (b == 'u') out.add(new Stack(new Str(4, 0, 0, 0), self.rest));
                else if ("\"\\/bfnrt".indexOf(b) >= 0) out.add(plain(self));
                return;
            }
            if (escape > 0) {
                if (digit(b) || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F'))
                    out.add(escape == 1 ? plain(self) : new Stack(new Str(escape - 1, 0, 0, 0), self.rest));
                return;
            }
            if (b == '"') out.add(pop(self));
            else if (b == '\\') out.add(new Stack(new Str(-1, 0, 0, 0), self.rest));
            else if (b < 0x20) return; // raw control characters must be escaped
            else if (b < 0x80) out.add(self);
            // UTF-8 lead bytes (RFC 3629 table 3-7): the range of the first continuation byte excludes overlong
            // forms (E0, F0), surrogates (ED) and code points above U+10FFFF (F4)
            else if (b >= 0xC2 && b <= 0xDF) out.add(utf8(self, 1, 0x80, 0xBF));
            else if (b == 0xE0) out.add(utf8(self, 2, 0xA0, 0xBF));
            else if (b == 0xED) out.add(utf8(self, 2, 0x80, 0x9F));
            else if (b >= 0xE1 && b <= 0xEF) out.add(utf8(self, 2, 0x80, 0xBF));
            else if (b == 0xF0) out.add(utf8(self, 3, 0x90, 0xBF));
            else if (b >= 0xF1 && b <= 0xF3) out.add(utf8(self, 3, 0x80, 0xBF));
            else if (b == 0xF4) out.add(utf8(self, 3, 0x80, 0x8F));
        }

        private static Stack plain(Stack self) { return new Stack(PLAIN, self.rest); }

        private static Stack utf8(Stack self, int need, int lo, int hi) { return new Stack(new Str(0, need, lo, hi), self.rest); }
    }

    /**
     * A number (RFC 8259 section 6) in {@code stage}, with {@code digits} in its current part; an {@code integer} has
     * no fraction or exponent. A number has no closing byte: the first byte that cannot continue it ends it and
     * goes to the enclosing frame.
     */
    record Num(boolean integer, int stage, int digits) implements Frame {
        static final int MINUS = 0, ZERO = 1, INT = 2, DOT = 3, FRAC = 4, EXP = 5, EXP_SIGN = 6, EXP_DIGITS = 7;

        public void feed(int b, Stack self, List<Stack> out) {
            Num next = next(b);
            if (next != null) out.add(new Stack(next, self.rest));
            else if (terminal()) {
                Stack after = pop(self);
                after.top.feed(b, after, out);
            }
        }

        private Num next(int b) {
            boolean d = digit(b);
            return switch (stage) {
                case MINUS -> b == '0' ? new Num(integer, ZERO, 1) : d ? new Num(integer, INT, 1) : null;
                case ZERO, INT -> d && stage == INT && digits < MAX_DIGITS ? new Num(integer, INT, digits + 1)
                        : integer ? null
                        : b == '.' ? new Num(false, DOT, 0) : b == 'e' || b == 'E' ? new Num(false, EXP, 0) : null;
                case DOT -> d ? new Num(false, FRAC, 1) : null;
                case FRAC -> d && digits < MAX_DIGITS ? new Num(false, FRAC, digits + 1)
                        : b == 'e' || b == 'E' ? new Num(false, EXP, 0) : null;
                case EXP -> b == '+' || b == '-' ? new Num(false, EXP_SIGN, 0) : d ? new Num(false, EXP_DIGITS, 1) : null;
                case EXP_SIGN -> d ? new Num(false, EXP_DIGITS, 1) : null;
                case EXP_DIGITS -> d && digits < MAX_EXPONENT_DIGITS ? new Num(false, EXP_DIGITS, digits + 1) : null;
                default -> throw new IllegalStateException("stage " + stage);
            };
        }

        private boolean terminal() { return stage == ZERO || stage == INT || stage == FRAC || stage == EXP_DIGITS; }

        public boolean canEnd(Stack self) { return terminal() && pop(self).top.canEnd(pop(self)); }
    }

    /**
     * An object in {@code stage}, its keys {@code seen} so far (a bit per property). While a key is read,
     * {@code candidates} are the unseen properties whose key starts with its first {@code n} bytes; after it, the
     * chosen property's bit (none for a free key). Otherwise {@code n} counts whitespace bytes.
     */
    record Obj(SchemaNode.ObjectNode node, int stage, long seen, long candidates, int n) implements Frame {
        static final int OPEN = 0, KEY_DUE = 1, KEY = 2, COLON = 3, AFTER_VALUE = 4;

        public void feed(int b, Stack self, List<Stack> out) {
            if (stage == KEY) { key(b, self, out); return; }
            if (whitespace(b)) {
                if (n < MAX_WHITESPACE) out.add(new Stack(new Obj(node, stage, seen, candidates, n + 1), self.rest));
                return;
            }
            switch (stage) {
                case OPEN, KEY_DUE -> {
                    if (b == '"') startKey(self, out);
                    else if (b == '}' && stage == OPEN && complete()) out.add(pop(self));
                }
                case COLON -> {
                    if (b != ':') return;
                    SchemaNode value = node.anyValue != null ? node.anyValue
                            : node.values.get(Long.numberOfTrailingZeros(candidates));
                    Stack resume = new Stack(new Obj(node, AFTER_VALUE, seen | candidates, 0, 0), self.rest);
                    out.add(new Stack(new Value(value, 0), resume));
                }
                case AFTER_VALUE -> {
                    if (b == ',' && (node.anyValue != null || (node.all() & ~seen) != 0))
                        out.add(new Stack(new Obj(node, KEY_DUE, seen, 0, 0), self.rest));
                    else if (b == '}' && complete()) out.add(pop(self));
                }
                default -> throw new IllegalStateException("stage " + stage);
            }
        }

        private boolean complete() { return (node.required & ~seen) == 0; }

        private void startKey(Stack self, List<Stack> out) {
            if (node.anyValue != null) { // any key: a string, then the colon
                out.add(new Stack(Str.PLAIN, new Stack(new Obj(node, COLON, seen, 0, 0), self.rest)));
                return;
            }
            long unseen = node.all() & ~seen;
            if (unseen != 0) out.add(new Stack(new Obj(node, KEY, seen, unseen, 0), self.rest));
        }

        /** The next byte of a declared key (written as {@code Json.write} quotes it): narrows the candidates. */
        private void key(int b, Stack self, List<Stack> out) {
            long next = 0;
            for (long c = candidates; c != 0; c &= c - 1) {
                int i = Long.numberOfTrailingZeros(c);
                byte[] k = node.keys[i];
                if (b == '"' && k.length == n) {
                    out.add(new Stack(new Obj(node, COLON, seen, 1L << i, 0), self.rest));
                    return;
                }
                if (n < k.length && k[n] == (byte) b) next |= 1L << i;
            }
            if (next != 0) out.add(new Stack(new Obj(node, KEY, seen, next, n + 1), self.rest));
        }
    }

    /** An array in {@code stage} (after {@code [} or after an item), after {@code ws} whitespace bytes. */
    record Arr(SchemaNode.ArrayNode node, int stage, int ws) implements Frame {
        static final int OPEN = 0, AFTER_ITEM = 1;

        public void feed(int b, Stack self, List<Stack> out) {
            if (whitespace(b)) {
                if (ws < MAX_WHITESPACE) out.add(new Stack(new Arr(node, stage, ws + 1), self.rest));
                return;
            }
            Stack afterItem = new Stack(new Arr(node, AFTER_ITEM, 0), self.rest);
            if (b == ']') { if (stage == AFTER_ITEM || !node.nonEmpty) out.add(pop(self)); }
            else if (stage == OPEN) begin(node.items, b, afterItem, out);
            else if (b == ',') out.add(new Stack(new Value(node.items, 0), afterItem));
        }
    }
}
