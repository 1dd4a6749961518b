// The chat page in headless Chromium (Debian's /usr/bin/chromium, or $CHROMIUM), driven by playwright-core: loads the
// page, waits for the model list, sets greedy sampling and the token limit, types a message, presses Enter, waits for
// the streamed answer to finish, rates it, and prints one JSON object with what the page showed, which
// ChatPageBrowserTest compares with transformers' greedy golden.
//
//   node check_chat_page.mjs BASE_URL MODEL MESSAGE MAX_TOKENS
import { chromium } from 'playwright-core';

const [base, model, message, maxTokens] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
                                        args: ['--no-sandbox', '--headless=new'] });
const out = {};
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base + '/');
  await page.waitForSelector(`#model option[value="${model}"]`, { state: 'attached', timeout: 20_000 });
  out.models = await page.$$eval('#model option', (os) => os.map((o) => o.value));
  await page.selectOption('#model', model);
  await page.click('#settings summary');
  await page.fill('#temperature', '0');
  await page.fill('#max_tokens', maxTokens);
  await page.fill('#input', message);
  await page.press('#input', 'Enter');
  const done = await page.waitForSelector('.message.assistant[data-done="true"], .message.error[data-done="true"]',
                                          { timeout: 60_000 });
  out.user = await page.textContent('.message.user .text');
  out.reply = await done.$eval('.text', (e) => e.textContent);
  out.meta = await done.$eval('.meta', (e) => e.textContent);
  out.error = await done.evaluate((e) => e.classList.contains('error'));
  await page.click('.message.assistant .rate-good');
  await page.waitForFunction(() => /rated good|\(/.test(document.querySelector('.message.assistant .meta').textContent));
  out.rated = await page.textContent('.message.assistant .meta');
  out.page_errors = errors;
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
