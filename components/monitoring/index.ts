export * from "./alert-rules";
export * from "./alertmanager-config";
export * from "./grafana-provisioning";
export * from "./images";
export * from "./monitoring";
export * from "./prometheus-config";
