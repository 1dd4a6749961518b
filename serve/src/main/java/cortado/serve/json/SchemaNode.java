package cortado.serve.json;

import java.util.List;

/**
 * A compiled JSON Schema (the subset {@link JsonSchemaCompiler} accepts), the grammar {@link JsonAutomaton} follows.
 * Nodes compare by identity: a {@code $ref} may make the graph cyclic, and equal schemas at two places are still two
 * places.
 */
public sealed interface SchemaNode {
    /** Any JSON string. */
    final class StringNode implements SchemaNode {}

    /** Any JSON number, or only integers (no fraction, no exponent). */
    final class NumberNode implements SchemaNode {
        final boolean integer;

        NumberNode(boolean integer) { this.integer = integer; }
    }

    /** One exact text: {@code true}, {@code false}, {@code null}, or an {@code enum}/{@code const} value written compactly. */
    final class LiteralNode implements SchemaNode {
        final byte[] text;

        LiteralNode(byte[] text) { this.text = text; }
    }

    /**
     * An object. With {@code properties}: only those keys (each at most once, written as {@code Json.write} quotes
     * them), every required one before the closing brace. With {@code anyValue} instead: any keys, values of that node
     * (JSON mode).
     */
    final class ObjectNode implements SchemaNode {
        final List<String> names;
        final byte[][] keys;
        final List<SchemaNode> values;
        final long required;
        final SchemaNode anyValue;

        ObjectNode(List<String> names, byte[][] keys, List<SchemaNode> values, long required, SchemaNode anyValue) {
            this.names = names;
            this.keys = keys;
            this.values = values;
            this.required = required;
            this.anyValue = anyValue;
        }

        long all() { return names.size() == 64 ? -1L : (1L << names.size()) - 1; }
    }

    /** An array of {@code items}; {@code nonEmpty} refuses {@code []} (a forced tool call makes at least one). */
    final class ArrayNode implements SchemaNode {
        SchemaNode items;
        final boolean nonEmpty;

        ArrayNode(SchemaNode items, boolean nonEmpty) {
            this.items = items;
            this.nonEmpty = nonEmpty;
        }
    }

    /** Any of the alternatives ({@code anyOf}, a list of types, {@code enum}). */
    final class AnyOfNode implements SchemaNode {
        final List<SchemaNode> alternatives;

        AnyOfNode(List<SchemaNode> alternatives) { this.alternatives = alternatives; }
    }

    /** A {@code $ref}, resolved once the whole schema is compiled (so recursive definitions work). */
    final class RefNode implements SchemaNode {
        final String ref;
        SchemaNode target;

        RefNode(String ref) { this.ref = ref; }
    }
}
