export * from "./create-adapter";
