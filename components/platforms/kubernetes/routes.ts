import * as k8s from "@pulumi/kubernetes";
import {
  ENTRYPOINT_WEB,
  ENTRYPOINT_WEBSECURE,
  isInternal,
  ResolvedWorkload,
  routeMiddlewareNames,
} from "../../model";
import { loadBalancerServiceFields } from "../../edge/metallb";
import { internalTlsSecretName, selectorLabels } from "./names";

/** cert-manager's Ingress annotation naming the ClusterIssuer that fills the TLS secrets. */
export const CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer";

/** The Ingress annotations that ask cert-manager's `clusterIssuer`, if any, for the TLS secret. */
export const issuerAnnotations = (clusterIssuer: string | undefined): Record<string, string> =>
  clusterIssuer ? { [CLUSTER_ISSUER_ANNOTATION]: clusterIssuer } : {};

/** The controller name Traefik's Kubernetes Ingress provider answers to. */
export const TRAEFIK_INGRESS_CONTROLLER = "traefik.io/ingress-controller";

/** True when the workload has routes an Ingress can carry. */
export const hasIngressRoutes = (w: ResolvedWorkload): boolean =>
  w.routes.some((r) => !isInternal(r));

/**
 * The LoadBalancer Service for a workload's published ports (the reverse proxy's 80 and 443), or
 * undefined when it publishes none. A load balancer (MetalLB, the cloud's, k3s' ServiceLB) takes
 * the role of Swarm's and Nomad's node ports without binding host ports, which the namespace's
 * baseline Pod Security level forbids; `Local` keeps the client's address.
 */
export function publicServiceSpec(
  w: ResolvedWorkload,
): k8s.types.input.core.v1.ServiceSpec | undefined {
  return publicService(w)?.spec;
}

/**
 * The public Service's spec, and its annotations: with a floating address, MetalLB's annotation
 * asks for exactly that address (components/edge/metallb.ts).
 */
export function publicService(
  w: ResolvedWorkload,
): { spec: k8s.types.input.core.v1.ServiceSpec; annotations: Record<string, string> } | undefined {
  const published = w.ports.flatMap((p) =>
    p.publish ? [{ ...p, hostPort: p.publish.hostPort }] : [],
  );
  if (published.length === 0) return undefined;
  const floating = w.floatingAddress
    ? loadBalancerServiceFields({ address: { ip: w.floatingAddress } })
    : undefined;
  return {
    annotations: { ...floating?.annotations },
    spec: {
      type: "LoadBalancer",
      externalTrafficPolicy: "Local",
      selector: selectorLabels(w),
      ports: published.map((p) => ({
        name: p.name,
        port: p.hostPort,
        targetPort: p.name,
        protocol: p.protocol.toUpperCase(),
      })),
    },
  };
}

/** Ingress rules and TLS for a workload's routes (Traefik's Ingress provider). */
export function ingressSpec(
  w: ResolvedWorkload,
  ingressClass: string,
  upstreamEntryPoints?: readonly string[],
): k8s.types.input.networking.v1.IngressSpec {
  const routes = w.routes.filter((r) => !isInternal(r));
  // Where TLS ends upstream, no route asks for a certificate here.
  const tlsHosts = upstreamEntryPoints
    ? []
    : [...new Set(routes.filter((r) => r.tls).map((r) => r.host))];
  return {
    ingressClassName: ingressClass,
    tls: tlsHosts.length > 0 ? [{ hosts: tlsHosts, secretName: `${w.name}-tls` }] : undefined,
    rules: routes.map((r) => ({
      host: r.host,
      http: {
        paths: [
          {
            path: r.pathPrefix,
            pathType: "Prefix",
            backend: { service: { name: w.name, port: { name: r.port } } },
          },
        ],
      },
    })),
  };
}

/** Traefik annotations of the workload's Ingress: entry point, TLS, middlewares. */
export function ingressAnnotations(
  w: ResolvedWorkload,
  namespace: string,
  extra: Record<string, string>,
  upstreamEntryPoints?: readonly string[],
): Record<string, string> {
  const anyTls = !upstreamEntryPoints && w.routes.some((r) => r.tls && !isInternal(r));
  // Traefik's CRD provider names a middleware "<namespace>-<name>@kubernetescrd".
  const middlewares = w.routes.flatMap((r, i) =>
    isInternal(r)
      ? []
      : routeMiddlewareNames(w, i).map((name) => `${namespace}-${name}@kubernetescrd`),
  );
  return {
    "traefik.ingress.kubernetes.io/router.entrypoints": upstreamEntryPoints
      ? upstreamEntryPoints.join(",")
      : anyTls
        ? ENTRYPOINT_WEBSECURE
        : ENTRYPOINT_WEB,
    ...(anyTls ? { "traefik.ingress.kubernetes.io/router.tls": "true" } : {}),
    ...(middlewares.length > 0
      ? { "traefik.ingress.kubernetes.io/router.middlewares": middlewares.join(",") }
      : {}),
    ...extra,
  };
}

/**
 * cert-manager Certificate for the hosts of a workload's TLS routes to proxy-internal services
 * (cert-manager's Ingress integration does not see IngressRoutes), or undefined when it has none.
 */
export function internalCertificateSpec(
  w: ResolvedWorkload,
  clusterIssuer: string,
): Record<string, unknown> | undefined {
  const hosts = [...new Set(w.routes.filter((r) => isInternal(r) && r.tls).map((r) => r.host))];
  if (hosts.length === 0) return undefined;
  return {
    secretName: internalTlsSecretName(w),
    dnsNames: hosts,
    issuerRef: { kind: "ClusterIssuer", name: clusterIssuer },
  };
}
