export * from "./load";
export * from "./read";
export * from "./schema";
