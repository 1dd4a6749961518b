package cortado.data.chat;

import java.util.List;
import java.util.Map;

/** Something a template can call: a global function, a macro, or a method bound to its value. */
interface Callable {
    /** @param at where the call is, for errors */
    Object call(List<Object> args, Map<String, Object> kwargs, Interpreter interp, Position at);

    /** How it prints ({@code {{ f }}}). */
    String describe();
}
