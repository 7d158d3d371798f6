import { TYPES } from "../../policies/lib/leaves";

/**
 * Pulumi type tokens of every resource the tests assert on, in one place: the leaf types the
 * policy pack reads, and the supporting resources beside them.
 */
export const TOKENS = {
  ...TYPES,
  swarmConfig: "docker:index/serviceConfig:ServiceConfig",
  nomadVariable: "pulumi-nodejs:dynamic/nomad:Variable",
  secret: "kubernetes:core/v1:Secret",
  configMap: "kubernetes:core/v1:ConfigMap",
  namespace: "kubernetes:core/v1:Namespace",
  ingressClass: "kubernetes:networking.k8s.io/v1:IngressClass",
  ingressRoute: "kubernetes:traefik.io/v1alpha1:IngressRoute",
  certificate: "kubernetes:cert-manager.io/v1:Certificate",
  role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
  clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  randomPassword: "random:index/randomPassword:RandomPassword",
} as const;
