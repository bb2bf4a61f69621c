import "./app.css";
import { mount } from "svelte";
import App from "./App.svelte";
import { inTauri } from "./lib/api";

async function start(): Promise<void> {
  // In a plain browser during development, a fake backend stands in for the Rust side.
  // The production bundle never contains it (import.meta.env.DEV is false there).
  if (import.meta.env.DEV && !inTauri()) {
    const { installMock } = await import("./lib/mock");
    installMock();
  }
  const target = document.getElementById("app");
  if (target) mount(App, { target });
}

void start();
