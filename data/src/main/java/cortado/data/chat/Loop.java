package cortado.data.chat;

import java.util.List;

/** The {@code loop} variable inside {@code {% for %}}: Jinja's {@code LoopContext} attributes. */
final class Loop {
    private final List<Object> items;
    int index0;

    Loop(List<Object> items) { this.items = items; }

    /** The attribute {@code name}, or null when a loop has no such attribute. */
    Object attribute(String name) {
        int n = items.size();
        return switch (name) {
            case "index0" -> (long) index0;
            case "index" -> (long) index0 + 1;
            case "revindex" -> (long) (n - index0);
            case "revindex0" -> (long) (n - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == n - 1;
            case "length" -> (long) n;
            case "depth" -> 1L;
            case "depth0" -> 0L;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : Undefined.variable("there is no previous item");
            case "nextitem" -> index0 + 1 < n ? items.get(index0 + 1) : Undefined.variable("there is no next item");
            case "cycle" -> new Callable() {
                @Override public Object call(List<Object> args, java.util.Map<String, Object> kw, Interpreter in, Position at) {
                    if (args.isEmpty()) throw in.error("no items for cycling given", at);
                    return args.get(index0 % args.size());
                }

                @Override public String describe() { return "<bound method LoopContext.cycle>"; }
            };
            default -> null;
        };
    }
}
