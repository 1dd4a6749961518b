// The official openai Node client against a running Cortado server: the same calls as check_openai_client.py (models,
// completions and chat, each plain and streamed with stream_options.include_usage, the typed errors for an unknown
// model and a wrong key), plus embeddings as floats and as the client's default base64. Prints one JSON object that
// NodeOpenAiClientInteropTest compares with transformers' greedy goldens and Cortado's own encode.
//
//   node check_openai_node.mjs BASE_URL API_KEY MODEL PROMPT MAX_TOKENS MESSAGES_JSON MAX_CHAT_TOKENS EMBED_MODEL TEXTS_JSON
import OpenAI from 'openai';

const [baseURL, apiKey, model, prompt, maxTokensArg, messagesArg, maxChatArg, embedModel, textsArg] = process.argv.slice(2);
const maxTokens = Number(maxTokensArg), maxChat = Number(maxChatArg);
const messages = JSON.parse(messagesArg), texts = JSON.parse(textsArg);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000 });
const out = { models: (await client.models.list()).data.map((m) => m.id) };

const c = await client.completions.create({ model, prompt, max_tokens: maxTokens, temperature: 0 });
out.completion = { text: c.choices[0].text, finish_reason: c.choices[0].finish_reason, usage: c.usage };

const r = await client.chat.completions.create({ model, messages, max_completion_tokens: maxChat, temperature: 0 });
out.chat = { content: r.choices[0].message.content, role: r.choices[0].message.role,
             finish_reason: r.choices[0].finish_reason, usage: r.usage };

let text = [], finish = null, usage = null;
const ids = new Set();
const chatStream = await client.chat.completions.create({ model, messages, max_completion_tokens: maxChat,
  temperature: 0, stream: true, stream_options: { include_usage: true } });
for await (const chunk of chatStream) {
  ids.add(chunk.id);
  if (chunk.usage) usage = chunk.usage;
  for (const choice of chunk.choices) {
    if (choice.delta.content) text.push(choice.delta.content);
    if (choice.finish_reason) finish = choice.finish_reason;
  }
}
out.chat_stream = { content: text.join(''), finish_reason: finish, usage, ids: ids.size };

text = []; finish = null; usage = null;
const completionStream = await client.completions.create({ model, prompt, max_tokens: maxTokens, temperature: 0,
  stream: true, stream_options: { include_usage: true } });
for await (const chunk of completionStream) {
  if (chunk.usage) usage = chunk.usage;
  for (const choice of chunk.choices) {
    text.push(choice.text);
    if (choice.finish_reason) finish = choice.finish_reason;
  }
}
out.completion_stream = { text: text.join(''), finish_reason: finish, usage };

// The client asks for base64 unless told otherwise and decodes it to numbers itself.
const one = await client.embeddings.create({ model: embedModel, input: texts[0] });
out.one = one.data[0].embedding;
const many = await client.embeddings.create({ model: embedModel, input: texts, encoding_format: 'float' });
out.many = many.data.map((d) => d.embedding);
out.indexes = many.data.map((d) => d.index);
out.many_usage = many.usage;

try {
  await client.completions.create({ model: 'no-such-model', prompt, max_tokens: 2 });
  out.unknown_model = 'no error';
} catch (e) {
  out.unknown_model = e instanceof OpenAI.NotFoundError ? 'NotFoundError' : String(e);
}
try {
  await new OpenAI({ baseURL, apiKey: 'wrong', maxRetries: 0 }).models.list();
  out.bad_key = 'no error';
} catch (e) {
  out.bad_key = e instanceof OpenAI.AuthenticationError ? 'AuthenticationError' : String(e);
}
console.log(JSON.stringify(out));
