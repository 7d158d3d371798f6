/**
 * The floating IP on Kubernetes: MetalLB in layer-2 mode answers ARP for the address from one of
 * the listed nodes, and the proxy's Service of type LoadBalancer asks for exactly that address.
 *
 * Fields follow metallb/metallb api/v1beta1/ipaddresspool_types.go and
 * api/v1beta1/l2advertisement_types.go; the Service annotation is AnnotationLoadBalancerIPs in
 * controller/service.go ("metallb.io/loadBalancerIPs"; "metallb.universe.tf/loadBalancerIPs" is
 * its deprecated spelling).
 */
import { FloatingIp } from "./floating-ip";

export const METALLB_API_VERSION = "metallb.io/v1beta1";
/** The namespace MetalLB's manifests install into and read their configuration from. */
export const METALLB_NAMESPACE = "metallb-system";
export const METALLB_LOAD_BALANCER_IPS = "metallb.io/loadBalancerIPs";
/** The node label the advertisement selects nodes by. */
export const HOSTNAME_LABEL = "kubernetes.io/hostname";

/** What MetalLB needs of the floating IP: a {@link FloatingIp} has it. */
export interface MetallbAddress {
  readonly address: Pick<FloatingIp["address"], "ip">;
  readonly interface: string;
  readonly nodes: readonly { readonly name: string }[];
}

export interface MetallbArgs {
  readonly floatingIp: MetallbAddress;
  /** Name of the pool and of the advertisement. */
  readonly name: string;
  /** Where MetalLB runs. @default "metallb-system" */
  readonly namespace?: string;
  /** Labels on both objects. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

interface Metadata {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface IpAddressPool {
  readonly apiVersion: typeof METALLB_API_VERSION;
  readonly kind: "IPAddressPool";
  readonly metadata: Metadata;
  readonly spec: { readonly addresses: readonly string[]; readonly autoAssign: boolean };
}

export interface L2Advertisement {
  readonly apiVersion: typeof METALLB_API_VERSION;
  readonly kind: "L2Advertisement";
  readonly metadata: Metadata;
  readonly spec: {
    readonly ipAddressPools: readonly string[];
    readonly interfaces: readonly string[];
    readonly nodeSelectors: readonly {
      readonly matchExpressions: readonly {
        readonly key: string;
        readonly operator: "In";
        readonly values: readonly string[];
      }[];
    }[];
  };
}

/**
 * The pool of the one address (a /32: MetalLB hands out addresses, the prefix belongs to the
 * nodes' network) and its layer-2 advertisement on the named interface from the listed nodes only.
 * `autoAssign: false`: no other LoadBalancer Service may take the address; only a Service that
 * names it gets it.
 */
export function metallbObjects(args: MetallbArgs): {
  pool: IpAddressPool;
  advertisement: L2Advertisement;
} {
  const metadata: Metadata = {
    name: args.name,
    namespace: args.namespace ?? METALLB_NAMESPACE,
    labels: { ...args.labels },
  };
  return {
    pool: {
      apiVersion: METALLB_API_VERSION,
      kind: "IPAddressPool",
      metadata,
      spec: { addresses: [`${args.floatingIp.address.ip}/32`], autoAssign: false },
    },
    advertisement: {
      apiVersion: METALLB_API_VERSION,
      kind: "L2Advertisement",
      metadata,
      spec: {
        ipAddressPools: [args.name],
        interfaces: [args.floatingIp.interface],
        nodeSelectors: [
          {
            matchExpressions: [
              {
                key: HOSTNAME_LABEL,
                operator: "In",
                values: args.floatingIp.nodes.map((n) => n.name),
              },
            ],
          },
        ],
      },
    },
  };
}

/** What the proxy's Service takes on so that MetalLB gives it the floating address. */
export interface LoadBalancerServiceFields {
  readonly type: "LoadBalancer";
  readonly annotations: Readonly<Record<string, string>>;
  /**
   * Local: the address is announced only from a node with a ready proxy pod (MetalLB's layer-2
   * speaker announces from nodes with a ready endpoint: speaker/layer2_controller.go, ShouldAnnounce), so the address leaves a node whose proxy is down,
   * and the proxy sees the client's own address for its trusted-forwarder checks.
   */
  readonly externalTrafficPolicy: "Local";
}

export function loadBalancerServiceFields(
  floatingIp: Pick<MetallbAddress, "address">,
): LoadBalancerServiceFields {
  return {
    type: "LoadBalancer",
    annotations: { [METALLB_LOAD_BALANCER_IPS]: floatingIp.address.ip },
    externalTrafficPolicy: "Local",
  };
}
