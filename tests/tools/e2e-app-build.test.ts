import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { spawnSync } from "node:child_process";
import {
  appBuildBlocked,
  appBuildImages,
  dockerfileImages,
  standinCheckout,
} from "../e2e/lib/app-build";

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

  it("takes the base images that build arguments name instead of the defaults", () => {
    assert.deepEqual(
      dockerfileImages("ARG PYTHON_IMAGE=python:3.12.8-slim-bookworm\nARG NODE_IMAGE=node:22\n", {
        PYTHON_IMAGE: "homeport-e2e/app-base:1",
      }),
      ["homeport-e2e/app-base:1", "node:22"],
    );
    assert.deepEqual(
      appBuildImages({
        PYTHON_IMAGE: "homeport-e2e/app-base:1",
        NODE_IMAGE: "homeport-e2e/app-base:1",
      }),
      ["docker/dockerfile:1.7", "homeport-e2e/app-base:1"],
    );
  });

  it("names every image the app's Dockerfiles need from the engine", () => {
    assert.deepEqual(appBuildImages(), [
      "docker/dockerfile:1.7",
      "node:22.11.0-alpine3.20",
      "python:3.12.8-slim-bookworm",
    ]);
  });

  it("says why the images cannot be built: an incomplete checkout, missing images", () => {
    const checkout = fs.mkdtempSync(path.join(os.tmpdir(), "app-checkout-"));
    fs.mkdirSync(path.join(checkout, "api"));
    assert.equal(
      appBuildBlocked(checkout, () => true),
      `the app checkout ${checkout} has no web directory`,
    );
    fs.mkdirSync(path.join(checkout, "web"));
    assert.equal(
      appBuildBlocked(checkout, (image) => image.startsWith("python:")),
      "the engine has no docker/dockerfile:1.7, node:22.11.0-alpine3.20, which the app's Dockerfiles build from, and there is no registry here to pull them from",
    );
    assert.equal(
      appBuildBlocked(checkout, (image) => image !== "homeport-e2e/app-base:1", {
        PYTHON_IMAGE: "homeport-e2e/app-base:1",
      }),
      "the engine has no homeport-e2e/app-base:1, which the app's Dockerfiles build from, and there is no registry here to pull them from",
    );
    assert.equal(
      appBuildBlocked(checkout, () => true),
      undefined,
    );
    fs.rmSync(checkout, { recursive: true });
  });

  it("lays out the stand-in app as a checkout, with the bucket job's storage module", () => {
    const checkout = standinCheckout();
    const files = (dir: string): string[] =>
      fs
        .readdirSync(path.join(checkout, dir), { recursive: true, encoding: "utf8" })
        .filter((f) => fs.statSync(path.join(checkout, dir, f)).isFile())
        .sort();
    assert.deepEqual(files("api"), [
      "image_api/__init__.py",
      "image_api/storage.py",
      "image_api/web.py",
      "image_api/worker.py",
      "pyproject.toml",
      "uv.lock",
    ]);
    assert.deepEqual(files("web"), ["build.mjs", "package-lock.json", "package.json"]);
    assert.equal(
      fs.readFileSync(path.join(checkout, "api/image_api/storage.py"), "utf8"),
      fs.readFileSync(path.join(__dirname, "../e2e/images/standin/image_api/storage.py"), "utf8"),
    );
    assert.equal(
      appBuildBlocked(checkout, () => true),
      undefined,
    );
    fs.rmSync(checkout, { recursive: true });
  });

  it("puts into the app's base the dependencies the Dockerfiles pin, at their versions", () => {
    const r = spawnSync("bash", [path.join(__dirname, "../e2e/images/build-app-base.sh"), "pins"], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), [
      "uv==0.5.11",
      "gunicorn==23.0.0",
      "celery==5.5.3",
      "kombu==5.5.4",
      "serve@14.2.4",
    ]);
  });

  it("the stand-in SPA's build writes dist/ with the page and the upstream default /config.json", () => {
    const web = fs.mkdtempSync(path.join(os.tmpdir(), "app-web-"));
    fs.cpSync(path.join(__dirname, "../e2e/app-standin/web"), web, { recursive: true });
    const r = spawnSync("npm", ["run", "build"], { cwd: web, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(path.join(web, "dist")).sort(), ["config.json", "index.html"]);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(web, "dist/config.json"), "utf8")), {
      endpoint: "http://localhost:8080/",
    });
    fs.rmSync(web, { recursive: true });
  });

  it("the stand-in API answers /health once its settings are wired in, and 404 elsewhere", () => {
    const api = path.join(__dirname, "../e2e/app-standin/api");
    const call = (pathInfo: string, env: Record<string, string>) => {
      const r = spawnSync(
        "python3",
        [
          "-c",
          [
            "import sys",
            "from image_api.web import app",
            "def start(status, headers): print(status)",
            'print(b"".join(app({"PATH_INFO": sys.argv[1]}, start)).decode())',
          ].join("\n"),
          pathInfo,
        ],
        {
          cwd: api,
          encoding: "utf8",
          // No __pycache__ in the fixture, which the checkout copies.
          env: { PATH: process.env.PATH, PYTHONDONTWRITEBYTECODE: "1", ...env },
        },
      );
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const wired = {
      CELERY_BROKER_URL: "amqp://u:p@rabbitmq:5672//",
      S3_ENDPOINT_URL: "http://minio:9000",
      S3_BUCKET_NAME: "images",
      AWS_ACCESS_KEY_ID: "key",
    };
    assert.equal(call("/health", wired), '200 OK\n{"status": "ok", "missing": []}\n');
    assert.equal(
      call("/health", { ...wired, AWS_ACCESS_KEY_ID: "" }),
      '503 Service Unavailable\n{"status": "missing settings", "missing": ["AWS_ACCESS_KEY_ID"]}\n',
    );
    assert.equal(call("/", wired), '404 Not Found\n{"error": "not found"}\n');
  });
});
