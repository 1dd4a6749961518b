/**
 * Chat templates: the Jinja programs in {@code tokenizer_config.json} that turn a conversation into a prompt,
 * rendered exactly as transformers' {@code apply_chat_template(tokenize=False)} renders them.
 *
 * <p>Public: {@link cortado.data.chat.TokenizerConfig} reads a model directory (the template and the special
 * tokens), {@link cortado.data.chat.ChatTemplate} compiles and renders, {@link cortado.data.chat.Rendered} holds the
 * text and the {@code {% generation %}} spans, {@link cortado.data.chat.TemplateException} and
 * {@link cortado.data.chat.RaisedException} are the errors.
 *
 * <p>The engine, in reading order: {@code Lexer} (text and tags, Jinja's whitespace control with transformers'
 * trim_blocks/lstrip_blocks) produces {@code Token}s; {@code Parser} builds {@code Stmt} and {@code Expr} trees
 * with Jinja's precedence and a nesting cap; {@code Interpreter} runs them with Jinja's scoping, calling
 * {@code Access} (attributes, items, slices), {@code Arithmetic} (operators), {@code Filters}, {@code JinjaTests},
 * {@code Methods} (str/dict/list methods) and {@code Globals} (range, namespace, raise_exception, strftime_now);
 * macros are closures inside the interpreter. Values follow Python: {@code PythonValues} (str/repr, truth, ==, ordering), {@code PythonStrings},
 * {@code PythonJson} (json.dumps for tojson), {@code PrintfFormat} (str % args), {@code Strftime}, with
 * {@code Undefined}, {@code Namespace}, {@code Loop}, {@code Tuple} and {@code DictView} for Jinja's and Python's
 * own kinds of value.
 */
package cortado.data.chat;
