package cortado.data.chat;

/** One lexical token of a template: literal text between tags, a tag delimiter, or a piece of an expression. */
record Token(Kind kind, String text, Position pos) {
    enum Kind {
        /** Literal template text, whitespace control already applied. */
        DATA,
        /** {@code {{} ... {@code }}}: an expression to print. */
        VARIABLE_BEGIN, VARIABLE_END,
        /** {@code {%} ... {@code %}}: a statement. */
        BLOCK_BEGIN, BLOCK_END,
        NAME, STRING, INTEGER, FLOAT,
        /** An operator or punctuation: {@code + - * / // % ** ~ == != < <= > >= = . : | , ( ) [ ] { }}. */
        OPERATOR,
        END
    }

    boolean is(Kind k, String t) { return kind == k && text.equals(t); }

    boolean isOp(String t) { return kind == Kind.OPERATOR && text.equals(t); }

    boolean isName(String t) { return kind == Kind.NAME && text.equals(t); }

    String describe() {
        return switch (kind) {
            case END -> "end of template";
            case DATA -> "template text";
            case VARIABLE_END -> "'}}'";
            case BLOCK_END -> "'%}'";
            case VARIABLE_BEGIN -> "'{{'";
            case BLOCK_BEGIN -> "'{%'";
            case STRING -> "string literal";
            default -> "'" + text + "'";
        };
    }
}
