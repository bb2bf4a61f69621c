// The new composer, cell and inspector pieces rendered on the server (svelte/server): what
// shows for which targets. The store is the app's singleton, set up per test.
import { beforeEach, describe, expect, it } from "vitest";
import { render } from "svelte/server";
import EstimateTargets from "./EstimateTargets.svelte";
import Inspector from "./Inspector.svelte";
import ModelOptions from "./ModelOptions.svelte";
import ResultCell from "./ResultCell.svelte";
import { buildRequest, initialComposer, priceKey, toggleTarget, type ComposerState } from "../logic/composer";
import { CATALOG, credits, estimate, FIELDS, output, run, target, targetEstimate } from "../logic/fixtures.test-util";
import { store } from "../state/state.svelte";

const NOTE = "Asked 4K, delivered 2048×2048 (2K): 6 credits.";

function choose(...ids: string[]): ComposerState {
  let s: ComposerState = { ...initialComposer(CATALOG), selected: {}, prompt: "a fox" };
  for (const id of ids) s = toggleTarget(s, id, true);
  return s;
}

/** Occurrences of `data-testid="id"` in html. */
function count(html: string, id: string): number {
  return html.split(`data-testid="${id}"`).length - 1;
}

beforeEach(() => {
  store.catalog = CATALOG;
  store.fieldSpecs = FIELDS;
  store.composer.form = choose("gemini-3.1-flash-image-preview");
  store.composer.estimate = null;
  store.composer.estimateKey = "";
});

describe("Model options", () => {
  it("is not shown when no chosen target takes a field", () => {
    expect(count(render(ModelOptions).body, "model-options")).toBe(0);
  });
  it("shows every field of gpt-image-2, with one shared hint when others are chosen too", () => {
    store.composer.form = choose("gemini-3.1-flash-image-preview", "gpt-image-2");
    const html = render(ModelOptions).body;
    expect(count(html, "model-option")).toBe(5);
    expect(html).toContain('data-testid="option-quality"');
    expect(html).toContain('data-testid="option-output_compression"');
    expect(html).toMatch(/data-testid="model-options-hint"[^>]*>Only GPT Image 2 \(1K\)</);
    expect(count(html, "model-option-hint")).toBe(0);
  });
  it("has no hint when every chosen target takes the fields", () => {
    store.composer.form = choose("gpt-image-2");
    const html = render(ModelOptions).body;
    expect(count(html, "model-options-hint") + count(html, "model-option-hint")).toBe(0);
  });
  it("gives each field its own hint when the takers differ, and prices quality for one priced taker", () => {
    store.composer.form = choose("gemini-3.1-flash-image-preview", "gpt-image-2-2k", "gpt-image-1.5");
    const html = render(ModelOptions).body;
    expect(count(html, "model-option-hint")).toBe(5);
    expect(html).toContain("Only gpt-image-1.5 (1K), GPT Image 2 (2K)");
    expect(html).toContain(">low · 2 cr</option>");
  });
  it("shows the chosen value, and drops options when their targets are unchecked", () => {
    store.composer.form = choose("gpt-image-2");
    store.composer.setOption("quality", "low");
    store.composer.setOption("output_compression", "150");
    expect(store.composer.form.options).toEqual({ quality: "low", output_compression: 100 });
    expect(store.composer.request.fields).toEqual({ output_compression: 100, quality: "low" });
    expect(render(ModelOptions).body).toContain('<option value="low" selected');
    store.composer.setOption("quality", null);
    expect(store.composer.form.options).toEqual({ output_compression: 100 });
    store.composer.toggleTarget("gemini-3.1-flash-image-preview", true);
    store.composer.toggleTarget("gpt-image-2", false);
    expect(store.composer.form.options).toEqual({});
    expect(store.composer.request.fields).toBeNull();
  });
});

describe("per-target estimate", () => {
  it("lists each target's size and credits, 'from' for a floor", () => {
    store.composer.form = choose("gemini-3.1-flash-image-preview-4k", "gpt-image-1.5");
    const spec = buildRequest(store.composer.form, CATALOG);
    store.composer.estimate = estimate({
      targets: [
        targetEstimate("gemini-3.1-flash-image-preview-4k", 8, { size: "4K" }),
        targetEstimate("gpt-image-1.5", 1, { size: "1024x1024", priceFrom: true }),
      ],
    });
    store.composer.estimateKey = priceKey(spec);
    const html = render(EstimateTargets).body;
    expect(count(html, "estimate-target")).toBe(2);
    expect(html).toMatch(/data-model="gemini-3.1-flash-image-preview-4k" data-size="4K"/);
    expect(html).toContain('data-testid="estimate-size">1024×1024<');
    expect(html).toContain('data-testid="estimate-credits">from 1 cr<');
    expect(html).toContain('data-from="true"');
    expect(html).not.toContain("stale");
  });
  it("dims the lines while a new estimate is on its way", () => {
    store.composer.form = choose("gpt-image-2");
    store.composer.estimate = estimate({ targets: [targetEstimate("gpt-image-2", 14, { size: "1024x1024" })] });
    store.composer.estimateKey = priceKey(store.composer.request);
    store.composer.setOption("quality", "low");
    const html = render(EstimateTargets).body;
    expect(html).toContain("stale");
    expect(html).toContain('data-testid="estimate-credits">1 cr<');
  });
});

describe("billing note", () => {
  const billed = () =>
    run("r1", {
      status: "done",
      targets: [
        target(0, {
          modelId: "gemini-3.1-flash-image-preview-4k",
          status: "done",
          cost: credits(6),
          outputs: [
            {
              ...output(0, 2048, 2048),
              billing: {
                askedTier: "4K",
                billedTier: "2K",
                billedEntry: "gemini-3.1-flash-image-preview-2k",
                cost: credits(6),
              },
            },
          ],
        }),
      ],
    });

  it("shows in the result cell's header, with the note as the tooltip and an amber dot", () => {
    const r = billed();
    const html = render(ResultCell, {
      props: { run: r, target: r.targets[0], entry: CATALOG[3], selected: false, now: Date.now() },
    }).body;
    const head = html.slice(html.indexOf("<header"), html.indexOf("</header>"));
    expect(head).toMatch(
      /data-testid="billing-note" title="Asked 4K, delivered 2048×2048 \(2K\): 6 credits\.">asked 4K → got 2K</,
    );
    expect(head).toMatch(/class="dot partial/);
    expect(html).toMatch(
      /class="num credits[^"]*billed[^"]*" data-testid="cell-credits" title="Credits charged, by the delivered output:\nAsked 4K/,
    );
  });
  it("is absent when billed as asked", () => {
    const r = run("r2", {
      status: "done",
      targets: [target(0, { status: "done", cost: credits(4), outputs: [output(0)] })],
    });
    const html = render(ResultCell, {
      props: { run: r, target: r.targets[0], entry: CATALOG[1], selected: false, now: Date.now() },
    }).body;
    expect(count(html, "billing-note")).toBe(0);
    expect(html).toContain('title="Credits charged"');
  });
  it("shows in the inspector's foot, and the multipart part names in its request view", () => {
    const r = billed();
    r.targets[0].request = {
      method: "POST",
      url: "http://x/v1/images/edits",
      headers: [],
      jsonBody: null,
      parts: [
        { name: "model", fileName: null, mime: null, size: 30, text: "gemini-3.1-flash-image-preview" },
        { name: "image[]", fileName: "a.png", mime: "image/png", size: 10, text: null },
        { name: "image[]", fileName: "b.png", mime: "image/png", size: 10, text: null },
      ],
    };
    store.runs.inspectorOpen = true;
    store.runs.selectedTarget = 0;
    const html = render(Inspector, { props: { run: r } }).body;
    expect(html).toContain('data-testid="inspector-billing-note"');
    expect(html).toContain(NOTE);
    expect(html).toContain("Images sent as image[] (2 parts)");
    expect(count(html, "request-part")).toBe(3);
    expect(html).toContain('data-name="image[]"');
    store.runs.inspectorOpen = false;
  });
});
