export * from "./certificates";
export * from "./reverse-proxy";
export * from "./traefik-args";
export * from "./traefik-workload";
