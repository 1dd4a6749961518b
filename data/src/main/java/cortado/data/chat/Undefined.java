package cortado.data.chat;

/**
 * Jinja's default {@code Undefined}: what a missing variable, attribute, key or index evaluates to. It prints as
 * nothing, is false, iterates as empty and has length 0; anything else (an attribute of it, calling it, arithmetic)
 * fails with the reason it was undefined, as {@code jinja2.Undefined} does.
 */
record Undefined(String hint) {
    /** Jinja's message for using this value: "'x' is undefined" or "'dict object' has no attribute 'y'". */
    String message() { return hint; }

    static Undefined variable(String name) { return new Undefined("'" + name + "' is undefined"); }

    /** Jinja's {@code object_type_repr}: "None" or "dict object". */
    private static String objectType(Object obj) {
        return obj == null ? "None" : PythonValues.typeName(obj) + " object";
    }

    static Undefined attribute(Object obj, String name) {
        return new Undefined("'" + objectType(obj) + "' has no attribute '" + name + "'");
    }

    static Undefined item(Object obj, Object key) {
        if (key instanceof String s) return attribute(obj, s);
        return new Undefined(objectType(obj) + " has no element " + PythonValues.repr(key));
    }
}
