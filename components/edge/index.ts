export * from "./floating-ip";
export * from "./keepalived-conf";
export * from "./keepalived-workload";
export * from "./metallb";
export * from "./metallb-crds";
export * from "./edge";
