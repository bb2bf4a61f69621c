// The only module that talks to the Rust side: Tauri commands (`invoke`) and events
// (`listen`), typed by the command and event maps generated from the Rust declarations
// (crates/pixbench-core/src/commands.rs → ui/src/bindings/index.ts). See docs/IPC.md.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import type { CommandName, Commands, EventName, Events } from "./types";

/** A command's arguments, or nothing for a command that takes none. */
export type ArgsOf<K extends CommandName> = keyof Commands[K]["args"] extends never ? [] : [Commands[K]["args"]];

/** Calls a command by its declared name; rejects with a `UiError`. */
export function call<K extends CommandName>(name: K, ...args: ArgsOf<K>): Promise<Commands[K]["result"]> {
  return invoke<Commands[K]["result"]>(name, args[0] as Record<string, unknown> | undefined);
}

/** Listens to an event by its declared name. */
export function on<E extends EventName>(event: E, cb: (payload: Events[E]) => void): Promise<UnlistenFn> {
  return listen<Events[E]>(event, (e) => cb(e.payload));
}

export type DropEvent = { type: "enter" | "over" } | { type: "drop"; paths: string[] } | { type: "leave" };

/** Files dragged onto the window (Tauri delivers drops as paths, not as DOM events). */
export async function onFileDrop(cb: (e: DropEvent) => void): Promise<UnlistenFn> {
  return getCurrentWebview().onDragDropEvent((event) => {
    const p = event.payload;
    if (p.type === "drop") cb({ type: "drop", paths: p.paths });
    else if (p.type === "leave") cb({ type: "leave" });
    else cb({ type: p.type });
  });
}

/** True inside the Tauri shell (false in a plain browser, e.g. `vite dev` with the mock). */
export function inTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}
