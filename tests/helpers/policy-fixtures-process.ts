// One process for the policy test files whose only use of Pulumi's runtime is the rule fixtures
// (tests/policies/fixtures.ts renders them at most once a process): each file a suite, as in
// tests/helpers/shared-process.ts, one render and one process start instead of one a file.
import { describeFiles } from "./shared-process";

describeFiles("HOMEPORT_POLICY_FIXTURE_TEST_FILES");
