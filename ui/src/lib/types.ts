// The IPC types, generated from Rust (ui/src/bindings, made by ts-rs and pixbench-core's
// command declarations). Never declare IPC types by hand: import them from here.
export type * from "../bindings";
