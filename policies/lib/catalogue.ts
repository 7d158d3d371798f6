import { routeRequireTls } from "../rules/route-require-tls";
import { serviceNoExternalExposure } from "../rules/service-no-external-exposure";
import { stackDashboardsRequireAuth } from "../rules/stack-dashboards-require-auth";
import { stackNoSinglePointOfFailure } from "../rules/stack-no-single-point-of-failure";
import { stackCephReplication } from "../rules/stack-ceph-replication";
import { stackQuorumOddMembers } from "../rules/stack-quorum-odd-members";
import { stackVrrpRouterIds } from "../rules/stack-vrrp-router-ids";
import { stackSharedNotOnLocal } from "../rules/stack-shared-not-on-local";
import { workloadBoundedRestart } from "../rules/workload-bounded-restart";
import { workloadDockerSocketRestricted } from "../rules/workload-docker-socket-restricted";
import { workloadDropCapabilities } from "../rules/workload-drop-capabilities";
import { workloadImagePinned } from "../rules/workload-image-pinned";
import { workloadMinReplicas } from "../rules/workload-min-replicas";
import { workloadNetworkCapabilities } from "../rules/workload-network-capabilities";
import { workloadNoHostNamespaces } from "../rules/workload-no-host-namespaces";
import { workloadIsolatedByFlows } from "../rules/workload-isolated-by-flows";
import { workloadNoHostPorts } from "../rules/workload-no-host-ports";
import { workloadNoPrivilegeEscalation } from "../rules/workload-no-privilege-escalation";
import { workloadNoPrivileged } from "../rules/workload-no-privileged";
import { workloadNoSensitiveHostPaths } from "../rules/workload-no-sensitive-host-paths";
import { workloadRequireDisruptionBudget } from "../rules/workload-require-disruption-budget";
import { workloadRequireHealthCheck } from "../rules/workload-require-health-check";
import { workloadRequireMemoryLimit } from "../rules/workload-require-memory-limit";
import { workloadRequireReadiness } from "../rules/workload-require-readiness";
import { workloadRequireResourceRequests } from "../rules/workload-require-resource-requests";
import { workloadRollbackOnFailure } from "../rules/workload-rollback-on-failure";
import { workloadSecretsNotInEnv } from "../rules/workload-secrets-not-in-env";
import { workloadSpreadAcrossNodes } from "../rules/workload-spread-across-nodes";
import { workloadSqliteNotOnNetworkFs } from "../rules/workload-sqlite-not-on-network-fs";
import { workloadLivenessLocal } from "../rules/workload-liveness-local";
import { workloadPerNodePriority } from "../rules/workload-per-node-priority";
import { workloadReadOnlyRootFilesystem } from "../rules/workload-read-only-root-filesystem";
import { workloadRunAsNonRoot } from "../rules/workload-run-as-non-root";
import { workloadStatefulPersistentStorage } from "../rules/workload-stateful-persistent-storage";
import { HomeportPolicy } from "./rule";

/** Every rule of the pack, in the order of the docs table. */
export const POLICIES: readonly HomeportPolicy[] = [
  workloadRequireHealthCheck,
  workloadRequireReadiness,
  workloadImagePinned,
  workloadRequireResourceRequests,
  workloadRequireMemoryLimit,
  workloadMinReplicas,
  workloadRequireDisruptionBudget,
  workloadSpreadAcrossNodes,
  workloadBoundedRestart,
  workloadRollbackOnFailure,
  workloadStatefulPersistentStorage,
  workloadSqliteNotOnNetworkFs,
  workloadNoPrivileged,
  workloadNoPrivilegeEscalation,
  workloadDropCapabilities,
  workloadNetworkCapabilities,
  workloadNoHostNamespaces,
  workloadIsolatedByFlows,
  workloadNoHostPorts,
  workloadDockerSocketRestricted,
  workloadNoSensitiveHostPaths,
  workloadSecretsNotInEnv,
  workloadReadOnlyRootFilesystem,
  workloadRunAsNonRoot,
  workloadLivenessLocal,
  workloadPerNodePriority,
  routeRequireTls,
  serviceNoExternalExposure,
  stackNoSinglePointOfFailure,
  stackQuorumOddMembers,
  stackDashboardsRequireAuth,
  stackVrrpRouterIds,
  stackCephReplication,
  stackSharedNotOnLocal,
];

/** Name of the pack, as `pulumi preview --policy-pack` reports it. */
export const PACK_NAME = "homeport";
