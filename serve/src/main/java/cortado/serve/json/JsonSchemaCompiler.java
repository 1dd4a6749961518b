package cortado.serve.json;

import cortado.data.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a JSON Schema into {@link SchemaNode}s: the subset OpenAI's structured outputs accept in strict mode,
 * without its string and number refinements. Types {@code object} ({@code properties}, {@code required},
 * {@code additionalProperties: false}, which is also what an absent one means here: only the listed keys are
 * written), {@code array} ({@code items}), {@code string}, {@code number}, {@code integer}, {@code boolean},
 * {@code null}, a list of types; {@code enum}, {@code const}, {@code anyOf}; {@code $ref} to {@code #} or a JSON
 * pointer into the schema (so {@code $defs} and {@code definitions}, nested or recursive). Annotations (title,
 * description, default, examples, ...) are ignored; any other keyword (minLength, pattern, format, minimum, oneOf,
 * ...) is refused with a {@link SchemaException} naming it, since ignoring it could yield JSON that fails the schema.
 */
public final class JsonSchemaCompiler {
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "$comment", "examples", "default",
            "$schema", "$id", "deprecated", "readOnly", "writeOnly", "$defs", "definitions", "strict");
    private static final Set<String> OBJECT_KEYWORDS = Set.of("properties", "required", "additionalProperties");

    private final Map<String, Object> root;
    private final String rootPath;
    private final Map<String, RefTarget> refs = new HashMap<>();

    private record RefTarget(SchemaNode.RefNode node, String pointer) {}

    private JsonSchemaCompiler(Map<String, Object> root, String rootPath) {
        this.root = root;
        this.rootPath = rootPath;
    }

    /**
     * The schema's grammar. @param path what errors call the schema (e.g. {@code response_format.json_schema.schema})
     * @throws SchemaException naming the keyword when the schema leaves the subset
     */
    public static SchemaNode compile(Object schema, String path) {
        if (!(schema instanceof Map<?, ?>)) throw new SchemaException(path, null, "a schema must be a JSON object");
        @SuppressWarnings("unchecked") Map<String, Object> root = (Map<String, Object>) schema;
        JsonSchemaCompiler c = new JsonSchemaCompiler(root, path);
        SchemaNode node = c.node(root, path);
        // Resolve references; resolving one may compile a definition that refers to further ones.
        for (boolean progress = true; progress; ) {
            progress = false;
            for (RefTarget t : List.copyOf(c.refs.values()))
                if (t.node.target == null) {
                    t.node.target = c.resolve(t.pointer);
                    progress = true;
                }
        }
        for (RefTarget t : c.refs.values()) { // a chain of references that never reaches a schema
            SchemaNode at = t.node;
            for (int hops = 0; at instanceof SchemaNode.RefNode r; hops++, at = r.target)
                if (hops > c.refs.size()) throw new SchemaException(path, "$ref", "'$ref' '" + t.pointer + "' only refers to itself");
        }
        return node;
    }

    /** Any JSON value (JSON mode's values). */
    public static SchemaNode anyValue() {
        SchemaNode.ArrayNode array = new SchemaNode.ArrayNode(null, false);
        List<SchemaNode> alternatives = new ArrayList<>();
        SchemaNode.AnyOfNode any = new SchemaNode.AnyOfNode(alternatives);
        alternatives.add(new SchemaNode.ObjectNode(List.of(), new byte[0][], List.of(), 0, any));
        alternatives.add(array);
        alternatives.add(new SchemaNode.StringNode());
        alternatives.add(new SchemaNode.NumberNode(false));
        for (String literal : List.of("true", "false", "null")) alternatives.add(literal(literal));
        array.items = any;
        return any;
    }

    /** Any JSON object (what {@code response_format: json_object} asks for). */
    public static SchemaNode anyObject() {
        return new SchemaNode.ObjectNode(List.of(), new byte[0][], List.of(), 0, anyValue());
    }

    /** An object of exactly these properties, all required, in any order (a forced tool call's object). */
    public static SchemaNode object(List<String> names, List<SchemaNode> values) {
        byte[][] keys = new byte[names.size()][];
        long required = 0;
        for (int i = 0; i < keys.length; i++) {
            String quoted = Json.write(names.get(i));
            keys[i] = quoted.substring(1, quoted.length() - 1).getBytes(StandardCharsets.UTF_8);
            required |= 1L << i;
        }
        return new SchemaNode.ObjectNode(List.copyOf(names), keys, List.copyOf(values), required, null);
    }

    /** Exactly the JSON value {@code value}, written compactly. */
    public static SchemaNode constant(Object value) { return literal(Json.write(value)); }

    /** Any of {@code alternatives}. */
    public static SchemaNode anyOf(List<SchemaNode> alternatives) {
        return alternatives.size() == 1 ? alternatives.getFirst() : new SchemaNode.AnyOfNode(List.copyOf(alternatives));
    }

    /** An array of at least one {@code items} (a forced tool call's list of calls). */
    public static SchemaNode nonEmptyArray(SchemaNode items) { return new SchemaNode.ArrayNode(items, true); }

    private SchemaNode node(Object schema, String path) {
        if (schema instanceof Boolean b) {
            if (b) return anyValue();
            throw new SchemaException(path, null, "the schema 'false' admits no value");
        }
        if (!(schema instanceof Map<?, ?> raw)) throw new SchemaException(path, null, "a schema must be a JSON object");
        @SuppressWarnings("unchecked") Map<String, Object> s = (Map<String, Object>) raw;
        if (s.containsKey("$ref")) {
            for (String k : s.keySet())
                if (!k.equals("$ref") && !ANNOTATIONS.contains(k))
                    throw new SchemaException(path, k, "keyword '" + k + "' beside '$ref' is not supported");
            if (!(s.get("$ref") instanceof String ref)) throw new SchemaException(path, "$ref", "'$ref' must be a string");
            return refs.computeIfAbsent(ref, r -> new RefTarget(new SchemaNode.RefNode(r), r)).node;
        }
        for (String k : s.keySet())
            if (!ANNOTATIONS.contains(k) && !OBJECT_KEYWORDS.contains(k)
                    && !Set.of("type", "items", "enum", "const", "anyOf").contains(k))
                throw new SchemaException(path, k, "unsupported schema keyword '" + k + "'");
        if (s.containsKey("const")) return literal(Json.write(s.get("const")));
        if (s.containsKey("enum")) {
            if (!(s.get("enum") instanceof List<?> values) || values.isEmpty())
                throw new SchemaException(path, "enum", "'enum' must be a non-empty list");
            List<SchemaNode> alternatives = new ArrayList<>();
            for (Object v : values) alternatives.add(literal(Json.write(v)));
            return alternatives.size() == 1 ? alternatives.getFirst() : new SchemaNode.AnyOfNode(alternatives);
        }
        if (s.containsKey("anyOf")) {
            if (!(s.get("anyOf") instanceof List<?> list) || list.isEmpty())
                throw new SchemaException(path, "anyOf", "'anyOf' must be a non-empty list of schemas");
            for (String k : s.keySet())
                if (!k.equals("anyOf") && !ANNOTATIONS.contains(k))
                    throw new SchemaException(path, k, "keyword '" + k + "' beside 'anyOf' is not supported");
            List<SchemaNode> alternatives = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) alternatives.add(node(list.get(i), path + ".anyOf[" + i + "]"));
            return new SchemaNode.AnyOfNode(alternatives);
        }
        Object type = s.get("type");
        if (type == null) {
            if (s.containsKey("properties")) type = "object";
            else if (s.containsKey("items")) type = "array";
            else return anyValue();
        }
        if (type instanceof List<?> types) {
            if (types.isEmpty()) throw new SchemaException(path, "type", "'type' must not be an empty list");
            List<SchemaNode> alternatives = new ArrayList<>();
            for (Object t : types) alternatives.add(typed(t, s, path));
            return alternatives.size() == 1 ? alternatives.getFirst() : new SchemaNode.AnyOfNode(alternatives);
        }
        return typed(type, s, path);
    }

    private SchemaNode typed(Object type, Map<String, Object> s, String path) {
        if (!(type instanceof String t)) throw new SchemaException(path, "type", "'type' must be a string or a list of strings");
        if (!t.equals("object")) for (String k : OBJECT_KEYWORDS)
            if (s.containsKey(k)) throw new SchemaException(path, k, "'" + k + "' needs type 'object'");
        if (!t.equals("array") && s.containsKey("items"))
            throw new SchemaException(path, "items", "'items' needs type 'array'");
        return switch (t) {
            case "string" -> new SchemaNode.StringNode();
            case "number" -> new SchemaNode.NumberNode(false);
            case "integer" -> new SchemaNode.NumberNode(true);
            case "boolean" -> new SchemaNode.AnyOfNode(List.of(literal("true"), literal("false")));
            case "null" -> literal("null");
            case "array" -> new SchemaNode.ArrayNode(s.containsKey("items") ? node(s.get("items"), path + ".items")
                    : anyValue(), false);
            case "object" -> object(s, path);
            default -> throw new SchemaException(path, "type", "unknown type '" + t + "'");
        };
    }

    private SchemaNode object(Map<String, Object> s, String path) {
        Object additional = s.get("additionalProperties");
        if (additional != null && !Boolean.FALSE.equals(additional))
            throw new SchemaException(path, "additionalProperties", "only 'additionalProperties': false is supported");
        Object props = s.getOrDefault("properties", Map.of());
        if (!(props instanceof Map<?, ?> properties))
            throw new SchemaException(path, "properties", "'properties' must be an object");
        if (properties.size() > 64)
            throw new SchemaException(path, "properties", "at most 64 properties per object are supported");
        List<String> names = new ArrayList<>();
        List<SchemaNode> values = new ArrayList<>();
        byte[][] keys = new byte[properties.size()][];
        for (var e : properties.entrySet()) {
            String name = (String) e.getKey();
            String quoted = Json.write(name);
            keys[names.size()] = quoted.substring(1, quoted.length() - 1).getBytes(StandardCharsets.UTF_8);
            names.add(name);
            values.add(node(e.getValue(), path + ".properties." + name));
        }
        long required = 0;
        Object req = s.getOrDefault("required", List.of());
        if (!(req instanceof List<?> list)) throw new SchemaException(path, "required", "'required' must be a list");
        for (Object r : list) {
            int i = names.indexOf(r);
            if (i < 0) throw new SchemaException(path, "required", "required property '" + r + "' is not in 'properties'");
            required |= 1L << i;
        }
        return new SchemaNode.ObjectNode(List.copyOf(names), keys, List.copyOf(values), required, null);
    }

    /** The schema at a {@code $ref}: {@code #} or a JSON pointer {@code #/a/b} into the root (RFC 6901 escapes). */
    private SchemaNode resolve(String ref) {
        if (!ref.startsWith("#")) throw new SchemaException(rootPath, "$ref", "only local '$ref's ('#...') are supported, got '" + ref + "'");
        Object at = root;
        String pointer = ref.substring(1);
        if (!pointer.isEmpty()) {
            if (!pointer.startsWith("/")) throw new SchemaException(rootPath, "$ref", "malformed '$ref' '" + ref + "'");
            for (String token : pointer.substring(1).split("/", -1)) {
                String key = token.replace("~1", "/").replace("~0", "~");
                if (!(at instanceof Map<?, ?> m) || !m.containsKey(key))
                    throw new SchemaException(rootPath, "$ref", "'$ref' '" + ref + "' points nowhere");
                at = m.get(key);
            }
        }
        return node(at, rootPath + ref.substring(1).replace('/', '.'));
    }

    private static SchemaNode.LiteralNode literal(String text) {
        return new SchemaNode.LiteralNode(text.getBytes(StandardCharsets.UTF_8));
    }
}
