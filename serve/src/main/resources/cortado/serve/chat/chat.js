// Cortado's chat page: a conversation with a served model through /v1/chat/completions, streamed as server-sent
// events (data: {chunk} lines, then data: [DONE]), with the model picker from /v1/models, sampling settings, and a
// rating of each answer through /v1/feedback when the server keeps a conversation log (serve --log-dir).
'use strict';

const $ = (id) => document.getElementById(id);
const messages = [];   // the conversation so far, as the API takes it
let aborter = null;

function headers() {
  const h = { 'Content-Type': 'application/json' };
  const key = $('api_key').value.trim();
  if (key) h.Authorization = 'Bearer ' + key;
  return h;
}

function bubble(role, text) {
  const div = document.createElement('div');
  div.className = 'message ' + role;
  const body = document.createElement('div');
  body.className = 'text';
  body.textContent = text;
  div.appendChild(body);
  $('conversation').appendChild(div);
  div.scrollIntoView({ block: 'end' });
  return div;
}

async function loadModels() {
  try {
    const r = await fetch('/v1/models', { headers: headers() });
    if (!r.ok) throw new Error((await r.json()).error.message);
    $('model').replaceChildren(...(await r.json()).data.map((m) => new Option(m.id, m.id)));
    $('status').textContent = '';
  } catch (e) {
    $('status').textContent = 'cannot list models: ' + e.message;
  }
}

function request(stream) {
  const body = { model: $('model').value, messages: [], stream, temperature: Number($('temperature').value),
                 top_p: Number($('top_p').value), max_tokens: Number($('max_tokens').value) };
  if (stream) body.stream_options = { include_usage: true };
  if ($('seed').value !== '') body.seed = Number($('seed').value);
  const system = $('system').value.trim();
  if (system) body.messages.push({ role: 'system', content: system });
  body.messages.push(...messages);
  return body;
}

// Reads an SSE body: calls onData with each parsed data line until [DONE].
async function readEvents(response, onData) {
  const reader = response.body.getReader(), decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const data = line.slice(6);
        if (data === '[DONE]') return;
        onData(JSON.parse(data));
      }
    }
  }
}

function rateButtons(div, id) {
  const meta = div.querySelector('.meta');
  for (const rating of ['good', 'bad']) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = rating === 'good' ? '\u{1F44D}' : '\u{1F44E}';
    b.title = 'rate this answer ' + rating;
    b.className = 'rate-' + rating;
    b.onclick = async () => {
      const r = await fetch('/v1/feedback', { method: 'POST', headers: headers(), body: JSON.stringify({ id, rating }) });
      meta.append(r.ok ? ' rated ' + rating : ' (' + (await r.json()).error.message + ')');
      meta.querySelectorAll('button').forEach((x) => { x.disabled = true; });
    };
    meta.appendChild(b);
  }
}

async function send(text) {
  messages.push({ role: 'user', content: text });
  bubble('user', text);
  const div = bubble('assistant', '');
  const body = div.querySelector('.text');
  const meta = document.createElement('div');
  meta.className = 'meta';
  div.appendChild(meta);
  aborter = new AbortController();
  $('send').disabled = true;
  $('stop').disabled = false;
  const started = performance.now();
  let reply = '', id = null, usage = null, finish = null;
  try {
    const r = await fetch('/v1/chat/completions', { method: 'POST', headers: headers(),
                                                    body: JSON.stringify(request(true)), signal: aborter.signal });
    if (!r.ok) throw new Error((await r.json()).error.message);
    await readEvents(r, (chunk) => {
      if (chunk.error) throw new Error(chunk.error.message);
      id = chunk.id;
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        if (c.delta && c.delta.content) { reply += c.delta.content; body.textContent = reply; }
        if (c.finish_reason) finish = c.finish_reason;
      }
      div.scrollIntoView({ block: 'end' });
    });
    messages.push({ role: 'assistant', content: reply });
    const seconds = (performance.now() - started) / 1000;
    meta.textContent = (usage ? usage.completion_tokens + ' tokens, ' + (usage.completion_tokens / seconds).toFixed(1)
      + ' tok/s' : '') + (finish ? ', ' + finish : '');
    div.dataset.done = 'true';
    if (id) rateButtons(div, id);
  } catch (e) {
    div.className = 'message error';
    body.textContent = reply + (e.name === 'AbortError' ? ' [stopped]' : ' [error: ' + e.message + ']');
    messages.pop();
    div.dataset.done = 'true';
  } finally {
    aborter = null;
    $('send').disabled = false;
    $('stop').disabled = true;
  }
}

$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('input').value.trim();
  if (!text || aborter) return;
  $('input').value = '';
  send(text);
});
$('input').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); $('composer').requestSubmit(); }
});
$('stop').addEventListener('click', () => aborter && aborter.abort());
$('clear').addEventListener('click', () => { messages.length = 0; $('conversation').replaceChildren(); });
$('api_key').value = localStorage.getItem('cortado.apiKey') || '';
$('api_key').addEventListener('change', () => { localStorage.setItem('cortado.apiKey', $('api_key').value); loadModels(); });
loadModels();
