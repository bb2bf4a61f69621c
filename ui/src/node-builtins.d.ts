// The two Node built-ins that lib/command-surface.test.ts reads the sources with (Vitest
// runs it in Node). The package has no @types/node, and svelte-check (--fail-on-warnings)
// type-checks the tests too; this declares only what the test uses.
declare module "node:fs" {
  export function readFileSync(path: string, encoding: "utf8"): string;
}
declare module "node:url" {
  export function fileURLToPath(url: URL | string): string;
}
