export * from "./certificates";
export * from "./reverse-proxy";
export * from "./reverse-proxy-args";
export * from "./traefik-args";
export * from "./traefik-workload";
