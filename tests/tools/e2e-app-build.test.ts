import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { appBuildBlocked, appBuildImages, dockerfileImages } from "../e2e/lib/app-build";

describe("the e2e suite's app image build (tests/e2e/lib/app-build.ts)", () => {
  it("reads a Dockerfile's frontend and the defaults of its base image arguments", () => {
    assert.deepEqual(
      dockerfileImages(
        "# syntax=docker/dockerfile:1.7\nARG PYTHON_IMAGE=python:3.12.8-slim-bookworm\nARG UV_VERSION=0.5.11\nFROM ${PYTHON_IMAGE}\n",
      ),
      ["docker/dockerfile:1.7", "python:3.12.8-slim-bookworm"],
    );
    assert.deepEqual(dockerfileImages("FROM scratch\n"), []);
  });

  it("names every image the app's Dockerfiles need from the engine", () => {
    assert.deepEqual(appBuildImages(), [
      "docker/dockerfile:1.7",
      "node:22.11.0-alpine3.20",
      "python:3.12.8-slim-bookworm",
    ]);
  });

  it("says why the images cannot be built: no checkout, an incomplete one, missing images", () => {
    const checkout = fs.mkdtempSync(path.join(os.tmpdir(), "app-checkout-"));
    fs.mkdirSync(path.join(checkout, "api"));
    assert.equal(
      appBuildBlocked(undefined, () => true),
      "no checkout of the app to build its images from: the dev stack's git URL cannot be fetched here (no internet); set HOMEPORT_E2E_APP_CHECKOUT to a checkout holding api/ and web/ on a machine whose engine reaches PyPI and npm",
    );
    assert.equal(
      appBuildBlocked(checkout, () => true),
      `HOMEPORT_E2E_APP_CHECKOUT=${checkout} has no web directory`,
    );
    fs.mkdirSync(path.join(checkout, "web"));
    assert.equal(
      appBuildBlocked(checkout, (image) => image.startsWith("python:")),
      "the engine has no docker/dockerfile:1.7, node:22.11.0-alpine3.20, which the app's Dockerfiles build from, and there is no registry here to pull them from",
    );
    assert.equal(
      appBuildBlocked(checkout, () => true),
      undefined,
    );
    fs.rmSync(checkout, { recursive: true });
  });
});
