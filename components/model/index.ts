export * from "./defaults";
export * from "./metadata";
export * from "./resolve";
export * from "./units";
export * from "./workload";
