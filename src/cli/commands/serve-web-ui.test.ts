import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { artifactsDir, launchChromium, runCli, startServeChild, tempDir } from "../../testing/index.js";

const EXAMPLES = new URL("../../../examples/listing.txt", import.meta.url).pathname;

type Snapshot = { sentences: number; complete: boolean };

test("the web UI in Chromium: search, a paper, weights, ideas streamed sentence by sentence with strength bars, rating, history, runs, phone width", {
  timeout: 240_000,
}, async (t) => {
  // A home with a 3-paper library (the shipped example listing) and one training run to plot.
  const home = tempDir(t);
  const added = runCli(home, ["library", "add", EXAMPLES]);
  assert.equal(added.status, 0, added.stderr);
  const run = join(home, "runs", "sft-20261205-120000");
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, "metrics.jsonl"), [1, 2, 3].map((s) => `{"step":${s},"loss/train":${4 - s}}\n`).join(""));

  const server = await startServeChild(t, home, []); // the shipped policy, its controllers and decoder
  const base = server.url.replace(/\/v1$/, "");
  const browser = await launchChromium();
  t.after(() => browser.close());
  const shots = artifactsDir("web-ui");
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const failures: string[] = [];
  page.on("pageerror", (e) => failures.push(e.message));

  // Search the library and open a paper.
  await page.goto(`${base}/`);
  await page.getByLabel("Search the library").fill("representation reinforcement");
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("link", { name: /Is a Good Representation Sufficient/ }).click();
  await page.getByRole("heading", { level: 2, name: /Is a Good Representation Sufficient/ }).waitFor();

  // Weights from the keyboard: novelty's slider up 20 points; the other two share the rest.
  const novelty = page.getByLabel("Novelty weight");
  await novelty.focus();
  for (let i = 0; i < 20; i++) await novelty.press("ArrowRight");
  assert.equal(await page.getByTestId("weight-novelty").textContent(), "53%");
  const shares = await Promise.all(
    ["novelty", "feasibility", "effectiveness"].map(async (d) =>
      parseInt((await page.getByTestId(`weight-${d}`).textContent()) ?? "", 10),
    ),
  );
  assert.ok(Math.abs(shares.reduce((a, b) => a + b) - 100) <= 1, `weights sum to 100%: ${shares}`);

  // Generate one idea with dynamic control; record what the page shows at every change, to see it stream.
  assert.equal(
    await page.getByLabel("Control").inputValue(),
    "dynamic",
    "dynamic is the default where it is available",
  );
  await page.getByRole("spinbutton", { name: "Ideas" }).fill("1");
  await watchIdeas(page);
  await page.getByRole("button", { name: "Generate ideas" }).click();
  await page.getByText("1 idea, ranked by your weights.").waitFor({ timeout: 60_000 });
  await page.screenshot({ path: join(shots, "paper-ideas.png"), fullPage: true });

  const timeline = (await page.evaluate("window.__ideas")) as Snapshot[];
  const final = timeline[timeline.length - 1] as Snapshot;
  assert.ok(final.complete && final.sentences >= 5, `the idea was written out: ${JSON.stringify(final)}`);
  const partial = timeline.filter((s) => !s.complete && s.sentences > 0).map((s) => s.sentences);
  assert.ok(new Set(partial).size >= 3, `sentences appeared one by one before the idea was done: ${partial}`);

  // Every sentence shows its strengths; dynamic control steered, so some bar has width.
  const sentences = page.getByTestId("sentence");
  assert.equal(await sentences.count(), final.sentences);
  assert.equal(await page.getByTestId("strength-bars").count(), final.sentences);
  const widths = (await page.evaluate(
    `[...document.querySelectorAll("[data-testid=strength-bars] .bar > span")].map((s) => parseFloat(s.style.width))`,
  )) as number[];
  assert.ok(
    widths.some((w) => w > 0),
    `some strength bar has width: ${widths}`,
  );
  assert.match(
    (await page.getByTestId("final-scores").textContent()) ?? "",
    /novelty 0\.\d\d.*feasibility.*effectiveness/,
  );

  // Rate it 4: the server keeps the rating with the saved idea.
  await page.getByRole("button", { name: "4", exact: true }).click();
  await page.waitForSelector('button[aria-pressed="true"]');
  const history = (await (await fetch(`${base}/api/history`)).json()) as {
    ideas: { rating: number; weights: Record<string, number> }[];
  };
  assert.equal(history.ideas.length, 1);
  assert.equal(history.ideas[0]?.rating, 4);
  assert.ok(
    Math.abs((history.ideas[0]?.weights.novelty ?? 0) - 0.53) < 0.01,
    "the idea was saved with the weights asked",
  );

  // The history page lists it with its rating; the runs page draws a run's curves.
  await page.getByRole("link", { name: "History" }).click();
  await page.locator(".saved-idea").first().waitFor();
  assert.equal(await page.locator('.saved-idea button[aria-pressed="true"]').textContent(), "4");
  await page.getByRole("link", { name: "Runs" }).click();
  await page.getByRole("button", { name: "sft-20261205-120000" }).click();
  const curves = page.getByAltText("training curves of sft-20261205-120000");
  await curves.waitFor();
  assert.ok(await until(page, `document.querySelector("img.curves")?.naturalWidth > 0`), "the curves image loaded");
  await page.screenshot({ path: join(shots, "runs.png") });

  // A phone-width screen: nothing wider than the screen.
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await phone.goto(`${base}/#/history`);
  await phone.locator(".saved-idea").first().waitFor();
  await phone.goto(`${base}/`);
  await phone.getByLabel("Search the library").fill("symbolic mathematics");
  await phone.getByRole("button", { name: "Search" }).click();
  await phone.getByRole("link", { name: /Symbolic Mathematics/ }).click();
  await phone.getByLabel("Novelty weight").waitFor();
  const overflow = (await phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")) as number;
  await phone.screenshot({ path: join(shots, "phone-paper.png"), fullPage: true });
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a 390px screen`);
  assert.deepEqual(failures, [], "no script errors on the page");
});

/** Polls a page expression until it is true (the page's CSP rules out waitForFunction's eval), up to `ms`. */
async function until(page: Page, expression: string, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100)))
    if (await page.evaluate(expression)) return true;
  return false;
}

/** Records, at every DOM change, how many sentences the idea card shows and whether it is complete (window.__ideas). */
async function watchIdeas(page: Page): Promise<void> {
  await page.evaluate(`
    window.__ideas = [];
    new MutationObserver(() => {
      const card = document.querySelector("[data-testid=idea]");
      if (!card) return;
      const s = {
        sentences: card.querySelectorAll("[data-testid=sentence]").length,
        complete: card.classList.contains("complete"),
      };
      const last = window.__ideas[window.__ideas.length - 1];
      if (!last || last.sentences !== s.sentences || last.complete !== s.complete) window.__ideas.push(s);
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  `);
}
