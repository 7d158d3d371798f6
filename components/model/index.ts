export * from "./defaults";
export * from "./metadata";
export * from "./metrics-discovery";
export * from "./platform";
export * from "./resolve";
export * from "./traefik";
export * from "./units";
export * from "./workload";
