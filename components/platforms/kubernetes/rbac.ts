import * as k8s from "@pulumi/kubernetes";
import { ResolvedWorkload } from "../../model";

/** What a discovering workload may read: pods, services and endpoints of its namespace. */
export const DISCOVERY_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  {
    apiGroups: [""],
    resources: ["pods", "services", "endpoints"],
    verbs: ["get", "list", "watch"],
  },
  {
    apiGroups: ["discovery.k8s.io"],
    resources: ["endpointslices"],
    verbs: ["get", "list", "watch"],
  },
];

/** What the reverse proxy may do in the stack's namespace: read routes, their backends and TLS. */
export const ROUTE_SERVING_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  {
    apiGroups: [""],
    resources: ["services", "secrets", "configmaps"],
    verbs: ["get", "list", "watch"],
  },
  { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses/status"], verbs: ["update"] },
  {
    apiGroups: ["traefik.io"],
    resources: [
      "middlewares",
      "middlewaretcps",
      "ingressroutes",
      "ingressroutetcps",
      "ingressrouteudps",
      "traefikservices",
      "tlsoptions",
      "tlsstores",
      "serverstransports",
      "serverstransporttcps",
    ],
    verbs: ["get", "list", "watch"],
  },
];

/** What the reverse proxy may read cluster-wide: IngressClasses and Nodes, which are not namespaced. */
export const ROUTE_SERVING_CLUSTER_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  {
    apiGroups: ["networking.k8s.io"],
    resources: ["ingressclasses"],
    verbs: ["get", "list", "watch"],
  },
  { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
];

/** True when a workload talks to the Kubernetes API and so gets its own service account. */
export const usesApi = (w: ResolvedWorkload): boolean =>
  w.security.discovery || w.security.servesRoutes;
