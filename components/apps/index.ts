export * from "./app-specs";
export * from "./app-tier";
export * from "./secret-files";
