export * from "./crds";
export * from "./labels";
export * from "./middlewares";
export * from "./names";
